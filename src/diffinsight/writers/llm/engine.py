"""Choosing the engine: the LLM writer when a provider is configured, the offline one otherwise."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from diffinsight.config import Config
from diffinsight.errors import ConfigError
from diffinsight.models import Report, Usage
from diffinsight.providers.registry import create, resolve
from diffinsight.writers.base import ReportRequest, Writer
from diffinsight.writers.llm.settings import (
    LLMSettings,
    default_cache_path,
    parse_llm_settings,
)
from diffinsight.writers.offline import OfflineWriter

if TYPE_CHECKING:
    # The LLM writer, its cache and the providers load only when a provider is configured.
    from diffinsight.watchlist import WatchConfig
    from diffinsight.writers.llm.cache import CallCache

log = logging.getLogger(__name__)

ENGINES = ("auto", "llm", "offline")


class AutoOfflineWriter(OfflineWriter):
    """The offline engine chosen because no provider is configured; says so once, when it writes."""

    def __init__(self) -> None:
        self._announced = False

    def write(self, request: ReportRequest) -> list[Report]:
        """As :meth:`OfflineWriter.write`, after a one-time notice."""
        if not self._announced:
            self._announced = True
            log.info("no LLM provider configured; writing with the offline engine")
        return super().write(request)


def open_cache(settings: LLMSettings, env: Mapping[str, str] | None = None) -> CallCache | None:
    """The call cache the settings ask for (``off``: none)."""
    from diffinsight.writers.llm.cache import CallCache

    if settings.cache == "off":
        return None
    return CallCache(settings.cache or default_cache_path(env))


def select_writer(
    config: Config | None,
    engine: str = "auto",
    *,
    max_cost: float | None = None,
    concurrency: int | None = None,
    env: Mapping[str, str] | None = None,
    http_client: Any = None,
) -> Writer:
    """The writer for ``engine`` (``auto``, ``llm`` or ``offline``); options override the config."""
    if engine not in ENGINES:
        raise ConfigError(f"--engine {engine}: unknown engine; choose from {', '.join(ENGINES)}")
    if engine == "offline":
        return OfflineWriter()
    settings = parse_llm_settings((config or Config()).llm)
    updates: dict[str, object] = {}
    if max_cost is not None:
        updates["max_cost"] = max_cost
    if concurrency is not None:
        if concurrency < 1:
            raise ConfigError(f"--concurrency {concurrency}: must be at least 1")
        updates["concurrency"] = concurrency
    if updates:
        settings = settings.model_copy(update=updates)
    resolved = resolve(settings, env)
    if resolved is None:
        if engine == "llm":
            raise ConfigError(
                "--engine llm: no model provider configured; export OPENAI_API_KEY, or"
                " AZURE_OPENAI_ENDPOINT + AZURE_OPENAI_API_KEY + OPENAI_API_VERSION, or"
                " OPENAI_BASE_URL + DIFFINSIGHT_MODEL (or set llm: in the config)"
            )
        return AutoOfflineWriter()
    from diffinsight.writers.llm.writer import LLMWriter

    provider = create(resolved, settings, http_client)
    return LLMWriter(
        provider,
        settings,
        model=resolved.model,
        file_model=resolved.file_model,
        cache=open_cache(settings, env),
    )


def unreached(reports: Iterable[Report]) -> Usage | None:
    """The usage of a run in which the model was never reached (every call failed), else None."""
    usages = [r.usage for r in reports if r.usage is not None]
    if usages and all(u.unreached for u in usages):
        return usages[-1]
    return None


def unreached_message(
    usage: Usage, *, forced: bool = True, repositories: Sequence[str] = ()
) -> str:
    """One line naming the provider, the last error and the fix (``repositories``: a daily run)."""
    said = f"the {usage.provider or 'model'} provider answered no call"
    written = "the reports were written by the offline engine"
    if repositories:
        said = f"no model answered for {', '.join(repositories)}: {said}"
        written = "those days were written by the offline engine and will be retried"
    return (
        ("--engine llm: " if forced else "")
        + f"{said} (last error: {usage.last_error}); {written}."
        " Check the server address, key and model (llm: in the config, OPENAI_BASE_URL,"
        " DIFFINSIGHT_MODEL), or run with --engine offline"
    )


def unreached_writer(writers: Mapping[str, Writer], names: Iterable[str]) -> Usage | None:
    """The usage of the last report one of ``names``' writers wrote without reaching a model."""
    for name in names:
        usage = getattr(writers.get(name), "unreached", None)
        if isinstance(usage, Usage):
            return usage
    return None


def writers_for(
    watch: WatchConfig,
    engine: str = "auto",
    *,
    max_cost: float | None = None,
    concurrency: int | None = None,
    env: Mapping[str, str] | None = None,
) -> dict[str, Writer]:
    """One writer per watched repository (by name), each from that repository's ``llm:``."""
    return {
        r.display: select_writer(
            watch.repo_config(r), engine, max_cost=max_cost, concurrency=concurrency, env=env
        )
        for r in watch.repositories
    }
