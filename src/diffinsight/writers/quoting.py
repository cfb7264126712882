"""Quoted values at most 80 characters long, shortened in the middle and still verbatim.

A report quotes values from the diff: code spans (identifiers, paths, URLs) and quotations
(headings, sentences, link texts). A reader on a phone cannot use a 300-character quote, so
every quote longer than :data:`MAX_QUOTE` keeps its beginning and its end and loses its middle
to an ellipsis, cut between words (or, in a single token, after a ``/``, ``.`` or ``-``). The
beginning and the end are copied verbatim, so the grounding check can find both, in order, in
one line of the diff (:meth:`diffinsight.grounding.Evidence.supports`).
"""

from __future__ import annotations

import re

from diffinsight.grounding import ELLIPSIS
from diffinsight.i18n import Catalog

MAX_QUOTE = 80
_CODE_SPAN_RE = re.compile(r"(`+)(\s?)(.+?)(\s?)\1(?!`)", re.DOTALL)
#: A word, or a code span with the spaces inside it: never cut inside either.
_WORD_RE = re.compile(r"(?:`[^`]*`|[^\s`])+")
#: Where a single long token may be cut: after a separator, so the pieces stay readable.
_TOKEN_CUT_RE = re.compile(r"(?<=[/.\-_?&=#:,; ])")
_PLAIN_CUT_RE = re.compile(r"(?<=[/ ])")


def clip(value: str, limit: int = MAX_QUOTE, plain: bool = False) -> str:
    """``value`` within ``limit`` characters: its head and tail, its middle replaced by ``…``.

    The head keeps about two thirds of the room (it says what the thing is). Words stay whole;
    a single token is cut after separators, never mid-way when a separator is near. In
    ``plain`` text (a quotation, not a code span) a token is cut only after a ``/``: every
    piece then starts or ends where a token of the diff does.
    """
    value = " ".join(value.split())
    if len(value) <= limit:
        return value
    words = _WORD_RE.findall(value)
    if len(words) > 2:
        short = _clip_parts(words, limit, " ", f" {ELLIPSIS} ")
        if short:
            return short
    return clip_token(value, limit, plain)


def clip_token(value: str, limit: int, plain: bool = False) -> str:
    """``value`` within ``limit`` cut after separators (``/``, ``.``, ``-``, spaces), else
    anywhere: for names without spaces, or whose first word alone is too long."""
    cut_re = _PLAIN_CUT_RE if plain else _TOKEN_CUT_RE
    if " " not in value:
        short = _clip_name(value, limit, cut_re)
        if short:
            return short
    parts = [p for p in cut_re.split(value) if p]
    if len(parts) > 2:
        short = _clip_parts(parts, limit, "", ELLIPSIS)
        if short:
            return short
    room = limit - 1
    head = room - room // 3
    return value[:head] + ELLIPSIS + value[len(value) - room // 3 :]


def _clip_name(value: str, limit: int, cut_re: re.Pattern[str]) -> str | None:
    """A dotted or slashed name by its last segments (``…util.Configuration``), a URL keeping
    its host (``https://github.com/…/samples/v1``), or None when no segment fits."""
    head = ""
    rest = value
    scheme = value.find("://")
    if scheme > 0:
        host_end = value.find("/", scheme + 3)
        if host_end > 0:
            head, rest = value[: host_end + 1], value[host_end + 1 :]
    room = limit - len(ELLIPSIS) - len(head)
    parts = [p for p in cut_re.split(rest) if p]
    tail = ""
    for part in reversed(parts):
        if len(part) + len(tail) > room:
            break
        tail = part + tail
    if not tail or tail == rest:
        return None
    return head + ELLIPSIS + tail


def _clip_parts(parts: list[str], limit: int, joiner: str, mark: str) -> str | None:
    """Whole parts from both ends within ``limit`` (twice as many from the head), or None."""
    room = limit - len(mark)
    head: list[str] = []
    tail: list[str] = []
    used = 0
    i, j = 0, len(parts) - 1
    while i <= j:
        take_head = not head or len(joiner.join(head)) <= 2 * len(joiner.join(tail))
        part = parts[i] if take_head else parts[j]
        extra = len(part) + (len(joiner) if (head if take_head else tail) else 0)
        if used + extra > room:
            break
        used += extra
        if take_head:
            head.append(part)
            i += 1
        else:
            tail.insert(0, part)
            j -= 1
    if not head or not tail or i > j:
        return None
    # Half a code span would leave a stray backtick: the cut points are between parts only.
    return joiner.join(head) + mark + joiner.join(tail)


def clip_quotes(text: str, cat: Catalog, limit: int = MAX_QUOTE) -> str:
    """``text`` with every code span and quotation longer than ``limit`` shortened."""
    if len(text) <= limit:  # nothing inside can be longer (titles, short bullets)
        return text

    def span(m: re.Match[str]) -> str:
        ticks, pad, content = m.group(1), m.group(2), m.group(3)
        if len(content) <= limit:
            return m.group(0)
        return f"{ticks}{pad}{clip(content, limit)}{m.group(4)}{ticks}"

    text = _CODE_SPAN_RE.sub(span, text)
    opening, closing = cat.t("quote", text="\x00").split("\x00")
    if not opening or not closing:
        return text
    quote_re = re.compile(re.escape(opening) + r"(.+?)" + re.escape(closing))

    def quoted(m: re.Match[str]) -> str:
        content = m.group(1)
        if len(content) <= limit:
            return m.group(0)
        return opening + clip(content, limit, plain=True) + closing

    return quote_re.sub(quoted, text)
