"""Any OpenAI-compatible server (Ollama, llama.cpp, vLLM, LM Studio...) at a base URL.

With no model named, a server that lists exactly one model at ``GET /models`` gets that one:
local servers usually serve a single model, and its name is the one thing users get wrong.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from diffinsight.errors import ConfigError
from diffinsight.providers.base import ProviderSettings, Resolved
from diffinsight.providers.openai import create
from diffinsight.providers.registry import ProviderSpec, register

log = logging.getLogger(__name__)

#: Seconds a model listing may take; it is one small GET, not a completion.
LIST_TIMEOUT = 15.0
_NEEDS_MODEL = (
    "llm.model: an OpenAI-compatible server needs a model name;"
    " set llm.model or export DIFFINSIGHT_MODEL"
)


def served_models(base_url: str, api_key: str, timeout: float = LIST_TIMEOUT) -> list[str]:
    """The model ids ``GET {base_url}/models`` lists; :class:`ConfigError` if it cannot tell."""
    import openai

    client = openai.OpenAI(api_key=api_key, base_url=base_url, max_retries=0, timeout=timeout)
    try:
        return sorted({m.id for m in client.models.list().data if m.id})
    except openai.APIStatusError as exc:
        raise ConfigError(
            f"{_NEEDS_MODEL} (GET {base_url}/models: HTTP {exc.status_code})"
        ) from exc
    except openai.OpenAIError as exc:
        raise ConfigError(f"{_NEEDS_MODEL} (GET {base_url}/models: {exc})") from exc
    finally:
        client.close()


def only_model(base_url: str, api_key: str, timeout: float = LIST_TIMEOUT) -> str:
    """The one model the server serves; :class:`ConfigError` naming the choices otherwise."""
    models = served_models(base_url, api_key, timeout)
    if not models:
        raise ConfigError(f"{_NEEDS_MODEL} (the server at {base_url} lists no model)")
    if len(models) > 1:
        shown = ", ".join(models[:10]) + (
            f" and {len(models) - 10} more" if len(models) > 10 else ""
        )
        raise ConfigError(
            f"llm.model: the server at {base_url} serves {len(models)} models ({shown});"
            " set llm.model or export DIFFINSIGHT_MODEL to one of them"
        )
    log.info("no model named; %s serves one model, %s: using it", base_url, models[0])
    return models[0]


def _detect(settings: ProviderSettings, env: Mapping[str, str]) -> int | None:
    if settings.base_url:
        return 0
    return 20 if env.get("OPENAI_BASE_URL") else None


def _resolve(settings: ProviderSettings, env: Mapping[str, str]) -> Resolved:
    base_url = settings.base_url or env.get("OPENAI_BASE_URL")
    if not base_url:
        raise ConfigError("llm.base_url: not set; set it or export OPENAI_BASE_URL")
    # Local servers accept any key; the SDK insists on one.
    key = settings.key_from_env(env) or env.get("OPENAI_API_KEY") or "unused"
    model = settings.model or env.get("DIFFINSIGHT_MODEL") or None
    if model is None:
        model = only_model(base_url.rstrip("/"), key, min(settings.timeout, LIST_TIMEOUT))
    return Resolved(
        kind="compatible",
        model=model,
        file_model=settings.file_model or env.get("DIFFINSIGHT_FILE_MODEL") or model,
        base_url=base_url,
        api_key=key,
    )


register(ProviderSpec("compatible", resolve=_resolve, create=create, detect=_detect))
