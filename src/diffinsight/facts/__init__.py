"""Facts: typed, verifiable statements about what changed in each file.

Every claim a report makes about a file is built from these; the offline writer renders them
through message catalogues, and an LLM writer is grounded on them. ``old``/``new`` hold exact
values from the diff (None when a value is too long to quote whole); ``where`` is the section
path (``Heading > Subheading``) or TOC parent; ``detail`` holds the rest.

Kinds, by module:

* whole file (:mod:`.generic`): ``file.added`` (new = title; detail headings, description,
  lines), ``file.removed`` (old = title), ``file.renamed`` (old/new path; detail similarity),
  ``binary.added`` / ``binary.removed`` / ``binary.changed``;
* front matter (:mod:`.frontmatter`): ``frontmatter.date_changed``, ``frontmatter.changed``,
  ``frontmatter.added``, ``frontmatter.removed`` (detail key);
* Markdown (:mod:`.markdown`): ``heading.added`` / ``heading.removed`` / ``heading.renamed``;
  ``table.added`` / ``table.removed`` (detail columns, rows), ``table.columns_changed``,
  ``table.row_added`` (new = first cell; detail cells by column), ``table.row_removed``,
  ``table.row_changed`` (detail cells: column, old, new); ``link.added`` / ``link.removed`` /
  ``link.retargeted`` (old/new URL; detail text) / ``link.text_changed``; ``image.added`` /
  ``image.removed`` / ``image.changed`` / ``image.text_changed``; ``code.added`` /
  ``code.removed`` / ``code.changed`` (detail lang); ``version.changed`` (detail param, code);
  ``name.replaced``; ``alert.added`` / ``alert.removed`` (detail type); ``list.item_added`` /
  ``list.item_removed``; ``include.added`` / ``include.removed``; ``pivot.added`` /
  ``pivot.removed``; ``text.typo``, ``text.punctuation``, ``text.wording``,
  ``text.substantive``, ``text.added``, ``text.removed`` (detail count); ``text.moved``;
  ``whitespace.changed``; ``newline.eof``; ``facts.more`` (detail of, count: facts not listed);
* YAML/JSON (:mod:`.yamlfile`): ``toc.entry_added`` / ``toc.entry_removed`` /
  ``toc.entry_renamed`` / ``toc.entry_retargeted`` / ``toc.entry_moved``;
  ``config.key_added`` / ``config.key_removed`` / ``config.key_changed`` (detail key);
* other text (:mod:`.generic`): ``text.replaced`` / ``text.inserted`` / ``text.deleted`` (detail
  key for ``key: value`` lines), ``lines.added`` / ``lines.removed`` / ``line.rewritten``.

Bad input (unparsable YAML, unterminated front matter, hunks that do not match) never raises:
the extractor says less and leaves a note on the change.
"""

from __future__ import annotations

import logging

from diffinsight.facts.generic import MARKDOWN_SUFFIXES, edit_facts, file_facts
from diffinsight.facts.markdown import markdown_facts
from diffinsight.facts.yamlfile import config_facts, is_toc, toc_facts
from diffinsight.models import Fact, FileChange, FileStatus

__all__ = ["extract_facts", "file_type"]

log = logging.getLogger(__name__)
DATA_SUFFIXES = (".yml", ".yaml", ".json")


def file_type(change: FileChange) -> str:
    """``binary``, ``markdown``, ``toc``, ``data`` or ``text``: which extractor reads the file."""
    path = change.path.lower()
    if change.binary:
        return "binary"
    if path.endswith(MARKDOWN_SUFFIXES):
        return "markdown"
    if path.endswith(DATA_SUFFIXES):
        return (
            "toc"
            if is_toc(change.path, change.new_text or change.old_text or change.patch)
            else "data"
        )
    return "text"


def extract_facts(change: FileChange) -> list[Fact]:
    """All facts for one changed file; never raises on malformed content."""
    facts = file_facts(change)
    if change.binary or change.status in (FileStatus.ADDED, FileStatus.REMOVED):
        return facts
    kind = file_type(change)
    try:
        if kind == "markdown":
            facts.extend(markdown_facts(change))
        elif kind == "toc":
            facts.extend(toc_facts(change))
        elif kind == "data":
            cfg = config_facts(change)
            facts.extend(cfg if cfg is not None else edit_facts(change))
        else:
            facts.extend(edit_facts(change))
    except (ValueError, IndexError, KeyError, TypeError, RecursionError) as exc:
        # A bug or an input we did not foresee: say less about this file, never lose it.
        log.warning("facts skipped for %s: %s: %s", change.path, type(exc).__name__, exc)
        change.notes.append(f"facts-skipped: {type(exc).__name__}")
    return facts
