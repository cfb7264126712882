"""What each line of a Markdown document is: the block it belongs to, its section, its table.

Built with markdown-it-py (CommonMark + GFM tables) from a whole document when the full
contents are known, or from one side of a hunk when only the patch is (then a table row may
have no header and a section path only the nearest heading: the extractor says less).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cache, lru_cache

from markdown_it import MarkdownIt
from markdown_it.common.utils import mdTrim
from markdown_it.rules_block.html_block import HTML_SEQUENCES
from markdown_it.rules_block.state_block import StateBlock
from markdown_it.rules_block.table import MAX_AUTOCOMPLETED_CELLS
from markdown_it.rules_block.table import headerLineRe as _HEADER_CELL_RE
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
# A commented-out field (``#services: x``) is YAML too; a heading needs a space after ``#``.
_YAMLISH_RE = re.compile(r"^(?:[A-Za-z_][\w.\-]*:(?:\s.*)?|\s+.*|-\s.*|#[^\s#].*|)$")
_KEY_RE = re.compile(r"^[A-Za-z_][\w.\-]*:")
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
    md = MarkdownIt("commonmark", {"html": True}).enable("table").disable("inline")
    md.block.ruler.at("table", _table, {"alt": ["paragraph", "reference"]})
    return md


def _cells(text: str) -> int:
    """How many cells markdown-it's ``escapedSplit`` finds in a trimmed row, outer pipes off."""
    # A pipe right after a backslash is escaped (whatever escapes the backslash).
    n = text.count("|") - text.count("\\|") + 1
    if text.startswith("|"):
        n -= 1
    if n and text.endswith("|") and not text.endswith("\\|"):
        n -= 1
    return n


def _table(state: StateBlock, startLine: int, endLine: int, silent: bool) -> bool:
    """markdown-it's GFM table rule, with the same lines, emitting only table_open/close.

    Only a table's lines are read here; the rule's tokens for every row and cell (and its
    per-character cell split) were a tenth of the parse of real hunks.
    """
    if startLine + 2 > endLine:
        return False
    nxt = startLine + 1
    if state.sCount[nxt] < state.blkIndent or state.is_code_block(nxt):
        return False
    # The delimiter row: only "|", "-", ":" and spaces, not opening like a list item.
    pos, end = state.bMarks[nxt] + state.tShift[nxt], state.eMarks[nxt]
    if end - pos < 2:
        return False
    first, second = state.src[pos], state.src[pos + 1]
    if first not in "|-:" or (second not in "|-:" and second not in " \t"):
        return False
    if first == "-" and second in " \t":
        return False
    delim = state.src[pos:end]
    if delim.strip("|-: \t"):
        return False
    columns = delim.split("|")
    aligns = 0
    for i, col in enumerate(columns):
        t = mdTrim(col)
        if not t:
            if i == 0 or i == len(columns) - 1:
                continue
            return False
        if not _HEADER_CELL_RE.search(t):
            return False
        aligns += 1
    head = mdTrim(
        state.src[state.bMarks[startLine] + state.tShift[startLine] : state.eMarks[startLine]]
    )
    if "|" not in head or state.is_code_block(startLine):
        return False
    count = _cells(head)
    if count == 0 or count != aligns:
        return False
    if silent:
        return True
    old_parent = state.parentType
    state.parentType = "table"
    terminators = state.md.block.ruler.getRules("blockquote")
    token = state.push("table_open", "table", 1)
    token.map = lines = [startLine, 0]
    autocompleted = 0
    line = startLine + 2
    while line < endLine:
        if state.sCount[line] < state.blkIndent:
            break
        ended = False
        for rule in terminators:  # (a loop: a generator per row cost a tenth of the rule)
            if rule(state, line, endLine, True):
                ended = True
                break
        if ended:
            break
        text = mdTrim(state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]])
        if not text or state.is_code_block(line):
            break
        autocompleted += count - _cells(text)
        if autocompleted > MAX_AUTOCOMPLETED_CELLS:
            break
        line += 1
    state.push("table_close", "table", -1)
    lines[1] = line
    state.parentType = old_parent
    state.line = line
    return True


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
    seen_key = False
    for i, line in enumerate(lines[:60]):
        if line.strip() == "---":
            return i + 1 if i > 0 else 0
        seen_key = seen_key or bool(_KEY_RE.match(line))
        # After a YAML key, ``# text`` is a YAML comment (docs put "# Customer Intent: ..."
        # there), not a Markdown heading: the closing fence below settles it.
        if not (_YAMLISH_RE.match(line) or (seen_key and line.startswith("# "))):
            return 0
    # A hunk inside the front matter that ends before its closing fence: only YAML-looking,
    # non-blank lines with at least one top-level key.
    if (
        len(lines) <= 60
        and all(ln.strip() for ln in lines)
        and any(_KEY_RE.match(ln) for ln in lines)
    ):
        return len(lines)
    return 0


