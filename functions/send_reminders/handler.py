"""send_reminders: scheduled; one reminder per survey still unanswered N days after it was
sent (contact_policy.reminder_after_days), under the contact policy's manners."""

from __future__ import annotations

from cxloop.startup import built_once

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cxloop.adapters.channels import sms_sender
from cxloop.adapters.config_store import CachedRulebook, DynamoConfigStore
from cxloop.adapters.contacts import DynamoContactStore
from cxloop.adapters.invitations import DynamoInvitationStore
from cxloop.adapters.messaging import SesEmailSender
from cxloop.adapters.suppressions import suppression_list
from cxloop.config import settings
from cxloop.domain.configuration.rulebook import Rulebook
from cxloop.domain.contact.manners import ContactStore
from cxloop.domain.contact.ports import EmailSender, SmsSender
from cxloop.domain.contact.send_reminders import ReminderStore, deliver_reminder, send_reminders
from cxloop.domain.contact.sending import SendSettings
from cxloop.domain.kernel.errors import ChannelRefused
from cxloop.domain.kernel.events import Channel, Customer
from cxloop.domain.surveys.models import Invitation
from cxloop.observability import MetricUnit, logger, metrics
from cxloop.schedule import scheduled_time


@dataclass(frozen=True)
class Deps:
    invitations: ReminderStore
    contacts: ContactStore
    email: EmailSender
    sms: SmsSender
    send_settings: SendSettings
    rulebook: Callable[[], Rulebook] = Rulebook
    # Which of a customer's addresses bounced, complained or replied STOP since the survey.
    suppressed: Callable[[Customer], frozenset[str]] = lambda _customer: frozenset()


def run(event: dict[str, Any], deps: Deps) -> dict[str, Any]:
    now = scheduled_time(event)

    def send(invitation: Invitation, channel: Channel) -> str:
        try:
            return deliver_reminder(
                invitation,
                channel,
                now=now,
                settings=deps.send_settings,
                invitations=deps.invitations,
                email=deps.email,
                sms=deps.sms,
            )
        except ChannelRefused as refusal:
            # The reminder was claimed before sending; a refused one is not tried again
            # (for a nudge we err towards none), and the rest of the run goes on.
            logger.warning("reminder refused", extra={"channel": refusal.channel, "reason": refusal.reason})
            return ""

    outcome = send_reminders(
        now=now,
        policy=deps.rulebook().contact_policy,
        invitations=deps.invitations,
        contacts=deps.contacts,
        send=send,
        suppressed=deps.suppressed,
    )
    metrics.add_metric(name="RemindersSent", unit=MetricUnit.Count, value=outcome.sent)
    logger.info(
        "reminders",
        extra={"sent": outcome.sent, "postponed": outcome.postponed, "blocked": outcome.blocked},
    )
    return {"sent": outcome.sent, "postponed": outcome.postponed, "blocked": outcome.blocked}


@built_once
def _deps() -> Deps:
    config = settings()
    return Deps(
        invitations=DynamoInvitationStore(config.table("invitations")),
        contacts=DynamoContactStore(config.table("contacts")),
        email=SesEmailSender(configuration_set=config.ses_configuration_set),
        sms=sms_sender(config),
        send_settings=config.send_settings(),
        rulebook=CachedRulebook(DynamoConfigStore(config.table("config")), reads=("contact_policy",)),
        suppressed=suppression_list(config),
    )


@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return run(event, _deps())
