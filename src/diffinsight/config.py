"""The configuration file: categories, languages, output; strict about typos.

The existing tool's file works unchanged::

    categories:
      openai: {paths: [articles/ai-services/openai]}
      search: {paths: [articles/search]}
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, TypeVar, overload
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator

from diffinsight.errors import ConfigError, InputError

__all__ = ["DEFAULT_OUTPUT", "CategoryConfig", "Config", "load_config", "parse_config", "zone_of"]

DEFAULT_OUTPUT = "reports/%Y%m/{lang}/report-%Y%m%d-{category}.md"
#: The fields a report title template may name.
TITLE_FIELDS = ("lang", "category", "repo", "date")


def zone_of(name: str, option: str = "--tz") -> ZoneInfo:
    """The IANA time zone ``name``; :class:`InputError` naming ``option`` when unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(
            f"{option} {name}: unknown time zone; use an IANA name such as UTC or Asia/Tokyo"
        ) from None


def check_timezone(value: str | None) -> str | None:
    """Pydantic check of a ``timezone:`` setting."""
    if value is not None:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r}; use an IANA name such as UTC or Asia/Tokyo"
            ) from None
    return value


def check_title(value: str | None) -> str | None:
    """Pydantic check of a ``title:`` template: only the known ``{fields}``."""
    if value is not None:
        try:
            value.format(**dict.fromkeys(TITLE_FIELDS, ""))
        except (KeyError, IndexError, ValueError, AttributeError) as exc:
            fields = ", ".join("{" + f + "}" for f in TITLE_FIELDS)
            detail = f"unknown field {{{exc.args[0]}}}" if isinstance(exc, KeyError) else str(exc)
            raise ValueError(
                f"{detail}; a title may use {fields} (write {{{{ and }}}} for braces)"
            ) from None
    return value


def check_languages(value: list[str] | None) -> list[str] | None:
    """Pydantic check of ``languages:``: known catalogues, aliases such as ``zh-CN`` normalised."""
    if value is None:
        return None
    from diffinsight.i18n import normalize_language

    try:
        return [normalize_language(v, option="language") for v in value]
    except InputError as exc:
        raise ValueError(str(exc)) from None


#: Setting types that check themselves.
TimeZoneSetting = Annotated[str | None, AfterValidator(check_timezone)]
TitleSetting = Annotated[str | None, AfterValidator(check_title)]


class CategoryConfig(BaseModel):
    """One category: the path prefixes or globs of its files."""

    model_config = ConfigDict(extra="forbid")

    paths: list[str]

    @field_validator("paths")
    @classmethod
    def _not_empty(cls, v: list[str]) -> list[str]:
        if not v or not all(isinstance(p, str) and p.strip() for p in v):
            raise ValueError("needs at least one path prefix or glob")
        return v


class Config(BaseModel):
    """Everything a report run can be told by file.

    The one declaration of each report setting: the watch list takes these fields as they are,
    at its top level and for each repository (:mod:`diffinsight.watchlist`).
    """

    model_config = ConfigDict(extra="forbid")

    categories: dict[str, CategoryConfig] = Field(default_factory=dict)
    #: Category for files no category matches; ``null`` drops them (with a warning).
    catch_all: str | None = "misc"
    languages: Annotated[list[str], AfterValidator(check_languages)] = Field(default_factory=list)
    output: str | None = None
    title: TitleSetting = None
    timezone: TimeZoneSetting = None
    #: Settings of the LLM writer (read by that writer; kept as data here).
    llm: dict[str, Any] = Field(default_factory=dict)
    #: Days the daily job keeps retrying, with the model, a day written offline because the
    #: model was unreachable (0: never retry).
    llm_retry_days: int = Field(default=3, ge=0)
    #: Where the docs are published (``https://learn.microsoft.com``): the report site links
    #: a report's links from the docs root (``/azure/...``) there.
    docs_url: str | None = None


def _key_line(text: str, dotted: tuple[str | int, ...]) -> int | None:
    """Line (1-based) of the YAML key at ``dotted``, for error messages."""
    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return None
    line = None
    for part in dotted:
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if k.value == str(part):
                    line, node = k.start_mark.line + 1, v
                    break
            else:
                return line
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value)
        ):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


_C = TypeVar("_C", bound=BaseModel)


@overload
def parse_config(text: str, name: str = ...) -> Config: ...


@overload
def parse_config(text: str, name: str = ..., *, model: type[_C]) -> _C: ...


def parse_config(text: str, name: str = "config", *, model: type[BaseModel] = Config) -> BaseModel:
    """Validate config text as ``model``; :class:`ConfigError` names the file, the key and its line."""
    try:
        data = yaml.safe_load(text) if text.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise ConfigError(f"{name}:{where}: not valid YAML; fix the syntax") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{name}: expected a mapping of settings at the top level")
    try:
        result = model.model_validate(data)
    except ValidationError as exc:
        # A typo shows as an unknown key plus a missing one: name the typo.
        err = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")[0]
        loc = tuple(err["loc"])
        line = _key_line(text, loc)
        where = f" line {line}" if line else ""
        key = ".".join(str(p) for p in loc)
        if err["type"] == "extra_forbidden":
            msg = f"unknown key {key!r}; check its spelling"
        else:
            # Our own checks raise ValueError; pydantic prefixes its message with "Value error, ".
            msg = f"{key}: {err['msg'].removeprefix('Value error, ')}"
        raise ConfigError(f"{name}:{where}: {msg}") from exc
    if isinstance(result, Config):
        from diffinsight.writers.llm.settings import check_llm_mapping

        check_llm_mapping(result.llm, name, ("llm",), lambda loc: _key_line(text, loc))
    return result


def load_config(path: str | Path | None) -> Config:
    """Read a config file (no path: the defaults)."""
    if path is None:
        return Config()
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the config file ({exc}); check the path") from exc
    return parse_config(text, str(path))
