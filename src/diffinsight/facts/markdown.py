"""Facts of a changed Markdown document, read structurally.

The diff always comes from the patch's hunks (the same lines the report shows); what each
changed line *is* comes from parsing: the whole old and new documents when the source has
them, else each side of each hunk. Front matter is read by :mod:`.frontmatter`.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

from markdown_it import MarkdownIt

from diffinsight.facts import frontmatter
from diffinsight.facts.code import changed_names, code_facts, listed, stretch_facts
from diffinsight.facts.kinds import FactKind as K
from diffinsight.facts.patch import (
    Edit,
    Hunk,
    common_ends,
    line_edits,
    pair_lines,
    parse_hunks,
    similarity,
    tokens,
    visible,
)
from diffinsight.facts.scan import parse_heading, replace_links
from diffinsight.facts.structure import (
    CODE,
    FENCE_MARK,
    FRONTMATTER,
    HEADING,
    LIST_ITEM,
    TABLE_DELIM,
    TABLE_HEADER,
    TABLE_ROW,
    DocMap,
    LineInfo,
    alert_type,
    clean_inline,
    fence_lang,
    front_matter_end,
    map_lines,
    map_window,
    split_row,
)
from diffinsight.grounding import LISTED
from diffinsight.models import Fact, FileChange

_INCLUDE_RE = re.compile(r"\[!INCLUDE\s*\[[^\][]*\]\(\s*([^)\s]+)\s*\)\s*\]", re.IGNORECASE)
_PIVOT_RE = re.compile(r"^\s*:::\s*zone\s+pivot\s*=\s*\"?([^\"]+)\"?", re.IGNORECASE)
_LIST_MARK_RE = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_VERSION_RE = re.compile(
    r"^(?:v?\d+\.\d+(?:[-.+][\w.](?:[\w.]|[-+](?=[\w.]))*)?"
    r"|\d{4}-\d{2}-\d{2}(?:-[\w.]+)*|\d{1,2}/\d{1,2}/\d{2,4}|v\d+)$"
)
_NAME_RE = re.compile(r"^(?=.*\d)(?=.*[A-Za-z])[A-Za-z0-9][\w.\-]*$")
_WORD_RE = re.compile(r"\w+", re.UNICODE)
_TAG_RE = re.compile(r"</?[A-Za-z][^<>]*>|&nbsp;|[^\w]", re.UNICODE)
_IDENT_RE = re.compile(r"[a-z][A-Z]|[A-Za-z]_[A-Za-z]|\w\.\w|::|\(\)$")
_WORDLIKE_RE = re.compile(r"[A-Za-z][\w.\-]*\w")
_CAMEL_RE = re.compile(r"^[A-Z][a-z]+[A-Z]")
#: Lines longer than this are not parsed for links (no real line of prose is this long).
MAX_INLINE_CHARS = 20_000
#: Moved lines shorter than this are too common ("```", "- ") to call a move.
MIN_MOVED_CHARS = 12
#: A value longer than this is not quoted as old -> new.
MAX_VALUE_CHARS = 80
#: At most this many names a rewritten or added line carries (a list shows them all).
MAX_NAMED = 3
#: Columns past this many are not compared or quoted (no real table is this wide).
MAX_COLUMNS = 64
#: At most this many pieces (between ``<br>`` tags...) of a cell are quoted.
MAX_CELL_PIECES = 3
#: Lines longer than this are not diffed token by token.
MAX_EDIT_CHARS = 2000
#: At most this many facts of one kind per file; the rest are counted.
MAX_FACTS_PER_KIND = 40


@dataclass
class Line:
    """A removed or added line with what it is."""

    no: int
    text: str
    info: LineInfo
    run: int
    #: Set once a structural fact has claimed the line (heading, table row, move...).
    done: bool = False
    moved: bool = False
    ws: bool = False


@cache
def _inline_md() -> MarkdownIt:
    return MarkdownIt("commonmark").enable("table")


#: (text, href) of a line's links and (alt, src) of its images.
_Links = tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]


def links_in(text: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(text, href) of the links and (alt, src) of the images in one line of Markdown."""
    if "](" not in text and "<http" not in text:
        return [], []
    links, images = _links_in(text)
    return list(links), list(images)


@lru_cache(maxsize=8192)
def _links_in(text: str) -> _Links:
    # Cached: each changed line is read for links by _links and again by _line_edit.
    if len(text) > MAX_INLINE_CHARS:
        # markdown-it's link scan is quadratic in the brackets of one line; say less instead.
        return (), ()
    simple = _simple_links(text)
    return simple if simple is not None else _parsed_links(text)


def _parsed_links(text: str) -> _Links:
    """(text, href) of the links and (alt, src) of the images, as markdown-it reads them."""
    links: list[tuple[str, str]] = []
    images: list[tuple[str, str]] = []
    try:
        toks = _inline_md().parseInline(text)
    except Exception:
        return (), ()
    for tok in toks:
        href: str | None = None
        label: list[str] = []
        for child in tok.children or []:
            if child.type == "link_open":
                href = str(child.attrs.get("href", ""))
                label = []
            elif child.type == "link_close" and href is not None:
                links.append(("".join(label).strip(), href))
                href = None
            elif child.type == "image":
                images.append((child.content, str(child.attrs.get("src", ""))))
            elif href is not None and child.type in ("text", "code_inline"):
                label.append(child.content)
    return tuple(links), tuple(images)


#: A line none of whose characters can open an autolink or HTML, or escape a character (the
#: inline constructs, besides code spans, that could hide a "[" or change what a link reads).
_PLAIN_LINE_RE = re.compile(r"[^\\<\n\r]*")
_LABEL_CHAR = r"[^\[\]*_&`]"
_EDGE_CHAR = r"[^\s\[\]*_&`]"
#: An inline link or image at a "[": its label plain text (no brackets, emphasis marks, code
#: or entities), or one strong span of it; its destination runs to the first ")" with no
#: space, parenthesis, backtick or control character (and no entity: see _normal_link).
_SIMPLE_LINK_RE = re.compile(
    rf"\[(?:({_LABEL_CHAR}*)|\*\*({_EDGE_CHAR}(?:{_LABEL_CHAR}*{_EDGE_CHAR})?)\*\*)\]"
    r"\(([^\x00-\x20()`\x7f]*)\)"
)
_OPENER_RE = re.compile(r"[`\[]")
_TICKS_RE = re.compile(r"`+")


def _simple_links(text: str) -> _Links | None:
    """What :func:`_links_in` reads, for a line whose every "[" outside code spans opens a
    simple link or image; None for any other line (the inline parse decides those).

    Most changed lines of documentation hold only plain links: markdown-it's inline parse of
    them was a fifth of the analysis. The scan goes left to right as markdown-it's inline
    tokenizer does (a backtick run opens a code span only if a run of its length follows),
    and the destination goes through markdown-it's own normalisation and check, so an href
    reads exactly as the parse gives it (tests/test_links_fast.py holds both to it).
    """
    if not _PLAIN_LINE_RE.fullmatch(text):
        return None
    links: list[tuple[str, str]] = []
    images: list[tuple[str, str]] = []
    pos = 0
    while (o := _OPENER_RE.search(text, pos)) is not None:
        k = o.start()
        if text[k] == "`":
            run = _TICKS_RE.match(text, k)
            assert run is not None
            pos = run.end()
            width = pos - k
            for close in _TICKS_RE.finditer(text, pos):
                if close.end() - close.start() == width:
                    pos = close.end()  # a code span: nothing in it is a link
                    break
            continue
        m = _SIMPLE_LINK_RE.match(text, k)
        if m is None:
            return None  # a bracket that opens no simple link: the parse decides
        href = _normal_link(m.group(3))
        if href is None:
            return None  # a destination markdown-it refuses: the text is not a link
        if k > pos and text[k - 1] == "!":
            images.append((text[k + 1 : m.start(3) - 2], href))  # the raw label, as the parse
        else:
            label = m.group(1) if m.group(2) is None else m.group(2)
            links.append((label.strip(), href))
        pos = m.end()
    return tuple(links), tuple(images)


