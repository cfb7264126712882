"""Split a change set into categories by path prefix or glob; first match wins."""

from __future__ import annotations

import logging
import re
from functools import cache

from diffinsight.config import Config
from diffinsight.models import ChangeSet, FileChange

log = logging.getLogger(__name__)


@cache
def _glob_re(pattern: str) -> re.Pattern[str]:
    """``**`` crosses folders, ``*`` and ``?`` stay inside one; a glob matches a whole path or folder."""
    out = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            end = pattern.find("]", i + 1)
            if end > i:
                out.append("[" + pattern[i + 1 : end].replace("!", "^", 1) + "]")
                i = end + 1
                continue
            out.append(re.escape(c))
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out) + "(?:/.*)?$")


def matches(path: str, pattern: str) -> bool:
    """Whether ``path`` falls under ``pattern`` (a folder prefix or a glob)."""
    pattern = pattern.strip().lstrip("/")
    if any(ch in pattern for ch in "*?["):
        return bool(_glob_re(pattern).match(path))
    prefix = pattern.rstrip("/")
    return not prefix or path == prefix or path.startswith(prefix + "/")


def categorize(changeset: ChangeSet, config: Config) -> dict[str, ChangeSet]:
    """Category name -> the part of ``changeset`` it holds, in config order; empty ones left out."""
    if not config.categories:
        name = (changeset.repo.rsplit("/", 1)[-1] or "changes") if changeset.repo else "changes"
        return {name: changeset} if changeset.files else {}
    buckets: dict[str, list[FileChange]] = {name: [] for name in config.categories}
    stray: list[FileChange] = []
    for f in changeset.files:
        for name, cat in config.categories.items():
            if any(matches(f.path, p) for p in cat.paths) or (
                f.old_path is not None and any(matches(f.old_path, p) for p in cat.paths)
            ):
                buckets[name].append(f)
                break
        else:
            stray.append(f)
    if stray:
        if config.catch_all is None:
            log.warning(
                "%d file(s) match no category and are left out: %s",
                len(stray),
                ", ".join(f.path for f in stray),
            )
        else:
            buckets.setdefault(config.catch_all, []).extend(stray)
    return {name: changeset.subset(files) for name, files in buckets.items() if files}
