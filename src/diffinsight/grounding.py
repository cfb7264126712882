"""Grounding checks: which checkable tokens of a text the evidence does not support.

A report may only state values the diff supports. The values a reader can check, and that a
writer (offline catalogue or LLM) can get wrong, are *tokens*:

* the content of every code span (identifiers, parameters, versions the report quotes);
* URLs and link targets (``https://...``, ``[text](../path.md)``);
* file names (``deploy.md``, ``media/arch.png``);
* versions and dates (``2025-04-01-preview``, ``v1.3``, ``05/21/2025``, ``1.2.3``);
* words that mix letters and digits (``o4-mini``, ``GPT-4o``, ``ada002``);
* numbers (``65,536``, ``14``), compared without locale grouping (``65 536`` = ``65536``).

A token is *supported* when it occurs in the evidence (the patch, the paths, the facts' values,
the counts a report derives) on token boundaries, ignoring case. ``@@`` hunk headers are dropped
from the evidence first: their line numbers would otherwise "support" almost any small number.

:func:`unsupported_tokens` is used by the offline writer's tests and benchmark, and by the LLM
writer's faithfulness check.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from diffinsight.models import Fact, FileChange

__all__ = [
    "ELLIPSIS",
    "Evidence",
    "evidence_for",
    "report_evidence",
    "text_tokens",
    "unsupported_tokens",
]

_CODE_SPAN_RE = re.compile(r"(`+)\s?(.+?)\s?\1(?!`)", re.DOTALL)
_MD_LINK_TARGET_RE = re.compile(r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_URL_RE = re.compile(r"\b(?:https?|ftp)://[!#-'*-;=?-Z\\^_a-z~|]+", re.IGNORECASE)
_FILE_EXTS = (
    "md|markdown|yml|yaml|json|png|jpe?g|gif|svg|webp|bmp|ico|py|ipynb|txt|cs|js|ts|tsx|java|"
    "go|rs|sh|ps1|bicep|csv|html?|xml|zip|pdf|mp4|wav|mp3|toml|ini|cfg"
)
_FILE_RE = re.compile(
    rf"(?<![A-Za-z0-9_/.\-])(?:[A-Za-z0-9_\-]+/)*[A-Za-z0-9_\-]+(?:\.[A-Za-z0-9_\-]+)*"
    rf"\.(?:{_FILE_EXTS})(?![A-Za-z0-9_])",
    re.IGNORECASE,
)
# Versions and dates first (they contain separators), then letter-digit words, then numbers.
_VALUE_RE = re.compile(
    r"(?<![A-Za-z0-9_.\-])(?:"
    r"v?\d+(?:[./\-]\d+)+(?:-[A-Za-z][A-Za-z0-9_.]*)*"  # 2025-04-01-preview, 1.2.3, 05/21/2025, v1.3
    r"|v\d+(?![A-Za-z0-9_])"  # v2
    # No nested optional quantifiers: long digit-free words must not backtrack exponentially.
    r"|[A-Za-z][A-Za-z_]*(?:[\-.][A-Za-z_]+)*[\-.]?\d[A-Za-z0-9_]*(?:[\-.][A-Za-z0-9_]+)*"  # o4-mini, GPT-4.1
    r"|\d+[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*"  # 4o, 3rd, 2x
    r"|\d{1,3}(?:[,\u00a0\u202f ]\d{3})+(?:\.\d+)?"  # 65,536 / 65 536
    r"|\d+(?:[.,]\d+)?"  # 14, 0.5
    r")(?![A-Za-z0-9_])"
)
_ATOM_RE = re.compile(r"[A-Za-z0-9_\-]+")
_LIST_NUMBER_RE = re.compile(r"^\s*\d{1,3}[.)]\s+", re.MULTILINE)
_HUNK_HEADER_RE = re.compile(r"^@@ -\d+(?:,\d+)? \+\d+(?:,\d+)? @@", re.MULTILINE)
_GROUPING_RE = re.compile(r"(?<=\d)[,\u00a0\u202f ](?=\d{3}(?!\d))")
#: Marks a value shortened in the middle; see :meth:`Evidence.supports`.
ELLIPSIS = "…"
_TRAILING_PUNCT = ".,;:!?)]}>'\"。、，；：！？）」』"
_MONTHS = (
    "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    "|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_MONTH_NUMBER = {name: n for n, name in enumerate(_MONTHS.split("|"), start=1)}
#: One date in the spellings a writer may use for a date the diff spells another way.
_DATE_RES = (
    ("ymd", re.compile(r"(?<![\w/.\-])(\d{4})-(\d{1,2})-(\d{1,2})(?![\d/]|[-.]?\w)")),
    ("mdy", re.compile(r"(?<![\w/.\-])(\d{1,2})/(\d{1,2})/(\d{4})(?![\d/]|[-.]?\w)")),
    ("ymd", re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")),
    (
        "Mdy",
        re.compile(rf"\b({_MONTHS})\.?\s+(\d{{1,2}}),?\s+(\d{{4}})(?!\d)", re.IGNORECASE),
    ),
)
#: Dates written with words or CJK, kept whole as one token (``November 21, 2024``).
_WORDY_DATE_RE = re.compile(
    "|".join(
        f"(?:{rx.pattern})" for order, rx in _DATE_RES if order == "Mdy" or "年" in rx.pattern
    ),
    re.IGNORECASE,
)
_THOUSANDS_RE = re.compile(r"(\d+(?:\.\d+)?)k")
_CJK_RUN_RE = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uff00-\uffef]+")


def _month(name: str) -> int:
    name = name.lower().rstrip(".")
    for key, n in _MONTH_NUMBER.items():
        if re.fullmatch(key, name):
            return n
    return 0


def _date_of(order: str, m: re.Match[str]) -> tuple[int, int, int] | None:
    a, b, c = m.group(1), m.group(2), m.group(3)
    if order == "ymd":
        y, mo, d = int(a), int(b), int(c)
    elif order == "mdy":
        mo, d, y = int(a), int(b), int(c)
    else:
        mo, d, y = _month(a), int(b), int(c)
    return (y, mo, d) if 1 <= mo <= 12 and 1 <= d <= 31 else None


def _dates_in(text: str) -> set[tuple[int, int, int]]:
    found = set()
    for order, rx in _DATE_RES:
        for m in rx.finditer(text):
            d = _date_of(order, m)
            if d is not None:
                found.add(d)
    return found


def _as_date(token: str) -> tuple[int, int, int] | None:
    """The date ``token`` is, when it is exactly one date in one of the known spellings."""
    for order, rx in _DATE_RES:
        m = rx.fullmatch(token.strip())
        if m:
            return _date_of(order, m)
    return None


class Evidence:
    """Normalised evidence text, built once and queried for many tokens."""

    def __init__(self, parts: str | Iterable[str]) -> None:
        text = parts if isinstance(parts, str) else "\n".join(p for p in parts if p)
        text = _HUNK_HEADER_RE.sub("", text)
        self.text = _normalise(text)
        #: The same text line by line: a shortened value must come from one line of the diff
        #: (or one fact value), its head and its tail in that line.
        self.lines = "\n".join(_normalise(line) for line in text.split("\n"))
        #: Maximal runs of ASCII word characters and hyphens: a token made only of those is
        #: supported exactly when it is one of them (a set lookup, not a scan).
        self.atoms = set(_ATOM_RE.findall(self.text))
        #: Every date the evidence states, whatever its spelling: ``11/21/2024`` supports
        #: ``2024-11-21``, ``2024年11月21日`` and ``November 21, 2024``.
        self.dates = _dates_in(self.text)
        self._cache: dict[str, bool] = {}

    def supports(self, token: str) -> bool:
        """Whether ``token`` occurs in the evidence on token boundaries (case-insensitive)."""
        needle = _normalise(token)
        if not needle:
            return True
        if needle in self._cache:
            return self._cache[needle]
        if ELLIPSIS in needle:
            found = self._shortened(needle)
        elif _ATOM_RE.fullmatch(needle):
            found = needle in self.atoms
        else:
            found = self._bounded_find(needle)
        if not found:
            found = self._equivalent(needle)
        self._cache[needle] = found
        return found

    def _shortened(self, needle: str) -> bool:
        # A value shortened in the middle ("tutorial-rag…relevance.md") is supported when its
        # head starts a token of one line of the evidence and its tail ends a token later in
        # that same line: a verbatim prefix and suffix of one value, never two unrelated ones.
        pieces = [p.strip() for p in needle.split(ELLIPSIS)]
        pieces = [p for p in pieces if p]
        if not pieces:
            return True
        head, tail = pieces[0], pieces[-1]
        if len(pieces) == 1 and needle.startswith(ELLIPSIS) and not needle.endswith(ELLIPSIS):
            # Only the end kept ("…util.Configuration"): it must end a token of the diff.
            return self._find(tail, left=False, text=self.lines) >= 0
        start = self._find(head, right=False, text=self.lines)
        while start >= 0:
            if len(pieces) == 1:
                return True
            end = self.lines.find("\n", start)
            end = len(self.lines) if end < 0 else end
            after = start + len(head)
            if self._find(tail, left=False, after=after, text=self.lines, before=end) >= 0:
                return True
            start = self._find(head, right=False, after=start + 1, text=self.lines)
        return False

    def _equivalent(self, needle: str) -> bool:
        """Whether the evidence states ``needle``'s value in another spelling (exactly)."""
        date = _as_date(needle)
        if date is not None:
            return date in self.dates
        # 128K = 128,000 = 128000, both ways, only for exact thousands.
        m = _THOUSANDS_RE.fullmatch(needle)
        if m:
            value = float(m.group(1)) * 1000
            return value.is_integer() and self.supports(str(int(value)))
        if needle.isdigit() and len(needle) >= 4 and int(needle) % 100 == 0:
            thousands = f"{int(needle) / 1000:g}k"
            return thousands in self.atoms or self._bounded_find(thousands)
        # A name with CJK words inside (`Azure AI 搜索`): each part outside them must be there.
        if not _CJK_RUN_RE.search(needle):
            return False
        parts = [p.strip(" .,;:!?()（）") for p in _CJK_RUN_RE.split(needle)]
        parts = [p for p in parts if p]
        return bool(parts) and all(self.supports(p) for p in parts)

    def _bounded_find(self, needle: str) -> bool:
        return self._find(needle) >= 0

    def _find(
        self,
        needle: str,
        left: bool = True,
        right: bool = True,
        after: int = 0,
        text: str | None = None,
        before: int | None = None,
    ) -> int:
        """Where ``needle`` occurs on token boundaries (only ``left``/``right`` ones), ending
        by ``before`` when given, or -1."""
        # ASCII word characters and hyphens bound a token: `gpt-4o` is not supported by
        # `gpt-4o-mini`, while CJK text may touch a number directly (新增3行).
        check_left = left and _is_word(needle[0])
        check_right = right and _is_word(needle[-1])
        text = self.text if text is None else text
        start = text.find(needle, after) if before is None else text.find(needle, after, before)
        while start >= 0:
            end = start + len(needle)
            left_ok = not check_left or start == 0 or not _is_bound(text[start - 1])
            right_ok = not check_right or end == len(text) or not _is_bound(text[end])
            if left_ok and right_ok:
                return start
            start = (
                text.find(needle, start + 1)
                if before is None
                else text.find(needle, start + 1, before)
            )
        return -1


