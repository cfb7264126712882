"""The writer interface, and the analysis every writer starts from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from diffinsight.classify import classify
from diffinsight.facts import extract_facts
from diffinsight.models import ChangeSet, Fact, FileChange, ModificationType, Report

DEFAULT_TITLE_TEMPLATE = "[{lang}] Diff Insight Report - {category}"


@dataclass
class AnalyzedFile:
    """A changed file with its facts and type: language-independent, computed once."""

    change: FileChange
    facts: list[Fact]
    modification_type: ModificationType
    reason: str


@dataclass
class ReportRequest:
    """What to write: one category of one comparison, in one or more languages."""

    changeset: ChangeSet
    category: str
    date: date
    languages: list[str]
    files: list[AnalyzedFile] = field(default_factory=list)
    title_template: str = DEFAULT_TITLE_TEMPLATE

    def title(self, lang: str) -> str:
        """The report title for ``lang``, from the template."""
        return self.title_template.format(
            lang=lang, category=self.category, repo=self.changeset.repo, date=self.date.isoformat()
        )


class Writer(Protocol):
    """Turns analysed files into one :class:`Report` per requested language."""

    name: str

    def write(self, request: ReportRequest) -> list[Report]:
        """Write the reports, in the order of ``request.languages``."""
        ...


def analyze(change: FileChange) -> AnalyzedFile:
    """Facts and type of one file."""
    facts = extract_facts(change)
    mtype, reason = classify(change, facts)
    return AnalyzedFile(change=change, facts=facts, modification_type=mtype, reason=reason)