@lru_cache(maxsize=4096)
def _normal_link(dest: str) -> str | None:
    """markdown-it's normalised href for a destination, None when it refuses it (or when an
    "&" may start an entity, which the parse would decode first)."""
    if not dest:
        return ""
    if "&" in dest and ";" in dest:
        return None
    md = _inline_md()
    href = md.normalizeLink(dest)
    return href if md.validateLink(href) else None


def strip_links(text: str) -> str:
    """``text`` with links reduced to their text and images dropped (for comparing prose)."""
    return replace_links(replace_links(text, images=True))


def _changed(hunks: list[Hunk]) -> tuple[set[int], set[int]]:
    """Line numbers of the removed (old side) and added (new side) lines of ``hunks``."""
    gone = {r.old_start + k for h in hunks for r in h.changes for k in range(len(r.removed))}
    came = {r.new_start + k for h in hunks for r in h.changes for k in range(len(r.added))}
    return gone, came


def _maps(change: FileChange, hunks: list[Hunk]) -> tuple[list[DocMap], list[DocMap], bool]:
    """Old-side and new-side line maps: whole documents, or one per hunk."""
    # Only the changed lines' roles are read: parse just the chunks that hold them.
    if change.old_text is not None and change.new_text is not None:
        gone, came = _changed(hunks)
        return (
            [map_window(change.old_text.split("\n"), gone)],
            [map_window(change.new_text.split("\n"), came)],
            True,
        )
    olds: list[DocMap] = []
    news: list[DocMap] = []
    for h in hunks:
        ctx = h.context
        heading = parse_heading(ctx)
        section = clean_inline(heading[1]) if heading else None
        old_side = [ln[1:] for ln in h.lines if ln[:1] in (" ", "-", "")]
        new_side = [ln[1:] for ln in h.lines if ln[:1] in (" ", "+", "")]
        # Whole parses here: block numbers of different hunks meet in one list, so they must
        # be map_lines' own, not only equal where map_lines' are equal (map_window's promise).
        olds.append(fragment_map(old_side, h.old_start, section))
        news.append(fragment_map(new_side, h.new_start, section))
    return olds, news, False


# A hunk is read without what is above it, so two structures of the document can look like
# code: text indented under a numbered list item (an "indented code block" without its list
# marker), and the text after a closing fence (read as an opening one). When what such a
# "code block" holds reads as Markdown prose and nothing in it reads as code, the hunk is read
# again as the document has it: dedented, or with the fence above it closed.
_CODEISH_RE = re.compile(
    r"[;{]\s*$|^\s*[}\])]|\s=\s|==|=>|->|\(\)|\w\(|^\s*(?:def|class|import|from|return|"
    r"var|let|const|public|private|if|for|while|using|package|func)\b|^\s*[\w.$]+\s*[:=]\s*[\"'\d\[{]"
    r"|^\s*<\w[^>]*>?\s*$|^\s*[\"']|\\\s*$|^\s*(?://|/\*|\*\s|--\s|\$\s)"
)
_MDISH_RE = re.compile(
    r"^\s*(?:>|\[!|:::|\||#{1,6}\s|[-*+]\s|\d+[.)]\s|!?\[|(\*\*|__)[^*_`]+\1:?$|[*_]?\w[^`]*:[*_]?$)"
)
_PROSE_WORDS_RE = re.compile(r"[^\W\d_]{2,}(?:[’'][^\W\d_]+)?")


def _prose_like(line: str) -> bool:
    """Whether a line reads as a sentence of Markdown text rather than as code."""
    s = line.strip()
    if not s or _CODEISH_RE.search(s):
        return False
    if _MDISH_RE.match(s):
        return True
    return len(_PROSE_WORDS_RE.findall(s)) >= 4 and " " in s


def _reads_as_prose(lines: list[str]) -> bool:
    """Whether lines (up to the next fence line, where a real block may open) are prose."""
    body: list[str] = []
    for ln in lines:
        if FENCE_MARK_RE.match(ln):
            break
        if ln.strip():
            body.append(ln)
    return bool(body) and all(_prose_like(ln) for ln in body)


FENCE_MARK_RE = re.compile(r"^\s*(`{3,}|~{3,})")


def fragment_map(side: list[str], start: int, section: str | None) -> DocMap:
    """The line roles of one side of a hunk, read as the document it comes from would be."""
    doc = map_lines(side, start, section, fragment=True)
    blocks: dict[int, list[int]] = defaultdict(list)
    fenced: set[int] = set()
    for i, info in enumerate(doc.infos):
        if info.kind in (CODE, FENCE_MARK):
            blocks[info.block].append(i)
            if info.kind == FENCE_MARK:
                fenced.add(info.block)
    if not blocks:
        return doc
    first = min(blocks, key=lambda b: blocks[b][0])
    i0 = blocks[first][0]
    if (
        start > 1
        and first in fenced
        and doc.infos[i0].kind == FENCE_MARK
        and (m := FENCE_MARK_RE.match(side[i0]))
        and fence_lang(side[i0]) == ""
        and _reads_as_prose([side[i] for i in blocks[first][1:]])
    ):
        # The hunk begins inside a fenced block: its first fence closes it.
        return map_lines([m.group(1), *side], start - 1, section, fragment=True)
    # The hunk begins inside a fence indented under a list item: its first line, read as
    # indented code, is the fence's closing line, and what follows it is the item's text.
    # (Whether what follows that line reads as prose is the test of ``indented`` below.)
    closing = start > 1 and first not in fenced and fence_lang(side[i0]) == ""
    indented = [
        b
        for b, rows in blocks.items()
        if b not in fenced
        and _reads_as_prose([side[i] for i in (rows[1:] if closing and b == first else rows)])
    ]
    if not indented:
        return doc
    out = list(side)
    for b in indented:
        rows = blocks[b]
        cut = min(len(side[i]) - len(side[i].lstrip(" ")) for i in rows if side[i].strip())
        for i in rows:
            out[i] = side[i][cut:] if side[i][:cut].strip() == "" else side[i].lstrip(" ")
    if closing and first in indented:
        # Dedented, that line would open a fence: one above it, as the document has, closes.
        return map_lines([out[i0].strip(), *out], start - 1, section, fragment=True)
    return map_lines(out, start, section, fragment=True)


def _info(maps: list[DocMap], idx: int, full: bool, line_no: int) -> LineInfo:
    return maps[0 if full else idx].info(line_no)


def collect_lines(change: FileChange, hunks: list[Hunk]) -> tuple[list[Line], list[Line], bool]:
    """Every removed and added line of the patch, with its role."""
    olds, news, full = _maps(change, hunks)
    removed: list[Line] = []
    added: list[Line] = []
    run_id = 0
    for hi, h in enumerate(hunks):
        for run in h.changes:
            run_id += 1
            for k, text in enumerate(run.removed):
                no = run.old_start + k
                removed.append(Line(no, text, _info(olds, hi, full, no), run_id))
            for k, text in enumerate(run.added):
                no = run.new_start + k
                added.append(Line(no, text, _info(news, hi, full, no), run_id))
    return removed, added, full


def markdown_facts(change: FileChange) -> list[Fact]:
    """Structural facts of a modified or renamed Markdown file (see the package docstring)."""
    hunks = parse_hunks(change.patch)
    removed, added, full = collect_lines(change, hunks)
    facts: list[Fact] = []
    for h in hunks:
        if h.no_newline_old != h.no_newline_new:
            facts.append(Fact(kind=K.NEWLINE_EOF, detail={"added": h.no_newline_old}))

    fm_old = [ln for ln in removed if ln.info.kind == FRONTMATTER]
    fm_new = [ln for ln in added if ln.info.kind == FRONTMATTER]
    facts += frontmatter.frontmatter_facts(
        change,
        [ln.text for ln in fm_old],
        [ln.text for ln in fm_new],
        None if full or not (fm_old or fm_new) else _visible_front_matter(hunks),
    )
    removed = [ln for ln in removed if ln.info.kind != FRONTMATTER]
    added = [ln for ln in added if ln.info.kind != FRONTMATTER]

    facts += _moved(removed, added)
    removed = [ln for ln in removed if not ln.moved]
    added = [ln for ln in added if not ln.moved]

    facts += _whitespace(removed, added)
    removed = [ln for ln in removed if ln.text.strip() and not ln.ws]
    added = [ln for ln in added if ln.text.strip() and not ln.ws]

    facts += _headings(removed, added)
    facts += _tables(removed, added, full)
    facts += _code(removed, added, [ln[1:] for h in hunks for ln in h.lines if ln[:1] == " "])
    facts += _blocks(removed, added)
    facts += _links(removed, added)
    facts += _prose(removed, added)
    return _cap(facts)