_STRONG_RE = re.compile(r"(\*\*|__)(.+?)\1")


@lru_cache(maxsize=16_384)
def clean_inline(text: str) -> str:
    """Heading or cell text without emphasis markers and trailing anchors (``{#id}``)."""
    # Cached: every heading of both documents is cleaned for section paths, and table cells
    # repeat across rows and files.
    text = strip_heading_id(text.strip())
    text = replace_links(text)  # tab headings: [Azure CLI](#tab/cli)
    if "**" in text or "__" in text:
        text = _STRONG_RE.sub(r"\2", text)
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
    marks = _simple_roles(text_lines, fm)
    if marks is not None:
        # What the parse would say: paragraphs, and the headings and list items marked.
        for i in range(fm, n):
            if infos[i].kind == OTHER:
                infos[i].kind = PARAGRAPH
        for i, kind, block in marks:
            # (A list item takes only text lines: one markdown-it reads as text and str.strip
            # as blank, such as a lone U+001C, stays blank.)
            if kind == HEADING or infos[i].kind != BLANK:
                infos[i].kind = kind
                infos[i].block = block
    else:
        body = [""] * fm + text_lines[fm:]
        try:
            tokens = _parse_text("\n".join(body))
        except Exception:  # markdown-it is robust; a parser bug must not lose the file
            return doc
        _apply_tokens(tokens, infos, text_lines)
    _fix_fragments(infos, text_lines)
    _assign_sections(infos, text_lines, section)
    return doc


#: First characters (after up to three spaces) a line of paragraph text may not start with:
#: each may open, end or underline a block other than a paragraph ("*", "+", "#", "_",
#: digits, "`", "[", "|" and ":" are told apart by :func:`_opens`).
_NOT_PLAIN = frozenset("-=>~<\t")
_ORDERED_RE = re.compile(r"\d{1,9}[.)](?:[ \t]|$)")
_ATX_RE = re.compile(r"#{1,6}(?:[ \t]|$)")
_TEXT, _HEADING, _REF, _OTHER = range(4)


def _opens(s: str) -> int:
    """What a line whose text (after its indent) is ``s`` may be, on its first characters:
    paragraph text, an ATX heading, text starting with "[" (maybe a link reference
    definition), or something else (a list item, quote, fence, HTML, thematic break...)."""
    c = s[0]
    if c in _NOT_PLAIN:
        return _OTHER
    if c == "*" or c == "_" or c == "+":
        if s[1:2] in ("", " ", "\t") or not s.strip(c + " \t"):
            return _OTHER  # a list item, or a thematic break
    elif c == "#":
        if _ATX_RE.match(s):
            return _HEADING
    elif c == "`":
        if s.startswith("```"):
            return _OTHER
    elif c == "[":
        return _REF
    elif c == "|" or c == ":":
        # Rows of a table whose header is above the hunk, ":::zone" lines: paragraph text,
        # unless the line could be a table's delimiter row (then a table may start above it).
        if not s.strip("|-: \t"):
            return _OTHER
    elif "0" <= c <= "9" and _ORDERED_RE.match(s):
        return _OTHER
    return _TEXT


