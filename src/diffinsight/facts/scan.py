"""Linear-time readers for the few Markdown shapes a backtracking regex reads in quadratic time.

Each function returns exactly what the regex named in its docstring returns, but scans the line
a bounded number of times: a hostile document (a heading with 100,000 spaces before its last
word, a line of 50,000 ``[``) must not stall a report.
"""

from __future__ import annotations


def parse_heading(line: str) -> tuple[int, str] | None:
    r"""(level, text) of an ATX heading, as ``^ {0,3}(#{1,6})\s+(.+?)\s*#*\s*$`` reads one line.

    The text keeps what that pattern's second group keeps (closing ``#`` run and surrounding
    whitespace removed, never the first character); callers strip it further.
    """
    n = len(line)
    i = 0
    while i < 3 and i < n and line[i] == " ":
        i += 1
    j = i
    while j < n and line[j] == "#":
        j += 1
    level = j - i
    if not 1 <= level <= 6 or j >= n or not line[j].isspace():
        return None
    rest = line[j:]
    body = rest.lstrip()
    if not body:
        # Only whitespace after the marks: the pattern gives its last character to the text.
        return (level, rest[-1]) if len(rest) >= 2 else None
    # The longest suffix of body[1:] made of whitespace, then '#'s, then whitespace is dropped.
    k = len(body)
    while k > 1 and body[k - 1].isspace():
        k -= 1
    while k > 1 and body[k - 1] == "#":
        k -= 1
    while k > 1 and body[k - 1].isspace():
        k -= 1
    return level, body[:k]


def replace_links(text: str, *, images: bool = False) -> str:
    r"""``re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)``; with ``images``, ``!\[...\]\(...\)`` -> "".

    A failed candidate ``[`` shares its closing ``]`` with every ``[`` before that bracket, and a
    missing ``)`` fails every later candidate too, so one pass decides them all.
    """
    opener = "![" if images else "["
    out: list[str] = []
    copied = 0
    i = text.find(opener)
    while i != -1:
        close = text.find("]", i + len(opener))
        if close == -1:
            break
        if not text.startswith("(", close + 1):
            i = text.find(opener, close + 1)
            continue
        end = text.find(")", close + 2)
        if end == -1:
            break
        out.append(text[copied:i])
        if not images:
            out.append(text[i + 1 : close])
        copied = end + 1
        i = text.find(opener, copied)
    out.append(text[copied:])
    return "".join(out)


def strip_heading_id(text: str) -> str:
    r"""``re.sub(r"\s*\{#[^}]*\}\s*$", "", text)``: a trailing ``{#anchor}`` and the space before it."""
    t = text.rstrip()
    if not t.endswith("}"):
        return text
    prev = t.rfind("}", 0, len(t) - 1)
    k = t.find("{#", prev + 1, len(t) - 1)
    if k == -1:
        return text
    return t[: len(t[:k].rstrip())]