def _visible_front_matter(hunks: list[Hunk]) -> tuple[list[str], list[str]]:
    """The front matter lines each side of the hunks shows (patch-only mode)."""
    sides: tuple[list[str], list[str]] = ([], [])
    for h in hunks:
        for out, signs, start in ((sides[0], " -", h.old_start), (sides[1], " +", h.new_start)):
            side = [ln[1:] for ln in h.lines if ln[:1] in signs or ln == ""]
            out.extend(side[: front_matter_end(side, start, fragment=True)])
    return sides


def _moved(removed: list[Line], added: list[Line]) -> list[Fact]:
    """The same non-trivial line removed in one place and added in another."""
    pool: dict[str, list[Line]] = defaultdict(list)
    for ln in removed:
        key = ln.text.strip()
        if len(key) >= MIN_MOVED_CHARS:
            pool[key].append(ln)
    count = 0
    sections: list[str] = []
    for ln in added:
        key = ln.text.strip()
        cands = pool.get(key)
        if not cands:
            continue
        src = cands.pop(0)
        if src.run == ln.run:
            # Re-added in place (its section may differ only because the heading above it was
            # renamed): a re-wrap or reorder the pairing below handles; not a move.
            cands.insert(0, src)
            continue
        src.moved = True
        ln.moved = True
        count += 1
        if ln.info.section and ln.info.section not in sections:
            sections.append(ln.info.section)
    if not count:
        return []
    return [
        Fact(kind=K.TEXT_MOVED, where=sections[0] if sections else None, detail={"count": count})
    ]


def _whitespace(removed: list[Line], added: list[Line]) -> list[Fact]:
    """Runs whose lines differ only in whitespace or line wrapping."""
    by_run_r: dict[int, list[Line]] = defaultdict(list)
    by_run_a: dict[int, list[Line]] = defaultdict(list)
    for ln in removed:
        by_run_r[ln.run].append(ln)
    for ln in added:
        by_run_a[ln.run].append(ln)
    facts: list[Fact] = []
    for run, rs in by_run_r.items():
        as_ = by_run_a.get(run, [])
        if not as_ and all(not r.text.strip() for r in rs):
            for r in rs:
                r.ws = True
            facts.append(Fact(kind=K.WHITESPACE_CHANGED, where=rs[0].info.section))
            continue
        if as_ and [r.text for r in rs] == [a.text for a in as_]:
            continue  # the same lines: only the end-of-file newline differs (said apart)
        if as_ and " ".join(" ".join(r.text for r in rs).split()) == " ".join(
            " ".join(a.text for a in as_).split()
        ):
            for ln in rs + as_:
                ln.ws = True
            facts.append(Fact(kind=K.WHITESPACE_CHANGED, where=as_[0].info.section))
    for run, as_ in by_run_a.items():
        if run not in by_run_r and all(not a.text.strip() for a in as_):
            for a in as_:
                a.ws = True
            facts.append(Fact(kind=K.WHITESPACE_CHANGED, where=as_[0].info.section))
    return _dedupe(facts)


def _dedupe(facts: list[Fact]) -> list[Fact]:
    seen: set[tuple[str, str | None, str | None, str | None]] = set()
    out: list[Fact] = []
    for f in facts:
        k = (f.kind, f.old, f.new, f.where)
        if k not in seen:
            seen.add(k)
            out.append(f)
    return out


def _heading_text(line: str) -> tuple[int, str] | None:
    h = parse_heading(line)
    return (h[0], clean_inline(h[1])) if h else None


def _headings(removed: list[Line], added: list[Line]) -> list[Fact]:
    """Headings added, removed, or renamed (a removed and an added heading of one run, same level)."""
    rh = [(ln, h) for ln in removed if ln.info.kind == HEADING and (h := _heading_text(ln.text))]
    ah = [(ln, h) for ln in added if ln.info.kind == HEADING and (h := _heading_text(ln.text))]
    facts: list[Fact] = []
    used: set[int] = set()
    for rl, (rlev, rtext) in rh:
        match = None
        for k, (al, (alev, _atext)) in enumerate(ah):
            if k in used or al.run != rl.run or alev != rlev:
                continue
            match = k
            break
        if match is not None:
            used.add(match)
            al, (alev, atext) = ah[match]
            rl.done = al.done = True
            if atext != rtext:
                facts.append(
                    Fact(
                        kind=K.HEADING_RENAMED,
                        old=rtext,
                        new=atext,
                        where=al.info.section,
                        detail={"level": alev},
                    )
                )
        else:
            rl.done = True
            facts.append(
                Fact(
                    kind=K.HEADING_REMOVED, old=rtext, where=rl.info.section, detail={"level": rlev}
                )
            )
    for k, (al, (alev, atext)) in enumerate(ah):
        if k not in used:
            al.done = True
            facts.append(
                Fact(kind=K.HEADING_ADDED, new=atext, where=al.info.section, detail={"level": alev})
            )
    return facts


def _row_key(cells: list[str], key: int = 0) -> str:
    return _plain(cells[key]) if len(cells) > key else ""


def _plain(cell: str) -> str:
    """A cell as a reader sees it, for comparing: no emphasis, code ticks, link markup, HTML."""
    cell = visible(strip_links(cell))
    cell = re.sub(r"(?<!\s)\s*<br\s*/?>\s*|(?<=\s)<br\s*/?>\s*", ", ", cell, flags=re.IGNORECASE)
    cell = cell.replace("`", "")
    return " ".join(clean_inline(cell).split())


# Bounded classes (no '<' inside a tag, no '[' or '(' inside a link) keep this linear.
_CELL_BREAK_RE = re.compile(r"<[^<>]*>|&nbsp;|!?\[([^\][]*)\]\([^()]*\)", re.IGNORECASE)
#: Only this much of a cell is read for quoting (a quote shows at most three short pieces).
MAX_CELL_READ = 1000


def cell_quote(cell: str) -> str:
    """What a report may quote of a cell: verbatim pieces of it, never HTML or link markup.

    The runs of text between tags (``<br>``, ``<sup>``, ``<li>``) and links, one per line, at
    most :data:`MAX_CELL_PIECES` of them, each at most :data:`MAX_VALUE_CHARS` long and cut at
    a word; ``…`` at the end of the last says there is more.
    """
    pieces: list[str] = []
    pos = 0
    cell = cell.strip()[:MAX_CELL_READ]
    for m in _CELL_BREAK_RE.finditer(cell):
        pieces.append(cell[pos : m.start()])
        if m.group(1):
            pieces.append(m.group(1))  # a link's text is verbatim; its target is not prose
        pos = m.end()
    pieces.append(cell[pos:])
    out: list[str] = []
    more = False
    for raw in pieces:
        piece, cut = _piece(raw)
        if not piece or piece in out:
            more = more or cut
            continue
        if len(out) == MAX_CELL_PIECES:
            more = True
            break
        out.append(piece)
        if cut:
            more = True
            break
    if out and more:
        out[-1] += "…"
    return "\n".join(out)


