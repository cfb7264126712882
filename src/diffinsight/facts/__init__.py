"""Facts: typed, verifiable statements about what changed in each file.

Every claim a report makes about a file is built from these; the offline writer renders them
through message catalogues, and an LLM writer is grounded on them. ``old``/``new`` hold exact
values from the diff (None when a value is too long to quote whole); ``where`` is the section
path (``Heading > Subheading``) or TOC parent; ``detail`` holds the rest.

Kinds are declared once, in :mod:`.kinds` (:class:`~.kinds.FactKind`, grouped by the module
that extracts them), with each kind's rank, shareability and catalogue keys in
:data:`~.kinds.SPECS`; each extractor documents the ``detail`` fields of its facts.

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
