"""Parser of the reference Diff Insight Report format (Markdown with YAML front matter).

The format (see ``docs`` and the reference report) is::

    ---
    date: 'YYYY-MM-DD'
    permalink: <compare URL>
    summary: ...
    title: '[zh_CN] Diff Insight Report - openai'
    ---
    [View Diff on GitHub](<compare URL>){target="_blank"}
    # Highlights            (intro, then ## New features / ## Breaking changes / ## Other updates)
    # Insights              (paragraphs)
    # Summary Table         (| [name](#item-xxxxxx) | type | title | status | A | D | M |)
    # Modified Contents     (## path{#item-xxxxxx}, <details> diff fence, ### Summary json,
                             ### Explanation)

Reports written by LLMs vary their headings (``# ハイライト``, ``## 破壊的変更``,
``# 深入分析``, headings one level deeper...), so the sections before the summary table
are found by position and classified by keywords rather than by exact names.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date as Date
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field

from diffinsight import safeyaml
from diffinsight.errors import InputError
from diffinsight.models import Highlights, item_anchor

__all__ = [
    "FileSection",
    "HighlightGroup",
    "ParsedHighlights",
    "ParsedReport",
    "Section",
    "SummaryRow",
    "parse_report",
    "parse_report_file",
]


class SummaryRow(BaseModel):
    """One row of the ``# Summary Table``."""

    name: str
    anchor: str | None = None
    type: str = ""
    title: str = ""
    status: str = ""
    additions: int = 0
    deletions: int = 0
    changes: int = 0


class FileSection(BaseModel):
    """One ``## path{#item-xxxxxx}`` section of ``# Modified Contents``."""

    path: str
    anchor: str
    #: Content of the diff fence inside ``<details>``; None when the section has no diff.
    patch: str | None = None
    #: The ``### Summary`` JSON object; empty when it is missing or invalid.
    summary: dict[str, Any] = Field(default_factory=dict)
    #: The raw text of the ``### Summary`` block when it is not a valid JSON object.
    summary_raw: str | None = None
    explanation: str = ""

    @property
    def modification_type(self) -> str:
        value = self.summary.get("modification_type", "")
        return value if isinstance(value, str) else str(value)

    @property
    def modification_title(self) -> str:
        value = self.summary.get("modification_title", "")
        return value if isinstance(value, str) else str(value)


class HighlightGroup(BaseModel):
    """One bullet group of the highlights (``## New features`` and so on)."""

    heading: str = ""
    items: list[str] = Field(default_factory=list)
    #: Text of the group that is not a bullet (``No breaking changes.``).
    text: str = ""


class Section(BaseModel):
    """A heading and its Markdown body, for sections the format does not name."""

    heading: str
    body: str = ""


class ParsedHighlights(BaseModel):
    """The highlights section: intro text and the three bullet groups."""

    heading: str = ""
    text: str = ""
    new_features: HighlightGroup = Field(default_factory=HighlightGroup)
    breaking_changes: HighlightGroup = Field(default_factory=HighlightGroup)
    other_updates: HighlightGroup = Field(default_factory=HighlightGroup)
    #: Sub-sections that are none of the three groups (kept so that nothing is lost).
    extra: list[Section] = Field(default_factory=list)

    def to_model(self) -> Highlights:
        """The pipeline's :class:`~diffinsight.models.Highlights` (group text becomes a bullet)."""

        def items(group: HighlightGroup) -> list[str]:
            return group.items or ([group.text] if group.text else [])

        return Highlights(
            text=self.text,
            new_features=items(self.new_features),
            breaking_changes=items(self.breaking_changes),
            other_updates=items(self.other_updates),
        )


