"""The client-side search index: word tokens for latin text, character bigrams for CJK.

``site.js`` tokenizes queries with the same rules (keep the two in step): NFKC, lower
case, runs of letters/digits are words, runs of CJK characters (Han, kana, Hangul) give
their overlapping bigrams (a lone character gives itself). A query matches a document
when every query token is in it; the last latin token also matches as a prefix, and a
lone CJK character matches every bigram that holds it.
"""

from __future__ import annotations

import itertools
import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["build_index", "is_cjk", "tokenize"]

_CJK_RANGES = (
    (0x3040, 0x30FF),  # Hiragana, Katakana (with the prolonged sound mark)
    (0x3400, 0x4DBF),  # CJK Extension A
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0xF900, 0xFAFF),  # CJK Compatibility Ideographs
    (0xAC00, 0xD7AF),  # Hangul syllables
    (0x31F0, 0x31FF),  # Katakana phonetic extensions
)


def is_cjk(ch: str) -> bool:
    """Whether ``ch`` is written without spaces between words (Han, kana, Hangul)."""
    code = ord(ch)
    return any(lo <= code <= hi for lo, hi in _CJK_RANGES)


_CJK_CLASS = "".join(f"\\u{lo:04x}-\\u{hi:04x}" for lo, hi in _CJK_RANGES)
_CJK_RUN = re.compile(f"[{_CJK_CLASS}]+")
_WORD = re.compile(r"[^\W_]+")


def tokenize(text: str) -> list[str]:
    """Search tokens of ``text`` (duplicates kept, in order)."""
    text = unicodedata.normalize("NFKC", text).lower()
    tokens: list[str] = []
    pos = 0
    for m in _CJK_RUN.finditer(text):
        tokens.extend(_WORD.findall(text, pos, m.start()))
        run = m.group()
        if len(run) == 1:
            tokens.append(run)
        else:
            tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
        pos = m.end()
    tokens.extend(_WORD.findall(text, pos))
    return tokens


def build_index(docs: Sequence[dict[str, Any]], texts: Sequence[Iterable[str]]) -> str:
    """A compact JSON index: ``docs`` (shown in results) and ``terms`` -> document numbers.

    Postings are delta-encoded ascending document numbers, which keeps the file small.
    """
    postings: dict[str, list[int]] = {}
    for number, parts in enumerate(texts):
        seen: set[str] = set()
        for part in parts:
            seen.update(tokenize(part))
        for token in seen:
            postings.setdefault(token, []).append(number)
    terms: dict[str, list[int]] = {}
    for token in sorted(postings):
        numbers = postings[token]
        terms[token] = [numbers[0]] + [b - a for a, b in itertools.pairwise(numbers)]
    return json.dumps(
        {"v": 1, "docs": list(docs), "terms": terms},
        ensure_ascii=False,
        separators=(",", ":"),
    )
