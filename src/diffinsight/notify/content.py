"""What a notification says: the published report, read back, its importance and its link."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pydantic import ValidationError

from diffinsight.errors import InputError
from diffinsight.i18n import FALLBACK, available_languages, catalog
from diffinsight.models import (
    FileReport,
    FileStatus,
    Highlights,
    ModificationType,
    Report,
)
from diffinsight.notify.config import IMPORTANCE
from diffinsight.render.reference.read import HighlightGroup, ParsedHighlights, parse_report
from diffinsight.site.build import _report_url
from diffinsight.state import ReportRow, sha256_text

#: Highlights shown in a chat message before "N more" (breaking changes are always all shown).
MAX_HIGHLIGHTS = 5


@dataclass(frozen=True)
class Item:
    """One published report, ready to be announced."""

    row: ReportRow
    report: Report
    #: The report on the site, else its file, else the compare view; None when there is none.
    link: str | None

    @property
    def day(self) -> date:
        return self.report.date


def load_report(out: Path, row: ReportRow) -> Report:
    """The report file of ``row`` as the model; :class:`InputError` if it is gone or changed."""
    path = out / row.path
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the report ({exc}); rerun diffinsight run") from None
    if sha256_text(text) != row.sha256:
        raise InputError(f"{path}: changed since it was written; rerun diffinsight run")
    if path.suffix == ".json":
        try:
            return Report.model_validate_json(text)
        except ValidationError as exc:
            raise InputError(
                f"{path}: not a report in the JSON format ({exc.error_count()} errors)"
            ) from None
    return report_from_markdown(text, row)


def report_from_markdown(text: str, row: ReportRow) -> Report:
    """The model of a reference-format report (as ``--format json`` would have written it)."""
    parsed = parse_report(text, row.path)
    rows = {r.anchor: r for r in parsed.table}
    files = []
    for section in parsed.files:
        t = rows.get(section.anchor)
        try:
            kind = ModificationType(section.modification_type or (t.type if t else ""))
        except ValueError:
            kind = ModificationType.MINOR_UPDATE
        try:
            status = FileStatus(t.status if t else "modified")
        except ValueError:
            status = FileStatus.MODIFIED
        files.append(
            FileReport(
                path=section.path,
                status=status,
                additions=t.additions if t else 0,
                deletions=t.deletions if t else 0,
                changes=t.changes if t else 0,
                modification_type=kind,
                modification_title=section.modification_title or (t.title if t else ""),
                explanation=section.explanation,
                patch=section.patch,
            )
        )
    return Report(
        date=parsed.date or date.fromisoformat(row.day),
        language=row.language,
        category=row.category,
        title=parsed.title or row.title,
        repo=row.repo_name,
        permalink=parsed.permalink or row.permalink,
        base=row.base,
        head=row.head,
        summary=parsed.summary or row.summary,
        highlights=_highlights(parsed.highlights, row.language),
        insights=parsed.insights,
        files=files,
    )


def _highlights(parsed: ParsedHighlights, language: str) -> Highlights:
    """The bullet groups; a group's text counts only when it is not "No breaking changes."."""
    cat = catalog(language if language in available_languages() else FALLBACK)
    none = {cat.t(f"highlights.none_{k}") for k in ("new", "breaking", "other")}

    def items(group: HighlightGroup) -> list[str]:
        text = group.text.strip()
        return group.items or ([text] if text and text not in none else [])

    return Highlights(
        text=parsed.text,
        new_features=items(parsed.new_features),
        breaking_changes=items(parsed.breaking_changes),
        other_updates=items(parsed.other_updates),
    )


def importance(report: Report) -> int:
    """The most important kind of change in ``report`` (see :data:`IMPORTANCE`)."""
    levels = [IMPORTANCE[f.modification_type.value] for f in report.files]
    if report.highlights.breaking_changes:
        levels.append(IMPORTANCE[ModificationType.BREAKING_CHANGE.value])
    if report.highlights.new_features:
        levels.append(IMPORTANCE[ModificationType.NEW_FEATURE.value])
    return max(levels, default=0)


def report_link(row: ReportRow, site_url: str | None, files_url: str | None) -> str | None:
    """Where a reader opens the report: its site page, else its file, else the compare view."""
    if site_url:
        return site_url.rstrip("/") + "/" + _report_url(row.path)
    if files_url:
        return files_url.rstrip("/") + "/" + row.path
    return row.permalink


def picked_highlights(h: Highlights) -> tuple[list[str], list[str], int]:
    """Breaking changes (all), up to :data:`MAX_HIGHLIGHTS` others, and how many were left out."""
    others = h.new_features + h.other_updates
    return h.breaking_changes, others[:MAX_HIGHLIGHTS], max(0, len(others) - MAX_HIGHLIGHTS)


def sample_report(language: str, title: str, summary: str, highlight: str) -> Report:
    """A small report for ``notify --test`` when no real one matches the target."""
    return Report(
        date=date.today(),
        language=language,
        category="sample",
        title=title,
        repo="diffinsight",
        summary=summary,
        highlights=Highlights(new_features=[highlight]),
    )
