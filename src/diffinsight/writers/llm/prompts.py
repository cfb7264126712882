"""Prompt text and answer schemas of the LLM writer.

Instructions are in English (models follow them best); the output language is named explicitly
for every text the model writes. The rules condense REPORT-STYLE: concrete old -> new values,
"why it matters" only when the diff supports it, verbatim identifiers in code spans.
"""

from __future__ import annotations

import functools
from typing import Any

from babel import Locale, UnknownLocaleError
from pydantic import BaseModel, ConfigDict

from diffinsight.models import Fact

FILE_SYSTEM = """You write the per-file entries of a Diff Insight Report on a documentation repository, read by developers on a phone, possibly in a second language.
Each file comes with path, status, line counts, change type, facts from the diff ((xN): occurs N times) and its changed lines: "- " removed, "+ " added, "~ " edited in place as [-old-]{+new+}, "§ " the section heading above them.
For each file and each requested language write:
- title: one line naming the change; at most 60 characters (30 in Chinese, Japanese, Korean); no final period.
- explanation: 1 to 4 sentences, the first carrying the change. Be concrete: old -> new for each changed value, version, name or link target. Say why it matters only when the diff shows it; no vague praise.
Rules: identifiers, file names, versions, parameters, URLs and numbers verbatim in `code` spans, copied from the input; never state a value, number, date, version or URL the input lacks. Keep product names as written. Write naturally for the locale (zh_CN full-width punctuation, ja_JP です/ます). Text only inside the JSON fields: no tags, headings, locale codes or talk about these instructions.
Answer with JSON only: every file, every language."""

#: Appended to :data:`FILE_SYSTEM` when one call writes a whole (small) report.
COMBINED_ADDON = """Also write the report-level sections, under "report": {LANG: {...}} for each language:
- summary: 1 to 3 sentences on what the changes do overall.
- highlights: one opening sentence; new_features, breaking_changes, other_updates: 3 to 7 bullets in all, a group with nothing is an empty list; files sharing one trivial change make one bullet with a count.
- insights: at most 3 short paragraphs, each a theme across several files, grounded in the input (an empty list if there is none).
Same rules: concrete, verbatim values, nothing invented."""

REPORT_SYSTEM = """You write the report-level sections of a Diff Insight Report on a documentation repository, from the per-file entries and facts given (not the raw diff). For each requested language:
- summary: 1 to 3 sentences on what the changes do overall.
- highlights: one opening sentence; new_features, breaking_changes, other_updates: 3 to 7 bullets in all, a group with nothing is an empty list; files sharing one trivial change make one bullet with a count.
- insights: at most 3 short paragraphs, each a theme across several files (a model added everywhere, a rename, a deprecation), grounded in the entries.
Rules: concrete, no vague praise, why it matters only when the entries show it; identifiers, file names, versions and numbers verbatim in `code` spans, copied from the input, never invented. Write naturally for the locale. No tags, locale codes or talk about these instructions.
Answer with JSON only."""

#: The answer's shape, for servers that take no JSON schema (JSON mode).
FILES_SHAPE = """Shape: {"files": [{"id": "<file id>", "texts": {"<LANG>": {"title": "...", "explanation": "..."}}}]}"""
REPORT_TEXT_SHAPE = """{"<LANG>": {"summary": "...", "highlights": "...", "new_features": ["..."], "breaking_changes": [], "other_updates": ["..."], "insights": ["..."]}}"""
COMBINED_SHAPE = (
    """Shape: {"files": [{"id": "<file id>", "texts": {"<LANG>": {"title": "...", "explanation": "..."}}}], "report": """
    + REPORT_TEXT_SHAPE
    + "}"
)
REPORT_SHAPE = """Shape: {"texts": """ + REPORT_TEXT_SHAPE + "}"

REPAIR = """Your answer cannot be used as it is:
{problems}
Answer again with the complete corrected JSON, same shape, fixing every problem listed."""


@functools.lru_cache(maxsize=64)
def language_name(lang: str) -> str:
    """English name of a locale code (``zh_CN`` -> ``Chinese (Simplified, China)``)."""
    try:
        return str(Locale.parse(lang).get_display_name("en"))
    except (ValueError, UnknownLocaleError):
        return lang


def languages_line(languages: list[str]) -> str:
    """The output languages, by code and name."""
    return "Write in: " + "; ".join(f"{code} = {language_name(code)}" for code in languages)


def fact_line(fact: Fact) -> str:
    """One fact as a compact line (``kind: old -> new @ where``)."""
    parts = [fact.kind]
    if fact.old and fact.new:
        parts.append(f"{fact.old!r} -> {fact.new!r}")
    elif fact.new:
        parts.append(repr(fact.new))
    elif fact.old:
        parts.append(f"was {fact.old!r}")
    # Flags (``long``, ``header_known``...) steer the offline wording; they say nothing to a reader.
    extra = {
        k: v
        for k, v in fact.detail.items()
        if v not in (None, "", [], {}) and not isinstance(v, bool)
    }
    if extra:
        parts.append(" ".join(f"{k}={v}" for k, v in extra.items()))
    if fact.where:
        parts.append(f"@ {fact.where}")
    return " ".join(parts)


# -- answer models (validated after parsing; the JSON schemas below mirror them) --------------


class FileText(BaseModel):
    """One file's entry in one language."""

    model_config = ConfigDict(extra="forbid")

    title: str
    explanation: str


class FileAnswer(BaseModel):
    """One file of a per-file answer."""

    model_config = ConfigDict(extra="forbid")

    id: str
    texts: dict[str, FileText]


class ReportText(BaseModel):
    """Report-level sections in one language."""

    model_config = ConfigDict(extra="forbid")

    summary: str
    highlights: str
    new_features: list[str]
    breaking_changes: list[str]
    other_updates: list[str]
    insights: list[str]


class ReportAnswer(BaseModel):
    """A report call's answer."""

    model_config = ConfigDict(extra="forbid")

    texts: dict[str, ReportText]


class FilesAnswer(BaseModel):
    """A per-file call's answer (with the report sections when asked for both at once)."""

    model_config = ConfigDict(extra="forbid")

    files: list[FileAnswer]
    report: dict[str, ReportText] | None = None


def _strict_object(props: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": props,
        "required": list(props),
        "additionalProperties": False,
    }


def files_schema(languages: list[str], *, with_report: bool = False) -> dict[str, Any]:
    """Strict JSON schema of :class:`FilesAnswer` for these languages."""
    text = _strict_object({"title": {"type": "string"}, "explanation": {"type": "string"}})
    entry = _strict_object(
        {
            "id": {"type": "string"},
            "texts": _strict_object({lang: text for lang in languages}),
        }
    )
    props: dict[str, Any] = {"files": {"type": "array", "items": entry}}
    if with_report:
        props["report"] = report_schema(languages)["properties"]["texts"]
    return _strict_object(props)


def report_schema(languages: list[str]) -> dict[str, Any]:
    """Strict JSON schema of :class:`ReportAnswer` for these languages."""
    strings = {"type": "array", "items": {"type": "string"}}
    text = _strict_object(
        {
            "summary": {"type": "string"},
            "highlights": {"type": "string"},
            "new_features": strings,
            "breaking_changes": strings,
            "other_updates": strings,
            "insights": strings,
        }
    )
    return _strict_object({"texts": _strict_object({lang: text for lang in languages})})
