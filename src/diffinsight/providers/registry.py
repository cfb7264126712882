"""The provider registry: each provider module says how it is detected, resolved and built.

A module of this package registers its provider with :func:`register` when imported; the
registry imports every module of the package the first time it is asked, so a new provider is
one new module here and nothing else changes (modules named ``_...``, ``base`` and
``registry`` are not providers).
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from diffinsight.errors import ConfigError
from diffinsight.providers.base import Provider, ProviderSettings, Resolved

__all__ = [
    "Create",
    "Detect",
    "ProviderSpec",
    "Resolve",
    "create",
    "discover",
    "names",
    "register",
    "resolve",
    "spec",
]

#: How strongly settings + environment ask for a provider when none is named (lower wins),
#: or None when they do not.
Detect = Callable[[ProviderSettings, Mapping[str, str]], int | None]
Resolve = Callable[[ProviderSettings, Mapping[str, str]], Resolved]
#: Builds the provider; the last argument is an HTTP client to pass on (tests, proxies) or None.
Create = Callable[[Resolved, ProviderSettings, Any], Provider]


@dataclass(frozen=True)
class ProviderSpec:
    """One registered provider."""

    name: str
    resolve: Resolve
    create: Create
    detect: Detect | None = None
    #: Hidden providers (the in-process fake) work when named but are not offered as choices.
    hidden: bool = False


_SKIP = {"base", "registry"}
_specs: dict[str, ProviderSpec] = {}
_imported: set[str] = set()
_lock = threading.RLock()


def register(spec: ProviderSpec) -> None:
    """Add (or replace) a provider; called by provider modules when imported."""
    with _lock:
        _specs[spec.name] = spec


def discover() -> None:
    """Import every provider module of the package not imported yet (each registers itself)."""
    import diffinsight.providers as package

    with _lock:
        for info in pkgutil.iter_modules(package.__path__):
            if info.name in _SKIP or info.name.startswith("_") or info.name in _imported:
                continue
            _imported.add(info.name)
            importlib.import_module(f"{package.__name__}.{info.name}")


def names(*, hidden: bool = False) -> list[str]:
    """The registered providers' names, sorted (``hidden``: the hidden ones too)."""
    discover()
    return sorted(n for n, s in _specs.items() if hidden or not s.hidden)


def spec(name: str) -> ProviderSpec:
    """The provider called ``name``; :class:`ConfigError` naming the choices otherwise."""
    discover()
    found = _specs.get(name)
    if found is None:
        raise ConfigError(
            f"llm.provider: unknown provider {name!r}; choose from {', '.join(names())}"
        )
    return found


def resolve(settings: ProviderSettings, env: Mapping[str, str] | None = None) -> Resolved | None:
    """The provider to use, or None when nothing asks for one (the offline engine runs)."""
    env = os.environ if env is None else env
    settings.key_from_env(env)  # a named key variable that is unset is an error for any provider
    if settings.provider is not None:
        return spec(settings.provider).resolve(settings, env)
    discover()
    ranked = sorted(
        (rank, s.name)
        for s in _specs.values()
        if s.detect is not None and (rank := s.detect(settings, env)) is not None
    )
    if not ranked:
        return None
    return _specs[ranked[0][1]].resolve(settings, env)


def create(resolved: Resolved, settings: ProviderSettings, http_client: Any = None) -> Provider:
    """The provider object for ``resolved``."""
    return spec(resolved.kind).create(resolved, settings, http_client)
