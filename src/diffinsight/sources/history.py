"""Histories: what the daily job reads of a watched branch, one kind per source.

A :class:`History` walks a branch's first-parent commits and hands out the :class:`Source` of
one day. Each kind of watched repository is one :class:`SourceKind` in :data:`SOURCE_KINDS`,
keyed by the watch-list field that names it (``path: FOLDER``, ``github: OWNER/REPO``): how
to check that value, how to name and identify the repository, and how to open its history.
A new kind of source is its module (a ``Source`` and a ``History``) plus one entry there.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Protocol

from diffinsight.errors import InputError, SourceError
from diffinsight.sources.base import Source
from diffinsight.sources.git import DateWindow, Git, GitSource
from diffinsight.sources.github import (
    CompareSpec,
    GitHubClient,
    GitHubRepo,
    GitHubSource,
    is_owner_repo,
)

__all__ = [
    "SOURCE_KINDS",
    "ChainCommit",
    "GitHubHistory",
    "History",
    "HistoryOpener",
    "LocalHistory",
    "SourceKind",
    "open_history",
]


@dataclass(frozen=True)
class ChainCommit:
    """A commit of the first-parent history: sha, committer time, first parent."""

    sha: str
    ts: int
    parent: str | None


class History(Protocol):
    """What the daily job reads of a repository's branch."""

    def head(self) -> str:
        """The branch's current commit."""
        ...

    def commit(self, sha: str) -> ChainCommit:
        """One commit; :class:`InputError` when it does not exist."""
        ...

    def is_ancestor(self, a: str, b: str) -> bool:
        """Whether ``a`` is ``b`` or one of its ancestors."""
        ...

    def first_parents(self, head: str, stop: Callable[[ChainCommit], bool]) -> list[ChainCommit]:
        """First-parent commits from ``head``, newest first, ending before ``stop`` holds."""
        ...

    def source(self, base: str | None, head: str, day: date, tz: str) -> Source:
        """The source for one day: ``base..head`` (``base`` None: from the root)."""
        ...


#: Opens the history of one watched branch: ``(location, branch) -> History``.
HistoryOpener = Callable[[str, str], History]


class LocalHistory:
    """A branch of a local repository."""

    def __init__(self, path: str, branch: str) -> None:
        self.path = path
        self.git = Git(path)
        self.branch = branch

    def head(self) -> str:
        return self.git.resolve(self.branch)

    def commit(self, sha: str) -> ChainCommit:
        out = self.git.resolve(sha)
        ts, *parents = self.git.run("log", "-1", "--format=%ct %P", out).decode().split()
        return ChainCommit(out, int(ts), parents[0] if parents else None)

    def is_ancestor(self, a: str, b: str) -> bool:
        try:
            self.git.run("merge-base", "--is-ancestor", a, b)
        except SourceError:
            return False
        return True

    def first_parents(self, head: str, stop: Callable[[ChainCommit], bool]) -> list[ChainCommit]:
        out = self.git.run("log", "--first-parent", "--format=%H %ct %P", head).decode()
        chain = []
        for line in out.splitlines():
            sha, ts, *parents = line.split()
            c = ChainCommit(sha, int(ts), parents[0] if parents else None)
            if stop(c):
                break
            chain.append(c)
        return chain

    def source(self, base: str | None, head: str, day: date, tz: str) -> Source:
        if base is None:  # the root commit's day: the window reads it against the empty tree
            return GitSource(self.path, window=DateWindow(day, day, tz), branch=head)
        return GitSource(self.path, f"{base}..{head}")


class GitHubHistory:
    """A branch of a GitHub repository, through the REST API (``client``: the default one)."""

    def __init__(self, owner_repo: str, branch: str, client: GitHubClient | None = None) -> None:
        self.client = client or GitHubClient()
        self.repo = GitHubRepo(owner_repo, self.client)
        self.branch = branch

    def head(self) -> str:
        return self.repo.commit(self.branch).sha

    def commit(self, sha: str) -> ChainCommit:
        c = self.repo.commit(sha)
        return ChainCommit(c.sha, c.ts, c.parent)

    def is_ancestor(self, a: str, b: str) -> bool:
        first, _ = self.repo.compare(a, b)
        return first.get("status") in ("ahead", "identical")

    def first_parents(self, head: str, stop: Callable[[ChainCommit], bool]) -> list[ChainCommit]:
        chain = self.repo.first_parents(head, lambda c: stop(ChainCommit(c.sha, c.ts, c.parent)))
        return [ChainCommit(c.sha, c.ts, c.parent) for c in chain]

    def source(self, base: str | None, head: str, day: date, tz: str) -> Source:
        if base is None:
            raise SourceError(
                f"{self.repo.owner_repo}: {day} holds the root commit, which the compare API"
                " cannot diff; report that day from a local clone (path: in the watch list)"
            )
        return GitHubSource(CompareSpec(self.repo.owner_repo, base, head), client=self.client)


@dataclass(frozen=True)
class SourceKind:
    """One kind of watched repository, named in the watch list by ``key: LOCATION``."""

    #: The watch-list field, such as ``path`` or ``github``.
    key: str
    #: How the location reads in messages (``FOLDER``, ``OWNER/REPO``).
    metavar: str
    open: HistoryOpener
    #: The reason a location is refused, or None when it is acceptable.
    problem: Callable[[str], str | None]
    #: The repository's name in reports, logs and ``{repo}`` when the watch list gives none.
    display: Callable[[str], str]
    #: Whether the location is a path, taken relative to the watch list's folder.
    is_path: bool = False

    def identity(self, location: str) -> str:
        """The repository's identity in the state database."""
        return f"{self.key}:{Path(location).resolve() if self.is_path else location}"


def _owner_repo_problem(value: str) -> str | None:
    if is_owner_repo(value):
        return None
    return "expected OWNER/REPO, such as MicrosoftDocs/azure-ai-docs"


SOURCE_KINDS: dict[str, SourceKind] = {
    "github": SourceKind(
        key="github",
        metavar="OWNER/REPO",
        open=GitHubHistory,
        problem=_owner_repo_problem,
        display=lambda location: location,
    ),
    "path": SourceKind(
        key="path",
        metavar="FOLDER",
        open=LocalHistory,
        problem=lambda location: None if location.strip() else "give a folder",
        display=lambda location: Path(location).resolve().name,
        is_path=True,
    ),
}


def open_history(
    kind: str, location: str, branch: str, openers: Mapping[str, HistoryOpener] | None = None
) -> History:
    """The history of one watched branch; ``openers`` replace a kind's own (a shared client)."""
    opener = (openers or {}).get(kind)
    if opener is None:
        try:
            opener = SOURCE_KINDS[kind].open
        except KeyError:
            raise InputError(
                f"source kind {kind!r}: unknown; choose from {', '.join(SOURCE_KINDS)}"
            ) from None
    return opener(location, branch)
