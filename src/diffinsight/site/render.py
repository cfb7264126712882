"""Untrusted report text to safe HTML: Markdown without raw HTML, filtered links, diffs.

Report text comes from diffs and from LLMs. Nothing in it may run on the site, so raw
HTML is escaped (markdown-it ``html=False``), link and image targets are limited to
http(s), relative paths and in-page anchors, and diffs are escaped line by line.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from markupsafe import Markup

from diffinsight.site.links import DocLinks

if TYPE_CHECKING:
    from difflib import SequenceMatcher
else:
    try:  # difflib's algorithm compiled: the same opcodes (the word marks of every diff line pair)
        from cydifflib import SequenceMatcher
    except ImportError:  # pragma: no cover - a platform without its wheel
        from difflib import SequenceMatcher

__all__ = [
    "breakable",
    "code_spans",
    "is_safe_url",
    "render_diff",
    "render_inline",
    "render_markdown",
]

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
# Characters browsers drop from URLs before reading the scheme (``java\tscript:``).
_IGNORED_IN_URL = re.compile(r"[\x00-\x20\x7f]+")

#: Lines of one diff shown on the page; the compare view has the rest.
MAX_DIFF_LINES = 5000


def is_safe_url(url: str) -> bool:
    """True for http(s) URLs, relative paths and in-page anchors; False for anything else."""
    cleaned = _IGNORED_IN_URL.sub("", url)
    if not cleaned:
        return False
    if cleaned.startswith("\\") or cleaned.startswith("/\\"):
        return False  # browsers read "\\host" and "/\\host" as another host
    # Judge the percent-decoded form too, so "java%09script:" is refused as well.
    for candidate in (cleaned, _IGNORED_IN_URL.sub("", unquote(cleaned))):
        m = _SCHEME.match(candidate)
        if m is not None and m.group(1).lower() not in ("http", "https"):
            return False
    return True


def _link_open(
    renderer: RendererHTML,
    tokens: Sequence[Token],
    idx: int,
    options: OptionsDict,
    env: EnvType,
) -> str:
    token = tokens[idx]
    href = str(token.attrGet("href") or "")
    if _SCHEME.match(href) or href.startswith("//"):
        # Text from an LLM gets no referrer and no ranking credit.
        token.attrSet("rel", "nofollow noopener noreferrer")
    return renderer.renderToken(tokens, idx, options, env)


def _image(
    renderer: RendererHTML,
    tokens: Sequence[Token],
    idx: int,
    options: OptionsDict,
    env: EnvType,
) -> str:
    token = tokens[idx]
    token.attrSet("loading", "lazy")
    token.attrSet("referrerpolicy", "no-referrer")
    return str(renderer.image(tokens, idx, options, env))


def _make_markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    md.enable("strikethrough")
    md.validateLink = is_safe_url  # type: ignore[method-assign]
    md.add_render_rule("link_open", _link_open)
    md.add_render_rule("image", _image)
    return md


_MD = _make_markdown()


def _resolve_links(tokens: list[Token], links: DocLinks, base_path: str) -> list[Token]:
    """``tokens`` (inline ones) with doc links resolved; a link to nothing becomes its text,
    an image to nothing its alt text."""
    out: list[Token] = []
    dropping = False
    for token in tokens:
        if token.children:
            token.children = _resolve_links(token.children, links, base_path)
        if token.type == "link_open":
            target = links.resolve(str(token.attrGet("href") or ""), base_path)
            if target is None:
                dropping = True  # links do not nest: the next link_close is this one's
                continue
            token.attrSet("href", target)
        elif token.type == "link_close" and dropping:
            dropping = False
            continue
        elif token.type == "image":
            target = links.resolve(str(token.attrGet("src") or ""), base_path, image=True)
            if target is None:
                text = Token("text", "", 0)
                text.content = token.content
                out.append(text)
                continue
            token.attrSet("src", target)
        out.append(token)
    return out


def render_markdown(
    text: str, top_level: int | None = None, links: DocLinks | None = None, base_path: str = ""
) -> str:
    """Markdown of a report (untrusted) as HTML.

    With ``top_level``, headings are moved so that the report's shallowest heading becomes
    ``<h{top_level}>`` (relative depth kept, capped at ``<h6>``): a report's ``# Title``
    inside a page section must not compete with the page's own headings. With ``links``,
    links into the docs repository are resolved (see :mod:`diffinsight.site.links`) as
    seen from the file ``base_path``.
    """
    if not text.strip():
        return ""
    env: dict[str, Any] = {}
    tokens = _MD.parse(text, env)
    if links is not None:
        tokens = _resolve_links(tokens, links, base_path)
    if top_level is not None:
        levels = [int(t.tag[1]) for t in tokens if t.type == "heading_open"]
        if levels:
            shift = top_level - min(levels)
            for token in tokens:
                if token.type in ("heading_open", "heading_close"):
                    token.tag = f"h{max(1, min(6, int(token.tag[1]) + shift))}"
    return str(_MD.renderer.render(tokens, _MD.options, env))


# A position, not a character: the replacement holds no group (re expands a template per match).
_BREAK_AFTER = re.compile(r"(?<=[/_.\-])(?=[^/_.\-])")


def breakable(text: str) -> Markup:
    """A path or file name, escaped, that may wrap after ``/ _ . -`` and nowhere else.

    Long paths must wrap on a phone, but not in the middle of a word.
    """
    return Markup(_BREAK_AFTER.sub("<wbr>", escape(text, quote=False)))


_CODE_SPAN = re.compile(r"`([^`\n]+)`")


def code_spans(text: str) -> Markup:
    """A title, escaped, with its `code spans` as ``<code>``: the cheap part of inline
    Markdown, for lists that show thousands of titles (a file's history)."""
    return Markup(_CODE_SPAN.sub(r"<code>\1</code>", escape(text, quote=False)))


@functools.lru_cache(maxsize=4096)
def render_inline(text: str, links: DocLinks | None = None) -> str:
    """One line of Markdown (a bullet, a table cell) as inline HTML.

    Cached: a file's title shows in the summary table and again in its section.
    """
    if links is None:
        return str(_MD.renderInline(text))
    env: dict[str, Any] = {}
    tokens = _resolve_links(_MD.parseInline(text, env), links, "")
    return str(_MD.renderer.render(tokens, _MD.options, env))


_DIFF_CLASS = {"@": "dh", "+": "da", "-": "dd", "\\": "dn"}
# Word-level tokens: a CJK character alone (those scripts have no spaces), a run of other
# letters and digits, a run of spaces, or one other character.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_WORD_TOKEN = re.compile(f"[{_CJK}]|[^\\W_{_CJK}]+|\\s+|.")
#: Longer lines are shown without word-level marks (the comparison costs quadratic time).
MAX_WORD_DIFF_CHARS = 2000


def _word_pair(old: str, new: str) -> tuple[str, str] | None:
    """Escaped bodies of a removed and an added line with changed spans in ``<del>``/``<ins>``.

    None when the lines share too little for marks to help (a rewritten line is shown whole).
    The common start and end are cut off first (linear); only a short middle is compared
    word by word, so a long prose line costs little.
    """
    if len(old) > MAX_WORD_DIFF_CHARS or len(new) > MAX_WORD_DIFF_CHARS:
        return None
    a, b = _WORD_TOKEN.findall(old), _WORD_TOKEN.findall(new)
    n = min(len(a), len(b))
    p = 0
    while p < n and a[p] == b[p]:
        p += 1
    q = 0
    while q < n - p and a[-1 - q] == b[-1 - q]:
        q += 1
    shared = sum(map(len, a[:p])) + sum(map(len, a[len(a) - q :]))
    if shared < 0.3 * max(len(old), len(new)):
        return None
    mid_a, mid_b = a[p : len(a) - q], b[p : len(b) - q]
    if 0 < len(mid_a) <= MAX_MIDDLE_TOKENS and 0 < len(mid_b) <= MAX_MIDDLE_TOKENS:
        ops = _merged_opcodes(mid_a, mid_b)
    else:
        ops = [("replace", 0, len(mid_a), 0, len(mid_b))]
    left = [escape("".join(a[:p]), quote=False)]
    right = [left[0]]
    for kind, i1, i2, j1, j2 in ops:
        x = escape("".join(mid_a[i1:i2]), quote=False)
        y = escape("".join(mid_b[j1:j2]), quote=False)
        if kind == "equal":
            left.append(x)
            right.append(y)
            continue
        if x:
            left.append(f"<del>{x}</del>")
        if y:
            right.append(f"<ins>{y}</ins>")
    tail = escape("".join(a[len(a) - q :]), quote=False)
    return "".join(left) + tail, "".join(right) + tail


#: A changed middle longer than this (in words) is marked whole, not compared.
MAX_MIDDLE_TOKENS = 60


def _merged_opcodes(a: list[str], b: list[str]) -> list[tuple[str, int, int, int, int]]:
    """difflib's opcodes, with a lone space or punctuation mark between two changes merged."""
    ops: list[tuple[str, int, int, int, int]] = []
    for op in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if len(ops) >= 2 and op[0] != "equal" and ops[-2][0] != "equal":
            tag, i1, i2, _, _ = ops[-1]
            if tag == "equal" and i2 - i1 == 1 and len(a[i1]) == 1 and not a[i1].isalnum():
                first = ops[-2]
                del ops[-2:]
                op = ("replace", first[1], op[2], first[3], op[4])
        ops.append(op)
    return ops


def _line(cls: str, body: str) -> str:
    return f'<span class="{cls}">{body}</span>'


def render_diff(patch: str, max_lines: int = MAX_DIFF_LINES) -> tuple[str, bool]:
    """The lines of a patch as escaped, classed ``<span>`` elements; and whether it was cut.

    A run of removed lines followed by as many added lines is read as line pairs, and the
    words that changed within a pair are marked (``<del>`` / ``<ins>``).
    """
    lines = patch.split("\n")
    cut = len(lines) > max_lines
    lines = lines[:max_lines]
    # Escaped in one pass (escaping never adds or removes a newline), line by line below.
    escaped = escape(patch, quote=False).split("\n", max_lines)
    classes = _DIFF_CLASS
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line[:1] != "-":
            out.append(f'<span class="{classes.get(line[:1], "dc")}">{escaped[i]}</span>')
            i += 1
            continue
        j = i
        while j < len(lines) and lines[j][:1] == "-":
            j += 1
        k = j
        while k < len(lines) and lines[k][:1] == "+":
            k += 1
        removed, added = lines[i:j], lines[j:k]
        pairs = (
            [_word_pair(o[1:], n[1:]) for o, n in zip(removed, added, strict=True)]
            if len(removed) == len(added)
            else []
        )
        if pairs and all(p is not None for p in pairs):
            out.extend(_line("dd", "-" + p[0]) for p in pairs if p is not None)
            out.extend(_line("da", "+" + p[1]) for p in pairs if p is not None)
        else:
            out.extend(_line("dd", x) for x in escaped[i:j])
            out.extend(_line("da", x) for x in escaped[j:k])
        i = k
    # Lines are block elements (see site.css), so no newline goes between them.
    return "".join(out), cut