def _simple_roles(lines: list[str], start: int) -> list[tuple[int, str, int]] | None:
    """(line, kind, block) of the headings and list items of ``lines[start:]``, when
    markdown-it reads the rest as paragraphs; None when the lines hold anything else.

    Hunks of real documentation are mostly prose, ATX headings and simple bullet lists
    (``- text`` at column 0, with lazy or indented continuation lines), and a scan of first
    characters is much cheaper than the parse. Anything subtler (a setext underline, an
    ordered or nested list, a heading in a list item, a quote, a fence, indented code, an
    HTML block, a thematic break, a table, a link reference definition) goes to the parse.
    """
    marks: list[tuple[int, str, int]] = []
    refs = False
    block = 0  # as _apply_tokens numbers them: one per list item
    item = 0  # the open list item's number, 0 when none
    prev_blank = True
    for k in range(start, len(lines)):
        line = lines[k]
        s = line.lstrip(" ")
        if not s.strip(" \t"):
            prev_blank = True  # blank for markdown-it (only spaces and tabs)
            continue
        indent = len(line) - len(s)
        if indent > 3 or "\r" in line[:-1]:
            return None  # indented code; or a lone CR, which markdown-it reads as a line end
        what = _opens(s)
        if what == _OTHER:
            # A bullet item at column 0 whose text (after one space) is paragraph text.
            if indent or s[0] not in "-*+" or s[1:2] != " " or not s[2:3].strip():
                return None
            what = _opens(s[2:])
            if what in (_OTHER, _HEADING):
                return None
            block += 1
            item = block
            marks.append((k, LIST_ITEM, item))
        elif what == _HEADING:
            if item and indent >= 2:
                return None  # a heading inside the list item
            item = 0  # at column 0 or 1 it ends the list
            marks.append((k, HEADING, block))
        elif item:
            # Text runs on in the item (lazily, or indented to its content after a blank).
            if prev_blank and indent < 2:
                item = 0
            else:
                marks.append((k, LIST_ITEM, item))
        refs = refs or what == _REF
        prev_blank = False
    # A reference definition opens a paragraph with "[label]:" (which may span lines).
    if refs and any("]:" in lines[k] for k in range(start, len(lines))):
        return None
    return marks


# Parsing only around the changed lines. A whole document is cut into chunks at lines where
# CommonMark's block parser is certain to be at the top level with nothing open: a line at
# column 0 after a blank line, outside any top-level fenced code or HTML block of types 1-5
# (the only blocks that run on across a blank line and an unindented line; lists, quotes,
# tables, paragraphs and indented code all end there). A chunk then parses to the same block
# tokens alone as inside the whole document, so only the chunks holding changed lines are
# parsed; the rest is only scanned for the ATX headings that make section paths.
_CLOSE_FENCE = {c: re.compile(r"^ {0,3}(" + re.escape(c) + r"{3,})[ \t]*$") for c in ("`", "~")}
_OPEN_FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")
_STRICT_HEADING_RE = re.compile(r"^#{1,6}(?:[ \t]|$)")
#: First characters (after up to three spaces) of a line that opens a fence or an HTML block.
_MAY_OPEN_RAW = frozenset("`~<")
#: Scanner states: None (nothing open), ("fence", marker char, length), ("html", sequence).
_State = tuple[str, str, int] | None
_FRESH: frozenset[_State] = frozenset({None})


def _html_open(line: str) -> int | None:
    """Which HTML block type (index into markdown-it's sequences) ``line`` opens, if any."""
    text = line.lstrip(" ")
    if not text.startswith("<") or len(line) - len(text) > 3:
        return None
    for k, (start, _end, _interrupts) in enumerate(HTML_SEQUENCES):
        if start.search(text):
            return k
    return None


