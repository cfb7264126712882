"""The cheap paths of map_lines say what markdown-it's full parse says.

Two of them: hunks of only prose, ATX headings and simple bullet lists are read by a line
scan, and GFM tables by a rule that emits only their outer tokens. Both are checked against markdown-it itself.
"""

from __future__ import annotations

import random

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

from diffinsight.facts import structure
from diffinsight.facts.structure import HEADING, LIST_ITEM, _cells, _md, _simple_roles, map_lines

# Lines that look like prose to a first-character scan but may not be, and lines that are.
PLAIN = [
    "Plain text {n}.",
    "**Bold** start {n}",
    "*emphasis* start",
    "_under_ start",
    "__strong__ start",
    "+plus sign",
    "#hashtag {n}",
    "####### seven hashes",
    "# Heading {n}",
    "## Heading {n} ##",
    "   ### Indented heading",
    "#\tTab heading",
    "#",
    "[a link](x.md) at the start",
    "[ref{n}]: https://example.com",
    "[label\nover lines]: /url",
    "1.5 million rows",
    "2024 was a year",
    "1. ordered",
    "12) ordered",
    "`code` at the start",
    "``two backticks``",
    "```",
    "~~not a fence",
    "\u00a0no-break space start",
    "\u3000| ideographic space then pipe",
    "   three spaces",
    "    four spaces",
    "\tTab start",
    "text | with | pipes",
    "| row {n} | of a table | above |",
    "| `a|b` | \\| escaped |",
    "|",
    ':::zone pivot="a{n}"',
    ':::image type="content" source="x.png":::',
    ": colon text",
    "|---|---|",
    ":--|--:",
    "| - |",
    "| A | B |\n|---|---|\n| a | b |",
    "a | b\n--|--",
    "- | cell in an item |",
    "==",
    "Setext\n===",
    "Setext\n---",
    "***",
    "* * *",
    "___",
    "_ _ _",
    "- item",
    "* item",
    "+ item",
    "- item {n}\n  continued in the item",
    "- item\nlazy continuation",
    "- item\n\n  paragraph in the item",
    "- item\n\n paragraph after the list",
    "- item\n\n\n  after two blank lines",
    "  continued",
    " one space",
    "- [ ] task",
    "- [x]: /url",
    "- # heading item",
    "- ## Heading",
    "  - nested",
    " - indented bullet",
    "- ",
    "-  two spaces",
    "*\ttab item",
    "- *em* item",
    "* **bold** item",
    "- 1. ordered in bullet",
    "- > quote in bullet",
    "- `code` item",
    "- ```",
    "- | cell |",
    "-",
    "> quote",
    "<div>",
    "<!-- c -->",
    "line with CRLF\r",
    "\f",
    "\x1c",
    "text\x00nul",
    "  ",
    "",
]


def _fragment(rng: random.Random) -> list[str]:
    text = "\n".join(rng.choice(PLAIN).format(n=n) for n in range(rng.randint(1, 8)))
    return text.split("\n")


def _roles(lines: list[str], first: int, section: str | None) -> list[tuple[object, ...]]:
    doc = map_lines(lines, first, section, fragment=True)
    return [(i.kind, i.section, i.header, i.lang, i.block, i.alert) for i in doc.infos]


