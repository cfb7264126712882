"""Azure OpenAI: a deployment on an Azure endpoint, by key, token or Microsoft Entra ID."""

from __future__ import annotations

from collections.abc import Mapping

from diffinsight.errors import ConfigError
from diffinsight.providers.base import ProviderSettings, Resolved
from diffinsight.providers.openai import create
from diffinsight.providers.registry import ProviderSpec, register


def _detect(settings: ProviderSettings, env: Mapping[str, str]) -> int | None:
    endpoint = env.get("AZURE_OPENAI_ENDPOINT")
    credential = (
        env.get("AZURE_OPENAI_API_KEY")
        or env.get("AZURE_OPENAI_AD_TOKEN")
        or settings.key_from_env(env)
    )
    return 10 if settings.azure_endpoint or (endpoint and credential) else None


def _resolve(settings: ProviderSettings, env: Mapping[str, str]) -> Resolved:
    endpoint = settings.azure_endpoint or env.get("AZURE_OPENAI_ENDPOINT")
    if not endpoint:
        raise ConfigError("llm.azure_endpoint: not set; set it or export AZURE_OPENAI_ENDPOINT")
    version = settings.api_version or env.get("OPENAI_API_VERSION")
    if not version:
        raise ConfigError("llm.api_version: not set; set it or export OPENAI_API_VERSION")
    model = settings.model or env.get("DIFFINSIGHT_MODEL")
    if not model:
        raise ConfigError(
            "llm.model: Azure needs a deployment name; set llm.model or export DIFFINSIGHT_MODEL"
        )
    key = settings.key_from_env(env) or env.get("AZURE_OPENAI_API_KEY")
    token = env.get("AZURE_OPENAI_AD_TOKEN")
    if settings.azure_auth == "key" and not (key or token):
        raise ConfigError(
            "llm: Azure needs a credential; export AZURE_OPENAI_API_KEY or AZURE_OPENAI_AD_TOKEN,"
            " or set llm.azure_auth: entra"
        )
    return Resolved(
        kind="azure",
        model=model,
        file_model=settings.file_model or env.get("DIFFINSIGHT_FILE_MODEL") or model,
        azure_endpoint=endpoint,
        api_version=version,
        api_key=key,
        azure_ad_token=token,
        azure_auth=settings.azure_auth,
    )


register(ProviderSpec("azure", resolve=_resolve, create=create, detect=_detect))
