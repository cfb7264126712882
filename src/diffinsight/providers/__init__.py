"""Chat model providers behind one small interface (:class:`Provider`)."""

from diffinsight.providers.base import (
    ChatRequest,
    ChatResult,
    Provider,
    ProviderError,
    TransientProviderError,
    Usage,
)

__all__ = [
    "ChatRequest",
    "ChatResult",
    "Provider",
    "ProviderError",
    "TransientProviderError",
    "Usage",
]