def _is_bound(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch in "_-")


def _is_word(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch == "_")


def _normalise(text: str) -> str:
    text = _GROUPING_RE.sub("", text)
    return re.sub(r"\s+", " ", text).strip().lower()


def text_tokens(text: str) -> list[str]:
    """The checkable tokens of ``text``, in order of appearance (duplicates kept once)."""
    found: list[str] = []

    def keep(token: str) -> None:
        token = token.strip()
        if token and token not in found:
            found.append(token)

    # Ordered-list markers ("3. **Links**") number the writer's own points, not the diff's.
    rest = _LIST_NUMBER_RE.sub("", text)
    for m in _CODE_SPAN_RE.finditer(rest):
        keep(m.group(2))
    rest = _CODE_SPAN_RE.sub(" ", rest)
    for m in _MD_LINK_TARGET_RE.finditer(rest):
        target = m.group(1).split("#", 1)[0] if not m.group(1).startswith("#") else ""
        keep(target)
    rest = _MD_LINK_TARGET_RE.sub("] ", rest)
    for m in _URL_RE.finditer(rest):
        keep(m.group(0).rstrip(_TRAILING_PUNCT))
    rest = _URL_RE.sub(" ", rest)
    for m in _FILE_RE.finditer(rest):
        keep(m.group(0))
    rest = _FILE_RE.sub(" ", rest)
    for m in _WORDY_DATE_RE.finditer(rest):
        keep(m.group(0))
    rest = _WORDY_DATE_RE.sub(" ", rest)
    for m in _VALUE_RE.finditer(rest):
        keep(m.group(0).rstrip("."))  # a sentence's full stop is not part of a version
    return found


