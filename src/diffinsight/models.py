"""The one data model that flows through the pipeline.

source -> :class:`ChangeSet` (of :class:`FileChange`) -> categories -> facts ->
writer -> :class:`Report` (of :class:`FileReport`) -> renderers.
"""

from __future__ import annotations

import hashlib
from datetime import date as Date
from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, computed_field

__all__ = [
    "ChangeSet",
    "Commit",
    "Fact",
    "FileChange",
    "FileReport",
    "FileStatus",
    "Highlights",
    "ModificationType",
    "Report",
    "Usage",
    "item_anchor",
]


class FileStatus(str, Enum):
    """Status of one file in a comparison, in GitHub's vocabulary."""

    ADDED = "added"
    MODIFIED = "modified"
    REMOVED = "removed"
    RENAMED = "renamed"


class ModificationType(str, Enum):
    """The reference vocabulary for the kind of a change."""

    NEW_FEATURE = "new feature"
    BREAKING_CHANGE = "breaking change"
    BUG_FIX = "bug fix"
    MINOR_UPDATE = "minor update"


class Commit(BaseModel):
    """One commit of the compared range."""

    sha: str
    date: str = ""  # ISO 8601 committer date
    author: str = ""
    subject: str = ""


class _PathNamed(BaseModel):
    """A file known by its path: the reference format's anchor and the name shown in tables."""

    path: str

    @property
    def anchor(self) -> str:
        """The reference format's anchor: ``item-`` + first 6 hex of md5(path)."""
        return item_anchor(self.path)

    @property
    def basename(self) -> str:
        return self.path.rsplit("/", 1)[-1]


class FileChange(_PathNamed):
    """One changed file: what every source produces."""

    model_config = ConfigDict(frozen=False)

    path: str
    old_path: str | None = None
    status: FileStatus
    additions: int = 0
    deletions: int = 0
    binary: bool = False
    similarity: int | None = None
    #: The patch in GitHub's compare style: hunks starting at ``@@``; None for binaries.
    patch: str | None = None
    #: Full old / new contents when the source has them (local git); excluded from output.
    old_text: str | None = Field(default=None, exclude=True, repr=False)
    new_text: str | None = Field(default=None, exclude=True, repr=False)
    #: Things a reader should know about how this file was read (truncation, bad bytes...).
    notes: list[str] = Field(default_factory=list)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def changes(self) -> int:
        return self.additions + self.deletions


class ChangeSet(BaseModel):
    """Everything a source knows about one comparison."""

    repo: str = ""  #: display name, e.g. ``MicrosoftDocs/azure-ai-docs`` or a folder name
    base: str | None = None  #: full sha (or label) of the base
    head: str | None = None  #: full sha (or label) of the head
    permalink: str | None = None
    commits: list[Commit] = Field(default_factory=list)
    files: list[FileChange] = Field(default_factory=list)
    #: How the source got the data (for logs and the JSON report).
    source_notes: list[str] = Field(default_factory=list)

    def subset(self, files: list[FileChange]) -> ChangeSet:
        """The same comparison restricted to some files (one category)."""
        return self.model_copy(update={"files": files})


class Fact(BaseModel):
    """One typed, verifiable statement about a file's change.

    ``kind`` names what happened (``frontmatter.changed``, ``table.row_added``, ``line.value_changed``...);
    ``old``/``new`` carry the exact values from the diff; ``where`` is the section path or location.
    """

    model_config = ConfigDict(extra="allow")

    kind: str
    old: str | None = None
    new: str | None = None
    where: str | None = None
    detail: dict[str, Any] = Field(default_factory=dict)


class FileReport(_PathNamed):
    """What the report says about one file."""

    path: str
    old_path: str | None = None
    status: FileStatus
    additions: int
    deletions: int
    changes: int
    binary: bool = False
    modification_type: ModificationType
    modification_title: str
    explanation: str
    facts: list[Fact] = Field(default_factory=list)
    reason: str = ""
    #: Which engine wrote this entry (``offline`` or ``llm``).
    engine: str = "offline"
    notes: list[str] = Field(default_factory=list)
    #: Values in the model's text that the diff, facts and file list do not contain (all
    #: removed from the published text with their sentences).
    unsupported_tokens: list[str] = Field(default_factory=list)
    #: Sentences and artefacts of the model's text left out because the diff does not support
    #: them (kept for audit; never shown as part of the entry).
    removed_claims: list[str] = Field(default_factory=list)
    patch: str | None = Field(default=None, exclude=True, repr=False)


class Highlights(BaseModel):
    """The Highlights section: an opening paragraph and three groups of bullets."""

    text: str = ""
    new_features: list[str] = Field(default_factory=list)
    breaking_changes: list[str] = Field(default_factory=list)
    other_updates: list[str] = Field(default_factory=list)


class Usage(BaseModel):
    """What writing a report cost (LLM engine): calls, tokens, cache hits, estimated dollars.

    One LLM run writes all requested languages together, so every language's report of a
    category carries the same figures (``languages`` says which reports share them).
    """

    languages: list[str] = Field(default_factory=list)
    models: list[str] = Field(default_factory=list)
    calls: int = 0
    cache_hits: int = 0
    retries: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    #: None when a model's price is unknown (set ``llm.prices``).
    estimated_cost_usd: float | None = 0.0
    files_llm: int = 0
    files_offline: int = 0
    unsupported_tokens: int = 0
    #: Sentences and artefacts the guard took out of the model's texts.
    claims_removed: int = 0
    #: Which provider was asked (``openai``, ``azure``, ``compatible``...).
    provider: str = ""
    #: Calls that failed for good, and the last error: with ``calls`` and ``cache_hits`` both 0,
    #: the model was never reached.
    failed_calls: int = 0
    last_error: str | None = None

    @property
    def unreached(self) -> bool:
        """Whether every call failed (no answer at all, from the model or the cache)."""
        return self.failed_calls > 0 and self.calls == 0 and self.cache_hits == 0


class Report(BaseModel):
    """One Diff Insight Report: one category, one language."""

    date: Date
    language: str
    category: str
    title: str
    repo: str = ""
    permalink: str | None = None
    base: str | None = None
    head: str | None = None
    summary: str
    highlights: Highlights
    insights: list[str] = Field(default_factory=list)
    files: list[FileReport] = Field(default_factory=list)
    engine: str = "offline"
    notes: list[str] = Field(default_factory=list)
    #: Report-level sentences and artefacts of the model left out (see ``FileReport``).
    removed_claims: list[str] = Field(default_factory=list)
    usage: Usage | None = None


def item_anchor(path: str) -> str:
    """``item-`` + the first 6 hex digits of md5(path), as in the reference reports."""
    return "item-" + hashlib.md5(path.encode("utf-8"), usedforsecurity=False).hexdigest()[:6]
