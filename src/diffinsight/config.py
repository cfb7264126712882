"""The configuration file: categories, languages, output; strict about typos.

The existing tool's file works unchanged::

    categories:
      openai: {paths: [articles/ai-services/openai]}
      search: {paths: [articles/search]}
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from diffinsight.errors import ConfigError

DEFAULT_OUTPUT = "reports/%Y%m/{lang}/report-%Y%m%d-{category}.md"


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
    """Everything a report run can be told by file."""

    model_config = ConfigDict(extra="forbid")

    categories: dict[str, CategoryConfig] = Field(default_factory=dict)
    #: Category for files no category matches; ``null`` drops them (with a warning).
    catch_all: str | None = "misc"
    languages: list[str] = Field(default_factory=list)
    output: str | None = None
    title: str | None = None
    timezone: str | None = None
    #: Settings of the LLM writer (read by that writer; kept as data here).
    llm: dict[str, Any] = Field(default_factory=dict)


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


def parse_config(text: str, name: str = "config", model: type[_C] = Config) -> _C:  # type: ignore[assignment]
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
        return model.model_validate(data)
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
            msg = f"{key}: {err['msg']}"
        raise ConfigError(f"{name}:{where}: {msg}") from exc


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
