"""Checks on what a model wrote: prompt-leak artefacts, language, faithfulness to the diff."""

from __future__ import annotations

import functools
import re
from typing import Any

from diffinsight.grounding import Evidence, unsupported_tokens

_CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.DOTALL)
_URL = re.compile(r"https?://\S+")
_PATHISH = re.compile(r"\S*[/_.=]\S*")
#: Tags a model copies from prompts (``<format>``, ``</output>``...), outside code spans.
_LEAK_TAG = re.compile(
    r"</?\s*(format|output|input|response|answer|json|locale|lang|language|system|user|assistant"
    r"|instructions?|context|diff|patch|file|files|facts?|explanation|title|summary|example)\b[^>]*>",
    re.IGNORECASE,
)
_LEAK_WORDS = re.compile(r"\b(Locale|Language)\s*:\s*\w|\bas an AI\b", re.IGNORECASE)
_LOCALE_TAG = re.compile(r"\[?\b[a-z]{2}[_-][A-Z]{2}\b\]?")
#: Extra candidates for what a wrong-language answer is written in.
_USUAL_SUSPECTS = ("en", "zh", "ja", "ko", "de", "fr", "es", "pt")
MIN_LETTERS_TO_DETECT = 12


def _outside_code(text: str) -> str:
    return _CODE_SPAN.sub(" ", text)


def artefacts(text: str, *, title: bool = False) -> list[str]:
    """Prompt-leak artefacts in ``text`` (tags, ``Locale:`` lines, locale tags in titles)."""
    plain = _outside_code(text)
    found = [m.group(0) for m in _LEAK_TAG.finditer(plain)]
    found += [m.group(0) for m in _LEAK_WORDS.finditer(plain)]
    if title:
        found += [m.group(0) for m in _LOCALE_TAG.finditer(plain)]
    return found


@functools.lru_cache(maxsize=8)
def _detector(codes: tuple[str, ...]) -> Any:
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    langs = []
    for code in codes:
        try:
            langs.append(Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())))
        except (AttributeError, ValueError):
            continue
    if len(langs) < 2:
        return None
    return LanguageDetectorBuilder.from_languages(*langs).build()


def _iso(lang: str) -> str:
    return re.split(r"[_-]", lang)[0].lower()


def language_ok(text: str, lang: str) -> bool:
    """Whether ``text`` (code, URLs and paths aside) reads as ``lang``; short texts pass."""
    plain = _PATHISH.sub(" ", _URL.sub(" ", _outside_code(text)))
    if sum(ch.isalpha() for ch in plain) < MIN_LETTERS_TO_DETECT:
        return True
    want = _iso(lang)
    detector = _detector(tuple(sorted({want, *_USUAL_SUSPECTS})))
    if detector is None:
        return True
    found = detector.detect_language_of(plain)
    if found is None:
        return True
    return bool(found.iso_code_639_1.name.lower() == want)


def unsupported(text: str, evidence: Evidence) -> list[str]:
    """Versions, dates, numbers, identifiers, URLs and file names of ``text`` not in ``evidence``."""
    return unsupported_tokens(text, evidence)
