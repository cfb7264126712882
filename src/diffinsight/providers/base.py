"""The provider interface: one chat completion in, one result out.

A provider knows one SDK or wire protocol; the pipeline only sees :class:`ChatRequest` and
:class:`ChatResult`, so another SDK can be added without touching the writer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


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