class ParsedReport(BaseModel):
    """Everything a reference-format report says, as read from its Markdown."""

    source: str | None = None
    front_matter: dict[str, Any] = Field(default_factory=dict)
    title: str = ""
    #: The title without its ``[xx_YY]`` prefix.
    plain_title: str = ""
    date: Date | None = None
    permalink: str | None = None
    summary: str = ""
    #: From the title prefix, else the ``lang``/``language`` front matter key.
    language: str | None = None
    #: From ``... - CATEGORY`` at the end of the title.
    category: str | None = None
    #: The ``[View Diff on GitHub](...)`` link target.
    compare_url: str | None = None
    highlights: ParsedHighlights = Field(default_factory=ParsedHighlights)
    insights_heading: str = ""
    insights: list[str] = Field(default_factory=list)
    table: list[SummaryRow] = Field(default_factory=list)
    files: list[FileSection] = Field(default_factory=list)
    #: Things that looked wrong but did not stop parsing (cut-off diff, bad JSON...).
    warnings: list[str] = Field(default_factory=list)
    #: Prompt-leak artefacts removed from the text (``<format>`` tags, ``Locale: xx`` phrases).
    leaks_removed: int = 0

    def prose(self) -> str:
        """The text the report's writer wrote (titles, summary, highlights, explanations)."""
        hl = self.highlights
        parts = [self.plain_title, self.summary, hl.text, *self.insights]
        for group in (hl.new_features, hl.breaking_changes, hl.other_updates):
            parts += [*group.items, group.text]
        parts += [row.title for row in self.table]
        for f in self.files:
            parts += [f.modification_title, f.explanation]
        return "\n".join(p for p in parts if p)


_LANG_PREFIX = re.compile(r"^\s*\[([A-Za-z]{2,3}(?:[_-][A-Za-z0-9]{2,4})?)\]\s*")
_CATEGORY = re.compile(r"\s[-–—]\s*([^\s\-–—](?:[^-–—]*[^\s\-–—])?)\s*$")
_FENCE_OPEN = re.compile(r"^( {0,3})(`{3,}|~{3,})(.*)$")
_HEADING = re.compile(r"^(#{1,6})[ \t]+((?:.*[^ \t])?)[ \t]*$")
_FILE_HEADING = re.compile(r"^##[ \t]+([^ \t](?:.*[^ \t])?)[ \t]*\{#(item-[0-9A-Za-z_-]+)\}[ \t]*$")
_VIEW_DIFF = re.compile(r"^\[[^\]]*\]\((https?://[^)\s]+)\)")
_LINK_CELL = re.compile(r"^\[(.*)\]\(#([^)\s\]]+)\)$")

# Keywords seen in real reports (en, ja, zh; LLM wording varies). Checked in this order:
# "other" first because e.g. "その他の変更" also contains the word for "change".
_GROUP_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "other_updates",
        (
            "other",
            "その他",
            "他の",
            "其他",
            "其它",
            "autres",
            "weitere",
            "otras",
            "기타",
        ),
    ),
    (
        "new_features",
        (
            "new",
            "新機能",
            "新しい機能",
            "新功能",
            "新特性",
            "新增",
            "nouvelle",
            "neue",
            "nueva",
            "새",
        ),
    ),
    (
        "breaking_changes",
        (
            "break",
            "破壊",
            "破坏",
            "破滅",
            "互換",
            "ブレイ",
            "重大",
            "重要な変更",
            "大きな変更",
            "不兼容",
            "rupture",
            "inkompatib",
            "importante",
            "호환",
        ),
    ),
)
_HIGHLIGHT_NAMES = (
    "highlight",
    "ハイライト",
    "亮点",
    "重点",
    "高亮",
    "要点",
    "突出",
    "强调",
    "主な",
)
_INSIGHT_NAMES = ("insight", "インサイト", "洞察", "见解", "洞见", "分析", "解析", "解读", "剖析")


@dataclass
class _Heading:
    line: int
    level: int
    text: str


def _closes(line: str, fence: str, indented: bool) -> bool:
    """Whether ``line`` closes ``fence``.

    An unindented fence closes only on an unindented line: diff lines always start with a
    prefix character, so a context line such as `` ````` `` never ends a patch. An indented
    fence (inside a list item) may close indented, as in CommonMark.
    """
    if not indented and not line.startswith(fence):
        return False  # nearly every line a fence holds: diff lines start with + - or a space
    stripped = line.rstrip()
    if indented:
        stripped = stripped.lstrip(" ")
    return stripped.startswith(fence) and set(stripped) == {fence[0]}


