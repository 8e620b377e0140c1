"""Configuration: one pydantic model per function, validated at cold start.

Environment variable names are the ones `infra.pipeline.env_name_for` derives, so
the CDK app, the local runtime and this module agree on them by construction.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from pydantic import ConfigDict, Field, HttpUrl, field_validator, model_validator

from cxloop.domain.kernel.modelling import DomainModel

if TYPE_CHECKING:
    from cxloop.domain.contact.sending import SendSettings


class Settings(DomainModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    stage: str = "dev"
    public_base_url: HttpUrl = HttpUrl("http://127.0.0.1:8000")
    sender_address: str = "surveys@cxloop.local"
    survey_link_ttl_days: int = Field(default=14, ge=1, le=90)
    webhook_secrets: tuple[str, ...] = ()
    webhook_secret_arn: str | None = None
    staff_token_secret: str | None = None
    # The suppression list's HMAC key: Secrets Manager on AWS (the ARN), the key itself locally.
    suppression_key: str | None = None
    suppression_key_arn: str | None = None
    # SES publishes the bounces and complaints of mail sent with this configuration set.
    ses_configuration_set: str | None = None
    # Locally, function logs go to a file so the console stays readable.
    log_file: str | None = None
    # Customer channels (README "Channels"). SMS by SNS, or by AWS End User Messaging from a
    # phone pool; WhatsApp is offered only with a phone number id and an approved template.
    short_base_url: HttpUrl | None = None
    sms_provider: Literal["sns", "eum"] = "sns"
    sms_origination_identity: str | None = None
    sms_configuration_set: str | None = None
    whatsapp_phone_number_id: str | None = None
    # WhatsAppTemplate's fields: {"name", "languages": {"es": "es_EC"}, "parameters": [...]}.
    whatsapp_template: dict[str, Any] | None = None
    # Alerts in a chat channel (AWS Chatbot): attribute -> accepted values; None: chat off.
    chat_alert_filter: dict[str, list[str]] | None = None
    # Who reads comments' tone: the lexicon (no cloud service), or Amazon Comprehend on AWS.
    comment_sentiment: Literal["lexicon", "comprehend"] = "lexicon"
    # How long a function keeps the analysts' documents before reading them again.
    rulebook_ttl_s: float = Field(default=60, ge=0, le=3600)
    # Outbound webhooks: how long producers keep the subscribed event types, and the waits between
    # delivery attempts (empty: cxloop.domain.integrations.deliver_webhook's day-long schedule).
    webhook_cache_ttl_s: float = Field(default=30, ge=0, le=3600)
    webhook_retry_delays_s: tuple[int, ...] = ()
    tables: dict[str, str] = Field(default_factory=dict)
    queues: dict[str, str] = Field(default_factory=dict)
    topics: dict[str, str] = Field(default_factory=dict)

    @field_validator("webhook_secrets", mode="before")
    @classmethod
    def _split_secrets(cls, value: object) -> object:
        # "current,previous" so secrets rotate without downtime.
        if isinstance(value, str):
            return tuple(s.strip() for s in value.split(",") if s.strip())
        return value

    @field_validator("webhook_retry_delays_s", mode="before")
    @classmethod
    def _split_delays(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(int(s) for s in value.split(",") if s.strip())
        return value

    @property
    def local(self) -> bool:
        """The local runtime (`cxloop serve`): a developer's own machine, never a deployment."""
        return self.stage == "local"

    @model_validator(mode="after")
    def _channels_complete(self) -> Settings:
        if self.sms_provider == "eum" and not self.sms_origination_identity:
            raise ValueError("CXLOOP_SMS_PROVIDER=eum needs CXLOOP_SMS_ORIGINATION_IDENTITY (a pool id)")
        if (self.whatsapp_phone_number_id is None) != (self.whatsapp_template is None):
            raise ValueError(
                "WhatsApp needs both CXLOOP_WHATSAPP_PHONE_NUMBER_ID and CXLOOP_WHATSAPP_TEMPLATE"
            )
        return self

    def send_settings(self) -> SendSettings:
        """What every function that messages customers needs to render and send."""
        from cxloop.domain.contact.sending import SendSettings  # noqa: PLC0415 - only messaging functions need it

        return SendSettings(
            public_base_url=str(self.public_base_url),
            sender_address=self.sender_address,
            link_ttl_days=self.survey_link_ttl_days,
            short_base_url=str(self.short_base_url) if self.short_base_url else None,
        )

    def table(self, name: str) -> str:
        return self._require(self.tables, "TABLE", name)

    def queue_url(self, name: str) -> str:
        return self._require(self.queues, "QUEUE", name)

    def topic_arn(self, name: str) -> str:
        return self._require(self.topics, "TOPIC", name)

    @staticmethod
    def _require(found: Mapping[str, str], kind: str, name: str) -> str:
        if name not in found:
            raise RuntimeError(f"{kind}_{name.upper()} is not configured for this function")
        return found[name]


