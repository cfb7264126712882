"""The sentence guard: what is left of a model's text once every unsupported claim is taken out.

It runs after the repair round, on every text a reader sees (titles, explanations, summaries,
highlights, insights). Prompt-leak artefacts (tags, ``Locale:`` phrases, locale codes in titles)
are cut out of the text; a sentence that still states a value the evidence lacks, or is written
in another language, is removed whole. What was removed is returned for the JSON's audit trail;
the caller decides whether what is left still carries the change (else the offline text is used).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from diffinsight.grounding import Evidence
from diffinsight.llm import checks

#: Part of every cache key: a stricter guard must never reuse answers judged by an older one.
GUARD_VERSION = "guard-1"

_PROTECTED = re.compile(r"(`+).+?\1|https?://\S+|\]\([^)]*\)", re.DOTALL)
# A full stop, question or exclamation mark before white space; CJK ones need none; a newline.
_BOUNDARY = re.compile(r"(?<=[.!?])[)\"'”’]*\s+|(?<=[。！？])[）」』”]*\s*|\s*\n\s*")
_ABBREVIATION = re.compile(r"(?:\b(?:e\.g|i\.e|etc|vs|approx|no|fig|cf)|\b[A-Z])\.$", re.I)
_TIDY_EDGES = " \t-–—:|;,，、：；"
_MIN_LETTERS_CJK = 10
_MIN_LETTERS = 24


@dataclass
class Guarded:
    """A text after the guard, with what was taken out of it."""

    text: str
    #: Sentences and artefacts removed, as they were written.
    removed: list[str] = field(default_factory=list)
    #: Values the evidence lacks that were removed with their sentences.
    unsupported: list[str] = field(default_factory=list)
    #: Why sentences were removed (``unsupported value``, ``wrong language``, ``chatter``).
    reasons: list[str] = field(default_factory=list)


def sentences(text: str) -> list[str]:
    """``text`` cut into sentences (code spans, URLs and link targets are never cut)."""
    protected = [m.span() for m in _PROTECTED.finditer(text)]
    out: list[str] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        if m.start() <= start or any(a < m.start() < b for a, b in protected):
            continue
        piece = text[start : m.start()]
        if _ABBREVIATION.search(piece):
            continue
        # Closing quotes and brackets after the mark belong to the sentence before it.
        end = m.start() + len(m.group(0).rstrip())
        out.append(text[start:end].strip())
        start = m.end()
    out.append(text[start:].strip())
    return [s for s in out if s]


def _join(parts: list[str], lang: str) -> str:
    sep = "" if lang[:2] in ("zh", "ja") else " "
    return sep.join(parts).strip()


def _tidy(text: str) -> str:
    text = re.sub(r"[ \t]{2,}", " ", text)
    text = re.sub(r"\s+([.,;:!?。、，])", r"\1", text)
    text = re.sub(r"[(（]\s*[)）]", "", text)
    return text.strip(_TIDY_EDGES).strip()


def guard(text: str, lang: str, evidence: Evidence, *, title: bool = False) -> Guarded:
    """``text`` without artefacts and without sentences the evidence or the language disown."""
    stripped, leaks = checks.strip_artefacts(text, title=title)
    out = Guarded(text="", removed=list(leaks))
    kept: list[str] = []
    for sentence in [stripped] if title else sentences(stripped):
        sentence = _tidy(sentence)
        if not sentence:
            continue
        bad = checks.unsupported(sentence, evidence)
        if bad:
            reason = "unsupported value " + ", ".join(bad)
        elif checks.chatter(sentence):
            reason = "chatter"
        elif not checks.language_ok(sentence, lang):
            reason = "wrong language"
        else:
            kept.append(sentence)
            continue
        out.removed.append(sentence)
        out.unsupported += [t for t in bad if t not in out.unsupported]
        out.reasons.append(reason)
    out.text = _join(kept, lang)
    return out


def carries_change(text: str, lang: str) -> bool:
    """Whether an explanation is still long enough to say what changed."""
    letters = sum(ch.isalnum() for ch in text.replace("`", ""))
    return letters >= (_MIN_LETTERS_CJK if lang[:2] in ("zh", "ja", "ko") else _MIN_LETTERS)