_LANG_TAG = re.compile(r"^[A-Za-z]{2,3}(?:[_-][A-Za-z0-9]{2,4})?$")


def _normalise_lang(tag: str) -> str:
    """``zh-cn`` -> ``zh_CN``, ``zh-hant`` -> ``zh_Hant``, ``JA`` -> ``ja``."""
    parts = re.split(r"[-_]", tag.strip())
    if len(parts) == 1:
        return parts[0].lower()
    sub = parts[1].title() if len(parts[1]) == 4 else parts[1].upper()
    return parts[0].lower() + "_" + sub


def _split_front_matter(text: str, source: str) -> tuple[dict[str, Any], list[str]]:
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return {}, lines
    for i in range(1, len(lines)):
        if lines[i].strip() in ("---", "..."):
            raw = "\n".join(lines[1:i])
            try:
                data = safeyaml.load(raw) if raw.strip() else {}
            except safeyaml.UnsafeYAMLError as exc:
                raise InputError(f"{source}: the YAML front matter is refused: {exc}") from None
            except yaml.YAMLError as exc:
                mark = getattr(exc, "problem_mark", None)
                where = f" (line {mark.line + 2})" if mark is not None else ""
                raise InputError(
                    f"{source}: the YAML front matter cannot be read{where}; fix or quote the value"
                ) from None
            if data is None:
                data = {}
            if not isinstance(data, dict):
                raise InputError(
                    f"{source}: the front matter is not a YAML mapping; write it as 'key: value' lines"
                )
            return {str(k): v for k, v in data.items()}, lines[i + 1 :]
    raise InputError(f"{source}: the front matter starting at line 1 is never closed with '---'")


def _scan_headings(lines: list[str]) -> list[_Heading]:
    """Headings outside fenced code blocks.

    A fence closes only on an unindented line of its character: diff lines always start
    with a prefix character, so an indented fence inside a patch never ends the block.
    """
    headings: list[_Heading] = []
    fence: str | None = None
    indented = False
    for i, line in enumerate(lines):
        if fence is not None:
            # Most lines of a report are diff lines inside a fence: rule them out cheaply.
            if (indented or line.startswith(fence)) and _closes(line, fence, indented):
                fence = None
            continue
        m = _FENCE_OPEN.match(line)
        if m and not (m.group(2)[0] == "`" and "`" in m.group(3)):
            fence, indented = m.group(2), bool(m.group(1))
            continue
        h = _HEADING.match(line)
        if h:
            headings.append(_Heading(i, len(h.group(1)), h.group(2).rstrip("#").rstrip()))
    return headings


def _block(lines: list[str], start: int, end: int) -> str:
    return "\n".join(lines[start:end]).strip("\n").strip()


def _paragraphs(text: str) -> list[str]:
    """Split Markdown into blank-line separated blocks, never inside a fence."""
    blocks: list[str] = []
    current: list[str] = []
    fence: str | None = None
    indented = False
    for line in text.split("\n"):
        if fence is None:
            m = _FENCE_OPEN.match(line)
            if m:
                fence, indented = m.group(2), bool(m.group(1))
            elif not line.strip():
                if current:
                    blocks.append("\n".join(current).strip())
                    current = []
                continue
        elif _closes(line, fence, indented):
            fence = None
        current.append(line)
    if current:
        blocks.append("\n".join(current).strip())
    return [b for b in blocks if b]


def _classify_group(heading: str) -> str | None:
    low = heading.lower()
    for name, keywords in _GROUP_KEYWORDS:
        if any(k in low for k in keywords):
            return name
    return None


def _bullets(body: str) -> tuple[list[str], str]:
    """Top-level bullets of a group (continuation lines joined) and the remaining text."""
    items: list[str] = []
    rest: list[str] = []
    for line in body.split("\n"):
        m = re.match(r"^[-*+][ \t]+(.*)$", line)
        if m:
            items.append(m.group(1).strip())
        elif items and line.startswith((" ", "\t")) and line.strip():
            items[-1] = items[-1] + "\n" + line.strip()
        elif line.strip():
            rest.append(line)
    return items, "\n".join(rest).strip()


