"""Settings of the LLM writer: the config file's ``llm:`` mapping plus the SDK's environment.

The standard variables work as users of the ``openai`` SDK expect (``OPENAI_API_KEY`` +
``OPENAI_BASE_URL``; ``AZURE_OPENAI_ENDPOINT`` + ``AZURE_OPENAI_API_KEY`` or
``AZURE_OPENAI_AD_TOKEN`` + ``OPENAI_API_VERSION``); ``DIFFINSIGHT_MODEL`` and
``DIFFINSIGHT_FILE_MODEL`` name the models. The config file wins over the environment.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from diffinsight.errors import ConfigError

ProviderKind = Literal["openai", "azure", "compatible"]

DEFAULT_OPENAI_MODEL = "gpt-4o"
DEFAULT_OPENAI_FILE_MODEL = "gpt-4o-mini"


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


class LLMSettings(BaseModel):
    """The ``llm:`` mapping of the config file (every key optional)."""

    model_config = ConfigDict(extra="forbid")

    #: ``openai``, ``azure`` or ``compatible`` (any OpenAI-compatible server); default: from the environment.
    provider: ProviderKind | None = None
    #: Model (Azure: deployment) for the report-level call.
    model: str | None = None
    #: Model (Azure: deployment) for per-file work; default: ``model``.
    file_model: str | None = None
    #: OpenAI-compatible server, e.g. ``http://localhost:11434/v1`` (Ollama).
    base_url: str | None = None
    #: Name of the environment variable holding the key (never the key itself).
    api_key_env: str | None = None
    azure_endpoint: str | None = None
    api_version: str | None = None
    #: ``key`` (API key) or ``entra`` (Microsoft Entra ID token via azure-identity).
    azure_auth: Literal["key", "entra"] = "key"
    #: ``auto``: strict JSON schema on OpenAI/Azure, JSON mode + validation on other servers.
    structured_output: Literal["auto", "schema", "json"] = "auto"
    concurrency: int = Field(default=8, ge=1, le=64)
    timeout: float = Field(default=120.0, gt=0)
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


def parse_llm_settings(data: Mapping[str, Any] | None, name: str = "config") -> LLMSettings:
    """Validate the ``llm:`` mapping; :class:`ConfigError` names the key and the fix."""
    try:
        return LLMSettings.model_validate(dict(data or {}))
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(["llm", *(str(p) for p in err["loc"])])
        if err["type"] == "extra_forbidden":
            msg = f"unknown key {key!r}; check its spelling"
        else:
            msg = f"{key}: {err['msg']}"
        raise ConfigError(f"{name}: {msg}") from exc


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
        key = ".".join(str(p) for p in loc)
        if err["type"] == "extra_forbidden":
            msg = f"unknown key {key!r}; check its spelling"
        else:
            msg = f"{key}: {err['msg']}"
        raise ConfigError(f"{name}:{f' line {line}' if line else ''}: {msg}") from exc


class Resolved(BaseModel):
    """Where and how to call: settings merged with the environment."""

    kind: ProviderKind
    model: str
    file_model: str
    base_url: str | None = None
    api_key: str | None = None
    azure_endpoint: str | None = None
    api_version: str | None = None
    azure_ad_token: str | None = None
    azure_auth: Literal["key", "entra"] = "key"


def resolve(settings: LLMSettings, env: Mapping[str, str] | None = None) -> Resolved | None:
    """The provider to use, or None when nothing is configured (the offline engine runs)."""
    env = os.environ if env is None else env
    model = settings.model or env.get("DIFFINSIGHT_MODEL") or None
    file_model = settings.file_model or env.get("DIFFINSIGHT_FILE_MODEL") or None
    key_from_env = env.get(settings.api_key_env) if settings.api_key_env else None
    if settings.api_key_env and not key_from_env:
        raise ConfigError(
            f"llm.api_key_env: ${settings.api_key_env} is not set; export it or remove the key"
        )
    azure_endpoint = settings.azure_endpoint or env.get("AZURE_OPENAI_ENDPOINT")
    base_url = settings.base_url or env.get("OPENAI_BASE_URL")
    kind = settings.provider
    if kind is None:
        if settings.base_url:
            kind = "compatible"
        elif settings.azure_endpoint or (
            azure_endpoint
            and (
                env.get("AZURE_OPENAI_API_KEY") or env.get("AZURE_OPENAI_AD_TOKEN") or key_from_env
            )
        ):
            kind = "azure"
        elif env.get("OPENAI_BASE_URL"):
            kind = "compatible"
        elif env.get("OPENAI_API_KEY") or key_from_env:
            kind = "openai"
        else:
            return None
    if kind == "azure":
        if not azure_endpoint:
            raise ConfigError("llm.azure_endpoint: not set; set it or export AZURE_OPENAI_ENDPOINT")
        version = settings.api_version or env.get("OPENAI_API_VERSION")
        if not version:
            raise ConfigError("llm.api_version: not set; set it or export OPENAI_API_VERSION")
        if not model:
            raise ConfigError(
                "llm.model: Azure needs a deployment name; set llm.model or export DIFFINSIGHT_MODEL"
            )
        key = key_from_env or env.get("AZURE_OPENAI_API_KEY")
        token = env.get("AZURE_OPENAI_AD_TOKEN")
        if settings.azure_auth == "key" and not (key or token):
            raise ConfigError(
                "llm: Azure needs a credential; export AZURE_OPENAI_API_KEY or AZURE_OPENAI_AD_TOKEN,"
                " or set llm.azure_auth: entra"
            )
        return Resolved(
            kind="azure",
            model=model,
            file_model=file_model or model,
            azure_endpoint=azure_endpoint,
            api_version=version,
            api_key=key,
            azure_ad_token=token,
            azure_auth=settings.azure_auth,
        )
    key = key_from_env or env.get("OPENAI_API_KEY")
    if kind == "compatible":
        if not base_url:
            raise ConfigError("llm.base_url: not set; set it or export OPENAI_BASE_URL")
        if not model:
            raise ConfigError(
                "llm.model: an OpenAI-compatible server needs a model name;"
                " set llm.model or export DIFFINSIGHT_MODEL"
            )
        # Local servers (Ollama, llama.cpp, vLLM) accept any key; the SDK insists on one.
        return Resolved(
            kind="compatible",
            model=model,
            file_model=file_model or model,
            base_url=base_url,
            api_key=key or "unused",
        )
    if not key:
        raise ConfigError("llm: OpenAI needs a key; export OPENAI_API_KEY")
    return Resolved(
        kind="openai",
        model=model or DEFAULT_OPENAI_MODEL,
        file_model=file_model or (model or DEFAULT_OPENAI_FILE_MODEL),
        base_url=base_url,
        api_key=key,
    )


def default_cache_path(env: Mapping[str, str] | None = None) -> Path:
    """``$XDG_CACHE_HOME/diffinsight/llm.db`` (``~/.cache/...`` when unset)."""
    env = os.environ if env is None else env
    root = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(root) / "diffinsight" / "llm.db"
