"""Checks on what a model wrote: prompt-leak artefacts, language, faithfulness to the diff."""

from __future__ import annotations

import functools
import re
import threading
from typing import Any

from diffinsight.grounding import Evidence, text_tokens, unsupported_tokens

_CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.DOTALL)
_URL = re.compile(r"https?://\S+")
_PATHISH = re.compile(r"\S*[/_.=]\S*")
#: Tags a model copies from prompts (``<format>``, ``</output>``...), outside code spans.
_LEAK_TAG = re.compile(
    r"</?\s*(format|output|input|response|answer|json|locale|lang|language|system|user|assistant"
    r"|instructions?|context|diff|patch|file|files|facts?|explanation|title|summary|example)\b[^>]*>",
    re.IGNORECASE,
)
# "Language: Python" is real table content; "Locale: en_US" is the prompt talking.
_LEAK_WORDS = re.compile(r"\bLocale\s*:\s*\w|\bas an AI\b", re.IGNORECASE)
_LOCALE_TAG = re.compile(r"\[?\b[a-z]{2}[_-][A-Z]{2}\b\]?")
#: Extra candidates for what a wrong-language answer is written in.
_USUAL_SUSPECTS = ("en", "zh", "ja", "ko", "de", "fr", "es", "pt")
_QUOTED = re.compile(r"“[^”]*”|「[^」]*」|『[^』]*』|\"[^\"]*\"")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
MIN_LETTERS_TO_DETECT = 12
MIN_CONFIDENCE = 0.1


def _outside_code(text: str) -> str:
    return _CODE_SPAN.sub(" ", text)


_LOCALE_PHRASE = re.compile(
    r"[(（\[]?\s*\bLocale\s*[:：]\s*\$?\{?[A-Za-z]{2,3}(?:[_-][A-Za-z]{2,4})?\}?\s*[)）\]]?",
    re.IGNORECASE,
)
_CHATTER = re.compile(r"\bas an AI\b", re.IGNORECASE)


def artefacts(text: str, *, title: bool = False) -> list[str]:
    """Prompt-leak artefacts in ``text`` (tags, ``Locale:`` lines, locale tags in titles)."""
    plain = _outside_code(text)
    found = [m.group(0) for m in _LEAK_TAG.finditer(plain)]
    found += [m.group(0) for m in _LEAK_WORDS.finditer(plain)]
    if title:
        found += [m.group(0) for m in _LOCALE_TAG.finditer(plain)]
    return found


def strip_artefacts(text: str, *, title: bool = False) -> tuple[str, list[str]]:
    """``text`` without tags, ``Locale:`` phrases (and, in titles, locale codes); what was cut."""
    found: list[str] = []
    spans = [m.span() for m in _CODE_SPAN.finditer(text)]

    def cut(m: re.Match[str]) -> str:
        if any(a <= m.start() < b for a, b in spans):
            return m.group(0)
        found.append(m.group(0).strip())
        return " "

    patterns = [_LEAK_TAG, _LOCALE_PHRASE] + ([_LOCALE_TAG] if title else [])
    for pattern in patterns:
        text = pattern.sub(cut, text)
        spans = [m.span() for m in _CODE_SPAN.finditer(text)]
    return text, found


def chatter(text: str) -> bool:
    """Whether ``text`` is the model talking about itself ("as an AI...")."""
    return bool(_CHATTER.search(_outside_code(text)))


_DETECTOR_LOCK = threading.Lock()


def _detector(codes: tuple[str, ...]) -> Any:
    # Building a detector loads models (about a second): once per process, not once per thread.
    with _DETECTOR_LOCK:
        return _build_detector(codes)


@functools.lru_cache(maxsize=8)
def _build_detector(codes: tuple[str, ...]) -> Any:
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


def _cjk_ok(plain: str, want: str) -> bool:
    """Script counts for Chinese, Japanese and Korean: robust where prose mixes in English terms."""
    han = len(_HAN.findall(plain))
    kana = len(_KANA.findall(plain))
    hangul = len(_HANGUL.findall(plain))
    latin_words = len(_LATIN_WORD.findall(plain))
    # Product names and terms stay in English inside Chinese prose; an answer in the wrong
    # language has (almost) no characters of the script at all.
    if want == "zh":
        return han >= 2 and 3 * han >= latin_words and kana <= han // 10 and hangul == 0
    if want == "ja":
        return han + kana >= 2 and 3 * (han + kana) >= latin_words and (kana > 0 or han < 8)
    return hangul >= 2 and 3 * hangul >= latin_words


def language_ok(text: str, lang: str) -> bool:
    """Whether ``text`` reads as ``lang``, leaving aside code, URLs, paths and quoted names.

    Texts with too few letters left to judge pass.
    """
    plain = _QUOTED.sub(" ", _PATHISH.sub(" ", _URL.sub(" ", _outside_code(text))))
    if sum(ch.isalpha() for ch in plain) < MIN_LETTERS_TO_DETECT:
        return True
    want = _iso(lang)
    if want in ("zh", "ja", "ko"):
        return _cjk_ok(plain, want)
    detector = _detector(tuple(sorted({want, *_USUAL_SUSPECTS})))
    if detector is None:
        return True
    found = detector.detect_language_of(plain)
    if found is None or found.iso_code_639_1.name.lower() == want:
        return True
    # Short technical sentences are easily confused among related languages; fail only when
    # the requested language is clearly not it.
    wanted = next(
        v
        for v in detector.compute_language_confidence_values(plain)
        if v.language.iso_code_639_1.name.lower() == want
    )
    return bool(wanted.value >= MIN_CONFIDENCE)


_CJK_LATIN = re.compile(
    r"(?<=[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uff00-\uffef])(?=[A-Za-z0-9`])"
    r"|(?<=[A-Za-z0-9`])(?=[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uff00-\uffef])"
)


def _defused(text: str) -> str:
    # Chinese and Japanese run values into the prose (新增文件a.md); a space where the script
    # changes keeps the prose out of the value, without changing any value.
    return _CJK_LATIN.sub(" ", text)


def tokens(text: str) -> list[str]:
    """The checkable tokens of ``text`` (see :mod:`diffinsight.grounding`)."""
    return text_tokens(_defused(text))


def unsupported(text: str, evidence: Evidence) -> list[str]:
    """Versions, dates, numbers, identifiers, URLs and file names of ``text`` not in ``evidence``."""
    return unsupported_tokens(_defused(text), evidence)
