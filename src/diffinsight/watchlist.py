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
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from diffinsight.config import (
    CategoryConfig,
    Config,
    LanguagesSetting,
    TimeZoneSetting,
    TitleSetting,
    _key_line,
    parse_config,
)
from diffinsight.errors import ConfigError
from diffinsight.notify.config import NotifyTarget, check_targets
from diffinsight.sources.github import is_owner_repo
from diffinsight.writers.llm.settings import check_llm_mapping

#: Default output template of the daily job: one folder per repository.
DEFAULT_WATCH_OUTPUT = "{repo}/%Y%m/{lang}/report-%Y%m%d-{category}.md"


class WatchedRepo(BaseModel):
    """One repository of the watch list; unset report settings come from the top level."""

    model_config = ConfigDict(extra="forbid")

    github: str | None = None
    path: str | None = None
    branch: str = "HEAD"
    #: Name used in ``{repo}`` of the output template and in the state (default: from the source).
    name: str | None = None
    categories: dict[str, CategoryConfig] | None = None
    catch_all: str | None = "misc"
    languages: LanguagesSetting = None
    output: str | None = None
    title: TitleSetting = None
    timezone: TimeZoneSetting = None
    llm: dict[str, Any] | None = None

    @field_validator("github")
    @classmethod
    def _owner_repo(cls, v: str | None) -> str | None:
        if v is not None and not is_owner_repo(v):
            raise ValueError("expected OWNER/REPO, such as MicrosoftDocs/azure-ai-docs")
        return v

    @model_validator(mode="after")
    def _one_source(self) -> WatchedRepo:
        if (self.github is None) == (self.path is None):
            raise ValueError("give exactly one of 'github: OWNER/REPO' or 'path: FOLDER'")
        return self

    @property
    def display(self) -> str:
        """The repository's name in reports, logs and ``{repo}``."""
        if self.name:
            return self.name
        if self.github:
            return self.github
        assert self.path is not None
        return Path(self.path).resolve().name

    @property
    def key(self) -> str:
        """The repository's identity in the state database."""
        if self.github:
            return f"github:{self.github}"
        assert self.path is not None
        return f"path:{Path(self.path).resolve()}"


class WatchConfig(Config):
    """The daily job's config: report settings (defaults for all) plus the repositories."""

    repositories: list[WatchedRepo] = Field(min_length=1)
    output_dir: str = "."
    #: SQLite state file; default ``.diffinsight/state.sqlite`` inside ``output_dir``.
    state: str | None = None
    format: Literal["markdown", "json"] = "markdown"
    #: The index of all reports for the site and bots, inside ``output_dir``; null for none.
    index: str | None = "index.json"
    #: Who hears about new reports (Slack, Teams, email, webhooks); see docs/automation.md.
    notify: list[NotifyTarget] = Field(default_factory=list)
    #: Where the site is published, for links in notifications (else ``files_url``).
    site_url: str | None = None
    #: Where the report files can be read (e.g. a GitHub tree URL of ``output_dir``).
    files_url: str | None = None

    def repo_config(self, repo: WatchedRepo) -> Config:
        """The report settings of one repository: its own where set, else the top level's."""
        return Config(
            categories=repo.categories if repo.categories is not None else self.categories,
            catch_all=repo.catch_all if "catch_all" in repo.model_fields_set else self.catch_all,
            languages=repo.languages or self.languages or ["en_US"],
            output=repo.output or self.output or DEFAULT_WATCH_OUTPUT,
            title=repo.title or self.title,
            timezone=repo.timezone or self.timezone or "UTC",
            llm={**self.llm, **(repo.llm or {})},
        )


def parse_watchlist(text: str, name: str = "watch list", base: Path | None = None) -> WatchConfig:
    """Validate watch-list text; relative paths are taken from ``base`` (the file's folder)."""
    cfg = parse_config(text, name, model=WatchConfig)
    for i, r in enumerate(cfg.repositories):
        if r.llm is not None:
            where = ("repositories", i, "llm")
            check_llm_mapping(r.llm, name, where, lambda loc: _key_line(text, loc))
    if base is not None:
        for r in cfg.repositories:
            if r.path is not None:
                r.path = (
                    str((base / r.path).resolve()) if not Path(r.path).is_absolute() else r.path
                )
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
