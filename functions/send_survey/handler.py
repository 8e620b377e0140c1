"""send_survey: consumes `dispatch`; asks the contact policy, then sends one survey per
interaction (or per released group), whatever SQS redelivers.

No Powertools idempotency record: two conditional writes on the message's business key (its
interaction and release) guard the step. The send log's claim on "survey#<interaction>#<release>"
(cxloop.domain.kernel.sends) sends the survey once, with its invitation and opt-out link stored
in the same request, and the decision saved in the customer's contact record on condition of
its version (contact/manners.py, dispatch) makes a redelivery a repeat that decides, sends and
saves nothing again. Where the claim is the send's record (the default), a survey costs those
two writes. The same guards absorb the copies capture_event sends on purpose: it hands a
repeated event on again rather than marking its hand-off (cxloop.domain.intake.capture_event,
hands_on_again)."""

from __future__ import annotations

from cxloop.startup import built_once

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cxloop.adapters.channels import sms_sender, whatsapp_sender
from cxloop.adapters.config_store import CachedRulebook, DynamoConfigStore
from cxloop.adapters.contacts import DynamoContactStore, DynamoOpenComplaints
from cxloop.adapters.invitations import DynamoInvitationStore
from cxloop.adapters.messaging import SesEmailSender
from cxloop.adapters.optouts import DynamoOptOutLinkStore
from cxloop.adapters.send_log import message_send_log
from cxloop.adapters.suppressions import suppression_list
from cxloop.config import settings
from cxloop.consumer import consume
from cxloop.domain.configuration.rulebook import Rulebook
from cxloop.domain.contact.manners import ContactBook, dispatch
from cxloop.domain.contact.opt_out_links import OptOutLinkStore
from cxloop.domain.contact.ports import EmailSender, SmsSender, TemplateSender
from cxloop.domain.contact.send_survey import Senders, Sent, SentBefore, send_survey
from cxloop.domain.contact.sending import SendSettings
from cxloop.domain.kernel.events import Channel, Interaction
from cxloop.domain.kernel.sends import SendLog
from cxloop.domain.surveys.ports import InvitationStore
from cxloop.observability import MetricUnit, logger, metrics


@dataclass(frozen=True)
class Deps:
    invitations: InvitationStore
    email: EmailSender
    sms: SmsSender
    send_settings: SendSettings
    # The contact records, read with the customer's entries on the suppression list.
    contacts: ContactBook
    open_complaints: Callable[[str], tuple[str, ...]]
    rulebook: Callable[[], Rulebook] = Rulebook
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    # Where each message's opt-out link is kept; None sends without one (tests of other steps).
    optouts: OptOutLinkStore | None = None
    # WhatsApp is offered only when configured (cxloop.adapters.channels.whatsapp_sender).
    whatsapp: TemplateSender | None = None
    # Each survey recorded right after it leaves, so a retried step does not send it again.
    sends: SendLog | None = None


def create_step(deps: Deps) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def send(message: dict[str, Any]) -> dict[str, Any]:
        interaction = Interaction.model_validate(message)
        now = deps.clock()
        book = deps.rulebook()

        def deliver(chosen: Interaction, channel: Channel) -> Sent | SentBefore:
            return send_survey(
                chosen,
                now=now,
                settings=deps.send_settings,
                invitations=deps.invitations,
                email=deps.email,
                sms=deps.sms,
                whatsapp=deps.whatsapp,
                channel=channel,
                optouts=deps.optouts,
                # The published catalogue picks the survey per touchpoint and event type.
                catalogue=book.surveys,
                catalogue_version=book.versions.get("surveys"),
                sends=deps.sends,
                send_key=f"survey#{chosen.interaction_id}#{message.get('release') or ''}",
            )

        release = message.get("release")
        outcome = dispatch(
            interaction,
            now=now,
            released=bool(release),
            # A released send carries its release time: a new message, not a repeat of the first.
            release_at=datetime.fromisoformat(release) if release else None,
            policy=book.contact_policy,
            policy_version=book.contact_policy_version,
            contacts=deps.contacts,
            open_complaints=deps.open_complaints,
            send=deliver,
            offered=Senders(deps.email, deps.sms, deps.whatsapp).offered,
        )
        decision = outcome.decision
        if outcome.repeat:
            logger.info(
                "dispatch handled before",
                extra={"interaction_id": interaction.interaction_id, "action": decision.action},
            )
            return {"action": decision.action, "reason": decision.reason, "channel": decision.channel}
        metrics.add_metric(name=f"Contact_{decision.reason}", unit=MetricUnit.Count, value=1)
        if isinstance(outcome.sent, Sent):  # not a send an earlier attempt made
            metrics.add_metric(name="SurveysSent", unit=MetricUnit.Count, value=1)
        logger.info(
            "survey sent" if outcome.sent is not None else "survey held",
            extra={
                "interaction_id": interaction.interaction_id,
                "action": decision.action,
                "reason": decision.reason,
                "channel": decision.channel,
                "policy_version": book.contact_policy_version,
                "invitation_id": outcome.sent.invitation_id if outcome.sent else None,
            },
        )
        return {"action": decision.action, "reason": decision.reason, "channel": decision.channel}

    return send


@built_once
def _step() -> Callable[[dict[str, Any]], dict[str, Any]]:
    config = settings()
    deps = Deps(
        invitations=DynamoInvitationStore(config.table("invitations")),
        email=SesEmailSender(configuration_set=config.ses_configuration_set),
        sms=sms_sender(config),
        whatsapp=whatsapp_sender(config),
        send_settings=config.send_settings(),
        contacts=DynamoContactStore(config.table("contacts"), suppressions=suppression_list(config)),
        open_complaints=DynamoOpenComplaints(config.table("tickets")),
        rulebook=CachedRulebook(
            DynamoConfigStore(config.table("config")), reads=("contact_policy", "surveys")
        ),
        optouts=DynamoOptOutLinkStore(config.table("optouts")),
        sends=message_send_log(config.table("idempotency")),
    )
    return create_step(deps)


@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    step = _step()
    return consume(event, context, step)
