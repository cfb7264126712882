"""The writer interface: what a writer is asked for, and what it returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from diffinsight.analysis import AnalyzedFile
from diffinsight.models import ChangeSet, Report

__all__ = ["DEFAULT_TITLE_TEMPLATE", "ReportRequest", "Writer"]

DEFAULT_TITLE_TEMPLATE = "[{lang}] Diff Insight Report - {category}"


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