def _piece(raw: str) -> tuple[str, bool]:
    """One run of a cell, quotable: trimmed, unwrapped, before any invisible character."""
    text = raw.strip().strip(",;").strip()
    for mark in ("**", "__", "`"):
        if len(text) > 2 * len(mark) and text.startswith(mark) and text.endswith(mark):
            text = text[len(mark) : -len(mark)].strip()
    cut = False
    if visible(text) != text:
        head = _INVISIBLE_EDGE_RE.sub("", text)
        if visible(head) != head:
            head = re.split("[\ufeff\u200b\u200c\u200d\u2060\u00ad]", head)[0].strip()
            cut = True
        text = head
    if len(text) > MAX_VALUE_CHARS:
        # Cut where a word ends (a space, or a URL's '/' or '.'): a quote never ends mid-word.
        short = text[: MAX_VALUE_CHARS - 1]
        stop = max(short.rfind(c) for c in " /.,;:?&=")
        text = short[:stop].rstrip(" ,;:./") if stop > 0 else ""
        cut = True
    if text in ("-", "–"):
        return "", cut
    return text, cut


_INVISIBLE_EDGE_RE = re.compile(
    r"^[\ufeff\u200b\u200c\u200d\u2060]+|[\ufeff\u200b\u200c\u200d\u2060]+$"
)


def _key_column(*sides: list[list[str]]) -> int:
    """The key column of changed rows: the first, or the first whose values are unique."""
    rows = [r for side in sides for r in side]
    if not rows:
        return 0
    width = min(min(len(r) for r in rows), MAX_COLUMNS)
    for i in range(width):
        if all(
            len({_plain(r[i]) for r in side}) == len(side) and all(_plain(r[i]) for r in side)
            for side in sides
            if side
        ):
            return i
    return 0


def _tables(removed: list[Line], added: list[Line], full: bool) -> list[Fact]:
    """Tables and their rows added, removed or changed; a re-laid-out table is one fact."""
    facts: list[Fact] = []
    kinds = (TABLE_ROW, TABLE_HEADER, TABLE_DELIM)
    rrows = [ln for ln in removed if ln.info.kind in kinds]
    arows = [ln for ln in added if ln.info.kind in kinds]
    for ln in rrows + arows:
        ln.done = True
    # Alignment, spacing and pipe padding: the same cells on both sides.
    pool: dict[tuple[str | None, tuple[str, ...]], list[Line]] = defaultdict(list)
    for ln in rrows:
        pool[(ln.info.section, _layout_free(ln))].append(ln)
    relaid: list[Line] = []
    for ln in arows:
        cands = pool.get((ln.info.section, _layout_free(ln)))
        if cands:
            src = cands.pop(0)
            src.moved = ln.moved = True  # claimed: neither added nor removed
            if src.text != ln.text:
                relaid.append(ln)
    if relaid:
        n_rows = sum(1 for ln in relaid if ln.info.kind != TABLE_DELIM)
        facts.append(
            Fact(kind=K.TABLE_REFORMATTED, where=relaid[0].info.section, detail={"rows": n_rows})
        )
    rrows = [ln for ln in rrows if not ln.moved]
    arows = [ln for ln in arows if not ln.moved]
    new_tables = {
        ln.info.block
        for ln in arows
        if ln.info.kind == TABLE_DELIM
        and ln.info.block >= 0
        and any(h.info.kind == TABLE_HEADER and h.info.block == ln.info.block for h in arows)
    }
    old_tables = {
        ln.info.block
        for ln in rrows
        if ln.info.kind == TABLE_DELIM
        and ln.info.block >= 0
        and any(h.info.kind == TABLE_HEADER and h.info.block == ln.info.block for h in rrows)
    }
    for lines, tables, kind in (
        (arows, new_tables, K.TABLE_ADDED),
        (rrows, old_tables, K.TABLE_REMOVED),
    ):
        for b in sorted(tables):
            rows = [ln for ln in lines if ln.info.block == b and ln.info.kind == TABLE_ROW]
            head = next(
                (ln for ln in lines if ln.info.block == b and ln.info.kind == TABLE_HEADER), None
            )
            cols = [_plain(c) for c in split_row(head.text)] if head else []
            first = head or (rows[0] if rows else None)
            facts.append(
                Fact(
                    kind=kind,
                    where=first.info.section if first else None,
                    detail={"columns": [c for c in cols if c], "rows": len(rows)},
                )
            )
    # Header changes of tables that stay: compare old and new header lines.
    rh = [ln for ln in rrows if ln.info.kind == TABLE_HEADER and ln.info.block not in old_tables]
    ah = [ln for ln in arows if ln.info.kind == TABLE_HEADER and ln.info.block not in new_tables]
    for r, a in zip(rh, ah, strict=False):
        rc = [_plain(c) for c in split_row(r.text)]
        ac = [_plain(c) for c in split_row(a.text)]
        # A column renamed in place: neither name is elsewhere on the other side (a column
        # inserted shifts the others; that is an added column, not five renames).
        renamed = (
            [[o, n] for o, n in zip(rc, ac, strict=True) if o and n and o not in ac and n not in rc]
            if len(rc) == len(ac)
            else []
        )
        was = {o for o, _ in renamed}
        now = {n for _, n in renamed}
        new_cols = [c for c in ac if c and c not in rc and c not in now]
        gone_cols = [c for c in rc if c and c not in ac and c not in was]
        if new_cols or gone_cols or renamed:
            facts.append(
                Fact(
                    kind=K.TABLE_COLUMNS_CHANGED,
                    where=a.info.section,
                    detail={"added": new_cols, "removed": gone_cols, "renamed": renamed},
                )
            )
    old_lines = [
        ln for ln in rrows if ln.info.kind == TABLE_ROW and ln.info.block not in old_tables
    ]
    new_lines = [
        ln for ln in arows if ln.info.kind == TABLE_ROW and ln.info.block not in new_tables
    ]
    key = _key_column(
        [split_row(ln.text) for ln in old_lines], [split_row(ln.text) for ln in new_lines]
    )
    old_rows: dict[tuple[str, str], list[Line]] = defaultdict(list)
    for ln in old_lines:
        old_rows[(ln.info.section or "", _row_key(split_row(ln.text), key))].append(ln)
    changed: list[Fact] = []
    added_rows: list[Fact] = []
    for ln in new_lines:
        cells = split_row(ln.text)
        row_key = _row_key(cells, key)
        header = [_plain(c) for c in split_row(ln.info.header)] if ln.info.header else []
        cands = old_rows.get((ln.info.section or "", row_key))
        if cands:
            fact = _row_changed(cands.pop(0), ln, cells, header, row_key)
            if fact is not None:
                changed.append(fact)
            continue
        row: dict[str, str] = {}
        for i, c in enumerate(cells[:MAX_COLUMNS]):
            if i == key:
                continue
            quoted = cell_quote(c)
            if quoted and quoted != "-":
                row[header[i] if i < len(header) and header[i] else f"#{i + 1}"] = quoted
        added_rows.append(
            Fact(
                kind=K.TABLE_ROW_ADDED,
                new=row_key,
                where=ln.info.section,
                detail={"cells": row, "header_known": bool(header)},
            )
        )
    removed_rows = [
        Fact(
            kind=K.TABLE_ROW_REMOVED,
            old=k[1],
            where=ln.info.section,
        )
        for k, lns in old_rows.items()
        for ln in lns
    ]
    return facts + changed + added_rows + removed_rows


def _layout_free(ln: Line) -> tuple[str, ...]:
    """A table line without its layout: its cells' text (a delimiter row: its column count)."""
    cells = split_row(ln.text)
    if ln.info.kind == TABLE_DELIM:
        return ("|delim|", str(len(cells)))
    return tuple(" ".join(visible(c).split()) for c in cells)