def unsupported_tokens(text: str, evidence: str | Iterable[str] | Evidence) -> list[str]:
    """The tokens of ``text`` (see the module docstring) that ``evidence`` does not contain."""
    ev = evidence if isinstance(evidence, Evidence) else Evidence(evidence)
    return [tok for tok in text_tokens(text) if not ev.supports(tok)]


def _values(value: Any) -> Iterable[str]:
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, dict):
        for v in value.values():
            yield from _values(v)
    elif isinstance(value, (list, tuple, set)):
        for v in value:
            yield from _values(v)
    else:
        yield str(value)


#: How many items a list names before it says how many more there are.
LISTED = 3
#: The most bullets a report's highlights show, and the labels each of its groups holds.
HIGHLIGHT_BULLETS = 7
HIGHLIGHT_GROUPS = (("new feature",), ("breaking change",), ("bug fix", "minor update"))


def evidence_for(
    change: FileChange, facts: Iterable[Fact] = (), extra: Iterable[str] = ()
) -> list[str]:
    """The evidence for statements about one file: its patch, paths, counts and fact values.

    Counts are the file's added/deleted/changed lines, the number of facts of each kind and of
    identical facts.

    Full old/new contents are deliberately left out: a report about a change should quote the
    change, and the patch is what a reader sees next to it.
    """
    parts: list[str] = [change.path, change.old_path or "", change.patch or ""]
    parts += [str(change.additions), str(change.deletions), str(change.changes)]
    if change.similarity is not None:
        parts.append(str(change.similarity))
    kinds: dict[str, int] = {}
    distinct: dict[str, set[str]] = {}
    folded: dict[str, set[str]] = {}
    same: dict[tuple[str, str | None, str | None, str], int] = {}
    for f in facts:
        parts += [f.old or "", f.new or "", f.where or ""]
        parts += list(_values(f.detail))
        kinds[f.kind] = kinds.get(f.kind, 0) + 1
        distinct.setdefault(f.kind, set()).add(f.new or f.old or "")
        folded.setdefault(f.kind, set()).add((f.new or f.old or "").casefold())
        key = (f.kind, f.old, f.new, str(f.detail.get("key") or f.detail.get("param") or ""))
        same[key] = same.get(key, 0) + 1
    # "3 links added" counts facts of one kind, "this occurs 2 times" identical facts: counts
    # the checker redoes from the facts themselves.
    parts += [str(n) for n in kinds.values()] + [str(n) for n in same.values()]
    # "X, Y, Z and 2 more": a list names at most LISTED items of a kind, then counts the rest.
    parts += [str(n - LISTED) for n in kinds.values() if n > LISTED]
    parts += [str(len(v) - LISTED) for v in distinct.values() if len(v) > LISTED]
    # Values differing only in case are listed once.
    parts += [str(len(v) - LISTED) for v in folded.values() if len(v) > LISTED]
    parts += list(extra)
    return [p for p in parts if p]


