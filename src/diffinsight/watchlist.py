"""The watch list: which repositories the daily job reports on, and how.

One YAML file, as strict as the report config (an unknown key is an error naming its line)::

    output_dir: reports-site            # relative to this file
    timezone: Asia/Tokyo
    languages: [en_US, ja_JP]
    output: "{repo}/%Y%m/{lang}/report-%Y%m%d-{category}.md"
    categories:
      openai: {paths: [articles/ai-services/openai]}
    repositories:
      - github: MicrosoftDocs/azure-ai-docs
        branch: main
      - path: ../local-docs
        branch: main
        languages: [zh_CN]             # any report setting can be set per repository
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, Field, model_validator

from diffinsight.config import Config, _key_line, parse_config
from diffinsight.errors import ConfigError
from diffinsight.notify.config import NotifyTarget, check_targets
from diffinsight.render import FORMATS
from diffinsight.sources.history import SOURCE_KINDS, SourceKind
from diffinsight.writers.llm.settings import check_llm_mapping

__all__ = [
    "DEFAULT_WATCH_OUTPUT",
    "WatchConfig",
    "WatchedRepo",
    "load_watchlist",
    "parse_watchlist",
]

#: Default output template of the daily job: one folder per repository.
DEFAULT_WATCH_OUTPUT = "{repo}/%Y%m/{lang}/report-%Y%m%d-{category}.md"
#: Mapping settings a repository adds to, key by key, instead of replacing.
_MERGED = frozenset({"llm"})


def _known_format(value: str) -> str:
    if value not in FORMATS:
        raise ValueError(f"unknown format {value!r}; choose from {', '.join(FORMATS)}")
    return value


class WatchedRepo(Config):
    """One repository of the watch list: its source, plus report settings of its own.

    It names its source by one key of :data:`~diffinsight.sources.history.SOURCE_KINDS`
    (``github: OWNER/REPO``, ``path: FOLDER``), read into :attr:`kind` and :attr:`location`.
    Every report setting is :class:`~diffinsight.config.Config`'s own field, declared once
    there; only the keys given here override the top level (see
    :meth:`WatchConfig.repo_config`), so read them through that, not from this object.
    """

    kind: str
    location: str
    branch: str = "HEAD"
    #: Name used in ``{repo}`` of the output template and in the state (default: from the source).
    name: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _source_key(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "kind" in data:
            return data
        given = [k for k in SOURCE_KINDS if k in data]
        if not given and any(k not in cls.model_fields for k in data):
            return data  # a misspelt key: let the unknown-key error name it
        if len(given) != 1:
            choices = " or ".join(f"'{k.key}: {k.metavar}'" for k in SOURCE_KINDS.values())
            raise ValueError(f"give exactly one of {choices}")
        rest = dict(data)
        location = rest.pop(given[0])
        if not isinstance(location, str):
            raise ValueError(f"{given[0]}: expected {SOURCE_KINDS[given[0]].metavar}")
        return {"kind": given[0], "location": location, **rest}

    @model_validator(mode="after")
    def _known_location(self) -> WatchedRepo:
        kind = SOURCE_KINDS.get(self.kind)
        if kind is None:
            raise ValueError(f"kind {self.kind!r}: choose from {', '.join(SOURCE_KINDS)}")
        problem = kind.problem(self.location)
        if problem is not None:
            raise ValueError(f"{self.kind}: {problem}")
        return self

    @property
    def source_kind(self) -> SourceKind:
        """How this repository is read."""
        return SOURCE_KINDS[self.kind]

    @property
    def display(self) -> str:
        """The repository's name in reports, logs and ``{repo}``."""
        return self.name or self.source_kind.display(self.location)

    @property
    def key(self) -> str:
        """The repository's identity in the state database."""
        return self.source_kind.identity(self.location)


class WatchConfig(Config):
    """The daily job's config: report settings (defaults for all) plus the repositories."""

    repositories: list[WatchedRepo] = Field(min_length=1)
    output_dir: str = "."
    #: SQLite state file; default ``.diffinsight/state.sqlite`` inside ``output_dir``.
    state: str | None = None
    #: An output format of :data:`diffinsight.render.FORMATS`.
    format: Annotated[str, AfterValidator(_known_format)] = "markdown"
    #: The index of all reports for the site and bots, inside ``output_dir``; null for none.
    index: str | None = "index.json"
    #: Who hears about new reports (Slack, Teams, email, webhooks); see docs/automation.md.
    notify: list[NotifyTarget] = Field(default_factory=list)
    #: Where the site is published, for links in notifications (else ``files_url``).
    site_url: str | None = None
    #: Where the report files can be read (e.g. a GitHub tree URL of ``output_dir``).
    files_url: str | None = None

    def repo_config(self, repo: WatchedRepo) -> Config:
        """The report settings of one repository: the keys it sets, else the top level's.

        A repository's ``llm:`` is merged into the top level's key by key; any other key it
        sets replaces the top level's value (``catch_all: null`` drops unmatched files).
        """
        fields = Config.model_fields.keys()
        values = {name: getattr(self, name) for name in fields}
        for name in repo.model_fields_set & fields:
            own = getattr(repo, name)
            values[name] = {**values[name], **own} if name in _MERGED else own
        # The daily job's defaults where neither level says: one folder per repository.
        values["languages"] = values["languages"] or ["en_US"]
        values["output"] = values["output"] or DEFAULT_WATCH_OUTPUT
        values["timezone"] = values["timezone"] or "UTC"
        return Config.model_validate(values)


def parse_watchlist(text: str, name: str = "watch list", base: Path | None = None) -> WatchConfig:
    """Validate watch-list text; relative paths are taken from ``base`` (the file's folder)."""
    cfg = parse_config(text, name, model=WatchConfig)
    for i, r in enumerate(cfg.repositories):
        if "llm" in r.model_fields_set:
            where = ("repositories", i, "llm")
            check_llm_mapping(r.llm, name, where, lambda loc: _key_line(text, loc))
    if base is not None:
        for r in cfg.repositories:
            if r.source_kind.is_path and not Path(r.location).is_absolute():
                r.location = str((base / r.location).resolve())
        cfg.output_dir = str((base / cfg.output_dir).resolve())
        if cfg.state is not None and not Path(cfg.state).is_absolute():
            cfg.state = str((base / cfg.state).resolve())
    check_targets(cfg.notify, name)
    names = [r.display for r in cfg.repositories]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ConfigError(
            f"{name}: repositories {', '.join(dupes)} appear twice; give each a distinct 'name'"
        )
    return cfg


def load_watchlist(path: str | Path) -> WatchConfig:
    """Read a watch-list file; paths in it are relative to its folder."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the watch list ({exc}); check the path") from exc
    return parse_watchlist(text, str(path), base=p.resolve().parent)
