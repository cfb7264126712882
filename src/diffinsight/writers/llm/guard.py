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
from diffinsight.writers.llm import checks

#: Part of every cache key: a stricter guard must never reuse answers judged by an older one.
GUARD_VERSION = "guard-1"

_PROTECTED = re.compile(r"(`+).+?\1|https?://\S+|\]\([^)]*\)", re.DOTALL)
# A full stop, question or exclamation mark before white space; CJK ones need none; a newline.
_BOUNDARY = re.compile(r"(?<=[.!?])[)\"'”’]*\s+|(?<=[。！？])[）」』”]*\s*|\s*\n\s*")
_ABBREVIATION = re.compile(r"(?:\b(?:e\.g|i\.e|etc|vs|approx|no|fig|cf)|\b[A-Z])\.$", re.I)
_LIST_MARKER = re.compile(r"\s*(?:[-*+]\s*)?\d{1,3}[.)]")
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


def _pieces(text: str) -> list[tuple[str, str]]:
    """``text`` as (sentence, the white space after it); code, URLs and list markers never cut."""
    protected = [m.span() for m in _PROTECTED.finditer(text)]
    out: list[tuple[str, str]] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        if m.start() <= start or any(a < m.start() < b for a, b in protected):
            continue
        piece = text[start : m.start()]
        if _ABBREVIATION.search(piece) or _LIST_MARKER.fullmatch(piece):
            continue
        # Closing quotes and brackets after the mark belong to the sentence before it.
        end = m.start() + len(m.group(0).rstrip())
        out.append((text[start:end].strip(), text[end : m.end()]))
        start = m.end()
    out.append((text[start:].strip(), ""))
    return [(s, sep) for s, sep in out if s]


def sentences(text: str) -> list[str]:
    """``text`` cut into sentences (code spans, URLs and link targets are never cut)."""
    return [s for s, _ in _pieces(text)]


def _join(parts: list[tuple[str, str]]) -> str:
    return "".join(s + sep for s, sep in parts).strip()


def _tidy(text: str) -> str:
    text = re.sub(r"[ \t]{2,}", " ", text)
    text = re.sub(r"\s+([.,;:!?。、，])", r"\1", text)
    text = re.sub(r"[(（]\s*[)）]", "", text)
    bullet = re.match(r"\s*(?:[-*+]|\d{1,3}[.)])\s+(?=\S)", text)
    head = bullet.group(0).strip() + " " if bullet else ""
    rest = text[bullet.end() :] if bullet else text
    return head + rest.strip(_TIDY_EDGES).strip()


def guard(text: str, lang: str, evidence: Evidence, *, title: bool = False) -> Guarded:
    """``text`` without artefacts and without sentences the evidence or the language disown."""
    stripped, leaks = checks.strip_artefacts(text, title=title)
    out = Guarded(text="", removed=list(leaks))
    kept: list[tuple[str, str]] = []
    for raw, sep in [(stripped, "")] if title else _pieces(stripped):
        sentence = _tidy(raw).strip(_TIDY_EDGES) if title else _tidy(raw)
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
            kept.append((sentence, sep))
            continue
        if kept and sep.count("\n") > kept[-1][1].count("\n"):
            kept[-1] = (kept[-1][0], sep)  # keep the paragraph break a removed sentence ended
        out.removed.append(sentence)
        out.unsupported += [t for t in bad if t not in out.unsupported]
        out.reasons.append(reason)
    out.text = _join(kept)
    return out


def first_sentence(text: str) -> str:
    """The first sentence of ``text`` as :func:`guard` sees it (artefacts cut, tidied)."""
    for raw, _ in _pieces(checks.strip_artefacts(text)[0]):
        sentence = _tidy(raw)
        if sentence:
            return sentence
    return ""


def carries_change(text: str, lang: str) -> bool:
    """Whether an explanation is still long enough to say what changed."""
    letters = sum(ch.isalnum() for ch in text.replace("`", ""))
    return letters >= (_MIN_LETTERS_CJK if lang[:2] in ("zh", "ja", "ko") else _MIN_LETTERS)
