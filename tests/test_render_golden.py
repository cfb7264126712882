"""Golden test: our Markdown renderer, fed the reference report's own data, yields the reference."""

from __future__ import annotations

import difflib

import pytest

from conftest import REFERENCE, need_shared
from diffinsight.models import FileReport, FileStatus, Highlights, ModificationType, Report
from diffinsight.render.reference.read import ParsedReport, parse_report
from diffinsight.render.reference.write import MarkdownRenderer


def report_from_parsed(parsed: ParsedReport) -> Report:
    rows = {r.anchor: r for r in parsed.table}
    files = []
    for sec in parsed.files:
        row = rows[sec.anchor]
        files.append(
            FileReport(
                path=sec.path,
                status=FileStatus(row.status),
                additions=row.additions,
                deletions=row.deletions,
                changes=row.changes,
                modification_type=ModificationType(sec.modification_type),
                modification_title=sec.modification_title,
                explanation=sec.explanation,
                patch=sec.patch,
            )
        )
    h = parsed.highlights
    assert parsed.date is not None and parsed.language and parsed.category
    return Report(
        date=parsed.date,
        language=parsed.language,
        category=parsed.category,
        title=parsed.title,
        permalink=parsed.permalink,
        summary=parsed.summary,
        highlights=Highlights(
            text=h.text,
            new_features=h.new_features.items,
            breaking_changes=h.breaking_changes.items,
            other_updates=h.other_updates.items,
        ),
        insights=parsed.insights,
        files=files,
    )


@pytest.mark.shared
def test_renderer_reproduces_the_reference_report() -> None:
    text = need_shared(REFERENCE).read_text(encoding="utf-8")
    parsed = parse_report(text, str(REFERENCE))
    report = report_from_parsed(parsed)
    ours = MarkdownRenderer().render(report)

    # Same structure, field by field, through the same parser.
    again = parse_report(ours, "ours")
    assert again.front_matter == parsed.front_matter
    assert again.compare_url == parsed.compare_url
    assert again.highlights.text == parsed.highlights.text
    assert again.highlights.new_features.items == parsed.highlights.new_features.items
    assert again.highlights.other_updates.items == parsed.highlights.other_updates.items
    assert again.highlights.breaking_changes.items == []
    assert again.insights == parsed.insights
    assert again.table == parsed.table
    assert again.files == parsed.files

    # And the same text, line for line, but for the wording of the empty group's line
    # (ours comes from the zh_CN catalogue).
    ref_lines = text.rstrip("\n").split("\n")  # the reference ends with stray blank lines
    our_lines = ours.rstrip("\n").split("\n")
    diff = [
        d
        for d in difflib.unified_diff(ref_lines, our_lines, lineterm="", n=0)
        if d.startswith(("+", "-")) and not d.startswith(("+++", "---"))
    ]
    assert diff == ["-无重大变动。", "+无重大变更。"], "\n".join(diff)


def test_front_matter_is_yaml_safe_whatever_the_text() -> None:
    import yaml

    from diffinsight.render.reference.write import front_matter

    nasty = "---\nkey: value\n'quotes' \"double\" # hash: colon\n[bracket] {brace} & * ! | >"
    report = Report(
        date="2025-05-22",
        language="en_US",
        category="x",
        title="[en_US] " + nasty,
        summary=nasty,
        highlights=Highlights(),
    )
    block = front_matter(report) + "\n"
    data = yaml.safe_load(block.split("\n---\n")[0].removeprefix("---\n"))
    assert data["summary"] == nasty and data["title"] == "[en_US] " + nasty
    assert block.count("\n---\n") == 1


@pytest.mark.parametrize(
    "text", ["a\x85b", "line\u2028sep\u2029para", "x\x85 ", "emoji 😀 kept", "😀\x85"]
)
def test_front_matter_reads_back_what_was_written(text: str) -> None:
    """Line breaks YAML knows beyond LF (PyYAML's emitter folds them away) and characters
    beyond U+FFFF (libyaml's escapes them) both read back as written; emoji stay literal
    (unless beside such a break: then escaped, still read back whole)."""
    import yaml

    from diffinsight.render.reference.write import front_matter

    report = Report(
        date="2025-05-22",
        language="en_US",
        category="x",
        title=text,
        summary=text,
        highlights=Highlights(),
    )
    block = front_matter(report)
    data = yaml.safe_load(block.removeprefix("---\n").removesuffix("\n---"))
    assert data["summary"] == text and data["title"] == text
    if "😀" in text and "\x85" not in text:
        assert "😀" in block