def _unwrap_fences(lines: list[str], end: int) -> bool:
    """Blank out a bare fence that an LLM wrapped around the report's own headings."""
    changed = False
    i = 0
    while i < end:
        m = _FENCE_OPEN.match(lines[i])
        if not m:
            i += 1
            continue
        fence, indented = m.group(2), bool(m.group(1))
        k = next((k for k in range(i + 1, end) if _closes(lines[k], fence, indented)), None)
        inner = lines[i + 1 : k if k is not None else end]
        bare = m.group(3).strip().lower() in ("", "markdown", "md")
        if bare and any(re.match(r"^#{1,3} ", line) for line in inner):
            lines[i] = ""
            if k is not None:
                lines[k] = ""
            changed = True
        i = (k if k is not None else end) + 1
    return changed


def _is_named(text: str, names: tuple[str, ...]) -> bool:
    low = text.lower()
    return any(k in low for k in names)


def _parse_pre_table(
    report: ParsedReport, lines: list[str], pre: list[_Heading], pre_end: int
) -> None:
    if not pre:
        return
    top = min(h.level for h in pre)
    hl = next((h for h in pre if _is_named(h.text, _HIGHLIGHT_NAMES)), None)
    if hl is None and not _is_named(pre[0].text, _INSIGHT_NAMES):
        hl = next(h for h in pre if h.level == top)
    after = [h for h in pre if hl is None or h.line > hl.line]
    max_level = hl.level + 1 if hl is not None else top
    ins = next(
        (h for h in after if _is_named(h.text, _INSIGHT_NAMES) and h.level <= max_level), None
    )
    if ins is None:
        ins = next((h for h in after if hl is None or h.level <= hl.level), None)
    if hl is not None:
        stop = ins.line if ins is not None else pre_end
        report.highlights = _parse_highlights(lines, hl, stop, pre)
    if ins is not None:
        report.insights_heading = ins.text
        report.insights = _paragraphs(_block(lines, ins.line + 1, pre_end))


_PSEUDO_HEADING = re.compile(r"^(?:[-*+][ \t]+)?\*\*([^*]+?)\*\*[ \t]*[:：]?[ \t]*(.*)$")


def _parse_highlights(
    lines: list[str], heading: _Heading, end: int, pre: list[_Heading]
) -> ParsedHighlights:
    result = ParsedHighlights(heading=heading.text)
    inner = [h for h in pre if heading.line < h.line < end]
    # (line, heading text, text on the heading line itself)
    subs: list[tuple[int, str, str]] = []
    if inner:
        level = min(h.level for h in inner)
        subs = [(h.line, h.text, "") for h in inner if h.level == level]
    else:
        # No sub-headings: "**New Features**" or "- **新機能**: なし" lines act as headings.
        for i in range(heading.line + 1, end):
            m = _PSEUDO_HEADING.match(lines[i])
            if m and _classify_group(m.group(1).strip().rstrip(":：")) is not None:
                subs.append((i, m.group(1).strip().rstrip(":："), m.group(2).strip()))
    first_sub = subs[0][0] if subs else end
    result.text = _block(lines, heading.line + 1, first_sub)
    unclassified: list[tuple[int, Section]] = []
    for idx, (line_no, text, same_line) in enumerate(subs):
        stop = subs[idx + 1][0] if idx + 1 < len(subs) else end
        body = _block(lines, line_no + 1, stop)
        if same_line:
            body = (same_line + "\n" + body).strip()
        kind = _classify_group(text)
        if kind is not None and not getattr(result, kind).heading:
            items, rest = _bullets(body)
            setattr(result, kind, HighlightGroup(heading=text, items=items, text=rest))
        else:
            unclassified.append((idx, Section(heading=text, body=body)))
    # Groups named in a way no keyword knows keep their slot when the order is the usual one.
    slots = ("new_features", "breaking_changes", "other_updates")
    for idx, section in unclassified:
        if len(subs) == 3 and not getattr(result, slots[idx]).heading:
            items, rest = _bullets(section.body)
            setattr(
                result, slots[idx], HighlightGroup(heading=section.heading, items=items, text=rest)
            )
        else:
            result.extra.append(section)
    return result