@pytest.mark.parametrize("seed", range(6))
def test_line_scan_matches_the_parse(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(seed)
    scanned = 0
    for _ in range(400):
        lines = _fragment(rng)
        if rng.random() < 0.2:
            lines = ["---", "title: T", "---", *lines]
        first = rng.choice([1, 1, 5, 300])
        section = rng.choice([None, "Models"])
        fast = _roles(lines, first, section)
        fm = structure.front_matter_end(lines, first, fragment=True)
        scanned += _simple_roles(lines, fm) is not None
        with monkeypatch.context() as m:
            m.setattr(structure, "_simple_roles", lambda *_: None)
            assert fast == _roles(lines, first, section), lines
    assert scanned > 25  # the scan did take the fragments it can read


def test_line_scan_refuses_block_syntax() -> None:
    for text in [
        "Text\n===",
        "  - nested",
        "- # heading in an item",
        "- item\n  # heading in it",
        "1. step",
        "> quote",
        "```",
        "    code",
        "<div>",
        "a | b\n--|--",
        "| a |\n|---|",
        ":-:",
        "[x]: /url",
        "***",
        "a\rb",
    ]:
        assert _simple_roles(text.split("\n"), 0) is None, text
    assert _simple_roles(["# A", "text", "- item", "lazy", "", "## B"], 0) == [
        (0, HEADING, 0),
        (2, LIST_ITEM, 1),
        (3, LIST_ITEM, 1),
        (5, HEADING, 1),
    ]


# Tables where the cell split, the delimiter row or the end of the table is subtle.
TABLES = [
    "| A | B |\n|---|---|\n| a | b |",
    "A | B\n--|--\na | b",
    "| A | B |\n|:-:|--:|\n| a |",
    "| A | B |\n| --- | --- |\n| a | b | c | d |",
    "| A \\| B | C |\n|---|---|\n| x \\| y | z |",
    "| `a|b` | C |\n|---|---|\n| x | y |",
    "| A | B |\n|---|---|\n| a\\\\| b |",
    "| A |\n|---|\n|",
    "| A |\n|---|\n\\|",
    "A | B |\n|---|---|---|\n| a | b |",
    "| A | B |\n|---||---|\n| a | b |",
    "| A | B |\n|- --|---|",
    "| A | B |\n- |---|",
    "| A | B |\n   |---|---|\n| a | b |",
    "| A | B |\n    |---|---|",
    "| A | B |\n|---|---|\n# heading ends it",
    "| A | B |\n|---|---|\n> quote ends it",
    "| A | B |\n|---|---|\n- list ends it",
    "| A | B |\n|---|---|\n```\ncode\n```",
    "| A | B |\n|---|---|\nlazy row",
    "| A | B |\n|---|---|\n    indented",
    "- | A | B |\n  |---|---|\n  | a | b |\n- next",
    "> | A | B |\n> |---|---|\n> | a | b |",
    "Para\n| A | B |\n|---|---|",
    "|\n|-|\n|",
    "||\n|-|",
    "| A | B |\n|---|---|\n| a | b |\\",
    "Text",
    "",
]


def _outline(tokens: list[Token]) -> list[tuple[object, ...]]:
    """Every token outside a table, and each table's own open/close (what map_lines reads)."""
    out: list[tuple[object, ...]] = []
    depth = 0
    for t in tokens:
        if t.type == "table_open":
            depth += 1
            out.append((t.type, t.map, t.level))
        elif t.type == "table_close":
            depth -= 1
            out.append((t.type, t.map, t.level))
        elif depth == 0:
            out.append((t.type, t.map, t.level, t.markup, t.info, t.content))
    return out


@pytest.mark.parametrize("seed", range(4))
def test_table_rule_matches_markdown_it(seed: int) -> None:
    stock = MarkdownIt("commonmark", {"html": True}).enable("table").disable("inline")
    rng = random.Random(seed)
    for _ in range(300):
        text = "".join(
            rng.choice(TABLES) + rng.choice(["\n", "\n\n", "\n \n"])
            for _ in range(rng.randint(1, 5))
        )
        assert _outline(_md().parse(text)) == _outline(stock.parse(text)), text


def test_cells_counts_as_escaped_split() -> None:
    from markdown_it.rules_block.table import escapedSplit

    for row in [
        "|",
        "||",
        "a",
        "| a |",
        "a | b",
        "\\|",
        "| a \\|",
        "a\\\\|b",
        "|a|b|c|",
        "| \\| |",
    ]:
        cols = escapedSplit(row)
        if cols and cols[0] == "":
            cols.pop(0)
        if cols and cols[-1] == "":
            cols.pop()
        assert _cells(row) == len(cols), row
