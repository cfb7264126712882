"""UI strings of the site per locale (``messages.yaml``), language names and dates."""

from __future__ import annotations

import functools
from datetime import date as Date
from pathlib import Path

import yaml
from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_skeleton

__all__ = [
    "DEFAULT_LOCALE",
    "UNKNOWN_LANGUAGE",
    "Messages",
    "babel_locale",
    "catalogue_locales",
    "format_day",
    "format_month",
    "language_name",
]

DEFAULT_LOCALE = "en_US"
#: The language code of reports whose language cannot be told.
UNKNOWN_LANGUAGE = "unknown"

_CATALOGUE = Path(__file__).with_name("messages.yaml")


@functools.lru_cache(maxsize=1)
def _catalogues() -> dict[str, dict[str, str]]:
    data = yaml.safe_load(_CATALOGUE.read_text(encoding="utf-8"))
    return {str(k): {str(kk): str(vv) for kk, vv in v.items()} for k, v in data.items()}


def catalogue_locales() -> list[str]:
    """Locales that have a message catalogue."""
    return list(_catalogues())


class Messages:
    """The UI strings for one locale, falling back to the language, then to en_US."""

    def __init__(self, locale: str) -> None:
        cats = _catalogues()
        self.locale = locale
        chain = [locale]
        lang = locale.split("_")[0]
        chain += [k for k in cats if k.split("_")[0] == lang and k != locale]
        chain.append(DEFAULT_LOCALE)
        self._chain = [cats[c] for c in chain if c in cats]

    def __call__(self, key: str, **values: object) -> str:
        """The string for ``key``, with ``{name}`` placeholders filled in."""
        for cat in self._chain:
            if key in cat:
                text = cat[key]
                return text.format(**values) if values else text
        return key

    def count(self, key: str, n: int) -> str:
        """``key`` with ``{n}`` filled in, in the locale's plural form (``key_one``...)."""
        form = babel_locale(self.locale).plural_form(n)
        for cat in self._chain:
            for k in (f"{key}_{form}", key):
                if k in cat:
                    return cat[k].format(n=n)
        return f"{n} {key}"

    def label(self, prefix: str, value: str) -> str:
        """A translated vocabulary value (``type_bug fix``), or the value itself."""
        key = f"{prefix}_{value}"
        text = self(key)
        return value if text == key else text


@functools.lru_cache(maxsize=64)
def babel_locale(code: str) -> Locale:
    """A babel locale for a report language; en_US when babel does not know it."""
    try:
        return Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        return Locale.parse(DEFAULT_LOCALE)


def language_name(code: str, ambiguous: bool = False) -> str:
    """The native name of a language (``日本語``); with region when ``ambiguous``."""
    if code == UNKNOWN_LANGUAGE:
        return Messages(DEFAULT_LOCALE)("unknown_language")
    try:
        loc = Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        return code
    name = loc.get_display_name(code) if ambiguous else loc.get_language_name(code)
    return name or code


def format_day(day: Date, locale: str) -> str:
    """A date written as the locale writes it (``2025年5月22日``, ``May 22, 2025``)."""
    return str(format_date(day, "long", locale=babel_locale(locale)))


def format_month(year: int, month: int, locale: str) -> str:
    """A month written as the locale writes it (``2025年5月``, ``May 2025``)."""
    return str(format_skeleton("yMMMM", Date(year, month, 1), locale=babel_locale(locale)))