def _split_cells(row: str) -> list[str]:
    row = row.strip()
    if row.startswith("|"):
        row = row[1:]
    if row.endswith("|") and not row.endswith("\\|"):
        row = row[:-1]
    return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", row)]


def _to_int(value: str) -> int:
    try:
        return int(value.replace(",", "").strip())
    except ValueError:
        return 0


def _parse_table(lines: list[str], start: int, end: int, warnings: list[str]) -> list[SummaryRow]:
    rows: list[SummaryRow] = []
    header_seen = False
    for line in lines[start:end]:
        if not line.strip().startswith("|"):
            if header_seen and line.strip():
                break  # the table ends at its first non-row line
            continue
        cells = _split_cells(line)
        if all(re.fullmatch(r":?-{1,}:?", c) for c in cells if c):
            continue
        if not header_seen and not _LINK_CELL.match(cells[0]):
            header_seen = True
            continue
        header_seen = True
        m = _LINK_CELL.match(cells[0])
        name, anchor = (m.group(1), m.group(2)) if m else (cells[0], None)
        if len(cells) >= 7:
            row = SummaryRow(
                name=name,
                anchor=anchor,
                type=cells[1],
                title="|".join(cells[2:-4]),
                status=cells[-4],
                additions=_to_int(cells[-3]),
                deletions=_to_int(cells[-2]),
                changes=_to_int(cells[-1]),
            )
        else:
            warnings.append(f"summary table row with {len(cells)} cells: {line.strip()[:80]}")
            row = SummaryRow(name=name, anchor=anchor, type=cells[1] if len(cells) > 1 else "")
        rows.append(row)
    return rows


def _parse_file_section(
    path: str, anchor: str, lines: list[str], start: int, end: int, warnings: list[str]
) -> FileSection:
    section = FileSection(path=path, anchor=anchor)
    i = start
    # The diff: a fence inside <details>.
    while i < end and not lines[i].strip():
        i += 1
    if i < end and lines[i].strip().lower().startswith("<details"):
        j = i + 1
        while j < end and not _FENCE_OPEN.match(lines[j]):
            if lines[j].strip().lower().startswith("</details"):
                break
            j += 1
        m = _FENCE_OPEN.match(lines[j]) if j < end else None
        if m:
            fence = m.group(2)
            k = j + 1
            while k < end:
                if _closes(lines[k], fence, False):
                    break
                k += 1
            if k >= end:
                warnings.append(f"{path}: the diff fence is never closed (report cut off?)")
            section.patch = "\n".join(lines[j + 1 : k])
            i = k + 1
        else:
            i = j
        while i < end and not lines[i].strip().lower().startswith("</details"):
            if lines[i].strip().startswith("#"):
                break
            i += 1
        if i < end and lines[i].strip().lower().startswith("</details"):
            i += 1
    # "### Summary" with a json fence, then "### Explanation".
    sub = [h for h in _scan_headings(lines[i:end]) if h.level >= 3]
    summary_h = next((h for h in sub if "summary" in h.text.lower()), None)
    expl_h = next((h for h in sub if "explanation" in h.text.lower()), None)
    if summary_h is not None:
        s = i + summary_h.line + 1
        stop = i + expl_h.line if expl_h is not None and expl_h.line > summary_h.line else end
        raw = _fenced_content(lines, s, stop)
        if raw is not None:
            try:
                data = json.loads(raw)
            except (ValueError, RecursionError):
                data = None
            if isinstance(data, dict):
                # JSON escapes (\ud800) decode to lone surrogates, which no page can hold.
                section.summary, bad = _scrub(data)
                if bad:
                    warnings.append(
                        f"{path}: {bad} unencodable characters in the ### Summary block"
                        " replaced with U+FFFD"
                    )
            else:
                section.summary_raw = raw
                warnings.append(f"{path}: the ### Summary block is not a JSON object; kept as text")
    if expl_h is not None:
        section.explanation = _block(lines, i + expl_h.line + 1, end)
    elif summary_h is None:
        section.explanation = _block(lines, i, end)
    return section