def _row_changed(
    old: Line, new: Line, cells: list[str], header: list[str], row_key: str
) -> Fact | None:
    """The cells of one row that changed, each quoted (verbatim, short, without HTML)."""
    ocells = split_row(old.text)
    diffs = []
    for i in range(min(max(len(cells), len(ocells)), MAX_COLUMNS)):
        o_raw = ocells[i] if i < len(ocells) else ""
        n_raw = cells[i] if i < len(cells) else ""
        if _plain(o_raw) == _plain(n_raw):
            continue
        col = header[i] if i < len(header) and header[i] else f"#{i + 1}"
        o, n = cell_quote(o_raw), cell_quote(n_raw)
        if o == n:
            # The change is past what a quote shows (after a <br>, beyond 80 characters).
            o, n = _changed_piece(o_raw, n_raw)
        if not o and n == col:
            continue  # a column shifted under its own name: nothing a reader can use
        diffs.append({"column": col, "old": o, "new": n})
    if not diffs:
        return None
    return Fact(
        kind=K.TABLE_ROW_CHANGED,
        old=row_key,
        new=row_key,
        where=new.info.section,
        detail={"row": row_key, "cells": diffs},
    )


def _changed_piece(old: str, new: str) -> tuple[str, str]:
    """The first differing pieces of two cells (split at tags and links), quoted."""
    po = [p for p in _CELL_BREAK_RE.split(old) if p and p.strip()]
    pn = [p for p in _CELL_BREAK_RE.split(new) if p and p.strip()]
    for a, b in zip(po, pn, strict=False):
        if a.strip() != b.strip():
            qa, qb = cell_quote(a), cell_quote(b)
            # A long piece changed past what its quote shows: the changed words instead.
            return (qa, qb) if qa != qb else _changed_words(a, b)
    if len(pn) > len(po):
        return "", cell_quote(pn[len(po)])
    if len(po) > len(pn):
        return cell_quote(po[len(pn)]), ""
    return "", ""


def _changed_words(old: str, new: str, context: int = 2) -> tuple[str, str]:
    """The stretch of two texts from their first to their last changed token, with up to
    ``context`` words either side, verbatim (each at most :data:`MAX_VALUE_CHARS`)."""
    a, b = tokens(old), tokens(new)
    pre, post = common_ends(a, b)
    words = 0
    while pre > 0 and words < context:
        pre -= 1
        words += bool(a[pre].strip())
    words = 0
    while post > 0 and words < context:
        post -= 1
        words += bool(a[len(a) - 1 - post].strip())
    return (
        clip("".join(a[pre : len(a) - post])),
        clip("".join(b[pre : len(b) - post])),
    )


def _code(removed: list[Line], added: list[Line], context: list[str]) -> list[Fact]:
    """Code blocks added or removed (their fence lines are in the diff) or changed inside.

    An edited block names what its new lines use that the old ones and the unchanged lines
    around them do not (``names``), and what its old lines used that is gone (``dropped``).
    """
    facts: list[Fact] = []
    for lines, kind in ((added, K.CODE_ADDED), (removed, K.CODE_REMOVED)):
        opened: dict[int, Line] = {}
        for ln in lines:
            if (
                ln.info.kind == FENCE_MARK
                and ln.info.block not in opened
                and fence_lang(ln.text) is not None
            ):
                opened[ln.info.block] = ln
        for b, ln in opened.items():
            n = sum(1 for x in lines if x.info.block == b and x.info.kind == CODE)
            facts.append(
                Fact(
                    kind=kind,
                    where=ln.info.section,
                    detail={"lang": ln.info.lang or "", "lines": n},
                )
            )
            for x in lines:
                if x.info.block == b:
                    x.done = True
    changed: dict[tuple[str | None, str], list[int]] = {}
    texts: dict[tuple[str | None, str], tuple[list[str], list[str]]] = {}
    for ln, side in [(x, 1) for x in removed] + [(x, 0) for x in added]:
        if ln.done or ln.info.kind not in (CODE, FENCE_MARK):
            continue
        key = (ln.info.section, ln.info.lang or "")
        counts = changed.setdefault(key, [0, 0])
        counts[side] += 1
        texts.setdefault(key, ([], []))[side].append(ln.text)
    for (where, lang), (adds, dels) in changed.items():
        new_lines, old_lines = texts[(where, lang)]
        detail: dict[str, object] = {"lang": lang, "added": adds, "removed": dels}
        gained, lost = changed_names(old_lines, new_lines, context)
        if gained:
            detail.update(listed(gained, LISTED))
        elif lost:
            d = listed(lost, LISTED)
            detail["dropped"] = d.pop("names")
            detail.update(d)
        facts.append(Fact(kind=K.CODE_CHANGED, where=where, detail=detail))
    # Values inside changed code lines (an API version in a request URI) are read by _prose.
    return facts


def _blocks(removed: list[Line], added: list[Line]) -> list[Fact]:
    """Alerts, includes and zone pivots added or removed."""
    facts: list[Fact] = []
    for lines, kind in ((added, K.ALERT_ADDED), (removed, K.ALERT_REMOVED)):
        for ln in lines:
            a = alert_type(ln.text)
            if a:
                facts.append(Fact(kind=kind, where=ln.info.section, detail={"type": a}))
    ri = Counter(m.group(1) for ln in removed for m in _INCLUDE_RE.finditer(ln.text))
    ai = Counter(m.group(1) for ln in added for m in _INCLUDE_RE.finditer(ln.text))
    rp = Counter(m.group(1).strip() for ln in removed if (m := _PIVOT_RE.match(ln.text)))
    ap = Counter(m.group(1).strip() for ln in added if (m := _PIVOT_RE.match(ln.text)))
    for path in ai - ri:
        facts.append(Fact(kind=K.INCLUDE_ADDED, new=path, where=_where_of(added, path)))
    for path in ri - ai:
        facts.append(Fact(kind=K.INCLUDE_REMOVED, old=path, where=_where_of(removed, path)))
    for piv in ap - rp:
        facts.append(Fact(kind=K.PIVOT_ADDED, new=piv))
    for piv in rp - ap:
        facts.append(Fact(kind=K.PIVOT_REMOVED, old=piv))
    for ln in removed + added:
        if _INCLUDE_RE.search(ln.text) and not _INCLUDE_RE.sub("", ln.text).strip():
            ln.done = True
        if _PIVOT_RE.match(ln.text) or ln.text.strip() == ":::":
            ln.done = True
    return facts


def _where_of(lines: list[Line], needle: str) -> str | None:
    for ln in lines:
        if needle in ln.text:
            return ln.info.section
    return None


def _links(removed: list[Line], added: list[Line]) -> list[Fact]:
    """Links added, removed, retargeted (same text, new URL) or relabelled; images likewise."""
    rl: list[tuple[str, str, str | None]] = []
    al: list[tuple[str, str, str | None]] = []
    ri: list[tuple[str, str, str | None]] = []
    ai: list[tuple[str, str, str | None]] = []
    for lines, links, images in ((removed, rl, ri), (added, al, ai)):
        for ln in lines:
            if ln.info.kind in (CODE, FENCE_MARK):
                continue
            ls, ims = links_in(ln.text)
            links.extend((t, h, ln.info.section) for t, h in ls)
            images.extend((t, s, ln.info.section) for t, s in ims)
    facts: list[Fact] = _directive_images(removed, added)
    for ln in removed + added:
        # A line that is only an image is told by its image fact, not as a line of text.
        if not ln.done and "![" in ln.text and not strip_links(ln.text).strip():
            ln.done = bool(links_in(ln.text)[1])
    link_kinds = (K.LINK_RETARGETED, K.LINK_TEXT_CHANGED, K.LINK_ADDED, K.LINK_REMOVED)
    image_kinds = (K.IMAGE_CHANGED, K.IMAGE_TEXT_CHANGED, K.IMAGE_ADDED, K.IMAGE_REMOVED)
    for olds, news, (moved, relabelled, new_kind, gone_kind) in (
        (rl, al, link_kinds),
        (ri, ai, image_kinds),
    ):
        common = Counter((t, h) for t, h, _ in olds) & Counter((t, h) for t, h, _ in news)
        olds = _minus(olds, common)
        news = _minus(news, common)
        by_text = {t: (t, h, w) for t, h, w in olds if t}
        by_href = {h: (t, h, w) for t, h, w in olds}
        gone = list(olds)
        for t, h, w in news:
            if t and t in by_text and by_text[t] in gone:
                o = by_text[t]
                gone.remove(o)
                facts.append(
                    Fact(
                        kind=moved,
                        old=o[1],
                        new=h,
                        where=w,
                        detail={"text": t},
                    )
                )
            elif h in by_href and by_href[h] in gone:
                o = by_href[h]
                gone.remove(o)
                facts.append(Fact(kind=relabelled, old=o[0], new=t, where=w, detail={"href": h}))
            else:
                facts.append(Fact(kind=new_kind, new=h, where=w, detail={"text": t}))
        for t, h, w in gone:
            facts.append(Fact(kind=gone_kind, old=h, where=w, detail={"text": t}))
    return facts


