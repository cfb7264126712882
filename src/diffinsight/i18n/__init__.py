"""Message catalogues: every string a reader sees, one YAML file per language.

A message is a ``str.format`` template with named fields. A message that depends on a count is a
mapping of CLDR plural categories (``one``, ``other``...), chosen with the locale's plural rules.
Missing keys fall back to ``en_US``, so a new language can be added one message at a time.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml
from babel import Locale
from babel.lists import format_list
from babel.numbers import format_decimal

from diffinsight.errors import InputError

FALLBACK = "en_US"


@cache
def _available() -> tuple[str, ...]:
    folder = resources.files("diffinsight.i18n") / "locales"
    return tuple(
        sorted(p.name[: -len(".yaml")] for p in folder.iterdir() if p.name.endswith(".yaml"))
    )


def available_languages() -> list[str]:
    """Languages that have a catalogue, e.g. ``['en_US', 'ja_JP', 'zh_CN']``."""
    return list(_available())


# Script subtags name the Chinese catalogues as well as regions do.
_ALIASES = {"zh_hans": "zh_CN", "zh_hant": "zh_TW", "zh_sg": "zh_CN", "zh_hk": "zh_TW"}


def normalize_language(code: str, option: str = "--lang") -> str:
    """The catalogue name for ``code``: ``zh-CN`` and ``zh_cn`` give ``zh_CN``, ``ja`` gives ``ja_JP``.

    :class:`InputError` naming ``option`` when no catalogue fits (or a bare code fits several).
    """
    known = available_languages()
    key = code.strip().replace("-", "_").lower()
    by_lower = {k.lower(): k for k in known}
    found = by_lower.get(key) or _ALIASES.get(key)
    if found is None and "_" not in key:
        matches = [k for k in known if k.lower().split("_")[0] == key]
        if len(matches) == 1:
            found = matches[0]
        elif matches:
            raise InputError(
                f"{option} {code}: several catalogues fit; choose {' or '.join(matches)}"
            )
    if found is None:
        raise InputError(
            f"{option} {code}: no message catalogue for it; choose from " + ", ".join(known)
        )
    return found


@cache
def _load(lang: str) -> dict[str, Any]:
    path = resources.files("diffinsight.i18n") / "locales" / f"{lang}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return _flatten(data or {})


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in tree.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict) and not _is_plural(value):
            out.update(_flatten(value, full + "."))
        else:
            out[full] = value
    return out


def _is_plural(value: dict[str, Any]) -> bool:
    return "other" in value and all(
        k in ("zero", "one", "two", "few", "many", "other") for k in value
    )


class Catalog:
    """The messages of one language, with its plural, list and number rules."""

    def __init__(self, lang: str) -> None:
        if lang not in available_languages():
            raise InputError(
                f"--lang {lang}: no message catalogue for it; choose from "
                + ", ".join(available_languages())
            )
        self.lang = lang
        self.locale = Locale.parse(lang)
        self._messages = _load(lang)
        self._fallback = _load(FALLBACK)
        self._nums: dict[tuple[type, object], str] = {}
        #: Plural form by count: babel evaluates the language's rule in Python each time.
        self._forms: dict[int, str] = {}

    def has(self, key: str) -> bool:
        """Whether the catalogue (or the fallback) defines ``key``."""
        return key in self._messages or key in self._fallback

    def templates(self, prefix: str) -> dict[str, Any]:
        """The raw messages whose key starts with ``prefix`` (fallback ones included)."""
        merged = {**self._fallback, **self._messages}
        return {k: v for k, v in merged.items() if k.startswith(prefix)}

    def t(self, name: str, /, count: int | None = None, **params: Any) -> str:
        """The message ``name`` filled with ``params`` (and ``count``, which also picks the plural)."""
        msg = self._messages.get(name, self._fallback.get(name))
        if msg is None:
            raise KeyError(f"message {name!r} is missing from the {self.lang} catalogue")
        if isinstance(msg, dict):
            n = count if count is not None else 1
            form = self._forms.get(n) if type(n) is int else None
            if form is None:
                form = self.locale.plural_form(n)
                if type(n) is int and len(self._forms) < 10_000:
                    self._forms[n] = form
            msg = msg.get(form, msg["other"])
        if count is not None:
            params.setdefault("count", self.num(count))
        return str(msg).format(**params)

    def join(self, items: list[str], more: bool = False) -> str:
        """A list in the language's own style: ``a, b, and c`` / ``a、b和c``.

        ``more``: the list goes on beyond ``items``: "a, b, c and others" (the ``and_more``
        message), never "a, b, and c and others".
        """
        if not items:
            return ""
        if not more:
            return format_list(items, locale=self.locale)
        middle = format_list(["\x01", "\x02", "\x03"], locale=self.locale)
        sep = middle[middle.index("\x01") + 1 : middle.index("\x02")]
        return self.t("and_more", items=sep.join(items))

    def num(self, n: int) -> str:
        """A number with the language's grouping (dots become narrow spaces: ``1 150``)."""
        key = (type(n), n)
        cached = self._nums.get(key)
        if cached is not None:  # babel's formatting is slow and reports repeat small counts
            return cached
        text = format_decimal(n, locale=self.locale)
        # A dot-grouped count ("1.150" in de_DE) reads as a version or decimal to a checker and
        # to many readers; the narrow no-break space is the unambiguous grouping of ISO 80000.
        text = text.replace(".", "\u202f") if isinstance(n, int) else text
        if len(self._nums) < 100_000:
            self._nums[key] = text
        return text


@cache
def catalog(lang: str) -> Catalog:
    """The (cached) catalogue of ``lang``; :class:`InputError` when there is none."""
    return Catalog(lang)
