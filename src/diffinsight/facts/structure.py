"""What each line of a Markdown document is: the block it belongs to, its section, its table.

Built with markdown-it-py (CommonMark + GFM tables) from a whole document when the full
contents are known, or from one side of a hunk when only the patch is (then a table row may
have no header and a section path only the nearest heading: the extractor says less).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from markdown_it import MarkdownIt
from markdown_it.token import Token

from diffinsight.facts.scan import parse_heading, replace_links, strip_heading_id

#: Block kinds a line can belong to.
FRONTMATTER = "frontmatter"
HEADING = "heading"
TABLE_HEADER = "table_header"
TABLE_DELIM = "table_delim"
TABLE_ROW = "table_row"
CODE = "code"
FENCE_MARK = "fence_mark"
LIST_ITEM = "list_item"
QUOTE = "quote"
PARAGRAPH = "paragraph"
HTML = "html"
BLANK = "blank"
OTHER = "other"

_ALERT_RE = re.compile(r"^\s*(?:>\s*)+\[!(NOTE|TIP|IMPORTANT|WARNING|CAUTION)\]", re.IGNORECASE)
_FENCE_RE = re.compile(r"^\s*(`{3,}|~{3,})\s*([^\s`]*)")
_YAMLISH_RE = re.compile(r"^(?:[A-Za-z_][\w.\-]*:(?:\s.*)?|\s+.*|-\s.*|)$")
_DELIM_RE = re.compile(r"^\s*(?:\|\s*)?:?-+:?\s*(?:\|\s*:?-+:?\s*)*(?:\|\s*)?$")
#: Only this many lines of a document are parsed as Markdown; longer ones are read line by line.
MAX_PARSE_LINES = 200_000


@dataclass
class LineInfo:
    """The role of one line in its document."""

    kind: str = OTHER
    section: str | None = None
    #: For table rows: the header line of their table, when known.
    header: str | None = None
    #: For code lines: the fence's language (may be empty).
    lang: str | None = None
    #: Identity of the block (table, fence, list item...) the line belongs to.
    block: int = -1
    #: For lines inside an alert (``> [!NOTE]``): its type.
    alert: str | None = None


@dataclass
class DocMap:
    """Line roles of a document (or of one side of a hunk), indexed by 1-based line number."""

    first_line: int
    lines: list[str]
    infos: list[LineInfo] = field(default_factory=list)

    def info(self, line_no: int) -> LineInfo:
        i = line_no - self.first_line
        if 0 <= i < len(self.infos):
            return self.infos[i]
        return LineInfo()

    def headings(self) -> list[tuple[int, int, str]]:
        """(line number, level, text) of each heading."""
        out: list[tuple[int, int, str]] = []
        for i, info in enumerate(self.infos):
            if info.kind == HEADING:
                h = parse_heading(self.lines[i])
                if h:
                    out.append((self.first_line + i, h[0], clean_inline(h[1])))
        return out


@cache
def _md() -> MarkdownIt:
    # Block structure only: inline parsing is unused here and quadratic on lines of brackets.
    return MarkdownIt("commonmark", {"html": True}).enable("table").disable("inline")


def front_matter_end(lines: list[str], first_line: int = 1, fragment: bool = False) -> int:
    """How many leading lines belong to YAML front matter (with its fences), 0 if none.

    For a hunk fragment that starts below line 1, leading YAML-looking lines up to a closing
    ``---`` count as front matter when the fragment starts near the top of the file.
    """
    if not lines:
        return 0
    if first_line == 1:
        if lines[0].strip() != "---":
            return 0
        for i in range(1, min(len(lines), 400)):
            if lines[i].strip() in ("---", "..."):
                return i + 1
        if fragment and all(_YAMLISH_RE.match(ln) for ln in lines[1:60]) and len(lines) <= 60:
            return len(lines)  # the hunk ends before the closing fence
        return 0  # unterminated: not front matter
    if first_line > 60 or not fragment:
        return 0
    for i, line in enumerate(lines[:60]):
        if line.strip() == "---":
            return i + 1 if i > 0 else 0
        if not _YAMLISH_RE.match(line):
            return 0
    # A hunk inside the front matter that ends before its closing fence: only YAML-looking,
    # non-blank lines with at least one top-level key.
    if (
        len(lines) <= 60
        and all(ln.strip() for ln in lines)
        and any(re.match(r"^[A-Za-z_][\w.\-]*:", ln) for ln in lines)
    ):
        return len(lines)
    return 0


def clean_inline(text: str) -> str:
    """Heading or cell text without emphasis markers and trailing anchors (``{#id}``)."""
    text = strip_heading_id(text.strip())
    text = replace_links(text)  # tab headings: [Azure CLI](#tab/cli)
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    return text.strip()


def map_lines(
    text_lines: list[str], first_line: int = 1, section: str | None = None, fragment: bool = False
) -> DocMap:
    """Parse ``text_lines`` (a document, or a fragment starting at ``first_line``)."""
    doc = DocMap(first_line=first_line, lines=text_lines)
    n = len(text_lines)
    infos = [LineInfo(kind=BLANK if not ln.strip() else OTHER) for ln in text_lines]
    doc.infos = infos
    fm = front_matter_end(text_lines, first_line, fragment=fragment)
    for i in range(fm):
        infos[i].kind = FRONTMATTER
    if n > MAX_PARSE_LINES:
        return doc
    body = [""] * fm + text_lines[fm:]
    try:
        tokens = _md().parse("\n".join(body))
    except Exception:  # markdown-it is robust; a parser bug must not lose the file
        return doc
    _apply_tokens(tokens, infos, text_lines)
    _fix_fragments(infos, text_lines)
    _assign_sections(infos, text_lines, section)
    return doc


def _apply_tokens(tokens: list[Token], infos: list[LineInfo], lines: list[str]) -> None:
    block = 0
    list_depth = 0
    quote_alert: list[str | None] = []
    header_line: str | None = None
    for tok in tokens:
        t = tok.type
        if t == "bullet_list_open" or t == "ordered_list_open":
            list_depth += 1
        elif t == "bullet_list_close" or t == "ordered_list_close":
            list_depth -= 1
        elif t == "blockquote_open" and tok.map:
            s = tok.map[0]
            m = _ALERT_RE.match(lines[s]) if s < len(lines) else None
            quote_alert.append(m.group(1).upper() if m else None)
            block += 1
            for i in range(*tok.map):
                if i < len(infos) and infos[i].kind != BLANK:
                    infos[i].kind = QUOTE
                    infos[i].block = block
                    infos[i].alert = quote_alert[-1] or _outer_alert(quote_alert)
        elif t == "blockquote_close" and quote_alert:
            quote_alert.pop()
        if not tok.map:
            continue
        s, e = tok.map
        if t == "heading_open":
            _set(infos, s, e, HEADING, block)
        elif t == "table_open":
            block += 1
            header_line = lines[s] if s < len(lines) else None
            _set(infos, s, e, TABLE_ROW, block, header=header_line)
            if s < len(infos):
                infos[s].kind = TABLE_HEADER
            if s + 1 < len(infos):
                infos[s + 1].kind = TABLE_DELIM
        elif t in ("fence", "code_block"):
            block += 1
            lang = tok.info.strip().split()[0] if tok.info.strip() else ""
            _set(infos, s, e, CODE, block, lang=lang)
            if t == "fence":
                infos[s].kind = FENCE_MARK
                last = min(e, len(infos)) - 1
                if last > s and _FENCE_RE.match(lines[last]):
                    infos[last].kind = FENCE_MARK
        elif t == "list_item_open":
            block += 1
            for i in range(s, min(e, len(infos))):
                if infos[i].kind in (OTHER, PARAGRAPH, QUOTE) and list_depth:
                    infos[i].kind = LIST_ITEM
                    infos[i].block = block
        elif t == "paragraph_open":
            for i in range(s, min(e, len(infos))):
                if infos[i].kind == OTHER:
                    infos[i].kind = PARAGRAPH
        elif t == "html_block":
            _set(infos, s, e, HTML, block)


def _outer_alert(stack: list[str | None]) -> str | None:
    for a in reversed(stack):
        if a:
            return a
    return None


def _set(
    infos: list[LineInfo],
    s: int,
    e: int,
    kind: str,
    block: int,
    header: str | None = None,
    lang: str | None = None,
) -> None:
    for i in range(s, min(e, len(infos))):
        if infos[i].kind == FRONTMATTER:
            continue
        infos[i].kind = kind
        infos[i].block = block
        infos[i].header = header
        infos[i].lang = lang


def _fix_fragments(infos: list[LineInfo], lines: list[str]) -> None:
    """Lines a fragment cannot parse fully: headerless table rows, a fence opened above."""
    for i, info in enumerate(infos):
        if info.kind in (PARAGRAPH, OTHER) and lines[i].lstrip().startswith("|"):
            info.kind = TABLE_DELIM if _DELIM_RE.match(lines[i]) else TABLE_ROW
            info.block = -2  # table of unknown header


def _assign_sections(infos: list[LineInfo], lines: list[str], section: str | None) -> None:
    stack: list[tuple[int, str]] = [(0, section)] if section else []
    for i, info in enumerate(infos):
        if info.kind == HEADING:
            h = parse_heading(lines[i])
            if h:
                level = h[0]
                stack = [s for s in stack if s[0] < level] + [(level, clean_inline(h[1]))]
                # A heading's own section is its parent's.
                info.section = " > ".join(s[1] for s in stack[:-1]) or None
                continue
        info.section = " > ".join(s[1] for s in stack) or None


def split_row(line: str) -> list[str]:
    """Cells of a pipe-table row (escaped pipes and pipes in code spans stay in their cell)."""
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|") and not s.endswith("\\|"):
        s = s[:-1]
    cells: list[str] = []
    cur: list[str] = []
    in_code = False
    i = 0
    while i < len(s):
        ch = s[i]
        if ch == "\\" and i + 1 < len(s):
            cur.append(s[i : i + 2])
            i += 2
            continue
        if ch == "`":
            in_code = not in_code
        if ch == "|" and not in_code:
            cells.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
        i += 1
    cells.append("".join(cur).strip())
    return cells


def alert_type(line: str) -> str | None:
    """``NOTE``/``TIP``/... when ``line`` opens an alert block."""
    m = _ALERT_RE.match(line)
    return m.group(1).upper() if m else None


def fence_lang(line: str) -> str | None:
    """The language of a fence opening line (``""`` when none), None when not a fence."""
    m = _FENCE_RE.match(line)
    return m.group(2) if m else None