_DIRECTIVE_RE = re.compile(r":::image\b([^\n]*?)(?::::|$)", re.IGNORECASE)
_DIRECTIVE_ONLY_RE = re.compile(r"\s*(?::::image\b[^\n]*:::|:::image-end:::)\s*", re.IGNORECASE)
_SOURCE_RE = re.compile(r"\bsource\s*=\s*\"([^\"]+)\"")
_ALT_RE = re.compile(r"\balt-text\s*=\s*\"([^\"]*)\"")


def directive_images(text: str) -> list[tuple[str, str]]:
    """(alt text, source) of the ``:::image`` directives of one line (the docs platform's
    image syntax: ``:::image type="content" source="a.png" alt-text="...":::``)."""
    if ":::image" not in text.lower():
        return []
    out = []
    for m in _DIRECTIVE_RE.finditer(text):
        src = _SOURCE_RE.search(m.group(1))
        if src:
            alt = _ALT_RE.search(m.group(1))
            out.append((alt.group(1).strip() if alt else "", src.group(1).strip()))
    return out


def _directive_images(removed: list[Line], added: list[Line]) -> list[Fact]:
    """Images of ``:::image`` directives added, removed, or replaced by another source.

    An image whose source stays and whose alt text changed is left to the wording facts
    (they say which words changed); lines holding only directives that a fact tells are done.
    """
    olds = [
        (alt, src, ln)
        for ln in removed
        if ln.info.kind not in (CODE, FENCE_MARK)
        for alt, src in directive_images(ln.text)
    ]
    news = [
        (alt, src, ln)
        for ln in added
        if ln.info.kind not in (CODE, FENCE_MARK)
        for alt, src in directive_images(ln.text)
    ]
    if not olds and not news:
        return []
    facts: list[Fact] = []
    told: list[Line] = []
    gone = list(olds)
    for alt, src, ln in news:
        same = next((o for o in gone if o[:2] == (alt, src)), None) or next(
            (o for o in gone if o[1] == src), None
        )
        if same is not None:
            gone.remove(same)
            continue
        was = next((o for o in gone if alt and o[0] == alt), None)
        if was is not None:
            gone.remove(was)
            facts.append(
                Fact(
                    kind=K.IMAGE_CHANGED,
                    old=was[1],
                    new=src,
                    where=ln.info.section,
                    detail={"text": alt},
                )
            )
            told += [was[2], ln]
        else:
            facts.append(
                Fact(kind=K.IMAGE_ADDED, new=src, where=ln.info.section, detail={"text": alt})
            )
            told.append(ln)
    for alt, src, ln in gone:
        facts.append(
            Fact(kind=K.IMAGE_REMOVED, old=src, where=ln.info.section, detail={"text": alt})
        )
        told.append(ln)
    for ln in told:
        if _DIRECTIVE_ONLY_RE.fullmatch(ln.text):
            ln.done = True
    # The closing line of a long directive goes with it.
    for ln in removed + added:
        if ln.text.strip().lower() == ":::image-end:::":
            ln.done = True
    return facts


def _minus(
    items: list[tuple[str, str, str | None]], common: Counter[tuple[str, str]]
) -> list[tuple[str, str, str | None]]:
    left = Counter(common)
    out = []
    for t, h, w in items:
        if left[(t, h)] > 0:
            left[(t, h)] -= 1
            continue
        out.append((t, h, w))
    return out


def _is_version(tok: str) -> bool:
    return bool(_VERSION_RE.match(tok))


def _param_before(line: str, value: str) -> str | None:
    # Starts only where a word starts: trying every letter of a long word is quadratic.
    m = re.search(
        r"(?<![\w\-])(?:[^\WA-Za-z]|-)*([A-Za-z][\w\-]*)\s*[=:]\s*[\"']?" + re.escape(value), line
    )
    return m.group(1) if m else None


def _prose(removed: list[Line], added: list[Line]) -> list[Fact]:
    """Edits inside lines (versions, names, typos, wording), and lines added or removed."""
    facts: list[Fact] = []
    runs: dict[int, tuple[list[Line], list[Line]]] = defaultdict(lambda: ([], []))
    # Lines inside changed code blocks stay: an API version in a request URI is a value change.
    for ln in removed:
        if not ln.done:
            runs[ln.run][0].append(ln)
    for ln in added:
        if not ln.done:
            runs[ln.run][1].append(ln)
    for _run, (rs, as_) in sorted(runs.items()):
        pairs = pair_lines([r.text for r in rs], [a.text for a in as_])
        pr = {i for i, _ in pairs}
        pa = {j for _, j in pairs}
        for i, j in pairs:
            facts += _line_edit(rs[i], as_[j])
        lone_a = [
            a for j, a in enumerate(as_) if j not in pa and a.info.kind not in (CODE, FENCE_MARK)
        ]
        lone_r = [
            r for i, r in enumerate(rs) if i not in pr and r.info.kind not in (CODE, FENCE_MARK)
        ]
        prose_a = [a for a in lone_a if a.info.kind != LIST_ITEM]
        prose_r = [r for r in lone_r if r.info.kind != LIST_ITEM]
        if prose_a and prose_r:
            # Text replaced by unlike text in the same place: a rewrite, not an add and a remove.
            facts += _replaced(prose_r, prose_a)
            lone_a = [a for a in lone_a if a.info.kind == LIST_ITEM]
            lone_r = [r for r in lone_r if r.info.kind == LIST_ITEM]
        facts += [_unpaired(a, "added") for a in lone_a]
        facts += [_unpaired(r, "removed") for r in lone_r]
    return _merge_counts(facts)


def _replaced(olds: list[Line], news: list[Line]) -> list[Fact]:
    """Prose lines replaced by unlike ones: told by what changed when it can be said."""
    where = news[0].info.section
    if len(olds) == len(news) == 1:
        ot, nt = visible(strip_links(olds[0].text)), visible(strip_links(news[0].text))
        a, b = tokens(ot), tokens(nt)
        common = _common_ends(a, b)
        if common * 3 >= min(len(a), len(b)):
            # A sentence appended or cut, or one end kept: the edit inside says it.
            found = _line_edit(olds[0], news[0])
            if found:
                return found
    old_text = " ".join(visible(strip_links(ln.text)) for ln in olds)
    new_text = " ".join(visible(strip_links(ln.text)) for ln in news)
    count = max(len(olds), len(news))
    if rewrite := _rewritten(old_text, new_text, [], where):
        rewrite.detail["count"] = count
        return [rewrite]
    return [Fact(kind=K.TEXT_SUBSTANTIVE, where=where, detail={"count": count})]


def _common_ends(a: Sequence[str], b: Sequence[str]) -> int:
    """How many tokens two lines share at their start and end (not counting blanks)."""
    pre, post = common_ends(a, b)
    return sum(1 for t in (*a[:pre], *a[len(a) - post :]) if t.strip())


def _unpaired(ln: Line, verb: str) -> Fact:
    """A line added or removed alone: a list item (quoted when short), or prose (its names)."""
    text = _LIST_MARK_RE.sub("", ln.text.strip()) if ln.info.kind == LIST_ITEM else ln.text.strip()
    if ln.info.kind == LIST_ITEM and _LIST_MARK_RE.match(ln.text):
        value = _plain(text)
        # A long item is quoted by its beginning, cut where a word ends ("…" says there is more).
        short = clip(value) or None
        kind = K.LIST_ITEM_ADDED if verb == "added" else K.LIST_ITEM_REMOVED
        f = Fact(kind=kind, where=ln.info.section, detail={"count": 1})
        if verb == "added":
            f.new = short
        else:
            f.old = short
        return f
    kind = K.TEXT_ADDED if verb == "added" else K.TEXT_REMOVED
    return Fact(
        kind=kind,
        where=ln.info.section,
        detail={"count": 1, "names": _names(visible(text))[:MAX_NAMED]},
    )


