"""Analysis: one changed file's facts and modification type, the input of every writer."""

from __future__ import annotations

from dataclasses import dataclass

from diffinsight.classify import classify
from diffinsight.facts import extract_facts
from diffinsight.models import Fact, FileChange, ModificationType

__all__ = ["AnalyzedFile", "analyze"]


@dataclass
class AnalyzedFile:
    """A changed file with its facts and type: language-independent, computed once."""

    change: FileChange
    facts: list[Fact]
    modification_type: ModificationType
    reason: str


def analyze(change: FileChange) -> AnalyzedFile:
    """Facts and type of one file."""
    facts = extract_facts(change)
    mtype, reason = classify(change, facts)
    return AnalyzedFile(change=change, facts=facts, modification_type=mtype, reason=reason)
