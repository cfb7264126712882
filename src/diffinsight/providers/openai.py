"""OpenAI's API through the official ``openai`` SDK; the SDK client that Azure and compatible share.

The SDK's own retries are off (``max_retries=0``): the model client retries 429/5xx itself so
that it can honour ``Retry-After``, count attempts and stay within its budget. The SDK loads
when a provider is built, not when the registry reads this module.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from diffinsight.errors import ConfigError
from diffinsight.providers.base import (
    ChatRequest,
    ChatResult,
    ProviderError,
    ProviderSettings,
    Resolved,
    TransientProviderError,
    Usage,
)
from diffinsight.providers.registry import ProviderSpec, register

if TYPE_CHECKING:
    import openai

DEFAULT_MODEL = "gpt-4o"
DEFAULT_FILE_MODEL = "gpt-4o-mini"


def _retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Seconds from ``retry-after-ms`` or ``retry-after`` (seconds; HTTP dates ignored)."""
    if headers is None:
        return None
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        raw = headers.get(name)
        if raw:
            try:
                return max(0.0, float(raw) * scale)
            except ValueError:
                continue
    return None


def _entra_token_provider() -> Any:
    try:
        from azure.identity import (  # type: ignore[import-not-found]
            DefaultAzureCredential,
            get_bearer_token_provider,
        )
    except ImportError:
        raise ConfigError(
            "llm.azure_auth: entra needs the azure-identity package; pip install azure-identity"
        ) from None
    return get_bearer_token_provider(
        DefaultAzureCredential(), "https://cognitiveservices.azure.com/.default"
    )


class OpenAIProvider:
    """Chat Completions on OpenAI, Azure OpenAI or a compatible server.

    ``http_client`` is passed to the SDK as is: an httpx-style client of the kind the installed
    SDK expects (e.g. one with a custom transport or proxy).
    """

    name: str
    supports_schema: bool

    def __init__(
        self,
        resolved: Resolved,
        *,
        http_client: Any = None,
        structured_output: str = "auto",
        timeout: float = 120.0,
    ) -> None:
        import openai

        self.name = resolved.kind
        self.supports_schema = structured_output == "schema" or (
            structured_output == "auto" and resolved.kind in ("openai", "azure")
        )
        self.client: openai.OpenAI
        if resolved.kind == "azure":
            kwargs: dict[str, Any] = {}
            if resolved.azure_auth == "entra":
                kwargs["azure_ad_token_provider"] = _entra_token_provider()
            elif resolved.api_key:
                kwargs["api_key"] = resolved.api_key
            else:
                kwargs["azure_ad_token"] = resolved.azure_ad_token
            self.client = openai.AzureOpenAI(
                azure_endpoint=resolved.azure_endpoint or "",
                api_version=resolved.api_version,
                max_retries=0,
                timeout=timeout,
                http_client=http_client,
                **kwargs,
            )
        else:
            self.client = openai.OpenAI(
                api_key=resolved.api_key,
                base_url=resolved.base_url,
                max_retries=0,
                timeout=timeout,
                http_client=http_client,
            )

    def complete(self, request: ChatRequest) -> ChatResult:
        """One Chat Completions call; maps SDK errors onto :class:`ProviderError`."""
        import openai

        kwargs: dict[str, Any] = {
            "model": request.model,
            "messages": request.messages,
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
            "timeout": request.timeout,
        }
        if request.schema is not None and self.supports_schema:
            kwargs["response_format"] = {
                "type": "json_schema",
                "json_schema": {
                    "name": request.schema_name,
                    "schema": request.schema,
                    "strict": True,
                },
            }
        elif request.schema is not None or request.json_mode:
            kwargs["response_format"] = {"type": "json_object"}
        try:
            resp = self.client.chat.completions.create(**kwargs)
        except openai.APITimeoutError as exc:
            raise TransientProviderError(f"timeout after {request.timeout:g}s") from exc
        except openai.APIConnectionError as exc:
            raise TransientProviderError(f"connection failed: {exc}") from exc
        except openai.APIStatusError as exc:
            status = exc.status_code
            msg = f"HTTP {status}: {exc.message}"
            if status in (408, 409, 429) or status >= 500:
                raise TransientProviderError(msg, _retry_after(exc.response.headers)) from exc
            raise ProviderError(msg) from exc
        except openai.OpenAIError as exc:
            raise ProviderError(str(exc)) from exc
        if not resp.choices:
            raise ProviderError("the server answered with no choices")
        choice = resp.choices[0]
        usage = Usage()
        if resp.usage is not None:
            usage = Usage(resp.usage.prompt_tokens or 0, resp.usage.completion_tokens or 0)
        return ChatResult(
            content=choice.message.content or "",
            finish_reason=choice.finish_reason or "stop",
            refusal=getattr(choice.message, "refusal", None),
            usage=usage,
            model=resp.model or request.model,
        )


def create(resolved: Resolved, settings: ProviderSettings, http_client: Any) -> OpenAIProvider:
    """The SDK client for ``resolved`` (OpenAI, Azure or compatible alike)."""
    return OpenAIProvider(
        resolved,
        http_client=http_client,
        structured_output=settings.structured_output,
        timeout=settings.timeout,
    )


def _detect(settings: ProviderSettings, env: Mapping[str, str]) -> int | None:
    return 30 if env.get("OPENAI_API_KEY") or settings.key_from_env(env) else None


def _resolve(settings: ProviderSettings, env: Mapping[str, str]) -> Resolved:
    key = settings.key_from_env(env) or env.get("OPENAI_API_KEY")
    if not key:
        raise ConfigError("llm: OpenAI needs a key; export OPENAI_API_KEY")
    model = settings.model or env.get("DIFFINSIGHT_MODEL") or None
    file_model = settings.file_model or env.get("DIFFINSIGHT_FILE_MODEL") or None
    return Resolved(
        kind="openai",
        model=model or DEFAULT_MODEL,
        file_model=file_model or (model or DEFAULT_FILE_MODEL),
        base_url=settings.base_url or env.get("OPENAI_BASE_URL"),
        api_key=key,
    )


register(ProviderSpec("openai", resolve=_resolve, create=create, detect=_detect))