def _merge_counts(facts: list[Fact]) -> list[Fact]:
    out: list[Fact] = []
    for f in facts:
        if (
            f.kind in (K.TEXT_ADDED, K.TEXT_REMOVED, K.TEXT_SUBSTANTIVE)
            and out
            and out[-1].kind == f.kind
            and out[-1].where == f.where
        ):
            out[-1].detail["count"] = int(out[-1].detail.get("count", 1)) + int(
                f.detail.get("count", 1)
            )
            if "names" in f.detail:
                names = list(out[-1].detail.get("names", []))
                names += [n for n in f.detail["names"] if n not in names]
                out[-1].detail["names"] = names[:MAX_NAMED]
            continue
        out.append(f)
    return out


def _line_edit(old: Line, new: Line) -> list[Fact]:
    """Facts of one line edited in place."""
    where = new.info.section
    code = new.info.kind in (CODE, FENCE_MARK)
    if code:
        ot, nt = visible(old.text), visible(new.text)
    else:
        ot, nt = visible(strip_links(old.text)), visible(strip_links(new.text))
    if ot == nt:
        # Only a link or image changed (_links says it), or only invisible characters.
        return _invisible_only(old, new, where)
    if ot.split() == nt.split():
        return [Fact(kind=K.WHITESPACE_CHANGED, where=where)]
    if code and (found := code_facts(ot, nt, where, new.info.lang, stretch=False)):
        return [_as_version(f, nt, new.info.lang) for f in found]
    if len(ot) > MAX_EDIT_CHARS or len(nt) > MAX_EDIT_CHARS:
        # Token diffs of minified or giant lines are quadratic; say only that the line changed.
        return [Fact(kind=K.TEXT_SUBSTANTIVE, where=where, detail={"count": 1})]
    edits = line_edits(ot, nt)
    # Edits inside link texts are told by _links (link.text_changed).
    old_labels = [t for t, _ in links_in(old.text)[0]]
    new_labels = [t for t, _ in links_in(new.text)[0]]
    edits = [
        e
        for e in edits
        if not (
            (not e.old or any(e.old in lab for lab in old_labels))
            and (not e.new or any(e.new in lab for lab in new_labels))
            and (old_labels or new_labels)
            and (e.old or e.new)
            and old_labels != new_labels
        )
    ]
    if not edits:
        return []
    facts: list[Fact] = []
    rest = []
    for e in edits:
        if e.old and e.new and _is_version(e.old) and _is_version(e.new):
            param = _param_before(new.text, e.new)
            facts.append(
                Fact(
                    kind=K.VERSION_CHANGED,
                    old=e.old,
                    new=e.new,
                    where=where,
                    detail={"param": param, "code": new.info.lang if code else None},
                )
            )
        elif (
            e.old
            and e.new
            and _NAME_RE.match(e.old)
            and _NAME_RE.match(e.new)
            and len(e.old) <= MAX_VALUE_CHARS
        ):
            facts.append(Fact(kind=K.NAME_REPLACED, old=e.old, new=e.new, where=where))
        else:
            rest.append(e)
    if code:
        # No name or value changed in place: the stretch of the line that changed says it.
        return facts or stretch_facts(ot, nt, where, new.info.lang)
    if not rest:
        return facts
    if all(not _TAG_RE.sub("", e.old).strip() and not _TAG_RE.sub("", e.new).strip() for e in rest):
        # Only markup (<br>, <sup>) moved: a reader sees formatting, never the tags.
        return [*facts, Fact(kind=K.TEXT_PUNCTUATION, where=where)]
    # Tags around a changed word are not part of what a reader sees changed.
    rest = [Edit(old=_untag(e.old), new=_untag(e.new)) for e in rest]
    words_old = sum(len(_WORD_RE.findall(e.old)) for e in rest)
    words_new = sum(len(_WORD_RE.findall(e.new)) for e in rest)
    changed_words = max(words_old, words_new)
    one = rest[0] if len(rest) == 1 and rest[0].old and rest[0].new else None
    if one and _same_words(one):
        # Only emphasis markers or punctuation around the same words changed.
        facts.append(Fact(kind=K.TEXT_PUNCTUATION, where=where))
    elif (
        one
        and not any(c.isspace() for c in one.old + one.new)
        and (_identifier(one.old, ot) or _identifier(one.new, nt))
        and (named := _quotable(one))
    ):
        # A class, API or file name changed: a rename, never a typo fix.
        facts.append(_renamed_name(named, ot, nt, where))
    elif one and _is_typo(one):
        facts.append(Fact(kind=K.TEXT_TYPO, old=rest[0].old, new=rest[0].new, where=where))
    elif changed_words == 0:
        facts.append(Fact(kind=K.TEXT_PUNCTUATION, where=where))
    elif changed_words <= 6 and all(
        len(e.old) <= MAX_VALUE_CHARS and len(e.new) <= MAX_VALUE_CHARS for e in rest
    ):
        # Several small edits: the stretch from the first to the last says them all.
        tries = [rest[0]] if len(rest) == 1 else [_span_edit(ot, nt), _main_edit(rest)]
        one = next((q for e in tries if e and (q := _quotable(e))), None)
        if one:
            facts.append(
                Fact(
                    kind=K.TEXT_WORDING,
                    old=one.old or None,
                    new=one.new or None,
                    where=where,
                    detail={"words": changed_words, "edits": len(rest)},
                )
            )
        else:
            # Code spans inside the edit cannot be quoted as one: the names it adds say it.
            facts.append(
                _rewritten(ot, nt, rest, where)
                or Fact(
                    kind=K.TEXT_SUBSTANTIVE,
                    where=where,
                    detail={"count": 1, "words": changed_words},
                )
            )
    elif rewrite := _rewritten(ot, nt, rest, where):
        facts.append(rewrite)
    else:
        # Too long to quote whole: the edit that changes most words, cut at a word. When
        # one side of that edit is only punctuation, the token match has split one rewritten
        # stretch around words both share (a reader would be shown "." as the new text): the
        # stretch from the first to the last change says it, when it can be quoted.
        biggest = _main_edit(rest)
        main = _quotable(Edit(old=clip(biggest.old), new=clip(biggest.new)))
        if (
            len(rest) > 1
            and main is not None
            and any(side and not _WORD_RE.search(side) for side in (main.old, main.new))
        ):
            span = _span_edit(ot, nt, limit=None)
            whole = _quotable(Edit(old=clip(span.old), new=clip(span.new))) if span else None
            if whole and whole.old and whole.new:
                main = whole
        old_q, new_q = (main.old, main.new) if main else ("", "")
        if old_q and new_q:
            facts.append(
                Fact(
                    kind=K.TEXT_REWRITTEN,
                    old=old_q,
                    new=new_q,
                    where=where,
                    detail={"count": 1, "words": changed_words},
                )
            )
        elif old_q or new_q:
            facts.append(
                Fact(
                    kind=K.TEXT_WORDING,
                    old=old_q or None,
                    new=new_q or None,
                    where=where,
                    detail={"words": changed_words, "edits": len(rest)},
                )
            )
        else:
            facts.append(
                Fact(
                    kind=K.TEXT_SUBSTANTIVE,
                    where=where,
                    detail={"count": 1, "words": changed_words},
                )
            )
    return facts


def _quotable(edit: Edit) -> Edit | None:
    """``edit`` as a report may quote it: without code-span ticks at its ends; None when a
    tick is left inside (a quote holding half a code span would break the sentence)."""
    old, new = edit.old.strip().strip("`").strip(), edit.new.strip().strip("`").strip()
    if "`" in old or "`" in new or not (old or new):
        return None
    return Edit(old=old, new=new)


