"""Reading hunks: the line-level building blocks every fact extractor shares."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from difflib import SequenceMatcher
else:
    try:  # difflib's own algorithm, compiled: the same opcodes and ratios, about 10x faster
        from cydifflib import SequenceMatcher
    except ImportError:  # pragma: no cover - a platform without its wheel
        from difflib import SequenceMatcher

#: Token pairs above which two lines are compared by their common ends only (about 1,000 tokens each).
MAX_TOKEN_PAIRS = 1_000_000
_HUNK_RE = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@ ?(.*)$")
# Identifiers, versions, dates, URLs and numbers stay whole; punctuation splits.
# Chinese and Japanese do not put spaces between words: each ideograph or kana is a token.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_W = rf"[^\W{_CJK}]"
_TOKEN_RE = re.compile(
    rf"\d{{1,4}}(?:[/.\-:]\d{{1,4}})+(?:[\w.\-]*\w)?|{_W}(?:{_W}|[.\-])*{_W}|{_W}|[{_CJK}]|\s+|[^\w\s]",
    re.UNICODE,
)


#: Characters a reader cannot see: a BOM, zero-width spaces and joiners, the word joiner.
_INVISIBLE_RE = re.compile("[\ufeff\u200b\u200c\u200d\u2060\u00ad]")


def visible(text: str) -> str:
    """``text`` without BOMs and zero-width characters: what is compared, quoted and shown."""
    return _INVISIBLE_RE.sub("", text)


@dataclass
class Change:
    """A run of removed lines followed by added lines inside one hunk."""

    old_start: int  #: 1-based line number in the old file of the first removed line
    new_start: int  #: 1-based line number in the new file of the first added line
    removed: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)


@dataclass
class Hunk:
    """One ``@@`` hunk of a patch."""

    old_start: int
    old_len: int
    new_start: int
    new_len: int
    context: str
    lines: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    no_newline_old: bool = False
    no_newline_new: bool = False


def parse_hunks(patch: str | None) -> list[Hunk]:
    """Split a GitHub-style patch into hunks and their change runs; tolerates junk lines."""
    hunks: list[Hunk] = []
    if not patch:
        return hunks
    cur: Hunk | None = None
    old_no = new_no = 0
    run: Change | None = None
    last_sign = ""
    for line in patch.split("\n"):
        m = _HUNK_RE.match(line)
        if m:
            cur = Hunk(
                old_start=int(m.group(1)),
                old_len=int(m.group(2)) if m.group(2) is not None else 1,
                new_start=int(m.group(3)),
                new_len=int(m.group(4)) if m.group(4) is not None else 1,
                context=m.group(5).strip(),
            )
            hunks.append(cur)
            old_no, new_no = cur.old_start, cur.new_start
            run = None
            continue
        if cur is None:
            continue
        cur.lines.append(line)
        sign = line[:1]
        if sign == "-":
            if run is None or run.added:
                run = Change(old_start=old_no, new_start=new_no)
                cur.changes.append(run)
            run.removed.append(line[1:])
            old_no += 1
        elif sign == "+":
            if run is None:
                run = Change(old_start=old_no, new_start=new_no)
                cur.changes.append(run)
            run.added.append(line[1:])
            new_no += 1
        elif sign == "\\":
            if last_sign == "-":
                cur.no_newline_old = True
            elif last_sign == "+":
                cur.no_newline_new = True
            else:
                cur.no_newline_old = cur.no_newline_new = True
        else:
            run = None
            old_no += 1
            new_no += 1
        if sign != "\\":
            last_sign = sign
    return hunks


@lru_cache(maxsize=2048)
def tokens(text: str) -> tuple[str, ...]:
    """Split a line into tokens that keep versions, dates, identifiers and URLs whole."""
    # Cached: a changed line is split by several extractors of its file.
    return tuple(_TOKEN_RE.findall(text))


@dataclass
class Edit:
    """An in-place edit inside a line: ``old`` became ``new`` (either may be empty)."""

    old: str
    new: str


def line_edits(old: str, new: str) -> list[Edit]:
    """Token-level edits that turn ``old`` into ``new``, merged across single separators."""
    a, b = tokens(old), tokens(new)
    edits: list[Edit] = []
    ops = _changed_spans(a, b)
    merged: list[list[int]] = []
    for _tag, i1, i2, j1, j2 in ops:
        # Join edits separated by one whitespace/punct token so "a b" -> "c d" reads as one.
        if merged and i1 - merged[-1][1] <= 1 and j1 - merged[-1][3] <= 1:
            gap_a = "".join(a[merged[-1][1] : i1])
            if gap_a.strip() == "" or len(gap_a) <= 1:
                merged[-1][1], merged[-1][3] = i2, j2
                continue
        merged.append([i1, i2, j1, j2])
    for i1, i2, j1, j2 in merged:
        edits.append(Edit(old="".join(a[i1:i2]).strip(), new="".join(b[j1:j2]).strip()))
    return [e for e in edits if e.old or e.new]


def common_ends(a: Sequence[str], b: Sequence[str]) -> tuple[int, int]:
    """How many items two sequences share at their start, and then at their end (the two
    never overlap)."""
    n = min(len(a), len(b))
    pre = 0
    while pre < n and a[pre] == b[pre]:
        pre += 1
    post = 0
    while post < n - pre and a[-1 - post] == b[-1 - post]:
        post += 1
    return pre, post


def _changed_spans(a: Sequence[str], b: Sequence[str]) -> list[tuple[str, int, int, int, int]]:
    if len(a) * len(b) <= MAX_TOKEN_PAIRS:
        sm = SequenceMatcher(a=a, b=b, autojunk=False)
        return [op for op in sm.get_opcodes() if op[0] != "equal"]
    # Token matching of huge lines is quadratic: keep the common ends, the middle is one edit.
    p, s = common_ends(a, b)
    if p + s == len(a) == len(b):
        return []
    return [("replace", p, len(a) - s, p, len(b) - s)]


def similarity(old: str, new: str) -> float:
    """How alike two lines are (0..1), on characters."""
    if not old and not new:
        return 1.0
    if len(old) + len(new) > 4000:
        # Character matching of minified lines is quadratic: compare their words instead.
        a, b = old.split(), new.split()
        return SequenceMatcher(a=a, b=b, autojunk=True).quick_ratio()
    return SequenceMatcher(a=old, b=new, autojunk=False).ratio()


def _better(
    old: str, new: str, best: float, matcher: SequenceMatcher[str] | None = None
) -> float | None:
    """``similarity(old, new)`` when it beats ``best``, else None (often without computing it).

    ``matcher``: one whose second sequence is ``new`` (what it indexed is then reused).
    """
    if len(old) + len(new) > 4000 or not (old or new):
        s = similarity(old, new)
        return s if s > best else None
    # ratio() <= quick_ratio() <= real_quick_ratio(): a candidate whose bound cannot beat the
    # best so far is skipped before the expensive matching. The last bound is difflib's own
    # formula on the lengths, taken before a matcher indexes anything.
    if 2.0 * min(len(old), len(new)) / (len(old) + len(new)) <= best:
        return None
    if matcher is None:
        matcher = SequenceMatcher(b=new, autojunk=False)
    matcher.set_seq1(old)
    if matcher.quick_ratio() <= best:
        return None
    s = matcher.ratio()
    return s if s > best else None


def pair_lines(
    removed: list[str], added: list[str], threshold: float = 0.5
) -> list[tuple[int, int]]:
    """Pair removed and added lines of one change run that are edits of each other, in order."""
    pairs: list[tuple[int, int]] = []
    j0 = 0
    if len(removed) * len(added) > 250_000:
        # Huge runs (a regenerated file): pairing by similarity is quadratic; pair by position.
        return [(i, i) for i in range(min(len(removed), len(added))) if removed[i] and added[i]]
    # An added line is a candidate for up to eight removed ones: its index is built once.
    matchers: dict[int, SequenceMatcher[str]] = {}
    for i, old in enumerate(removed):
        best, best_j = threshold, -1
        for j in range(j0, min(len(added), j0 + 8)):
            sm = matchers.get(j)
            if sm is None:
                sm = matchers[j] = SequenceMatcher(b=added[j], autojunk=False)
            s = _better(old, added[j], best, sm)
            if s is not None:
                best, best_j = s, j
        if best_j >= 0:
            pairs.append((i, best_j))
            j0 = best_j + 1
    return pairs
