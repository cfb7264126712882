"""Sources: each turns something (a local repo range, a patch) into a :class:`ChangeSet`."""

from __future__ import annotations

from pathlib import Path

from diffinsight.errors import InputError
from diffinsight.models import ChangeSet
from diffinsight.sources.base import DEFAULT_MAX_PATCH_BYTES, Source
from diffinsight.sources.git import DateWindow, GitSource
from diffinsight.sources.patch import parse_patch, read_patch_source

__all__ = [
    "DateWindow",
    "GitSource",
    "PatchSource",
    "Source",
    "open_source",
    "parse_patch",
]


class PatchSource:
    """A unified diff file, or ``-`` for standard input."""

    def __init__(self, spec: str, *, max_patch_bytes: int = DEFAULT_MAX_PATCH_BYTES) -> None:
        self.spec = spec
        self.max_patch_bytes = max_patch_bytes

    def changeset(self) -> ChangeSet:
        """Read and parse the patch."""
        return read_patch_source(self.spec, max_patch_bytes=self.max_patch_bytes)


def open_source(
    spec: str,
    range_spec: str | None = None,
    *,
    window: DateWindow | None = None,
    branch: str = "HEAD",
    max_patch_bytes: int = DEFAULT_MAX_PATCH_BYTES,
    remote: str | None = None,
) -> Source:
    """Pick the source for SPEC: ``-`` or a file is a patch, a folder is a git repository,
    ``OWNER/REPO`` (with ``BASE...HEAD``) or a compare URL is a GitHub comparison."""
    if spec == "-" or Path(spec).is_file():
        if remote is not None:
            raise InputError(f"--remote {remote}: a patch has no remotes; drop --remote")
        if range_spec or window:
            raise InputError(f"{spec}: a patch has no range; drop RANGE and --since/--until")
        return PatchSource(spec, max_patch_bytes=max_patch_bytes)
    if Path(spec).is_dir():
        if range_spec is None and window is None:
            raise InputError(
                f"{spec}: give a RANGE such as main~3...main, or --since/--until dates"
            )
        return GitSource(
            spec,
            range_spec,
            window=window,
            branch=branch,
            max_patch_bytes=max_patch_bytes,
            remote=remote,
        )
    from diffinsight.sources.github import GitHubSource, parse_github_spec

    gh = parse_github_spec(spec, range_spec)
    if gh is not None:
        if window is not None:
            raise InputError(f"{spec}: date windows need a local clone; give BASE...HEAD instead")
        return GitHubSource(gh, max_patch_bytes=max_patch_bytes)
    raise InputError(
        f"{spec}: no such file or folder; pass a git repository, a patch file, -, OWNER/REPO"
        " or a GitHub compare URL"
    )
