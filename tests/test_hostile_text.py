"""Pathological 100 KB lines through every facts extractor and the report reader: none may stall.

Each extractor call and each report read runs under a 0.5 s CPU-time bound: about three times
the slowest linear case (0.19 s, the Markdown extractor reading a change that holds the line
three times over), a thousandth of what the quadratic and cubic patterns took. CPU time, so a
loaded machine does not trip it; ``benchmarks/fuzz.py`` measures the real times.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from diffinsight.errors import InputError
from diffinsight.facts import extract_facts
from diffinsight.models import FileChange, FileStatus
from diffinsight.render.reference.read import parse_report
from diffinsight.site.build import build_site
from sitedata import make_report

N = 100_000
#: Per call, on 100 KB lines: linear readers stay well below it (see the module docstring).
GUARD_SECONDS = 0.5


def _lines() -> dict[str, str]:
    unit = {
        "spaces": " ",
        "hashes": "#",
        "backticks": "`",
        "open-brackets": "[",
        "close-brackets": "]",
        "pipes": "|",
        "link-openers": "[a](",
        "image-openers": "![a](",
        "includes": "[!INCLUDE[",
        "anchors": "{#",
        "dashes": " -",
        "emphasis": "**a",
        "br": " <br",
        "params": "a",
        "versions": "1.",
        "table": "| --- ",
        "cells": "[x](#a]",
    }
    out = {name: (u * (N // len(u)))[:N] for name, u in unit.items()}
    out["heading-spaces"] = "# a" + " " * N + "b #"
    out["heading-hashes"] = "## " + "# " * (N // 2) + "x"
    out["key-spaces"] = "title: a" + " " * N + "b"
    out["toc-name"] = "- name: a" + " " * N + "b"
    out["delim-spaces"] = "|---" + " " * N + "x"
    out["version-token"] = "1.1" + ".1" * (N // 2) + ":x"
    out["file-heading"] = "## a" + " " * N + "b {#item-1}x"
    out["category"] = "# t - a" + " " * N + "b"
    return out


LINES = _lines()


@contextmanager
def hang_guard(what: str) -> Iterator[None]:
    def fire(signum: int, frame: object) -> None:
        raise TimeoutError(f"{what} ran past {GUARD_SECONDS} s of CPU time")

    old = signal.signal(signal.SIGPROF, fire)
    signal.setitimer(signal.ITIMER_PROF, GUARD_SECONDS)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, old)


def _change(path: str, old: str, new: str, status: FileStatus = FileStatus.MODIFIED) -> FileChange:
    old_lines, new_lines = old.split("\n"), new.split("\n")
    patch = (
        f"@@ -1,{len(old_lines)} +1,{len(new_lines)} @@ {new_lines[0][:200]}\n"
        + "\n".join("-" + ln for ln in old_lines)
        + "\n"
        + "\n".join("+" + ln for ln in new_lines)
    )
    return FileChange(
        path=path,
        status=status,
        additions=len(new_lines),
        deletions=len(old_lines),
        patch=patch,
        old_text=None if status is FileStatus.ADDED else old,
        new_text=None if status is FileStatus.REMOVED else new,
    )


def _changes(line: str) -> Iterator[tuple[str, FileChange]]:
    fm = "---\ntitle: T\nms.date: 01/02/2025\n---\n"
    md_old = f"{fm}# Title\n\n{line}\n\n| a | b |\n|---|---|\n| {line} | x |\n\ntext one\n"
    md_new = f"{fm.replace('T', line)}# Title\n\n{line}!\n\n| a | b |\n|---|---|\n| {line} | y |\n\ntext two\n"
    yield "markdown", _change("docs/a.md", md_old, md_new)
    yield "markdown-added", _change("docs/a.md", "", f"# {line}\n{line}\n", FileStatus.ADDED)
    toc_old = f"- name: A\n  href: a.md\n- name: {line}\n  href: {line}\n"
    yield "toc", _change("docs/toc.yml", toc_old, toc_old.replace("A", "B"))
    yield "data", _change("docs/conf.yml", f"key: {line}\nother: 1\n", f"key: {line}x\nother: 2\n")
    yield "json", _change("docs/conf.json", f'{{"k": "{line}"}}', f'{{"k": "{line}x"}}')
    yield "text", _change("docs/a.txt", f"k: {line}\n", f"k: {line} v\n")


@pytest.mark.parametrize("name", sorted(LINES))
def test_facts_extractors_finish_on_pathological_lines(name: str) -> None:
    for kind, change in _changes(LINES[name]):
        with hang_guard(f"facts ({kind}) on {name}"):
            extract_facts(change)


def _reports(line: str) -> Iterator[str]:
    yield f"---\ntitle: '{line[:40]}'\ndate: '2025-01-02'\n---\n\n# {line} - docs\n\n{line}\n"
    yield (
        "# Report - updates\n\n## Summary\n\n| File | Type |\n|---|---|\n"
        f"| [{line}](#item-1) | modified |\n| {line} | x |\n\n## {line} {{#item-1}}\n\n{line}\n"
    )
    yield f"{line}\n## {line}\n### {line}\n- **{line}**: {line}\n```{line}\n{line}\n```\n"


@pytest.mark.parametrize("name", sorted(LINES))
def test_report_reader_finishes_on_pathological_lines(name: str) -> None:
    for i, text in enumerate(_reports(LINES[name])):
        with hang_guard(f"report reader (shape {i}) on {name}"), contextlib.suppress(InputError):
            parse_report(text, source=f"{name}.md")


def test_guard_fires_on_a_real_stall() -> None:
    """The guard itself works: the heading pattern this suite replaced stalls it."""
    import re

    cubic: Callable[[str], object] = re.compile(r"^ {0,3}(#{1,6})\s+(.+?)\s*#*\s*$").match
    with pytest.raises(TimeoutError), hang_guard("old heading pattern"):
        cubic("# a" + " " * 3000 + "b x")


def test_alias_bomb_is_refused_in_one_line() -> None:
    bomb = (
        "---\ntitle: T\nsummary: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a]\n"
    )
    bomb += "c: &c [*b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c]\n---\n# Summary Table\n"
    with hang_guard("alias bomb"), pytest.raises(InputError) as exc:
        parse_report(bomb, source="bomb.md")
    assert str(exc.value).startswith("bomb.md: ") and "alias" in str(exc.value)


def test_deep_nesting_is_refused_without_recursion() -> None:
    for depth in (100, 50_000):
        deep = "---\ntitle: " + "[" * depth + "]" * depth + "\n---\n# Summary Table\n"
        with hang_guard("deep YAML"), pytest.raises(InputError) as exc:
            parse_report(deep, source="deep.md")
        assert str(exc.value).startswith("deep.md: the YAML front matter")
        if depth == 100:
            assert "nested deeper" in str(exc.value)


def test_impossible_date_is_a_one_line_refusal_naming_the_file() -> None:
    text = "---\ntitle: T\ndate: 2025-02-30\n---\n# Summary Table\n"
    with pytest.raises(InputError) as exc:
        parse_report(text, source="feb.md")
    assert str(exc.value).startswith("feb.md: ") and "2025-02-30" in str(exc.value)


def test_lone_surrogates_are_replaced_with_a_warning_naming_the_file() -> None:
    text = '---\ntitle: "T \ud800 x"\ndate: 2025-01-02\n---\n# Summary Table\n\ttext \ud800\n'
    report = parse_report(text, source="s.md")
    assert report.title == "T \ufffd x"
    assert any(w.startswith("s.md: 2 unencodable") for w in report.warnings)
    report.model_dump_json().encode("utf-8")


def test_one_bad_report_never_stops_a_site_build(tmp_path: Path) -> None:
    """Alias bombs, deep nesting, impossible dates and lone surrogates beside good reports."""
    src = tmp_path / "reports"
    src.mkdir()
    bomb = (
        "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
        "c: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c]"
    )
    reports = {
        "report-20250501-good.md": make_report(title="[en_US] Docs - good", date="2025-05-01"),
        "report-20250502-bomb.md": make_report(
            title="[en_US] Docs - bomb", date="2025-05-02", extra_front=bomb
        ),
        "report-20250503-deep.md": make_report(
            title="[en_US] Docs - deep", date="2025-05-03", extra_front="x: " + "[" * 5000
        ),
        "report-20250504-feb.md": make_report(title="[en_US] Docs - feb", date="2025-02-30"),
        # A JSON escape that decodes to a lone surrogate, which no UTF-8 page can hold.
        "report-20250505-surrogate.md": make_report(
            title="[en_US] Docs - surrogate",
            date="2025-05-05",
            files=[
                {
                    "path": "docs/a.md",
                    "type": "minor update",
                    "title": "Lone \\ud800 half",
                    "patch": "@@ -1 +1 @@\n-a\n+b",
                    "explanation": "Changed.",
                }
            ],
        ),
    }
    for name, text in reports.items():
        (src / name).write_text(text, encoding="utf-8")
    with hang_guard("site build over hostile reports"):
        result = build_site(src, tmp_path / "site", base_url="https://example.org/")
    skipped = {s.source: s.reason for s in result.skipped}
    assert set(skipped) == {
        "report-20250502-bomb.md",
        "report-20250503-deep.md",
        "report-20250504-feb.md",
    }
    assert "alias" in skipped["report-20250502-bomb.md"]
    assert "2025-02-30" in skipped["report-20250504-feb.md"]
    assert all("\n" not in r for r in skipped.values())
    assert result.reports == 2  # the good one, and the surrogate one with its character replaced
    assert any("report-20250505-surrogate.md" in w for w in result.warnings)
    pages = [p.read_text("utf-8") for p in (tmp_path / "site").rglob("*.html")]
    assert any("Lone \ufffd half" in p for p in pages)
