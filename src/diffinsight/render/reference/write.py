"""The reference Markdown format, exactly as our readers (and their tools) already know it."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

import yaml

from diffinsight.i18n import FALLBACK, available_languages, catalog
from diffinsight.models import FileReport, Report

__all__ = ["MarkdownRenderer", "diff_fence"]

_FENCE_RUN = re.compile(r"^[ +\- ]?\s*(`{3,}|~{3,})", re.MULTILINE)


def shown_patch(patch: str) -> str:
    """The patch as a report shows it: CRLF line ends as LF, and a lone CR made visible (␍)."""
    text = patch.replace("\r\n", "\n")
    if text.endswith("\r"):  # the last line's CRLF, its LF cut off with the trailing newline
        text = text[:-1]
    return text.replace("\r", "\u240d")


@lru_cache(maxsize=256)
def diff_fence(patch: str) -> str:
    """A backtick fence longer than any fence inside the patch (at least four, as the reference)."""
    # Cached: a file's patch is shown in the report of every language.
    if "```" not in patch:  # most patches: no fence inside, no regex scan of the whole patch
        return "````"
    longest = max(
        (len(m.group(1)) for m in _FENCE_RUN.finditer(patch) if m.group(1)[0] == "`"), default=0
    )
    return "`" * max(4, longest + 1)


def _summary_json(kind: str, title: str) -> str:
    """``json.dumps({"modification_type": kind, "modification_title": title}, indent=4,
    ensure_ascii=False)``, the same text, each string through json's C encoder."""
    # With an indent, json writes through its pure-Python encoder: 3% of a corpus run.
    return (
        f'{{\n    "modification_type": {json.dumps(kind, ensure_ascii=False)},\n'
        f'    "modification_title": {json.dumps(title, ensure_ascii=False)}\n}}'
    )


def front_matter(report: Report) -> str:
    """YAML front matter with ``date``, ``permalink``, ``summary``, ``title``; safe whatever the text."""
    data = {
        "date": report.date.isoformat(),
        "permalink": report.permalink or "",
        "summary": report.summary,
        "title": report.title,
    }
    text = "".join(str(v) for v in data.values())
    # libyaml's emitter: the same YAML, ten times faster, and it escapes the line breaks
    # U+0085/U+2028/U+2029 where PyYAML's breaks the line inside quotes, so that the text
    # reads back changed. It writes characters beyond U+FFFF as escapes, though: a summary
    # with an emoji keeps it readable through PyYAML's, unless it holds one of those breaks.
    use_c = max(text, default="") < "\U00010000" or _YAML_BREAKS.search(text)
    dumper = _C_DUMPER if use_c else yaml.SafeDumper
    body = yaml.dump(
        data,
        Dumper=dumper,
        allow_unicode=True,
        sort_keys=True,
        width=1_000_000,
        default_flow_style=False,
    )
    return f"---\n{body}\n---"


_C_DUMPER: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_YAML_BREAKS = re.compile("[\x85\u2028\u2029]")


def table_cell(text: str) -> str:
    """Text that cannot break a Markdown table row."""
    return " ".join(text.replace("\\", "\\\\").replace("|", "\\|").split())


def _label(text: str) -> str:
    """Link text that cannot close its brackets early."""
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def _one_line(text: str) -> str:
    return " ".join(text.split())


class MarkdownRenderer:
    """Renders a :class:`Report` in the reference Markdown format."""

    name = "markdown"
    suffix = ".md"

    def render(self, report: Report) -> str:
        """The whole report as Markdown text."""
        cat = catalog(report.language if report.language in available_languages() else FALLBACK)
        out: list[str] = [front_matter(report), ""]
        if report.permalink:
            out += [f'[View Diff on GitHub]({report.permalink}){{target="_blank"}}', ""]
        h = report.highlights
        out += ["# Highlights", h.text.strip(), ""]
        groups = (
            ("New features", h.new_features, "highlights.none_new"),
            ("Breaking changes", h.breaking_changes, "highlights.none_breaking"),
            ("Other updates", h.other_updates, "highlights.none_other"),
        )
        for heading, items, none_key in groups:
            out.append(f"## {heading}")
            out += [f"- {_one_line(i)}" for i in items] if items else [cat.t(none_key)]
            out.append("")
        # No theme across files, no section: an empty heading or filler would say nothing.
        if report.insights:
            out.append("# Insights")
            for para in report.insights:
                out += [para.strip(), ""]
        out += [
            "# Summary Table",
            "|  Filename  | Type |    Title    | Status | A  | D  | M  |",
            "|------------|------|-------------|--------|----|----|----|",
        ]
        for f in report.files:
            out.append(
                f"| [{table_cell(_label(f.basename))}](#{f.anchor}) | {f.modification_type.value} | "
                f"{table_cell(f.modification_title)} | {f.status.value} | {f.additions} | "
                f"{f.deletions} | {f.changes} | "
            )
        out += ["", "", "# Modified Contents"]
        for f in report.files:
            out += self._file_section(f)
        missed = next((n for n in report.notes if n.startswith("llm-unreached")), None)
        offline = [f.path for f in report.files if f.engine != "llm"]
        if missed and offline:
            # Said once, last: the reader learns which entries no model wrote, and why.
            reason = missed.removeprefix("llm-unreached").lstrip(": ")
            out += ["", _one_line(cat.t("note.no_model", reason=reason, files=cat.join(offline)))]
        return "\n".join(out).rstrip("\n") + "\n"

    def _file_section(self, f: FileReport) -> list[str]:
        out = [f"## {_one_line(f.path)}{{#{f.anchor}}}", ""]
        if f.patch:
            patch = shown_patch(f.patch)
            fence = diff_fence(patch)
            out += [
                "<details>",
                "<summary>Diff</summary>",
                f"{fence}diff",
                patch.rstrip("\n"),
                fence,
                "</details>",
                "",
            ]
        summary = _summary_json(f.modification_type.value, f.modification_title)
        out += [
            "### Summary",
            "",
            "```json",
            summary,
            "```",
            "",
            "### Explanation",
            f.explanation.strip(),
            "",
        ]
        return out