def _main_edit(edits: list[Edit]) -> Edit:
    """The edit that changes the most words (the first of equals)."""
    return max(
        edits,
        key=lambda e: (
            len(_WORD_RE.findall(e.old)) + len(_WORD_RE.findall(e.new)),
            -edits.index(e),
        ),
    )


def _span_edit(old: str, new: str, limit: int | None = MAX_VALUE_CHARS) -> Edit | None:
    span = _changed_span(old, new, allow_empty=True, limit=limit)
    return Edit(old=span[0], new=span[1]) if span else None


def clip(text: str, limit: int = MAX_VALUE_CHARS) -> str:
    """``text`` whole when short, else its head cut where a word ends, with ``…``.

    The head is verbatim (a quote starts where the diff's text starts); the ellipsis says
    there is more. Empty when not even one word fits.
    """
    text = text.strip()
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    stop = max(head.rfind(c) for c in " /.,;:?&=")
    head = head[:stop].rstrip(" ,;:./") if stop > 0 else ""
    return head + "…" if head else ""


def _untag(text: str) -> str:
    return re.sub(r"</?[A-Za-z][^<>]*>", " ", text).strip()


def _invisible_only(old: Line, new: Line, where: str | None) -> list[Fact]:
    if old.text != new.text and visible(old.text) == visible(new.text):
        return [Fact(kind=K.WHITESPACE_CHANGED, where=where)]
    return []


def _as_version(f: Fact, line: str, lang: str | None) -> Fact:
    """A value change in code that is a version (``api-version``) is told as one."""
    if f.old and f.new and _is_version(f.old) and _is_version(f.new):
        param = f.detail.get("param") or _param_before(line, f.new)
        return Fact(
            kind=K.VERSION_CHANGED,
            old=f.old,
            new=f.new,
            where=f.where,
            detail={"param": param, "code": lang or ""},
        )
    return f


def _identifier(word: str, line: str) -> bool:
    """Whether ``word`` reads as a name in code: a code span, snake_case, camelCase, dotted."""
    word = word.strip("`")
    if not word or _ABBREV_RE.fullmatch(word):
        return False  # "e.g." is no dotted name
    return bool(_IDENT_RE.search(word) or _in_code_span(word, line))


def _in_code_span(word: str, line: str) -> bool:
    return f"`{word}`" in line or bool(re.search(rf"`[^`]*{re.escape(word)}[^`]*`", line))


_ABBREV_RE = re.compile(r"[^\W\d_](?:\.[^\W\d_])+\.?")
#: A typo is a slip inside one short word; longer words changed are a rewording.
MAX_TYPO_CHARS = 40
_NUMBER_RE = re.compile(r"[\d.,:/\-]+")


def _same_words(edit: Edit) -> bool:
    """Whether an edit keeps the same words in the same order (markers or punctuation moved)."""
    a = [w.strip("_") for w in _WORD_RE.findall(edit.old)]
    b = [w.strip("_") for w in _WORD_RE.findall(edit.new)]
    return bool(a) and a == b


def _is_typo(edit: Edit) -> bool:
    """A short edit inside one word that is not a name or a number: a spelling or case fix."""
    old, new = edit.old, edit.new
    if len(_WORD_RE.findall(old)) != 1 or len(_WORD_RE.findall(new)) != 1:
        return False
    if max(len(old), len(new)) > MAX_TYPO_CHARS:
        return False
    if _NUMBER_RE.fullmatch(old) or _NUMBER_RE.fullmatch(new):
        return False  # a changed number or date is a value, not a slip of the keyboard
    if not (re.search(r"[^\W\d_]", old) and re.search(r"[^\W\d_]", new)):
        return False
    if old.lower() == new.lower():
        return True
    return similarity(old.lower(), new.lower()) >= 0.75


def _renamed_name(edit: Edit, ot: str, nt: str, where: str | None) -> Fact:
    """A name changed in prose: a code rename when both names are code, so that the same rename
    in code files, code blocks and sentences is one change (one key)."""
    if _in_code_span(edit.old, ot) and _in_code_span(edit.new, nt):
        return Fact(
            kind=K.CODE_RENAMED,
            old=edit.old,
            new=edit.new,
            where=where,
            detail={"role": "identifier", "key": f"{edit.old} → {edit.new}"},
        )
    return Fact(kind=K.NAME_REPLACED, old=edit.old, new=edit.new, where=where)


def _names(text: str) -> list[str]:
    """Code spans and product-like names (letters with digits, CamelCase) of a line, once each."""
    # A name in a code span is one token-like value: no edge spaces, no sentence inside.
    spans = [
        m
        for m in re.findall(r"`([^`\n]{1,80})`", text)
        if m == m.strip() and ". " not in m and len(m.split()) <= 4
    ]
    bare = re.sub(r"`[^`]*`", " ", text)
    words = [
        w
        for w in _WORDLIKE_RE.findall(bare)
        if len(w) <= MAX_VALUE_CHARS
        and ((any(c.isdigit() for c in w) and any(c.isalpha() for c in w)) or _CAMEL_RE.match(w))
    ]
    # Link targets hold no parameter names (a URL's ``path_segment``).
    if "_" in bare:
        words += [w for w in _WORDLIKE_RE.findall(strip_links(bare)) if _SNAKE_RE.match(w)]
    return list(dict.fromkeys(spans + words))


#: ``tool_choice``: a parameter or field named in prose without a code span.
_SNAKE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+$")


def _rewritten(ot: str, nt: str, rest: list[Edit], where: str | None) -> Fact | None:
    """A rewritten sentence told by the names it now has (or lost), or its one changed span."""
    old_names, new_names = _names(ot), _names(nt)
    gained = [n for n in new_names if n not in old_names and n not in ot]
    lost = [n for n in old_names if n not in new_names and n not in nt]
    if gained or lost:
        return Fact(
            kind=K.TEXT_REWRITTEN,
            where=where,
            detail={"names": gained[:MAX_NAMED], "dropped": lost[:MAX_NAMED], "count": 1},
        )
    if (
        len(rest) == 1
        and rest[0].old
        and rest[0].new
        and max(len(rest[0].old), len(rest[0].new)) <= MAX_VALUE_CHARS
        and (one := _quotable(rest[0]))
        and one.old
        and one.new
    ):
        return Fact(
            kind=K.TEXT_REWRITTEN, old=one.old, new=one.new, where=where, detail={"count": 1}
        )
    span = _changed_span(ot, nt)
    quoted = _quotable(Edit(old=span[0], new=span[1])) if span else None
    if quoted is not None and quoted.old and quoted.new:
        return Fact(
            kind=K.TEXT_REWRITTEN, old=quoted.old, new=quoted.new, where=where, detail={"count": 1}
        )
    return None


def _changed_span(
    old: str, new: str, allow_empty: bool = False, limit: int | None = MAX_VALUE_CHARS
) -> tuple[str, str] | None:
    """From the first to the last changed token of a line, both sides, when within ``limit``
    characters (any length for None)."""
    a, b = tokens(old), tokens(new)
    pre, post = common_ends(a, b)
    so = "".join(a[pre : len(a) - post]).strip()
    sn = "".join(b[pre : len(b) - post]).strip()
    if ((so and sn) or (allow_empty and (so or sn))) and (
        limit is None or max(len(so), len(sn)) <= limit
    ):
        return so, sn
    return None


def _cap(facts: list[Fact]) -> list[Fact]:
    """At most :data:`MAX_FACTS_PER_KIND` facts of one kind; the overflow becomes a count."""
    seen: Counter[str] = Counter()
    out: list[Fact] = []
    over: Counter[str] = Counter()
    for f in facts:
        seen[f.kind] += 1
        if seen[f.kind] > MAX_FACTS_PER_KIND:
            over[f.kind] += 1
            continue
        out.append(f)
    for kind, n in over.items():
        out.append(Fact(kind=K.FACTS_MORE, detail={"of": kind, "count": n}))
    return out
