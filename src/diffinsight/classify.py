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
| trivial           | only dates, whitespace, punctuation or the end-of-file newline       | minor update    |
| metadata          | only front matter fields                                             | minor update    |
| default           | anything else (wording, values, links, code edits)                   | minor update    |

The reason code of the rule that fired is kept with the file (``FileReport.reason``); the
JSON report carries it next to the facts it was decided from.
"""

from __future__ import annotations

from collections import Counter

from diffinsight.models import Fact, FileChange, FileStatus, ModificationType

DOC_SUFFIXES = (".md", ".markdown", ".yml", ".yaml", ".json", ".rst", ".txt", ".ipynb")
_TRIVIAL = {
    "frontmatter.date_changed",
    "whitespace.changed",
    "newline.eof",
    "text.punctuation",
}
_FIX_BLOCKERS = {"text.substantive", "text.added", "text.removed", "list.item_added"}


def is_document(path: str) -> bool:
    """Whether readers reach this file as a page or a table of contents."""
    return path.lower().endswith(DOC_SUFFIXES)


def _is_include(path: str) -> bool:
    return "/includes/" in f"/{path}" or path.startswith("includes/")


def classify(change: FileChange, facts: list[Fact]) -> tuple[ModificationType, str]:
    """The modification type and the reason code of the rule that decided it."""
    k = Counter(f.kind for f in facts)
    # Line-level facts of files we do not parse as Markdown still carry headings.
    heads_added = k["heading.added"] + sum(
        len(f.detail.get("headings", [])) for f in facts if f.kind == "lines.added"
    )
    heads_removed = k["heading.removed"] + sum(
        len(f.detail.get("headings", [])) for f in facts if f.kind == "lines.removed"
    )
    doc = is_document(change.path)
    if change.status is FileStatus.REMOVED and doc:
        return ModificationType.BREAKING_CHANGE, "page-removed"
    if change.status is FileStatus.RENAMED and doc and not _is_include(change.path):
        return ModificationType.BREAKING_CHANGE, "page-renamed"
    if k["toc.entry_removed"] > k["toc.entry_added"]:
        return ModificationType.BREAKING_CHANGE, "toc-entry-removed"
    if heads_removed > heads_added:
        return ModificationType.BREAKING_CHANGE, "section-removed"
    if k["table.removed"] > k["table.added"] or k["table.row_removed"] > k["table.row_added"]:
        return ModificationType.BREAKING_CHANGE, "rows-removed"
    if change.status is FileStatus.ADDED and doc:
        return ModificationType.NEW_FEATURE, "page-added"
    if heads_added:
        return ModificationType.NEW_FEATURE, "section-added"
    if k["table.added"] or k["table.row_added"]:
        return ModificationType.NEW_FEATURE, "rows-added"
    if k["toc.entry_added"]:
        return ModificationType.NEW_FEATURE, "toc-entry-added"
    if k["include.added"] or k["pivot.added"]:
        return ModificationType.NEW_FEATURE, "content-included"
    if k["binary.added"]:
        return ModificationType.MINOR_UPDATE, "asset-added"
    if (k["text.typo"] or k["link.retargeted"]) and not any(k[b] for b in _FIX_BLOCKERS):
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
    return f.kind == "text.replaced" and key.lower().endswith("date")