def settings_from(env: Mapping[str, str]) -> Settings:
    """Build Settings from an environment mapping (tests pass their own)."""
    return Settings(
        stage=env.get("CXLOOP_STAGE", "dev"),
        public_base_url=env.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000"),
        sender_address=env.get("SENDER_ADDRESS", "surveys@cxloop.local"),
        survey_link_ttl_days=int(env.get("SURVEY_LINK_TTL_DAYS", "14")),
        webhook_secrets=env.get("CXLOOP_WEBHOOK_SECRET", ""),
        webhook_secret_arn=env.get("WEBHOOK_SECRET_ARN") or None,
        staff_token_secret=env.get("CXLOOP_STAFF_TOKEN_SECRET") or None,
        suppression_key=env.get("CXLOOP_SUPPRESSION_KEY") or None,
        suppression_key_arn=env.get("SUPPRESSION_KEY_SECRET_ARN") or None,
        ses_configuration_set=env.get("SES_CONFIGURATION_SET") or None,
        log_file=env.get("CXLOOP_LOG_FILE") or None,
        short_base_url=env.get("SHORT_BASE_URL") or None,
        sms_provider=env.get("CXLOOP_SMS_PROVIDER") or "sns",
        sms_origination_identity=env.get("CXLOOP_SMS_ORIGINATION_IDENTITY") or None,
        sms_configuration_set=env.get("CXLOOP_SMS_CONFIGURATION_SET") or None,
        whatsapp_phone_number_id=env.get("CXLOOP_WHATSAPP_PHONE_NUMBER_ID") or None,
        whatsapp_template=_json_or_none(env.get("CXLOOP_WHATSAPP_TEMPLATE")),
        comment_sentiment=env.get("CXLOOP_COMMENT_SENTIMENT") or "lexicon",
        chat_alert_filter=_json_or_none(env.get("CXLOOP_CHAT_ALERT_FILTER")),
        rulebook_ttl_s=float(env.get("CXLOOP_RULEBOOK_TTL_S", "60")),
        webhook_cache_ttl_s=float(env.get("CXLOOP_WEBHOOK_CACHE_TTL_S", "30")),
        webhook_retry_delays_s=env.get("CXLOOP_WEBHOOK_RETRY_DELAYS_S", ""),
        tables=_suffixed(env, "TABLE_", ""),
        queues=_suffixed(env, "QUEUE_", "_URL"),
        topics=_suffixed(env, "TOPIC_", "_ARN"),
    )


def _json_or_none(raw: str | None) -> Any:
    return json.loads(raw) if raw else None


def _suffixed(env: Mapping[str, str], prefix: str, suffix: str) -> dict[str, str]:
    return {
        key.removeprefix(prefix).removesuffix(suffix).lower(): value
        for key, value in env.items()
        if key.startswith(prefix) and key.endswith(suffix) and value
    }


@cache
def settings() -> Settings:
    """The process's settings, read once at cold start."""
    return settings_from(os.environ)