def _fenced_content(lines: list[str], start: int, end: int) -> str | None:
    for j in range(start, end):
        m = _FENCE_OPEN.match(lines[j])
        if m:
            fence, indented = m.group(2), bool(m.group(1))
            for k in range(j + 1, end):
                if _closes(lines[k], fence, indented):
                    return "\n".join(lines[j + 1 : k])
            return "\n".join(lines[j + 1 : end])
    return None


_SURROGATE = re.compile("[\ud800-\udfff]")
_DATE_SHAPE = re.compile(r"^\s*\d{4}-\d{1,2}-\d{1,2}(?:[T ]|\s*$)")


def _scrub(value: Any) -> tuple[Any, int]:
    """``value`` with lone surrogates (unencodable in any output) replaced by U+FFFD; count."""
    if isinstance(value, str):
        return _SURROGATE.subn("\ufffd", value)
    if isinstance(value, list):
        pairs = [_scrub(v) for v in value]
        return [v for v, _ in pairs], sum(n for _, n in pairs)
    if isinstance(value, dict):
        out: dict[Any, Any] = {}
        total = 0
        for k, v in value.items():
            (k2, n1), (v2, n2) = _scrub(k), _scrub(v)
            out[k2] = v2
            total += n1 + n2
        return out, total
    return value, 0


def _as_date(value: Any) -> Date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, Date):
        return value
    if isinstance(value, str):
        try:
            return Date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


#: Level-1 headings and file headings never sit inside a fence of a well-formed report.
_STRUCTURE = re.compile(
    r"^(?:#[ \t]+(?:summary table|modified contents)\b|##[ \t].*\{#item-)", re.I
)
_STRUCTURE_ANYWHERE = re.compile(_STRUCTURE.pattern, re.I | re.M)
_LOOSE_FILE_HEADING = re.compile(r"^##[ \t]+`?(.+?)`?[ \t]*(?:\{[^}]*\}?|\{?#item-\S*)?[ \t]*$")
_PATHLIKE = re.compile(r"^[^\s]+(?:/[^\s]+|\.[A-Za-z0-9]{1,8})$")


def _drop_stray_fences(lines: list[str], offset: int, warnings: list[str]) -> None:
    """Blank out opening fences that swallow the report's own structure.

    A fence left open by the writer hides every heading after it ("0 files"). A fence
    whose content holds ``# Summary Table``, ``# Modified Contents`` or a file heading
    (diff lines always start with a prefix, so a patch never does) is taken as stray: its
    opening line is ignored and named in ``warnings`` with its line in the file.
    """
    i = 0
    while i < len(lines):
        m = _FENCE_OPEN.match(lines[i])
        if not m or (m.group(2)[0] == "`" and "`" in m.group(3)):
            i += 1
            continue
        fence, indented = m.group(2), bool(m.group(1))
        k = i + 1
        stray = False
        while k < len(lines) and not _closes(lines[k], fence, indented):
            if _STRUCTURE.match(lines[k]):
                stray = True
                break
            k += 1
        if stray:
            warnings.append(
                f"line {i + 1 + offset}: the fence opened here is never closed; "
                "read the text after it as Markdown"
            )
            lines[i] = ""
            i += 1
            continue
        i = k + 1


def _remove_leaks(report: ParsedReport) -> None:
    """Strip prompt-leak artefacts (``<format>``, ``Locale: ja_JP``) from the report's prose.

    Diffs are left alone: a ``<format>`` line there is a real change.
    """
    from diffinsight.writers.llm.checks import strip_artefacts

    def clean(text: str, title: bool = False) -> str:
        if "<" not in text and "ocale" not in text and not title:
            return text
        out, found = strip_artefacts(text, title=title)
        if not found:
            return text
        report.leaks_removed += len(found)
        lines = [re.sub(r"[ \t]{2,}", " ", line).rstrip() for line in out.split("\n")]
        out = "\n".join(lines).strip()
        return out.rstrip(" -–—:;,") if title else re.sub(r"\n{3,}", "\n\n", out)

    report.summary = clean(report.summary)
    hl = report.highlights
    hl.text = clean(hl.text)
    for group in (hl.new_features, hl.breaking_changes, hl.other_updates):
        group.items = [clean(x) for x in group.items]
        group.text = clean(group.text)
    for section in hl.extra:
        section.body = clean(section.body)
    report.insights = [x for x in (clean(p) for p in report.insights) if x]
    for row in report.table:
        row.title = clean(row.title, title=True)
    for f in report.files:
        if isinstance(f.summary.get("modification_title"), str):
            f.summary["modification_title"] = clean(f.summary["modification_title"], title=True)
        f.explanation = clean(f.explanation)


