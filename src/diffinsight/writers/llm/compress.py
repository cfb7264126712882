"""What the model sees of a diff: changed lines only, under their section heading, within a budget.

Also the token estimate every budget here is counted in. tiktoken's encodings are downloaded on
first use, which a run must never do; when one is already cached it is used, otherwise a
character-class estimate (ASCII words ~4 characters a token, CJK ~1 character a token).
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass

from diffinsight.facts.generic import section_at, section_index
from diffinsight.facts.patch import Hunk, parse_hunks, tokens
from diffinsight.models import FileChange, FileStatus

MAX_LINE_CHARS = 400
#: Context kept around an in-line edit, in characters each side.
EDIT_CONTEXT = 60
_DATE_KEY = re.compile(r"^\s*[-\w.]*date\s*:", re.IGNORECASE)
_CJK = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uff00-\uffef]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
#: Lines longer than this (minified files) are clipped, never diffed token by token.
MAX_INLINE_CHARS = 2000
_O200K_URL = "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken"


@functools.lru_cache(maxsize=1)
def _cached_tiktoken() -> Callable[[str], int] | None:
    """o200k_base from tiktoken's local cache, or None (never downloads)."""
    cache_dir = os.environ.get("TIKTOKEN_CACHE_DIR") or os.environ.get("DATA_GYM_CACHE_DIR")
    cache_dir = cache_dir or os.path.join(tempfile.gettempdir(), "data-gym-cache")
    key = hashlib.sha1(_O200K_URL.encode(), usedforsecurity=False).hexdigest()
    if not os.path.exists(os.path.join(cache_dir, key)):
        return None
    try:
        import tiktoken

        enc = tiktoken.get_encoding("o200k_base")
    except Exception:  # a corrupt cache file must not stop a run
        return None
    return lambda text: len(enc.encode(text, disallowed_special=()))


def estimate_tokens(text: str) -> int:
    """Tokens of ``text`` for o200k-style tokenizers (exact when tiktoken's file is cached)."""
    exact = _cached_tiktoken()
    if exact is not None:
        return exact(text)
    cjk = len(_CJK.findall(text))
    other_non_ascii = len(_NON_ASCII.findall(text)) - cjk
    ascii_chars = len(text) - cjk - other_non_ascii
    return int(ascii_chars / 4.0 + cjk * 1.0 + other_non_ascii * 0.5) + 1


def _clip(line: str, limit: int = MAX_LINE_CHARS) -> str:
    return line if len(line) <= limit else line[:limit] + " …"


def inline_edit(old: str, new: str) -> str | None:
    """A long line changed in a few places as ``…ctx [-old-]{+new+} ctx…``; None if not alike."""
    a, b = tokens(old), tokens(new)
    sm = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    if sm.ratio() < 0.6:
        return None
    out: list[str] = []
    ops = sm.get_opcodes()
    for n, (tag, i1, i2, j1, j2) in enumerate(ops):
        if tag == "equal":
            text = "".join(a[i1:i2])
            first, last = n == 0, n == len(ops) - 1
            if len(text) > 2 * EDIT_CONTEXT and not (first or last):
                text = text[:EDIT_CONTEXT] + " … " + text[-EDIT_CONTEXT:]
            elif first and len(text) > EDIT_CONTEXT:
                text = "…" + text[-EDIT_CONTEXT:]
            elif last and len(text) > EDIT_CONTEXT:
                text = text[:EDIT_CONTEXT] + "…"
            out.append(text)
            continue
        if i2 > i1:
            out.append("[-" + "".join(a[i1:i2]) + "-]")
        if j2 > j1:
            out.append("{+" + "".join(b[j1:j2]) + "+}")
    return "".join(out)


def is_trivial(change: FileChange) -> bool:
    """Whitespace-only, EOF-newline-only or front matter date-only edits: nothing to explain."""
    if change.binary or change.status is not FileStatus.MODIFIED or not change.patch:
        return False
    hunks = parse_hunks(change.patch)
    if not hunks:
        return False
    for h in hunks:
        for run in h.changes:
            removed = [r for r in run.removed if r.strip()]
            added = [a for a in run.added if a.strip()]
            if [r.split() for r in removed] == [a.split() for a in added]:
                continue
            rest_r = [r for r in removed if not _DATE_KEY.match(r)]
            rest_a = [a for a in added if not _DATE_KEY.match(a)]
            if len(rest_r) < len(removed) and [r.split() for r in rest_r] == [
                a.split() for a in rest_a
            ]:
                continue
            return False
    return True


