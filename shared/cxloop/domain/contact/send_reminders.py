"""One reminder when a survey is still unanswered N days after it was sent.

`contact_policy.reminder_after_days` is N (None: no reminders). send_reminders runs on a
schedule and, for each open invitation sent N days ago (or up to CATCH_UP_DAYS more, so a
reminder held by quiet hours or a missed run is still found), asks the contact policy with
kind "reminder": the same manners as a survey (opt-out, suppressed addresses, the cap
across channels, the minimum gap, quiet hours). A postponed reminder is asked again on the
next run; a blocked one is settled and never asked again.

At most one reminder per invitation: the invitation's record is claimed (a conditional
update) before the message goes out, so two runs, or a retry, cannot both send it. A crash
between the claim and the send loses the reminder: for a nudge we err towards none rather
than two, as every send whose answer is lost does (cxloop.adapters.unconfirmed_sends).

The link: only a token's hash is stored, so the original link cannot be rebuilt. The
reminder carries a NEW token bound to the SAME invitation (an alias record): as
unguessable as the first, and single-use in the same way, because answering through
either link closes the one invitation and the other then says "already answered".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from cxloop.domain.contact import messages
from cxloop.domain.contact.manners import (
    KEPT_DECISIONS,
    SAVE_ATTEMPTS,
    ContactState,
    ContactStore,
    DecisionRecord,
)
from cxloop.domain.contact.policy import ContactPolicy, Decision, decide, remember_sent
from cxloop.domain.contact.ports import EmailSender, SmsSender
from cxloop.domain.contact.sending import SendSettings, new_link_token, survey_url
from cxloop.domain.kernel import tokens
from cxloop.domain.kernel.errors import Conflict
from cxloop.domain.kernel.events import Channel, Customer
from cxloop.domain.surveys.models import Invitation
from cxloop.domain.surveys.names import FOLLOW_UP_SURVEY_ID

# A reminder not sent on its day (postponed, or the schedule missed a run) is still looked
# for on the next two days, then given up: a nudge a week late is noise.
CATCH_UP_DAYS = 2


class ReminderStore(Protocol):
    def unanswered_sent_on(self, day: date, *, sent_before: datetime) -> list[Invitation]:
        """Open invitations sent on `day` (UTC) before `sent_before` whose reminder is unsettled."""

    def settle_reminder(self, token_hash: str, *, at: datetime, outcome: str) -> bool:
        """Claim the one reminder (outcome "sent", or the reason it never will be); False when
        it was settled already or the invitation was answered meanwhile."""

    def add_alias(self, token_hash: str, invitation: Invitation) -> None:
        """A second link (its token's hash) to the same invitation."""


@dataclass(frozen=True)
class ReminderRun:
    sent: int = 0
    postponed: int = 0
    blocked: int = 0


def days_to_look(now: datetime, after_days: int) -> list[date]:
    """The sending days whose invitations are due a reminder now, newest first."""
    due = (now - timedelta(days=after_days)).date()
    return [due - timedelta(days=back) for back in range(CATCH_UP_DAYS + 1)]


def eligible(invitation: Invitation, *, now: datetime, after_days: int) -> bool:
    """Unanswered, sent at least N days ago, still answerable, and a survey (a follow-up
    about a resolved case is asked once: nagging about a case just closed helps nobody),
    to someone we may contact (a QR code's anonymous respondent has no address, and asking
    the policy about them would open a contact record for nobody)."""
    return (
        invitation.status == "sent"
        and not invitation.customer.anonymous
        and invitation.created_at <= now - timedelta(days=after_days)
        and invitation.expires_at > now
        and invitation.survey_id != FOLLOW_UP_SURVEY_ID
    )


def send_reminders(
    *,
    now: datetime,
    policy: ContactPolicy,
    invitations: ReminderStore,
    contacts: ContactStore,
    send: Callable[[Invitation, Channel], str],
    suppressed: Callable[[Customer], frozenset[str]] = lambda _customer: frozenset(),
) -> ReminderRun:
    """Ask the policy about every invitation due a reminder and act on its decision.
    `suppressed` answers which of a customer's addresses are on the suppression list."""
    after_days = policy.reminder_after_days
    if after_days is None:
        return ReminderRun()
    sent = postponed = blocked = 0
    for day in days_to_look(now, after_days):
        for invitation in invitations.unanswered_sent_on(day, sent_before=now - timedelta(days=after_days)):
            if not eligible(invitation, now=now, after_days=after_days):
                continue
            outcome = remind(
                invitation,
                now=now,
                policy=policy,
                invitations=invitations,
                contacts=contacts,
                send=send,
                suppressed=suppressed,
            )
            sent += outcome == "send"
            postponed += outcome == "postpone"
            blocked += outcome == "block"
    return ReminderRun(sent, postponed, blocked)


def remind(
    invitation: Invitation,
    *,
    now: datetime,
    policy: ContactPolicy,
    invitations: ReminderStore,
    contacts: ContactStore,
    send: Callable[[Invitation, Channel], str],
    suppressed: Callable[[Customer], frozenset[str]] = lambda _customer: frozenset(),
) -> str:
    """The action taken for one invitation: send, postpone, block, or "" when another run
    (or the customer's answer) got there first."""
    customer = invitation.customer
    memory = contacts.load(customer.id).memory
    # A bounce since the survey went out: the reminder goes elsewhere or not at all.
    memory = memory.model_copy(update={"suppressed": memory.suppressed | suppressed(customer)})
    decision = decide(customer, kind="reminder", now=now, memory=memory, policy=policy)
    if decision.action == "postpone":
        return "postpone"  # asked again next run, while the invitation is within its catch-up days
    if decision.action == "send" and decision.channel:
        if not invitations.settle_reminder(invitation.token_hash, at=now, outcome="sent"):
            return ""
        send(invitation, decision.channel)
        _remember(contacts, invitation, decision, now)
        return "send"
    if not invitations.settle_reminder(invitation.token_hash, at=now, outcome=decision.reason):
        return ""
    _remember(contacts, invitation, decision, now)
    return "block"


def _remember(contacts: ContactStore, invitation: Invitation, decision: Decision, now: datetime) -> None:
    """Keep the decision in the customer's record, and the send in their memory (the cap
    and the gap count reminders too). Read again and retry when the record changed."""
    customer_id = invitation.customer.id
    for attempt in range(SAVE_ATTEMPTS):
        state = contacts.load(customer_id)
        try:
            contacts.save(
                customer_id, _after(state, invitation, decision, now), expected_version=state.version
            )
            return
        except Conflict:
            if attempt == SAVE_ATTEMPTS - 1:
                raise


def _after(state: ContactState, invitation: Invitation, decision: Decision, now: datetime) -> ContactState:
    record = DecisionRecord(
        at=now,
        interaction_id=invitation.interaction_id,
        kind="reminder",
        action=decision.action,
        reason=decision.reason,
        channel=decision.channel,
        detail=decision.detail,
    )
    memory = state.memory
    if decision.action == "send" and decision.channel:
        memory = remember_sent(memory, at=now, channel=decision.channel, kind="reminder")
    decisions = (*state.decisions, record)[-KEPT_DECISIONS:]
    return state.model_copy(update={"memory": memory, "decisions": decisions})


def deliver_reminder(
    invitation: Invitation,
    channel: Channel,
    *,
    now: datetime,
    settings: SendSettings,
    invitations: ReminderStore,
    email: EmailSender,
    sms: SmsSender,
) -> str:
    """Store a new link to the same invitation first, then send it; the provider's message id."""
    token = new_link_token(channel)
    invitations.add_alias(tokens.token_hash(token), invitation)
    url = survey_url(settings.base_url_for(channel), token)
    customer = invitation.customer
    place = invitation.touchpoint.name or invitation.touchpoint.id
    if channel != "email" and customer.phone:
        text = messages.reminder_sms(language=customer.language, brand=settings.brand, place=place, url=url)
        return sms.send(to=customer.phone, text=text)
    assert customer.email, "the contact policy picks email only when there is an address"
    days_left = (invitation.expires_at - now).days
    message = messages.reminder_email(
        language=customer.language, customer_name=customer.name, place=place, url=url, days_left=days_left
    )
    return email.send(sender=settings.sender_address, to=customer.email, message=message)
