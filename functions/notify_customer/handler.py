"""notify_customer: consumes `notices`; tells the customer their case number and when
they will be contacted, in their language, on their channel, once per notice.

No Powertools idempotency record: the notice's send is the step's one effect, and the send
log's claim on "notice#<notice id>" (cxloop.domain.kernel.sends, adapters/send_log.py) is a
conditional write on that business key, with the notice's opt-out link stored in the same
request: it finds a notice already sent and stops a copy of the message delivered at the same
time. Where the claim is the send's record (the default), the notice costs that one write."""

from __future__ import annotations

from cxloop.startup import built_once

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cxloop.adapters.channels import sms_sender
from cxloop.adapters.messaging import SesEmailSender
from cxloop.adapters.optouts import DynamoOptOutLinkStore
from cxloop.adapters.send_log import message_send_log
from cxloop.config import settings
from cxloop.consumer import consume
from cxloop.domain.casework.customer_notices import Notice
from cxloop.domain.casework.notify_customer import send_notice
from cxloop.domain.contact.opt_out_links import OptOutLinkStore
from cxloop.domain.contact.ports import EmailSender, SmsSender
from cxloop.domain.contact.sending import SendSettings
from cxloop.domain.kernel.errors import ChannelRefused
from cxloop.domain.kernel.sends import SendLog
from cxloop.observability import MetricUnit, logger, metrics


@dataclass(frozen=True)
class Deps:
    email: EmailSender
    sms: SmsSender
    send_settings: SendSettings
    # Where each notice's opt-out link is kept; None sends without one.
    optouts: OptOutLinkStore | None = None
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    # Each notice recorded right after it leaves, so a retried step does not send it again.
    sends: SendLog | None = None


def create_step(deps: Deps) -> Callable[[dict[str, Any]], dict[str, str]]:
    def notify(message: dict[str, Any]) -> dict[str, str]:
        notice = Notice.model_validate(message)
        try:
            channel, message_id = send_notice(
                notice,
                settings=deps.send_settings,
                email=deps.email,
                sms=deps.sms,
                optouts=deps.optouts,
                now=deps.clock(),
                sends=deps.sends,
            )
        except ChannelRefused as refusal:
            # A refusal will not change on retry: settled here, never looped to the DLQ.
            metrics.add_metric(name="NoticesRefused", unit=MetricUnit.Count, value=1)
            logger.warning(
                "notice refused",
                extra={"notice_id": notice.notice_id, "channel": refusal.channel, "reason": refusal.reason},
            )
            return {"notice_id": notice.notice_id, "channel": refusal.channel, "refused": refusal.reason}
        metrics.add_metric(name="CustomersNotified", unit=MetricUnit.Count, value=1)
        logger.info(
            "customer notified",
            extra={"notice_id": notice.notice_id, "kind": notice.kind, "channel": channel},
        )
        return {"notice_id": notice.notice_id, "channel": channel, "message_id": message_id}

    return notify


@built_once
def _step() -> Callable[[dict[str, Any]], dict[str, Any]]:
    config = settings()
    deps = Deps(
        email=SesEmailSender(configuration_set=config.ses_configuration_set),
        sms=sms_sender(config),
        send_settings=config.send_settings(),
        optouts=DynamoOptOutLinkStore(config.table("optouts")),
        sends=message_send_log(config.table("idempotency")),
    )
    return create_step(deps)


@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    step = _step()
    return consume(event, context, step)