_HEADING = re.compile(r"^ {0,3}#{1,6}\s")
#: Lines kept under each heading when a new page is shown as an outline.
OUTLINE_LINES = 2


def outline(lines: list[str]) -> list[str]:
    """A long new page as its headings, each with its first lines (and a note saying so)."""
    out: list[str] = []
    under = 0  # lines before the first heading count as a section too
    for ln in lines:
        if _HEADING.match(ln):
            out.append(ln)
            under = 0
        elif under < OUTLINE_LINES:
            out.append(_clip(ln, 200))
            under += 1
    if len(out) < len(lines):
        out.append(f"[outline: {len(out)} of {len(lines)} lines shown]")
    return out


@dataclass
class Compressed:
    """A file's diff as the model sees it."""

    text: str
    tokens: int
    clipped: bool = False


def _hunk_section(h: Hunk, index: list[tuple[int, str]], line_no: int) -> str:
    return section_at(index, line_no) or h.context


def compress(change: FileChange, budget: int) -> Compressed:
    """The changed lines of ``change`` in at most ``budget`` tokens (clipping says so)."""
    if change.status is FileStatus.REMOVED:
        text = f"(file deleted: {change.deletions} lines)"
        return Compressed(text, estimate_tokens(text))
    if change.binary:
        text = "(binary file)"
        return Compressed(text, estimate_tokens(text))
    hunks = parse_hunks(change.patch)
    lines: list[str] = []
    outlined = False
    if change.status is FileStatus.ADDED:
        lines = [_clip(ln[1:]) for h in hunks for ln in h.lines if ln.startswith("+")]
        lines = [ln for ln in lines if ln.strip()]
        headings = sum(1 for ln in lines if _HEADING.match(ln))
        if headings >= 3 and estimate_tokens("\n".join(lines)) > budget:
            lines, outlined = outline(lines), True
    else:
        new_index = section_index(change.new_text)
        old_index = section_index(change.old_text)
        last_section: str | None = None
        for h in hunks:
            for run in h.changes:
                section = (
                    _hunk_section(h, new_index, run.new_start)
                    if new_index or not old_index
                    else _hunk_section(h, old_index, run.old_start)
                )
                removed = [r for r in run.removed if r.strip()]
                added = [a for a in run.added if a.strip()]
                if any(_DATE_KEY.match(r) for r in removed) and any(
                    _DATE_KEY.match(a) for a in added
                ):
                    # A date bump is already a fact; its lines would only cost tokens.
                    removed = [r for r in removed if not _DATE_KEY.match(r)]
                    added = [a for a in added if not _DATE_KEY.match(a)]
                if not removed and not added:
                    continue
                if section and section != last_section:
                    lines.append(f"§ {section}")
                    last_section = section
                if removed and not added:
                    first = _clip(removed[0].strip(), 120)
                    more = f" (+{len(removed) - 1} more lines)" if len(removed) > 1 else ""
                    lines.append(f"- deleted: {first}{more}")
                    continue
                if len(removed) == len(added):
                    for old, new in zip(removed, added, strict=True):
                        edit = (
                            inline_edit(old, new)
                            if len(old) + len(new) > 80
                            and max(len(old), len(new)) <= MAX_INLINE_CHARS
                            else None
                        )
                        if edit is not None:
                            lines.append("~ " + _clip(edit))
                        else:
                            lines.append("- " + _clip(old))
                            lines.append("+ " + _clip(new))
                    continue
                lines.extend("- " + _clip(r) for r in removed)
                lines.extend("+ " + _clip(a) for a in added)
    text = "\n".join(lines)
    n = estimate_tokens(text)
    if n <= budget:
        return Compressed(text, n, clipped=outlined)
    kept: list[str] = []
    used = 0
    for ln in lines:
        t = estimate_tokens(ln) + 1
        if used + t > budget:
            break
        kept.append(ln)
        used += t
    note = f"[clipped: {len(lines) - len(kept)} of {len(lines)} changed lines not shown]"
    text = "\n".join([*kept, note])
    return Compressed(text, estimate_tokens(text), clipped=True)