def _step(state: _State, line: str, certain: bool) -> set[_State]:
    """The states after ``line`` for one hypothesis; an opener we cannot place splits it."""
    if state is not None:
        kind, ch, n = state
        if kind == "fence":
            m = _CLOSE_FENCE[ch].match(line)
            return {None} if m and len(m.group(1)) >= n else {state}
        return {None} if HTML_SEQUENCES[n][1].search(line) else {state}
    m = _OPEN_FENCE_RE.match(line)
    if m and not (m.group(1)[0] == "`" and "`" in m.group(2)):
        opened: _State = ("fence", m.group(1)[0], len(m.group(1)))
    else:
        k = _html_open(line)
        if k is None or k > 4 or HTML_SEQUENCES[k][1].search(line.lstrip(" ")):
            return {None}  # types 6 and 7 end at the next blank line
        opened = ("html", "", k)
    # At column 0 after a blank line the opener is certainly a top-level block; indented, or
    # right after other text, it may sit in a list item or be swallowed by a table row.
    return {opened} if certain else {None, opened}


def _open_at_end(tokens: list[Token], lines: list[str]) -> _State:
    """The top-level fence or HTML block still open at the end of a parsed chunk, if any."""
    # markdown-it does not count a last line of only spaces and tabs (or nothing).
    end = len(lines) - (1 if lines and not lines[-1].strip(" \t") else 0)
    for tok in reversed(tokens):
        if tok.level != 0 or not tok.map or tok.map[1] != end:
            continue
        first, last = lines[tok.map[0]], lines[end - 1]
        if tok.type == "fence":
            ch, n = tok.markup[0], len(tok.markup)
            m = _CLOSE_FENCE[ch].match(last)
            if end - 1 > tok.map[0] and m and len(m.group(1)) >= n:
                return None  # closed by its last line
            return ("fence", ch, n)
        if tok.type == "html_block":
            k = _html_open(first)
            if k is None or k > 4 or HTML_SEQUENCES[k][1].search(last.lstrip(" \t")):
                return None
            return ("html", "", k)
    return None


def _parse(lines: list[str]) -> list[Token]:
    return _parse_text("\n".join(lines))


_LONE_CR = re.compile(r"\r(?!\n)")


def _parse_text(src: str) -> list[Token]:
    """``_md().parse(src)``, straight to the block parser when the core rules have nothing to
    do: they only turn CR and NUL into LF and U+FFFD and join inline text (there is none)."""
    if "\r" in src or "\0" in src:
        # markdown-it ends a line at a lone CR too: one there would shift every later line
        # away from the caller's numbering (and past its end). It reads a space instead.
        return _md().parse(_LONE_CR.sub(" ", src))
    md = _md()
    tokens: list[Token] = []
    md.block.parse(src, md, {}, tokens)
    return tokens


def _chunks(lines: list[str], start: int) -> tuple[list[int], set[int], set[int]] | None:
    """Chunk starts, lines surely inside fenced code or HTML, lines surely ATX headings.

    None when settling ambiguous openers would cost more than parsing the whole document.
    """
    cuts = [start]
    inside: set[int] = set()
    headings: set[int] = set()
    states: set[_State] = {None}
    budget = 2 * len(lines)
    prev_blank = True
    fresh = True  # states == _FRESH, kept as a flag: this loop runs for every line
    for i in range(start, len(lines)):
        line = lines[i]
        if not line.strip(" \t"):
            if not fresh and None not in states:
                inside.add(i)
            prev_blank = True
            continue
        col0 = line[0] not in " \t"
        if col0 and prev_blank:
            if not fresh and None in states:
                budget -= i - cuts[-1]
                if budget < 0:
                    return None
                chunk = lines[cuts[-1] : i]
                states = {_open_at_end(_parse(chunk), chunk)}
                fresh = states == _FRESH
            if fresh:
                if i > cuts[-1]:
                    cuts.append(i)
                # An ATX heading, unless the next line could make it a table's header row.
                if line[0] == "#" and _STRICT_HEADING_RE.match(line):
                    after = lines[i + 1].lstrip(" \t")[:1] if i + 1 < len(lines) else ""
                    if after not in ("|", "-", ":"):
                        headings.add(i)
        if not fresh and None not in states:
            inside.add(i)  # every hypothesis has this line in fenced code or HTML
        if not fresh or line.lstrip(" ")[:1] in _MAY_OPEN_RAW:
            # (With nothing open, only a line starting with a fence mark or "<" opens
            # something: every other line leaves the states as they are.)
            certain = col0 and prev_blank and fresh
            states = {t for st in states for t in _step(st, line, certain)}
            fresh = states == _FRESH
        prev_blank = False
    return cuts, inside, headings


