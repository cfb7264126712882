"""Every catalogue carries exactly en_US's messages, with the same placeholders."""

from __future__ import annotations

import string
from typing import Any

import pytest

from diffinsight.grounding import unsupported_tokens
from diffinsight.i18n import _load, available_languages, catalog

REQUIRED = ["en_US", "ja_JP", "zh_CN", "zh_TW", "ko_KR", "fr_FR", "de_DE", "es_ES"]
PLURAL_FORMS = {"zero", "one", "two", "few", "many", "other"}


def _fields(msg: Any) -> set[str]:
    texts = msg.values() if isinstance(msg, dict) else [msg]
    out: set[str] = set()
    for text in texts:
        out |= {f for _, f, _, _ in string.Formatter().parse(str(text)) if f}
    return out


def test_required_languages_present() -> None:
    assert set(REQUIRED) <= set(available_languages())


@pytest.mark.parametrize("lang", [x for x in REQUIRED if x != "en_US"])
def test_same_keys_and_placeholders(lang: str) -> None:
    en = _load("en_US")
    other = _load(lang)
    assert sorted(set(en) - set(other)) == [], "missing"
    assert sorted(set(other) - set(en)) == [], "extra"
    for key, msg in en.items():
        if key.startswith("meta."):
            continue
        assert _fields(other[key]) == _fields(msg), key
        if isinstance(other[key], dict):
            assert set(other[key]) <= PLURAL_FORMS and "other" in other[key], key
            # "many" (millions in fr/es) falls back to "other", which reads correctly.
            for form in set(catalog(lang).locale.plural_form.rules) - {"many"}:
                assert form in other[key], (key, form)


@pytest.mark.parametrize("lang", REQUIRED)
def test_cjk_catalogues_use_full_width_punctuation(lang: str) -> None:
    if lang[:2] not in ("zh", "ja"):
        pytest.skip("only Chinese and Japanese")
    for key, msg in _load(lang).items():
        for text in msg.values() if isinstance(msg, dict) else [msg]:
            assert not str(text).rstrip().endswith("."), key
            assert "(" not in str(text).replace("{", ""), key


def test_counts_grouped_without_dots() -> None:
    # "1.150 Zeilen" would read as a version; the grounding check could not confirm it either.
    de = catalog("de_DE")
    assert de.num(1150) == "1\u202f150"
    assert unsupported_tokens(f"{de.num(1150)} Zeilen", "+++ 1150 lines") == []
    assert catalog("en_US").num(1150) == "1,150"
