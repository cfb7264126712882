"""The site's words through :class:`diffinsight.i18n.Catalog` (its ``site.*`` messages), and dates.

Templates call ``t("home")``, ``t.count("files_count", n)`` and ``t.label("types", value)``; the
messages live in the ``site:`` block of every ``i18n/locales/*.yaml``, so the catalogue test
checks them in all eight languages like every other string a reader sees.
"""

from __future__ import annotations

import functools
import hashlib
from datetime import date as Date
from importlib import resources
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_skeleton

from diffinsight.errors import InputError
from diffinsight.i18n import FALLBACK, Catalog, available_languages, catalog, normalize_language

__all__ = [
    "DEFAULT_LOCALE",
    "UNKNOWN_LANGUAGE",
    "SiteText",
    "babel_locale",
    "catalogue_for",
    "format_day",
    "format_month",
    "language_name",
    "messages_digest",
    "site_text",
]

DEFAULT_LOCALE = FALLBACK
#: The language code of reports whose language cannot be told.
UNKNOWN_LANGUAGE = "unknown"
_PREFIX = "site."


@functools.lru_cache(maxsize=64)
def catalogue_for(locale: str) -> str:
    """The catalogue a page in ``locale`` speaks: its own, its language's (``fr_CA`` → fr_FR)
    or en_US (a report in Portuguese gets an English interface around its own text)."""
    for code in (locale, locale.split("_")[0]):
        try:
            return normalize_language(code)
        except InputError:
            continue
    return DEFAULT_LOCALE


class SiteText:
    """The site's messages of one locale; a missing key raises (the catalogue test finds it)."""

    def __init__(self, locale: str) -> None:
        self.locale = locale
        self.catalog: Catalog = catalog(catalogue_for(locale))
        self._plain: dict[str, str] = {}

    def __call__(self, key: str, **values: Any) -> str:
        """The message ``site.<key>`` with its ``{name}`` placeholders filled in."""
        if values:
            return self.catalog.t(_PREFIX + key, **values)
        # Every page asks for the same dozen words: look each up once.
        found = self._plain.get(key)
        if found is None:
            found = self._plain[key] = self.catalog.t(_PREFIX + key)
        return found

    def count(self, key: str, n: int) -> str:
        """The plural message ``site.<key>`` for ``n`` (CLDR rules of the catalogue's language)."""
        return self.catalog.t(_PREFIX + key, count=n)

    def forms(self, key: str) -> dict[str, str]:
        """The raw plural forms of ``site.<key>`` (``{"one": "{count} result", ...}``), for the
        browser to pick with ``Intl.PluralRules``."""
        raw = self.catalog.templates(_PREFIX + key).get(_PREFIX + key)
        if not isinstance(raw, dict):
            raise KeyError(f"message {_PREFIX + key!r} is not a plural message")
        return {str(k): str(v) for k, v in raw.items()}

    def label(self, group: str, value: str) -> str:
        """A translated vocabulary value (``types`` / ``new feature``), or the value as written
        (reports of other tools use their own words for types and statuses)."""
        key = f"{_PREFIX}{group}.{value}"
        return self.catalog.t(key) if self.catalog.has(key) else value


@functools.lru_cache(maxsize=64)
def site_text(locale: str) -> SiteText:
    """The (cached) :class:`SiteText` of ``locale``."""
    return SiteText(locale)


def messages_digest() -> str:
    """A hash of every catalogue file: pages re-render when one changes.

    The bytes, not the parsed messages: parsing eight catalogues cost a quarter of a
    rebuild that changes nothing (any edit, even outside ``site:``, re-renders; they are rare).
    """
    folder = resources.files("diffinsight.i18n") / "locales"
    h = hashlib.sha256()
    for lang in available_languages():
        h.update(lang.encode())
        h.update((folder / f"{lang}.yaml").read_bytes())
    return h.hexdigest()


@functools.lru_cache(maxsize=64)
def babel_locale(code: str) -> Locale:
    """A babel locale for a report language; en_US when babel does not know it."""
    try:
        return Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        return Locale.parse(DEFAULT_LOCALE)


def language_name(code: str, ambiguous: bool = False, locale: str = DEFAULT_LOCALE) -> str:
    """The native name of a language (``日本語``); with region when ``ambiguous``.

    The unknown language is named in ``locale``, the language of the page that lists it.
    """
    if code == UNKNOWN_LANGUAGE:
        return site_text(locale)("unknown_language")
    try:
        loc = Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        return code
    name = loc.get_display_name(code) if ambiguous else loc.get_language_name(code)
    return name or code


@functools.lru_cache(maxsize=8192)
def format_day(day: Date, locale: str) -> str:
    """A date written as the locale writes it (``2025年5月22日``, ``May 22, 2025``)."""
    return str(format_date(day, "long", locale=babel_locale(locale)))


def format_month(year: int, month: int, locale: str) -> str:
    """A month written as the locale writes it (``2025年5月``, ``May 2025``)."""
    return str(format_skeleton("yMMMM", Date(year, month, 1), locale=babel_locale(locale)))