_KANA_CHARS = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff]")
_HAN_CHARS = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_HANGUL_CHARS = re.compile(r"[\uac00-\ud7af\u1100-\u11ff]")
#: Fewer characters of a script than this tell nothing (a quoted name, a stray symbol).
MIN_SCRIPT_CHARS = 20


def language_from_script(text: str) -> str | None:
    """ja_JP, ko_KR or zh_CN when ``text`` is mostly written in that script, else None.

    Kana is only Japanese; Hangul only Korean; Han without kana is taken as Simplified
    Chinese (the existing tool's only Chinese). Latin text tells nothing (None).
    """
    kana = len(_KANA_CHARS.findall(text))
    han = len(_HAN_CHARS.findall(text))
    hangul = len(_HANGUL_CHARS.findall(text))
    if kana + han + hangul < MIN_SCRIPT_CHARS:
        return None
    if hangul > kana + han:
        return "ko_KR"
    # Japanese prose is about a third kana; Chinese has none (a few quoted names at most).
    if kana >= 0.1 * (kana + han):
        return "ja_JP"
    return "zh_CN" if han > hangul else None


def parse_report(text: str, source: str | None = None, *, keep_leaks: bool = False) -> ParsedReport:
    """Parse one report in the reference format.

    ``source`` names the input in error messages and is kept on the result. ``keep_leaks``
    leaves prompt-leak artefacts in the prose, as the model wrote it (to test a guard on). Raises
    :class:`~diffinsight.errors.InputError` (one line, naming ``source``) when the text is
    not a Diff Insight Report at all or its front matter is unreadable; smaller defects
    (a cut-off diff, an invalid summary JSON) are tolerated and listed in ``warnings``.
    """
    name = source or "<report>"
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    text, bad_text = _scrub(text)
    front, lines = _split_front_matter(text, name)
    front, bad_front = _scrub(front)
    offset = text.count("\n") + 1 - len(lines)  # file line of lines[0], minus one
    structure_warnings: list[str] = []
    headings = _scan_headings(lines)
    # Every structural line outside a fence is a heading: no fence swallowed any of them
    # (the common case; the per-line stray-fence pass is then skipped).
    structural = len(_STRUCTURE_ANYWHERE.findall("\n".join(lines)))
    if structural != sum(bool(_STRUCTURE.match(lines[h.line])) for h in headings):
        _drop_stray_fences(lines, offset, structure_warnings)
        headings = _scan_headings(lines)
    table_h = next(
        (h for h in headings if h.level == 1 and "summary table" in h.text.lower()), None
    )
    contents_h = next(
        (h for h in headings if h.level == 1 and "modified contents" in h.text.lower()), None
    )
    if not front and table_h is None and contents_h is None:
        raise InputError(
            f"{name}: not a Diff Insight Report (no front matter, no '# Summary Table'); "
            "remove it from the reports folder"
        )

    report = ParsedReport(source=source, front_matter=front)
    warnings = report.warnings
    if bad_text or bad_front:
        warnings.append(
            f"{name}: {bad_text + bad_front} unencodable characters replaced with U+FFFD; "
            "re-save the report as UTF-8"
        )
    warnings.extend(structure_warnings)
    title = front.get("title")
    report.title = str(title).strip() if title is not None else ""
    report.date = _as_date(front.get("date"))
    raw_date = front.get("date")
    if report.date is None and isinstance(raw_date, str) and _DATE_SHAPE.match(raw_date):
        raise InputError(
            f"{name}: front matter date {raw_date.strip()!r} is not a real date; "
            "write an existing day as YYYY-MM-DD"
        )
    if front.get("date") is not None and report.date is None:
        warnings.append(f"front matter date {front.get('date')!r} is not an ISO date")
    permalink = front.get("permalink")
    report.permalink = str(permalink).strip() if permalink else None
    summary = front.get("summary")
    report.summary = str(summary).strip() if summary is not None else ""

    m = _LANG_PREFIX.match(report.title)
    plain = report.title[m.end() :] if m else report.title
    report.plain_title = plain.strip()
    if m:
        report.language = _normalise_lang(m.group(1))
    else:
        for key in ("lang", "language", "locale"):
            value = front.get(key)
            if isinstance(value, str) and value.strip():
                if _LANG_TAG.match(value.strip()):
                    report.language = _normalise_lang(value)
                    break
                report.warnings.append(f"front matter {key}: {value!r} is not a language tag")
    c = _CATEGORY.search(report.plain_title)
    if c:
        report.category = c.group(1).strip()
    elif isinstance(front.get("category"), str):
        report.category = str(front["category"]).strip()

    first_h = headings[0].line if headings else len(lines)
    for line in lines[:first_h]:
        v = _VIEW_DIFF.match(line.strip())
        if v:
            report.compare_url = v.group(1)
            break

    # Sections before the summary table: highlights first, then insights.
    pre_end = table_h.line if table_h else (contents_h.line if contents_h else len(lines))
    if _unwrap_fences(lines, pre_end):
        headings = _scan_headings(lines)
    pre = [h for h in headings if h.line < pre_end]
    _parse_pre_table(report, lines, pre, pre_end)

    if table_h is not None:
        after = [h for h in headings if h.line > table_h.line and h.level == 1]
        stop = after[0].line if after else len(lines)
        report.table = _parse_table(lines, table_h.line + 1, stop, warnings)

    if contents_h is not None:
        level2 = [h for h in headings if h.line > contents_h.line and h.level == 2]
        file_heads: list[tuple[int, str, str]] = []
        for h in level2:
            fm = _FILE_HEADING.match(lines[h.line])
            if fm:
                file_heads.append((h.line, fm.group(1).strip(), fm.group(2)))
        if file_heads:
            _recover_file_headings(lines, level2, file_heads, offset, warnings)
        else:
            # Without {#item-...} anchors every level-2 heading names a file.
            for h in level2:
                path = h.text.strip().strip("`")
                file_heads.append((h.line, path, item_anchor(path)))
        file_heads.sort()
        for idx, (line_no, path, anchor) in enumerate(file_heads):
            stop = file_heads[idx + 1][0] if idx + 1 < len(file_heads) else len(lines)
            report.files.append(
                _parse_file_section(path, anchor, lines, line_no + 1, stop, warnings)
            )
    if not keep_leaks:
        _remove_leaks(report)
    return report


