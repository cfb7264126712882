"""An in-process provider with queued replies, for unit tests and dry runs."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from diffinsight.providers.base import (
    ChatRequest,
    ChatResult,
    ProviderError,
    ProviderSettings,
    Resolved,
    Usage,
)
from diffinsight.providers.registry import ProviderSpec, register

#: A queued reply: a finished result, an exception to raise, or a function of the request.
Reply = ChatResult | Exception | Callable[[ChatRequest], ChatResult]


def _estimate(text: str) -> int:
    return max(1, len(text) // 4)


class FakeProvider:
    """Answers each call with the next queued reply; records every request it saw."""

    name = "fake"

    def __init__(
        self, replies: Iterable[Reply | str] = (), *, supports_schema: bool = True
    ) -> None:
        self.supports_schema = supports_schema
        self._replies: deque[Reply | str] = deque(replies)
        self._lock = threading.Lock()
        self.requests: list[ChatRequest] = []

    def queue(self, *replies: Reply | str) -> None:
        """Add replies to the end of the queue."""
        with self._lock:
            self._replies.extend(replies)

    def complete(self, request: ChatRequest) -> ChatResult:
        """The next queued reply (a string becomes a ``stop`` answer with estimated usage)."""
        with self._lock:
            self.requests.append(request)
            if not self._replies:
                raise ProviderError("fake provider: no reply queued for this call")
            reply = self._replies.popleft()
        if isinstance(reply, Exception):
            raise reply
        if isinstance(reply, str):
            prompt = "".join(m["content"] for m in request.messages)
            return ChatResult(
                content=reply,
                usage=Usage(_estimate(prompt), _estimate(reply)),
                model=request.model,
            )
        if isinstance(reply, ChatResult):
            return reply
        return reply(request)


def _resolve(settings: ProviderSettings, env: Mapping[str, str]) -> Resolved:
    model = settings.model or "fake"
    return Resolved(kind="fake", model=model, file_model=settings.file_model or model)


def _create(resolved: Resolved, settings: ProviderSettings, http_client: Any) -> FakeProvider:
    return FakeProvider()


# Registered like any provider, but never picked from the environment nor offered as a choice.
register(ProviderSpec("fake", resolve=_resolve, create=_create, hidden=True))
