"""Facts: typed, verifiable statements about what changed in each file.

Every claim a report makes about a file is built from these; the offline writer renders them
through message catalogues, and an LLM writer is grounded on them.
"""

from __future__ import annotations

from diffinsight.facts.generic import edit_facts, file_facts
from diffinsight.models import Fact, FileChange

__all__ = ["extract_facts"]


def extract_facts(change: FileChange) -> list[Fact]:
    """All facts for one changed file; never raises on malformed content."""
    facts = file_facts(change)
    try:
        facts.extend(edit_facts(change))
    except (ValueError, IndexError, RecursionError) as exc:  # malformed hunks: say less
        change.notes.append(f"facts-skipped: {type(exc).__name__}")
    return facts
