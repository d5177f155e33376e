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
    draft_attempts: PositiveInt = 5
    """Attempts of one draft (each after the SDK's own retries) before it is buried for an operator."""
    fallback_to_offline: bool = True
    """When the remote model fails after its retries, draft offline rather than leave the fan waiting."""
    captions_timeout_s: PositiveFloat = 10.0
    """One try of the remote model for ``POST /v1/ai/captions`` (answered while the person waits, and the
    gateway gives a request 15 s); then the captions are written offline (with ``fallback_to_offline``)."""

    ideas_timeout_s: PositiveFloat = 60.0
    """One try of the remote model for content ideas (up to 20 ideas: a long answer, nobody waiting on it)."""
    insights_timeout_s: PositiveFloat = 60.0
    """One try of the remote model for a weekly review (nobody waiting on it; the call is retried, then the
    template's review is stored)."""
    pricing_first_review_s: PositiveFloat = 300.0
    """After a creator's first priced sale, when their first daily pricing review runs (then every day)."""
    anomaly_first_check_s: PositiveFloat = 600.0
    """After a creator's first sale or link visit, when their first anomaly check runs (then every hour at :10)."""

    @property
    def offline(self) -> bool:
        """No remote model: drafts, captions and ideas are written offline."""
        return self.provider is ProviderChoice.OFFLINE or (
            self.provider is ProviderChoice.AUTO and self.openai_api_key is None
        )

    def ideas_call_timeout_s(self) -> float:
        """One ideas call: every SDK try with its timeout and a margin (then the ideas are written
        offline with ``fallback_to_offline``, else the call is tried again, up to ``draft_attempts``).
        A worker that dies mid-call leaves it to another after this plus 10 s."""
        if self.offline:
            return 5.0
        return self.ideas_timeout_s * (self.openai_max_retries + 1) + 5.0

    def draft_timeout_s(self) -> float:
        """One draft attempt: every SDK try with its timeout and a margin (a few seconds offline).
        A worker that dies mid-draft leaves it to another after this plus 10 s."""
        if self.offline:
            return 5.0
        return self.openai_timeout_s * (self.openai_max_retries + 1) + 5.0