#: What a line outside every parsed chunk reads as (its role was not needed).
_UNREAD = LineInfo()


def map_window(
    text_lines: list[str],
    wanted: set[int],
    first_line: int = 1,
    section: str | None = None,
    fragment: bool = False,
) -> DocMap:
    """:func:`map_lines` (same arguments after ``wanted``), exact for the lines ``wanted``.

    Only the chunks holding those lines are parsed (plus any heading the line scan cannot
    place), so a large document costs what its changed regions cost. Other lines read as
    :data:`_UNREAD`. Block numbers are exact up to numbering: wanted lines share one where
    map_lines gives them one, in the same order, but the values themselves may differ.
    """
    n = len(text_lines)
    # (One search of the joined lines: most documents hold no CR at all.)
    cr = "\r" in "".join(text_lines)
    if n > MAX_PARSE_LINES or (cr and any("\r" in ln[:-1] for ln in text_lines)):
        return map_lines(text_lines, first_line, section, fragment)
    # markdown-it reads CRLF as LF; a lone CR elsewhere (above) would shift its lines.
    lines = [ln[:-1] if ln.endswith("\r") else ln for ln in text_lines] if cr else text_lines
    fm = front_matter_end(text_lines, first_line, fragment=fragment)
    scan = _chunks(lines, fm)
    if scan is None:
        return map_lines(text_lines, first_line, section, fragment)
    cuts, inside, headings = scan
    bounds = [*cuts, n]
    want = {i - first_line for i in wanted if 0 <= i - first_line < n}
    chosen = {bisect_right(cuts, i) - 1 for i in want if i >= fm}
    for i in range(fm, n):
        # ("#" within the first four characters: what parse_heading needs at least.)
        if (
            "#" in text_lines[i][:4]
            and i not in headings
            and i not in inside
            and parse_heading(text_lines[i])
        ):
            chosen.add(bisect_right(cuts, i) - 1)  # a heading only a parse can place
    infos: list[LineInfo] = [_UNREAD] * n
    for i in range(min(fm, n)):
        infos[i] = LineInfo(kind=FRONTMATTER)
    order: list[int] = []
    block = 0
    end = fm  # where the last parsed run ended
    gaps: list[tuple[int, int]] = []  # unparsed stretches since the number was last settled
    seen: set[int] = set()  # block numbers of wanted lines so far
    runs = sorted(chosen)
    k = 0
    while k < len(runs):
        first = runs[k]
        while k + 1 < len(runs) and runs[k + 1] == runs[k] + 1:
            k += 1
        s, e = bounds[first], bounds[runs[k] + 1]
        k += 1
        # With the next chunk's first line: it is what closes a list item, and a fence or
        # HTML comment inside one runs on over the blank lines before it.
        part = text_lines[s : e + 1]
        try:
            tokens = _parse(lines[s : e + 1])
        except Exception:  # as map_lines: a parser bug must not lose the file
            return map_lines(text_lines, first_line, section, fragment)
        if s > end:
            gaps.append((end, s))
        sub, last = _roles(tokens, part, block)
        # A heading or HTML block carries the number of the block before it. When that block
        # lies in an unparsed gap, it is not the block the number was first given to.
        if any(sub[i - s].block == block for i in want if s <= i < e) and gaps:
            if block in seen and any(_opens_block(lines[a:b]) for a, b in gaps):
                block += 1
                sub, last = _roles(tokens, part, block)
            gaps = []
        if last != block:
            gaps = []  # this run opened blocks: the number is its own again
        block = last
        seen.update(sub[i - s].block for i in want if s <= i < e)
        infos[s:e] = sub[: e - s]
        order.extend(range(s, e))
        end = e
    for i in headings:
        if infos[i] is _UNREAD:
            infos[i] = LineInfo(kind=HEADING)
            order.append(i)
    order.sort()
    for i in range(min(fm, n)):
        infos[i].section = section or None  # as _assign_sections: what is above a fragment
    _assign_sections_at(infos, text_lines, order, section)
    return DocMap(first_line=first_line, lines=text_lines, infos=infos)


