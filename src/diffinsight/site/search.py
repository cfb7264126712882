"""The client-side search index: word tokens for latin text, character bigrams for CJK.

``site.js`` tokenizes queries with the same rules (keep the two in step): NFKC, lower
case, runs of letters/digits are words, runs of CJK characters (Han, kana, Hangul) give
their overlapping bigrams (a lone character gives itself). A query matches a report
when every query token is in it (in its title and summary or in one of its files' path,
title and explanation); the last latin token also matches as a prefix, and a lone CJK character
matches every bigram that starts with it.

The index is made of *units*: one per report (title, category, summary) and one per
file section (path, title, explanation). Postings carry the term frequency, so the browser ranks with
BM25 (scored per unit; a report's score sums, per query token, its best unit) and names
the file that matched best, linking to its ``#item-…`` section. A ready-made library
(MiniSearch, Pagefind) would need its own tokenizer hooked in for CJK bigrams, or a
build step of its own; BM25 over this index is a few dozen lines of ``site.js``.
"""

from __future__ import annotations

import json
import operator
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Sequence
from itertools import repeat
from typing import Any, NamedTuple

__all__ = ["INDEX", "SearchUnit", "build_index", "is_cjk", "shard_of", "tokenize"]

_CJK_RANGES = (
    (0x3040, 0x30FF),  # Hiragana, Katakana (with the prolonged sound mark)
    (0x3400, 0x4DBF),  # CJK Extension A
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0xF900, 0xFAFF),  # CJK Compatibility Ideographs
    (0xAC00, 0xD7AF),  # Hangul syllables
    (0x31F0, 0x31FF),  # Katakana phonetic extensions
)


_CJK_CLASS = "".join(f"\\u{lo:04x}-\\u{hi:04x}" for lo, hi in _CJK_RANGES)
_CJK_CHAR = re.compile(f"[{_CJK_CLASS}]")


def is_cjk(ch: str) -> bool:
    """Whether ``ch`` is written without spaces between words (Han, kana, Hangul)."""
    return _CJK_CHAR.match(ch) is not None


# Split on CJK runs, kept: the pieces alternate between other text and a run.
_CJK_SPLIT = re.compile(f"([{_CJK_CLASS}]+)")
_WORD = re.compile(r"[^\W_]+")


def tokenize(text: str) -> list[str]:
    """Search tokens of ``text`` (duplicates kept, in order)."""
    if text.isascii():  # NFKC leaves ASCII as it is, and it holds no CJK run
        return _WORD.findall(text.lower())
    pieces = _CJK_SPLIT.split(unicodedata.normalize("NFKC", text).lower())
    tokens = _WORD.findall(pieces[0])
    # Odd pieces are CJK runs, even ones the text between them (a whole index goes through
    # here on every build that changes a report, so the loop runs per run, not per token).
    for i in range(1, len(pieces), 2):
        run = pieces[i]
        if len(run) == 1:
            tokens.append(run)
        else:
            tokens.extend(map(operator.add, run[:-1], run[1:]))
        tokens.extend(_WORD.findall(pieces[i + 1]))
    return tokens


class SearchUnit(NamedTuple):
    """A piece of a report that search can land on."""

    report: int  #: number of the report in ``docs``
    anchor: str  #: ``item-…`` of the file section; "" for the report itself
    path: str
    title: str
    texts: Sequence[str]


#: Term frequencies above this count as this (BM25 saturates long before).
MAX_TF = 7
#: The index the search page loads first: reports, paths and units.
INDEX = "search-index.json"
#: Postings are split into this many files by the start of the token (see
#: :func:`shard_of`); a query loads only the files of its tokens.
SHARDS = 64


class _Postings:
    """token -> ascending item numbers with frequencies, encoded as in :func:`build_index`."""

    def __init__(self) -> None:
        #: Per token ``gap * 8 + frequency``: the gap from the token's previous item number.
        self.lists: defaultdict[str, list[int]] = defaultdict(list)
        #: Per token its last item number, times 8.
        self.last: dict[str, int] = {}

    def add(self, number: int, tokens: list[str]) -> int:
        """Add the tokens of item ``number`` (numbers ascending); how many there were."""
        counts = Counter(tokens)
        last = self.last
        # The arithmetic in map (C), so that the loop only appends: it runs once per posting.
        here = number * (MAX_TF + 1)
        values = map(
            operator.add,
            map(operator.sub, repeat(here), map(last.get, counts, repeat(0))),
            map(min, counts.values(), repeat(MAX_TF)),
        )
        lists = self.lists
        for token, value in zip(counts, values, strict=True):
            lists[token].append(value)
        last.update(zip(counts, repeat(here)))
        return len(tokens)

    def sharded(self) -> dict[int, dict[str, list[int]]]:
        shards: dict[int, dict[str, list[int]]] = {}
        for token in sorted(self.lists):
            shards.setdefault(shard_of(token), {})[token] = self.lists[token]
        return shards


def build_index(docs: Sequence[dict[str, Any]], units: Sequence[SearchUnit]) -> dict[str, str]:
    """The search files (site-relative name -> JSON): the index and its postings.

    :data:`INDEX` holds ``docs``, ``paths`` and ``units`` (what results show);
    ``search/terms-K.json`` the ``terms`` and ``path_terms`` of the tokens in shard K.

    ``paths`` lists each file path once, with its anchor (a path recurs in many reports,
    so its tokens are indexed once, in ``path_terms``, and count for every unit of it);
    ``units`` rows are ``[report, path number or -1, title, length in tokens]``; ``terms``
    maps a token to its unit postings, one integer each: ``delta * 8 + frequency``
    (ascending numbers delta-encoded, frequency capped at :data:`MAX_TF`), which keeps
    the file small.
    """
    terms = _Postings()
    path_terms = _Postings()
    rows: list[list[Any]] = []
    paths: dict[tuple[str, str], int] = {}
    path_lengths: list[int] = []
    for number, unit in enumerate(units):
        length = terms.add(number, tokenize("\n".join(unit.texts)))
        path = -1
        if unit.path:
            key = (unit.path, unit.anchor)
            if key not in paths:
                paths[key] = len(paths)
                path_lengths.append(path_terms.add(paths[key], tokenize(unit.path)))
            path = paths[key]
            length += path_lengths[path]
        rows.append([unit.report, path, unit.title, length])
    files = {
        INDEX: _json(
            {
                "v": 4,
                "shards": SHARDS,
                "docs": list(docs),
                "paths": [list(key) for key in paths],
                "units": rows,
            }
        )
    }
    unit_shards, path_shards = terms.sharded(), path_terms.sharded()
    for k in range(SHARDS):
        files[f"search/terms-{k}.json"] = _json(
            {"terms": unit_shards.get(k, {}), "path_terms": path_shards.get(k, {})}
        )
    return files


def shard_of(token: str) -> int:
    """The terms file that holds ``token`` (site.js computes the same).

    A latin token goes by its first two characters (prefix search only looks up prefixes of
    two or more, which share them), a CJK one by its first character (a lone character
    finds the bigrams that start with it in its own file).
    """
    first = ord(token[0])
    if len(token) < 2 or is_cjk(token[0]):
        return first % SHARDS
    return (first * 31 + ord(token[1])) % SHARDS


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
