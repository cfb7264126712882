"""map_window (parse only the chunks holding changed lines) says what map_lines says of them."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from diffinsight.facts.structure import DocMap, map_lines, map_window

# Pieces of Markdown that decide block structure across lines: setext headings, HTML blocks
# (types 1-7, spanning blank lines or not), fences (indented, in lists, unclosed, longer
# closers, backticks in info), tables (and a heading or fence line a table row swallows),
# quotes and alerts, lazy lines, indented code, tabs, CRLF.
PIECES = [
    "# Title",
    "## Section {n}",
    "### Sub {n} ###",
    "## Heading {{#anchor-{n}}}",
    "#\u00a0not a heading {n}",
    "   # Indented heading {n}",
    "    # code, not a heading",
    "\t# tab code",
    "#hashtag {n}",
    "Setext {n}\n=========",
    "Setext two {n}\n---",
    "Paragraph {n} with text\nand a second line.",
    "Para {n}\n# Heading after para",
    "---",
    "***",
    "| A | B |\n|---|---|\n| a{n} | b |",
    "| A | B |\n|---|---|\n| a | b |\n# tail | row",
    "| A | B |\n|---|---|\n```",
    "# Head | er\n|---|---|\n| x | y |",
    "# Heading\n- list after",
    "```bash\n# comment {n}\necho hi\n```",
    "```\n\n# inside fence\n\n```",
    "~~~~\n```\n# not closed by backticks\n~~~~",
    "````md\n```\n# nested\n```\n````",
    "``` js `bad` info\n# heading really",
    "```python\nunclosed {n}\n\n# more",
    "  ```\n  # indented fence {n}\n  ```",
    "   ~~~\n# x\n   ~~~",
    "1. Step {n}\n\n   ```bash\n   # in list\n   ```\n\n2. Next",
    "- Item {n}\n  ```\n  code\n```\n# after",
    "- Item\n\n  # heading in item\n\n  More",
    "- Step {n}\n  ```\n  code left open",
    "- Item {n}\n  <!--\n\n  comment in item",
    "a | b\n--|--\nc | d",
    "> > [!TIP]\n> > nested {n}",
    "3. third\n4. fourth",
    "- a\n- b\n  - nested {n}\n\n- c",
    "1) one\n2) two",
    "> Quote {n}\n> # quoted heading",
    "> [!NOTE]\n> Note {n}\n> ```\n> code\n> ```",
    "> lazy {n}\ncontinued",
    "> ```\n\n# after quote fence",
    "<!--\n\n# in comment {n}\n\n-->",
    "<!-- one line {n} -->",
    "  <!--\n\n# maybe comment\n\n-->",
    "<div>\n# in div\n</div>",
    "<div>\n\n# after div",
    "<script>\n\n# in script\n</script>",
    "<?php\n\n# php\n?>",
    "<!DOCTYPE html>",
    "<!X\n\n# decl\n>",
    "<![CDATA[\n\n# cdata\n]]>",
    "<span>inline {n}</span>",
    "<custom-tag>\n# after tag",
    "[ref{n}]: https://example.com/{n}",
    "    indented code {n}\n\n    more code",
    ':::zone pivot="a"\n\ntext\n\n:::zone-end',
    "Text with trailing spaces {n}   ",
    "Windows line {n}\r\nsecond\r",
    "  ",
]


def _doc(rng: random.Random) -> list[str]:
    parts = []
    if rng.random() < 0.3:
        parts.append("---\ntitle: T\nms.date: 01/01/2025\n---")
    for n in range(rng.randint(1, 14)):
        parts.append(rng.choice(PIECES).format(n=n))
    text = ""
    for p in parts:
        text += p + rng.choice(["\n", "\n\n", "\n\n", "\n\n\n", "\n \n"])
    return text.split("\n")


def _view(doc: DocMap, line_nos: list[int]) -> list[tuple[object, ...]]:
    """What facts read of each line; block ids as ranks (their order and identity matter)."""
    ids = sorted({doc.info(i).block for i in line_nos if doc.info(i).block >= 0})
    rank = {b: r for r, b in enumerate(ids)}
    out: list[tuple[object, ...]] = []
    for i in line_nos:
        info = doc.info(i)
        block = rank.get(info.block, info.block)
        out.append((i, info.kind, info.section, info.header, info.lang, info.alert, block))
    return out


def _same(
    lines: list[str],
    wanted: list[int],
    first: int = 1,
    section: str | None = None,
    fragment: bool = False,
) -> None:
    window = map_window(lines, set(wanted), first, section, fragment)
    assert _view(window, wanted) == _view(map_lines(lines, first, section, fragment), wanted)


@pytest.mark.parametrize("seed", range(8))
def test_window_matches_whole_parse_on_generated_documents(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(250):
        lines = _doc(rng)
        k = rng.randint(1, max(1, len(lines) // 3))
        _same(lines, sorted(rng.sample(range(1, len(lines) + 1), min(k, len(lines)))))
        _same(lines, list(range(1, len(lines) + 1)))
        # One side of a hunk: starts below line 1, under the heading of its @@ line.
        first = rng.choice([1, 2, 40, 200])
        cut = lines[rng.randint(0, len(lines) - 1) :]
        k = rng.randint(1, len(cut))
        wanted = sorted(first + i for i in rng.sample(range(len(cut)), k))
        _same(cut, wanted, first, rng.choice([None, "Models", ""]), fragment=True)


def test_window_cases() -> None:
    # The changed line sits below a heading the scan places, inside a fence opened far above,
    # under a setext heading, and after an HTML comment holding a heading-like line.
    lines = [
        "# Top",
        "",
        "<!--",
        "",
        "# commented",
        "",
        "-->",
        "",
        "## Real",
        "",
        "Setext",
        "------",
        "",
        "```",
        "",
        "# code",
        "",
        "```",
        "",
        "Changed line.",
    ]
    doc = map_window(lines, {16, 20})
    assert doc.info(20).section == "Top > Real"
    assert doc.info(16).kind == "code"
    _same(lines, [5, 11, 12, 16, 20])


def test_window_matches_whole_parse_on_real_reports(anchor_reports: Path) -> None:
    rng = random.Random(7)
    paths = sorted(anchor_reports.rglob("report-*.md"))[::40]
    assert paths, f"no reports under {anchor_reports}"
    for p in paths:
        lines = p.read_text(encoding="utf-8").split("\n")
        for _ in range(3):
            k = rng.randint(1, 30)
            _same(lines, sorted(rng.sample(range(1, len(lines) + 1), min(k, len(lines)))))
