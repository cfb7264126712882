"""The provider interface: one chat completion in, one result out.

A provider knows one SDK or wire protocol; the pipeline only sees :class:`ChatRequest` and
:class:`ChatResult`, so another SDK can be added without touching the writer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator

from diffinsight.errors import ConfigError

__all__ = [
    "ChatRequest",
    "ChatResult",
    "Provider",
    "ProviderError",
    "ProviderSettings",
    "Resolved",
    "TransientProviderError",
    "Usage",
]


@dataclass(frozen=True)
class Usage:
    """Tokens one call consumed, as the provider reported them."""

    input_tokens: int = 0
    output_tokens: int = 0


@dataclass
class ChatRequest:
    """One chat completion: messages, model and the parameters that shape the answer."""

    model: str
    messages: list[dict[str, str]]
    #: A JSON schema the answer must follow (strict structured output), or None.
    schema: dict[str, Any] | None = None
    schema_name: str = "answer"
    #: Ask for JSON without a schema (for servers without structured output).
    json_mode: bool = False
    max_tokens: int = 2048
    temperature: float = 0.2
    timeout: float = 120.0

    def params(self) -> dict[str, Any]:
        """Everything but the messages that changes the answer (for cache keys)."""
        return {
            "schema": self.schema,
            "schema_name": self.schema_name,
            "json_mode": self.json_mode,
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
        }


@dataclass
class ChatResult:
    """The model's answer to one :class:`ChatRequest`."""

    content: str
    #: ``stop``, ``length``, ``content_filter``... as the server said.
    finish_reason: str = "stop"
    refusal: str | None = None
    usage: Usage = field(default_factory=Usage)
    model: str = ""
    cached: bool = False


class ProviderError(Exception):
    """A call failed for good (bad key, unknown model, bad request)."""


class TransientProviderError(ProviderError):
    """A call failed in a way worth retrying (429, 5xx, timeout, connection)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        #: Seconds the server asked us to wait, when it said.
        self.retry_after = retry_after


class Provider(Protocol):
    """Sends one chat request; raises :class:`ProviderError` or its transient subclass."""

    #: Short label for logs and the JSON report (``openai``, ``azure``, ``compatible``, ``fake``).
    name: str
    #: Whether the server honours ``response_format: json_schema`` (else JSON mode is used).
    supports_schema: bool

    def complete(self, request: ChatRequest) -> ChatResult:
        """One call, no retries: retrying is the caller's business."""
        ...


class ProviderSettings(BaseModel):
    """The keys of the ``llm:`` mapping that choose and reach a provider (every key optional)."""

    model_config = ConfigDict(extra="forbid")

    #: A registered provider (``openai``, ``azure``, ``compatible``...); default: from the environment.
    provider: str | None = None
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
    timeout: float = Field(default=120.0, gt=0)

    @field_validator("provider")
    @classmethod
    def _registered(cls, value: str | None) -> str | None:
        from diffinsight.providers.registry import names

        if value is not None and value not in names(hidden=True):
            raise ValueError(f"unknown provider {value!r}; choose from {', '.join(names())}")
        return value

    def key_from_env(self, env: Mapping[str, str]) -> str | None:
        """The key in ``$api_key_env``; :class:`ConfigError` when that variable is unset."""
        if not self.api_key_env:
            return None
        key = env.get(self.api_key_env)
        if not key:
            raise ConfigError(
                f"llm.api_key_env: ${self.api_key_env} is not set; export it or remove the key"
            )
        return key


class Resolved(BaseModel):
    """Where and how to call: the settings merged with the environment, for one provider."""

    #: The registered provider's name.
    kind: str
    model: str
    file_model: str
    base_url: str | None = None
    api_key: str | None = None
    azure_endpoint: str | None = None
    api_version: str | None = None
    azure_ad_token: str | None = None
    azure_auth: Literal["key", "entra"] = "key"
