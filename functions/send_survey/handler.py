"""send_survey: consumes `dispatch`; one survey per interaction, whatever SQS redelivers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from cxloop.adapters.dynamo import DynamoInvitationStore
from cxloop.adapters.messaging import SesEmailSender, SnsSmsSender
from cxloop.config import settings
from cxloop.consumer import IdempotentStep, consume
from cxloop.domain.dispatch import SendSettings, send_survey
from cxloop.domain.events import Interaction
from cxloop.domain.ports import EmailSender, InvitationStore, SmsSender
from cxloop.observability import MetricUnit, logger, metrics, tracer


@dataclass(frozen=True)
class Deps:
    invitations: InvitationStore
    email: EmailSender
    sms: SmsSender
    send_settings: SendSettings
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)


def create_step(deps: Deps) -> Callable[[dict[str, Any]], dict[str, str]]:
    def send(message: dict[str, Any]) -> dict[str, str]:
        interaction = Interaction.model_validate(message)
        sent = send_survey(
            interaction,
            now=deps.clock(),
            settings=deps.send_settings,
            invitations=deps.invitations,
            email=deps.email,
            sms=deps.sms,
        )
        metrics.add_metric(name="SurveysSent", unit=MetricUnit.Count, value=1)
        logger.info(
            "survey sent",
            extra={
                "interaction_id": interaction.interaction_id,
                "invitation_id": sent.invitation.invitation_id,
                "channel": sent.channel,
            },
        )
        return {"invitation_id": sent.invitation.invitation_id, "channel": sent.channel}

    return send


@cache
def _step() -> IdempotentStep:
    config = settings()
    deps = Deps(
        invitations=DynamoInvitationStore(config.table("invitations")),
        email=SesEmailSender(),
        sms=SnsSmsSender(),
        send_settings=SendSettings(
            public_base_url=str(config.public_base_url),
            sender_address=config.sender_address,
            link_ttl_days=config.survey_link_ttl_days,
        ),
    )
    return IdempotentStep(create_step(deps), table_name=config.table("idempotency"), key="interaction_id")


@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    step = _step()
    return consume(event, context, lambda message: step(message, context))
