from __future__ import annotations

from enum import StrEnum

from pydantic import PositiveFloat, PositiveInt, SecretStr
from pydantic_settings import SettingsConfigDict

from huntaze_service import ServiceSettings


class ProviderChoice(StrEnum):
    AUTO = "auto"
    """OpenAI when a key is set (Azure OpenAI when an Azure endpoint is set too), else offline."""
    OFFLINE = "offline"
    OPENAI = "openai"
    AZURE = "azure"


class AiSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="AI_", extra="ignore", frozen=True)

    service_name: str = "ai"
    http_port: int = 8002

    provider: ProviderChoice = ProviderChoice.AUTO
    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    openai_model: str = "gpt-4o-mini"
    openai_timeout_s: PositiveFloat = 20.0
    openai_max_retries: int = 2
    openai_temperature: float = 0.8
    azure_endpoint: str | None = None
    azure_api_version: str = "2024-10-21"
    azure_deployment: str | None = None
    draft_batch_size: PositiveInt = 16
    """Fan messages drafted per transaction (their drafts appear together)."""
    draft_concurrency: PositiveInt = 8
    """Remote model calls in flight at once within a batch."""
    fallback_to_offline: bool = True
    """When the remote model fails after its retries, draft offline rather than leave the fan waiting."""
