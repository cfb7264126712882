"""The line scan for simple links says what markdown-it's inline parse says, or stands aside.

``_simple_links`` reads a line's links without the parse when every "[" outside code spans
opens a plain link or image; these tests hold it to ``_parsed_links`` (markdown-it itself).
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from diffinsight.facts.markdown import _parsed_links, _simple_links, links_in

# Lines the scan must read itself (the common shapes of documentation), each checked
# against the parse.
TAKEN = [
    "See [the guide](concepts/guide.md) for more.",
    "- [**Prebuilt invoice**](prebuilt/invoice.md). Now with VAT.",
    "| [Deny](/azure/policy/deny) | Checks [it](x.md#a) |",
    "![A screenshot](media/shot.png) and [a link](https://learn.microsoft.com/azure/x)",
    "Use `[not a link](x)` in code, then [a link](y.md).",
    "Unclosed ` tick then [a link](y.md)",
    "``a ` b`` then [c](d) and `x`![img](e.png)",
    "[REST API](/rest/api/x?view=rest-2024-09-01&preserve-view=true) 2024",
    "[empty]() and [](empty-label.md)",
    "Q&A on [docs](https://example.com/ü/path) and !![two](bangs.md)",
    "No links at all, only (parentheses) and ] a stray bracket",
]

# Lines it must leave to the parse (a wrong guess would be a wrong link).
LEFT = [
    "[!INCLUDE [About](includes/about.md)]",
    "[a [nested] label](x.md)",
    "[link](x.md 'a title')",
    "[js](javascript:alert(1))",
    "[entity](a&amp;b;c)",
    r"[escaped \] bracket](x.md)",
    "<https://example.com> autolink",
    "[*emphasis*](x.md)",
    "[link] (with a space)",
    "[**  spaced**](x.md) is no strong label",
]

FRAGMENTS = [
    "[", "]", "(", ")", "!", "`", "``", "*", "**", "_", "__", "&amp;", "&", ";", " ", "  ",
    "a", "b c", "x.md", "http://X.y/", "https://ü.example/p", "javascript:a", "data:image/png;b",
    "data:text/html;x", "%20", "%zz", "<", "\\", "\t", "#", ":", "\u3000", "Ａ", "~", "'t'",
    '"t"', "é", "\x7f", "\x01", "](", "[a](b)", "![i](j)", "[**s**](u)",
]  # fmt: skip


def _agree(text: str) -> bool:
    """Whether the scan stands aside or says what the parse says; True when it read the line."""
    fast = _simple_links(text)
    if fast is None:
        return False
    assert fast == _parsed_links(text), text
    return True


@pytest.mark.parametrize("text", TAKEN)
def test_common_lines_are_read_by_the_scan_as_the_parse_reads_them(text: str) -> None:
    assert _agree(text)


@pytest.mark.parametrize("text", LEFT)
def test_subtler_lines_go_to_the_parse(text: str) -> None:
    assert _simple_links(text) is None
    links, images = links_in(text)
    assert (tuple(links), tuple(images)) == _parsed_links(text)


def test_random_lines_agree_with_the_parse() -> None:
    rng = random.Random(7)
    read = 0
    for _ in range(20_000):
        text = "".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(1, 12)))
        read += _agree(text)
    assert read > 2_000  # the scan did read many of them, so the agreement means something


def test_every_changed_line_of_the_anchor_reports_agrees(anchor_reports: Path) -> None:
    from diffinsight.render.reference.read import parse_report_file

    lines = {
        ln[1:]
        for p in sorted(anchor_reports.rglob("report-*.md"))
        for f in parse_report_file(p).files
        for ln in (f.patch or "").split("\n")
        if "](" in ln
    }
    read = sum(_agree(text) for text in lines)
    assert read > len(lines) // 2
