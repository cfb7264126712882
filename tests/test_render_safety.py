"""Hostile content renders safely: fences inside patches, odd bytes, pipes in titles."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from diffinsight.models import ChangeSet
from diffinsight.pipeline import build_reports
from diffinsight.render import JsonRenderer, MarkdownRenderer
from diffinsight.render.reference.read import parse_report
from diffinsight.render.reference.write import diff_fence
from diffinsight.sources import parse_patch

HOSTILE = (
    b"diff --git a/a|b.md b/a|b.md\n--- a/a|b.md\n+++ b/a|b.md\n"
    b"@@ -1,3 +1,5 @@\n intro\n-`````python\n+``````python\n+print('x')\n+``````\n `````\n"
    b"diff --git a/bad.md b/bad.md\n--- a/bad.md\n+++ b/bad.md\n@@ -1 +1 @@\n-caf\xe9\n+ok\x00\n"
)


def render_both() -> tuple[str, dict[str, Any]]:
    files = parse_patch(HOSTILE, name="hostile.patch")
    cs = ChangeSet(repo="x", files=files)
    (report,) = build_reports(cs, languages=["en_US"], day=date(2025, 5, 21))
    return MarkdownRenderer().render(report), json.loads(JsonRenderer().render(report))


def test_fence_longer_than_any_inside() -> None:
    assert diff_fence("@@ -1 +1 @@\n-x\n+y") == "````"
    assert diff_fence("@@ -1 +1 @@\n+``````python\n") == "```````"
    md, _ = render_both()
    parsed = parse_report(md, "ours")
    patches = {f.path: f.patch for f in parsed.files}
    assert "+``````python" in (patches["a|b.md"] or "")
    assert (
        (patches["a|b.md"] or "").rstrip().endswith("`````")
    )  # the whole patch survived its own fences
    assert "```````diff" in md


def test_pipes_and_bad_bytes_are_reported_and_escaped() -> None:
    md, data = render_both()
    parsed = parse_report(md, "ours")
    assert [r.name for r in parsed.table] == ["a|b.md", "bad.md"]
    bad = {f["path"]: f for f in data["files"]}["bad.md"]
    assert "invalid-utf8" in bad["notes"] and "nul-bytes" in bad["notes"]
    assert "\x00" not in md