def report_evidence(
    files: Iterable[tuple[FileChange, list[Fact]]],
    labels: Iterable[str] = (),
    extra: Iterable[str] = (),
) -> list[str]:
    """Evidence for report-level text: every file's evidence plus the counts a report derives.

    Derived counts: files in all, lines added and deleted in all, files per status, per folder,
    per status under each folder at any depth (a new doc set's pages), renamed files per pair of
    old and new folder, per label (``labels``: one per file, e.g. its type), files sharing a fact (same kind,
    key and new value; or one :func:`~diffinsight.facts.kinds.share_key`, as highlights group them),
    and the files a highlights group leaves unnamed (its files less the one to seven its bullets
    name).
    """
    # Imported here: the fact extractors import this module's limits.
    from diffinsight.facts.kinds import share_key

    parts: list[str] = []
    n = adds = dels = 0
    tally: dict[str, int] = {}

    def bump(key: str) -> None:
        tally[key] = tally.get(key, 0) + 1

    for change, facts in files:
        n += 1
        adds += change.additions
        dels += change.deletions
        parts += evidence_for(change, facts)
        bump("status:" + change.status.value)
        bump("folder:" + (change.path.rsplit("/", 1)[0] if "/" in change.path else "."))
        parts_of = change.path.split("/")[:-1]
        for depth in range(1, len(parts_of) + 1):
            bump(f"under:{change.status.value}:" + "/".join(parts_of[:depth]))
        if change.old_path:
            old_dir = change.old_path.rsplit("/", 1)[0] if "/" in change.old_path else "."
            new_dir = change.path.rsplit("/", 1)[0] if "/" in change.path else "."
            bump(f"moved:{old_dir}|{new_dir}")
        seen: set[str] = set()
        for f in facts:
            key = str(f.detail.get("key") or f.detail.get("param") or "")
            together = share_key(f)
            for shared in (
                f"{f.kind}|{key}|{f.new}",
                f"{f.kind}|{key}|{f.old}|{f.new}",
                *([f"shared|{together!r}"] if together else []),
            ):
                if shared not in seen:
                    seen.add(shared)
                    bump("fact:" + shared)
    per_label: dict[str, int] = {}
    for label in labels:
        bump("label:" + label)
        per_label[label] = per_label.get(label, 0) + 1
    # "…and 12 more updates": a highlights group (its labels, as the highlights group them)
    # names at most HIGHLIGHT_BULLETS files; the rest is its file count less those.
    for group in HIGHLIGHT_GROUPS:
        in_group = sum(per_label.get(label, 0) for label in group)
        parts += [str(in_group - k) for k in range(1, HIGHLIGHT_BULLETS + 1) if in_group > k]
    parts += [str(n), str(adds), str(dels)] + [str(v) for v in tally.values()] + list(extra)
    return parts
