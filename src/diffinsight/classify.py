"""From facts to the reference vocabulary: one documented rule table, first match wins.

| rule                | when                                                             | type            |
|---------------------|------------------------------------------------------------------|-----------------|
| page-removed        | a document (.md/.yml/.yaml/.json) is removed                     | breaking change |
| page-renamed        | a document outside ``includes/`` is renamed (its URL changes)    | breaking change |
| section-removed     | a heading is removed and none is added in its place              | breaking change |
| page-added          | a document is added                                              | new feature     |
| section-added       | a heading is added                                               | new feature     |
| asset-added         | an image or other binary is added                                | minor update    |
| trivial             | only dates, whitespace or the end-of-file newline changed       | minor update    |
| default             | anything else                                                    | minor update    |

The reason code of the rule that fired is kept with the file (``FileReport.reason``).
"""

from __future__ import annotations

from diffinsight.models import Fact, FileChange, FileStatus, ModificationType

DOC_SUFFIXES = (".md", ".markdown", ".yml", ".yaml", ".json", ".rst", ".txt", ".ipynb")


def is_document(path: str) -> bool:
    """Whether readers reach this file as a page or a table of contents."""
    return path.lower().endswith(DOC_SUFFIXES)


def _is_include(path: str) -> bool:
    return "/includes/" in f"/{path}" or path.startswith("includes/")


def classify(change: FileChange, facts: list[Fact]) -> tuple[ModificationType, str]:
    """The modification type and the reason code of the rule that decided it."""
    kinds = [f.kind for f in facts]
    heads_added = sum(len(f.detail.get("headings", [])) for f in facts if f.kind == "lines.added")
    heads_removed = sum(
        len(f.detail.get("headings", [])) for f in facts if f.kind == "lines.removed"
    )
    if change.status is FileStatus.REMOVED and is_document(change.path):
        return ModificationType.BREAKING_CHANGE, "page-removed"
    if (
        change.status is FileStatus.RENAMED
        and is_document(change.path)
        and not _is_include(change.path)
    ):
        return ModificationType.BREAKING_CHANGE, "page-renamed"
    if heads_removed > heads_added:
        return ModificationType.BREAKING_CHANGE, "section-removed"
    if change.status is FileStatus.ADDED and is_document(change.path):
        return ModificationType.NEW_FEATURE, "page-added"
    if heads_added > heads_removed:
        return ModificationType.NEW_FEATURE, "section-added"
    if "binary.added" in kinds:
        return ModificationType.MINOR_UPDATE, "asset-added"
    return ModificationType.MINOR_UPDATE, "trivial" if _trivial(facts) else "default"


def _trivial(facts: list[Fact]) -> bool:
    for f in facts:
        if f.kind in ("whitespace.changed", "newline.eof"):
            continue
        if f.kind == "text.replaced" and f.detail.get("key", "").endswith("date"):
            continue
        return False
    return True