def _recover_file_headings(
    lines: list[str],
    level2: list[_Heading],
    file_heads: list[tuple[int, str, str]],
    offset: int,
    warnings: list[str],
) -> None:
    """File headings whose ``{#item-...}`` is malformed: read the path, name the line.

    Without this the section would be silently folded into the previous file's.
    """
    known = {line for line, _, _ in file_heads}
    for h in level2:
        if h.line in known or h.line < file_heads[0][0]:
            continue
        m = _LOOSE_FILE_HEADING.match(lines[h.line])
        path = m.group(1).strip() if m else ""
        where = f"line {h.line + 1 + offset}"
        if path and _PATHLIKE.match(path):
            file_heads.append((h.line, path, item_anchor(path)))
            warnings.append(
                f"{where}: the file heading of {path} has a malformed anchor; "
                "its section is shown with the anchor of its path"
            )
        else:
            warnings.append(
                f"{where}: the heading {h.text[:60]!r} names no file; "
                "its text stays in the previous file's section"
            )


def parse_report_file(path: str | Path) -> ParsedReport:
    """Read and parse one report file (UTF-8); errors name the file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{p}: not UTF-8 text; re-save the report as UTF-8") from None
    except OSError as exc:
        raise InputError(f"{p}: cannot be read ({exc.strerror}); check the path") from None
    return parse_report(text, source=str(p))