def _roles(tokens: list[Token], part: list[str], block: int) -> tuple[list[LineInfo], int]:
    """Line roles of one parsed run, its blocks numbered from ``block + 1``; the last number."""
    sub = [LineInfo(kind=BLANK if not ln.strip() else OTHER) for ln in part]
    last = _apply_tokens(tokens, sub, part, block)
    _fix_fragments(sub, part)
    return sub, last


#: First characters of a line that may open a list, quote, table, fence or indented code.
_MAY_OPEN = frozenset("-+*>|:`~\t 0123456789")
_OPENERS = frozenset({"blockquote_open", "table_open", "fence", "code_block", "list_item_open"})


def _opens_block(gap: list[str]) -> bool:
    """Whether chunks left unparsed open a numbered block (paragraphs and headings do not)."""
    if not any(ln[:1] in _MAY_OPEN for ln in gap if ln.strip(" \t")):
        return False
    return any(t.type in _OPENERS for t in _parse(gap))


def _assign_sections_at(
    infos: list[LineInfo], lines: list[str], order: list[int], section: str | None
) -> None:
    """:func:`_assign_sections` for the lines ``order`` (ascending) only."""
    stack: list[tuple[int, str]] = [(0, section)] if section else []
    here = section or None
    for i in order:
        info = infos[i]
        if info.kind == HEADING:
            h = parse_heading(lines[i])
            if h:
                level = h[0]
                stack = [x for x in stack if x[0] < level] + [(level, clean_inline(h[1]))]
                info.section = " > ".join(x[1] for x in stack[:-1]) or None
                here = " > ".join(x[1] for x in stack) or None
                continue
        info.section = here


def _apply_tokens(
    tokens: list[Token], infos: list[LineInfo], lines: list[str], block: int = 0
) -> int:
    """Set each line's role from the block tokens; returns the last block number used."""
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
    return block


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
    if "\\" not in s and "`" not in s:
        return [c.strip() for c in s.split("|")]
    cells: list[str] = []
    start = 0  # where the current cell begins
    in_code = False
    # Only escapes, backticks and pipes matter; the text between them is copied in slices.
    for m in _ROW_MARK_RE.finditer(s):
        ch = m.group()
        if ch == "`":
            in_code = not in_code
        elif ch == "|" and not in_code:
            cells.append(s[start : m.start()].strip())
            start = m.end()
    cells.append(s[start:].strip())
    return cells


#: An escape (backslash and the character after it), a backtick or a pipe.
_ROW_MARK_RE = re.compile(r"\\.|[`|]", re.DOTALL)


def alert_type(line: str) -> str | None:
    """``NOTE``/``TIP``/... when ``line`` opens an alert block."""
    m = _ALERT_RE.match(line)
    return m.group(1).upper() if m else None


def fence_lang(line: str) -> str | None:
    """The language of a fence opening line (``""`` when none), None when not a fence."""
    m = _FENCE_RE.match(line)
    return m.group(2) if m else None
