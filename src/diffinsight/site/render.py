"""Untrusted report text to safe HTML: Markdown without raw HTML, filtered links, diffs.

Report text comes from diffs and from LLMs. Nothing in it may run on the site, so raw
HTML is escaped (markdown-it ``html=False``), link and image targets are limited to
http(s), relative paths and in-page anchors, and diffs are escaped line by line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape
from typing import Any
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

__all__ = ["is_safe_url", "render_diff", "render_inline", "render_markdown"]

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


def render_markdown(text: str, top_level: int | None = None) -> str:
    """Markdown of a report (untrusted) as HTML.

    With ``top_level``, headings are moved so that the report's shallowest heading becomes
    ``<h{top_level}>`` (relative depth kept, capped at ``<h6>``): a report's ``# Title``
    inside a page section must not compete with the page's own headings.
    """
    if not text.strip():
        return ""
    env: dict[str, Any] = {}
    tokens = _MD.parse(text, env)
    if top_level is not None:
        levels = [int(t.tag[1]) for t in tokens if t.type == "heading_open"]
        if levels:
            shift = top_level - min(levels)
            for token in tokens:
                if token.type in ("heading_open", "heading_close"):
                    token.tag = f"h{max(1, min(6, int(token.tag[1]) + shift))}"
    return str(_MD.renderer.render(tokens, _MD.options, env))


def render_inline(text: str) -> str:
    """One line of Markdown (a bullet, a table cell) as inline HTML."""
    return str(_MD.renderInline(text))


_DIFF_CLASS = {"@": "dh", "+": "da", "-": "dd", "\\": "dn"}


def render_diff(patch: str, max_lines: int = MAX_DIFF_LINES) -> tuple[str, bool]:
    """The lines of a patch as escaped, classed ``<span>`` elements; and whether it was cut."""
    # Escaping never changes a line's first character class ('<' and '&' are context).
    lines = escape(patch, quote=False).split("\n")
    cut = len(lines) > max_lines
    cls = _DIFF_CLASS
    out = [f'<span class="{cls.get(line[:1], "dc")}">{line}</span>' for line in lines[:max_lines]]
    # Lines are block elements (see site.css), so no newline goes between them.
    return "".join(out), cut
