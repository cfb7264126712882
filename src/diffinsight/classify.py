"""From facts to the reference vocabulary: one documented rule table, first match wins.

| rule              | when                                                                 | type            |
|-------------------|----------------------------------------------------------------------|-----------------|
| page-removed      | a document (.md/.yml/.yaml/.json...) is removed                      | breaking change |
| page-renamed      | a document outside ``includes/`` is renamed (its URL changes)        | breaking change |
| toc-entry-removed | more TOC entries removed than added                                   | breaking change |
| section-removed   | more headings removed than added (renamed headings do not count)     | breaking change |
| rows-removed      | a table, or more table rows than were added, removed                 | breaking change |
| page-added        | a document is added                                                  | new feature     |
| section-added     | a heading is added                                                   | new feature     |
| rows-added        | a table or a table row is added                                      | new feature     |
| toc-entry-added   | a TOC entry is added                                                 | new feature     |
| content-included  | an include or a zone pivot is added                                  | new feature     |
| asset-added       | an image or other binary is added                                    | minor update    |
| fix               | a typo fixed or a link retargeted, and no passage rewritten or added | bug fix         |
| trivial           | only dates, whitespace, punctuation, table layout or the EOF newline | minor update    |
| metadata          | only front matter fields                                             | minor update    |
| default           | anything else (wording, values, links, code edits)                   | minor update    |

The reason code of the rule that fired is kept with the file (``FileReport.reason``); the
JSON report carries it next to the facts it was decided from.
"""

from __future__ import annotations

from collections import Counter

from diffinsight.facts.kinds import FactKind as K
from diffinsight.models import Fact, FileChange, FileStatus, ModificationType

DOC_SUFFIXES = (".md", ".markdown", ".yml", ".yaml", ".json", ".rst", ".txt", ".ipynb")
_TRIVIAL = {
    K.FRONTMATTER_DATE_CHANGED,
    K.WHITESPACE_CHANGED,
    K.NEWLINE_EOF,
    K.TEXT_PUNCTUATION,
    K.TABLE_REFORMATTED,
}
_FIX_BLOCKERS = {
    K.TEXT_SUBSTANTIVE,
    K.TEXT_REWRITTEN,
    K.TEXT_ADDED,
    K.TEXT_REMOVED,
    K.LIST_ITEM_ADDED,
}

#: A wording edit longer than this many words is a passage rewritten (it blocks "fix").
_SHORT_EDIT_WORDS = 6


def is_document(path: str) -> bool:
    """Whether readers reach this file as a page or a table of contents."""
    return path.lower().endswith(DOC_SUFFIXES)


def _is_include(path: str) -> bool:
    return "/includes/" in f"/{path}" or path.startswith("includes/")


def classify(change: FileChange, facts: list[Fact]) -> tuple[ModificationType, str]:
    """The modification type and the reason code of the rule that decided it."""
    k = Counter(f.kind for f in facts)
    # Line-level facts of files we do not parse as Markdown still carry headings.
    heads_added = k[K.HEADING_ADDED] + sum(
        len(f.detail.get("headings", [])) for f in facts if f.kind == K.LINES_ADDED
    )
    heads_removed = k[K.HEADING_REMOVED] + sum(
        len(f.detail.get("headings", [])) for f in facts if f.kind == K.LINES_REMOVED
    )
    doc = is_document(change.path)
    if change.status is FileStatus.REMOVED and doc:
        return ModificationType.BREAKING_CHANGE, "page-removed"
    if change.status is FileStatus.RENAMED and doc and not _is_include(change.path):
        return ModificationType.BREAKING_CHANGE, "page-renamed"
    if k[K.TOC_ENTRY_REMOVED] > k[K.TOC_ENTRY_ADDED]:
        return ModificationType.BREAKING_CHANGE, "toc-entry-removed"
    if heads_removed > heads_added:
        return ModificationType.BREAKING_CHANGE, "section-removed"
    if k[K.TABLE_REMOVED] > k[K.TABLE_ADDED] or k[K.TABLE_ROW_REMOVED] > k[K.TABLE_ROW_ADDED]:
        return ModificationType.BREAKING_CHANGE, "rows-removed"
    if change.status is FileStatus.ADDED and doc:
        return ModificationType.NEW_FEATURE, "page-added"
    if heads_added:
        return ModificationType.NEW_FEATURE, "section-added"
    if k[K.TABLE_ADDED] or k[K.TABLE_ROW_ADDED]:
        return ModificationType.NEW_FEATURE, "rows-added"
    if k[K.TOC_ENTRY_ADDED]:
        return ModificationType.NEW_FEATURE, "toc-entry-added"
    if k[K.INCLUDE_ADDED] or k[K.PIVOT_ADDED]:
        return ModificationType.NEW_FEATURE, "content-included"
    if k[K.BINARY_ADDED]:
        return ModificationType.MINOR_UPDATE, "asset-added"
    rewrites = any(k[b] for b in _FIX_BLOCKERS) or any(
        f.kind == K.TEXT_WORDING and int(f.detail.get("words", 0)) > _SHORT_EDIT_WORDS
        for f in facts
    )
    if (k[K.TEXT_TYPO] or k[K.LINK_RETARGETED]) and not rewrites:
        return ModificationType.BUG_FIX, "fix"
    if facts and all(_trivial(f) for f in facts):
        return ModificationType.MINOR_UPDATE, "trivial"
    if facts and all(f.kind.startswith("frontmatter.") or _trivial(f) for f in facts):
        return ModificationType.MINOR_UPDATE, "metadata"
    return ModificationType.MINOR_UPDATE, "default"


def _trivial(f: Fact) -> bool:
    if f.kind in _TRIVIAL:
        return True
    key = str(f.detail.get("key") or "")
    return f.kind == K.TEXT_REPLACED and key.lower().endswith("date")
