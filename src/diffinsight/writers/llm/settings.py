"""Settings of the LLM writer: the config file's ``llm:`` mapping.

The keys that choose and reach a provider are :class:`~diffinsight.providers.base.ProviderSettings`;
each provider module in ``providers/`` merges them with its environment variables (the config
file wins). The rest (budgets, batching, cache) is the writer's own.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import ErrorDetails

from diffinsight.errors import ConfigError
from diffinsight.providers.base import ProviderSettings


class Price(BaseModel):
    """US dollars per million tokens."""

    model_config = ConfigDict(extra="forbid")

    input: float = Field(ge=0)
    output: float = Field(ge=0)


#: Published list prices (USD per 1M tokens) of common models; ``llm.prices`` overrides or adds.
DEFAULT_PRICES: dict[str, Price] = {
    "gpt-4o": Price(input=2.50, output=10.00),
    "gpt-4o-mini": Price(input=0.15, output=0.60),
    "gpt-4.1": Price(input=2.00, output=8.00),
    "gpt-4.1-mini": Price(input=0.40, output=1.60),
    "gpt-4.1-nano": Price(input=0.10, output=0.40),
}


class LLMSettings(ProviderSettings):
    """The ``llm:`` mapping of the config file: the provider's keys plus the writer's own."""

    model_config = ConfigDict(extra="forbid")

    concurrency: int = Field(default=8, ge=1, le=64)
    retries: int = Field(default=4, ge=0, le=10)
    #: Upper bound on one wait between retries, whatever ``Retry-After`` says.
    max_retry_wait: float = Field(default=60.0, ge=0)
    #: Input tokens per per-file call (files are batched up to this; larger ones clipped).
    call_tokens: int = Field(default=6000, ge=500)
    #: Input tokens of one file's changes at most (more is outlined or clipped, with a note).
    file_tokens: int = Field(default=1500, ge=200)
    #: Output tokens allowed per call.
    max_output_tokens: int = Field(default=4096, ge=256)
    temperature: float = Field(default=0.2, ge=0, le=2)
    #: Stop spending before this many US dollars (files past it are written offline).
    max_cost: float | None = Field(default=None, ge=0)
    #: Stop spending before this many tokens (input + output).
    max_tokens: int | None = Field(default=None, ge=1)
    prices: dict[str, Price] = Field(default_factory=dict)
    #: SQLite cache and log of calls; ``off`` disables it. Default: the user cache folder.
    cache: str | None = None

    def price(self, model: str) -> Price | None:
        """The price of ``model`` (configured first, then the built-in table)."""
        return self.prices.get(model) or DEFAULT_PRICES.get(model)


def _message(loc: tuple[str | int, ...], err: ErrorDetails) -> str:
    key = ".".join(str(p) for p in loc)
    if err["type"] == "extra_forbidden":
        return f"unknown key {key!r}; check its spelling"
    # A validator's own message already names the fix; pydantic's prefix adds nothing.
    return f"{key}: {err['msg'].removeprefix('Value error, ')}"


def parse_llm_settings(data: Mapping[str, Any] | None, name: str = "config") -> LLMSettings:
    """Validate the ``llm:`` mapping; :class:`ConfigError` names the key and the fix."""
    try:
        return LLMSettings.model_validate(dict(data or {}))
    except ValidationError as exc:
        err = exc.errors()[0]
        raise ConfigError(f"{name}: {_message(('llm', *err['loc']), err)}") from exc


def check_llm_mapping(
    data: Mapping[str, Any] | None,
    name: str,
    where: tuple[str | int, ...],
    line_of: Callable[[tuple[str | int, ...]], int | None],
) -> None:
    """Validate an ``llm:`` mapping found at ``where`` of a config file, naming file and line."""
    try:
        LLMSettings.model_validate(dict(data or {}))
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = (*where, *err["loc"])
        line = line_of(loc)
        raise ConfigError(
            f"{name}:{f' line {line}' if line else ''}: {_message(loc, err)}"
        ) from exc


def default_cache_path(env: Mapping[str, str] | None = None) -> Path:
    """``$XDG_CACHE_HOME/diffinsight/llm.db`` (``~/.cache/...`` when unset)."""
    env = os.environ if env is None else env
    root = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(root) / "diffinsight" / "llm.db"
