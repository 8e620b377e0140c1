"""Contacting a customer with manners: every survey send_survey wants to send first gets
the contact policy's decision, which is kept (with its reason code) in the customer's
contact record; postponed and grouped sends wait there until release_contacts sends
them when they are due. Each decision names the policy version that made it (`default`
until an analyst publishes one).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, cast

from pydantic import ConfigDict

from cxloop.domain.contact.policy import (
    Action,
    ContactMemory,
    ContactPolicy,
    Decision,
    MessageKind,
    OpenGroup,
    PolicyVersion,
    Reason,
    address_for,
    after_refusals,
    decide,
    remember_sent,
)
from cxloop.domain.kernel.errors import ChannelRefused, Conflict
from cxloop.domain.kernel.events import Channel, Customer, Interaction
from cxloop.domain.kernel.modelling import DomainModel
from cxloop.domain.kernel.queues import MessageQueue
from cxloop.domain.surveys.names import CASE_RESOLVED

KEPT_DECISIONS = 50
SAVE_ATTEMPTS = 3


class PendingSend(DomainModel):
    model_config = ConfigDict(frozen=True)

    interaction: Interaction
    kind: MessageKind
    due_at: datetime
    reason: str


class DecisionRecord(DomainModel):
    """One decision as staff and analysts see it."""

    model_config = ConfigDict(frozen=True)

    at: datetime
    interaction_id: str
    kind: MessageKind
    action: str
    reason: str
    channel: Channel | None = None
    due_at: datetime | None = None
    detail: str = ""
    # The contact_policy version that decided, or `default`. None: not a policy's decision
    # (an opt-out), a proposed policy's in a simulation, or a record kept before versions were.
    policy_version: PolicyVersion | None = None
    # The release this decision answered (a postponed or grouped send let go at that time);
    # None for the event's own dispatch. With the interaction it names the dispatch message,
    # which is what makes a redelivered one a repeat (`dispatch`).
    released_at: datetime | None = None

    @classmethod
    def of(
        cls,
        decision: Decision,
        interaction: Interaction,
        kind: MessageKind,
        now: datetime,
        *,
        policy_version: PolicyVersion | None,
        released_at: datetime | None = None,
    ) -> DecisionRecord:
        return cls(
            released_at=released_at,
            at=now,
            interaction_id=interaction.interaction_id,
            kind=kind,
            action=decision.action,
            reason=decision.reason,
            channel=decision.channel,
            due_at=decision.at,
            detail=decision.detail,
            policy_version=policy_version,
        )


class ContactState(DomainModel):
    model_config = ConfigDict(frozen=True)

    memory: ContactMemory
    pending: tuple[PendingSend, ...] = ()
    decisions: tuple[DecisionRecord, ...] = ()
    version: int = 0

    @property
    def next_due(self) -> datetime | None:
        return min((p.due_at for p in self.pending), default=None)


class ContactStore(Protocol):
    def load(self, customer_id: str) -> ContactState: ...

    def save(self, customer_id: str, state: ContactState, *, expected_version: int) -> None:
        """Store the next version; raises Conflict when another change landed first."""

    def due(self, now: datetime) -> list[str]:
        """Customers with a pending send due at `now` or before."""


@dataclass(frozen=True)
class Standing:
    """What a dispatch decides on: the customer's contact record, and which of their addresses
    (spelled as the customer's record has them) are on the suppression list (bounced,
    complained, replied STOP)."""

    state: ContactState
    suppressed: frozenset[str] = frozenset()
    # False only where the store knows the customer never had a case opened: then they have no
    # open complaint, and dispatch need not look for one.
    had_cases: bool = True


class ContactBook(ContactStore, Protocol):
    """The contact store dispatch uses: it also answers the suppression list, so the two are
    read together (one BatchGetItem in cxloop.adapters.contacts)."""

    def standing(self, customer: Customer) -> Standing:
        """The customer's record (strongly consistent, as `load`) and suppressed addresses."""


def kind_of(interaction: Interaction) -> MessageKind:
    return "follow_up" if interaction.event.event_type == CASE_RESOLVED else "survey"


@dataclass(frozen=True)
class Dispatched:
    decision: Decision
    sent: Any | None
    # The message was handled before (a redelivery): nothing was decided, sent or saved again.
    repeat: bool = False


def dispatch(
    interaction: Interaction,
    *,
    now: datetime,
    released: bool,
    policy: ContactPolicy,
    policy_version: PolicyVersion,
    contacts: ContactBook,
    open_complaints: Callable[[str], tuple[str, ...]],
    send: Callable[[Interaction, Channel], Any],
    offered: Iterable[Channel] = ("email", "sms"),
    # When the message is a release (released_messages), its release time.
    release_at: datetime | None = None,
) -> Dispatched:
    """Decide, act, remember (the decision names `policy_version`). A released send was
    already postponed or grouped once: only the blocks (opt-out, cap, complaint) and quiet
    hours still apply to it.

    Once per message: the decision record, saved on condition of the record's version, is the
    guard. A message (the interaction and its release) whose decision is on the record was
    handled: a redelivery returns it as a repeat, deciding, sending and saving nothing again
    (the send log, cxloop.domain.kernel.sends, covers an attempt that sent and failed before
    that save). A copy handled at the same time finds the other's send claimed, or its save
    first (the Conflict's fresh read finds the decision and changes nothing)."""
    released = released or release_at is not None
    customer = interaction.event.customer
    customer_id = customer.id
    kind = kind_of(interaction)
    standing = contacts.standing(customer)
    state = standing.state
    earlier = decided_before(state, interaction.interaction_id, kind, release_at)
    if earlier is not None:
        return Dispatched(earlier, None, repeat=True)
    memory = state.memory.model_copy(
        update={
            "open_complaints": open_complaints(customer_id) if standing.had_cases else (),
            "suppressed": state.memory.suppressed | standing.suppressed,
        }
    )
    if released:
        # Its wait is over: no new gap or group window, the rest of the manners unchanged.
        memory = memory.model_copy(update={"group": None})
        policy = policy.model_copy(update={"min_gap_hours": 0, "group_window_minutes": 0})
    offered = tuple(offered)
    decision = decide(customer, kind=kind, now=now, memory=memory, policy=policy, offered=offered)
    attempt = _send_or_fall_back(interaction, decision, memory, policy, offered=offered, send=send)
    record = DecisionRecord.of(
        attempt.decision, interaction, kind, now, policy_version=policy_version, released_at=release_at
    )
    _remember(
        contacts,
        customer_id,
        lambda state: _after(state, interaction, record, attempt.decision, suppress=attempt.suppress),
        read=state,
    )
    return Dispatched(attempt.decision, attempt.sent)


@dataclass(frozen=True)
class _Attempt:
    decision: Decision
    sent: Any | None
    # Addresses whose channel said the customer opted out there.
    suppress: frozenset[str] = frozenset()


def _send_or_fall_back(
    interaction: Interaction,
    decision: Decision,
    memory: ContactMemory,
    policy: ContactPolicy,
    *,
    offered: tuple[Channel, ...],
    send: Callable[[Interaction, Channel], Any],
) -> _Attempt:
    """Send on the decided channel; when it refuses (ChannelRefused), the next channel of the
    policy's order, until one carries it or none is left. A refusal is settled here, never
    retried (SQS would only hear the same no); Unavailable passes through so SQS retries."""
    customer = interaction.event.customer
    refused: list[tuple[Channel, str]] = []
    suppress: set[str] = set()
    while decision.action == "send" and decision.channel:
        channel = decision.channel
        try:
            return _Attempt(decision, send(interaction, channel), frozenset(suppress))
        except ChannelRefused as refusal:
            refused.append((channel, refusal.reason))
            address = address_for(customer, channel)
            if refusal.opted_out and address:
                suppress.add(address)
        decision = after_refusals(
            customer,
            refused,
            policy=policy,
            suppressed=memory.suppressed | suppress,
            offered=offered,
        )
    return _Attempt(decision, None, frozenset(suppress))


def _remember(
    contacts: ContactStore,
    customer_id: str,
    change: Callable[[ContactState], ContactState],
    *,
    read: ContactState | None = None,
) -> None:
    """Keep the decision (and the send or the pending message). A message already sent must be
    remembered even if the record changed meanwhile: read it again and retry. `read`, the state
    the decision was made on, is tried first: the save is conditioned on its version, so a
    change since is a Conflict and a fresh read, and an unchanged record costs no second read."""
    for attempt in range(SAVE_ATTEMPTS):
        state = read if attempt == 0 and read is not None else contacts.load(customer_id)
        try:
            contacts.save(customer_id, change(state), expected_version=state.version)
            return
        except Conflict:
            if attempt == SAVE_ATTEMPTS - 1:
                raise


def _after(
    state: ContactState,
    interaction: Interaction,
    record: DecisionRecord,
    decision: Decision,
    *,
    suppress: frozenset[str] = frozenset(),
) -> ContactState:
    kind, now = record.kind, record.at
    if decided_before(state, record.interaction_id, kind, record.released_at) is not None:
        return state  # a copy of the message saved its decision first
    memory, pending = state.memory, state.pending
    if suppress:  # a channel said the customer opted out there: the next message skips it
        memory = memory.model_copy(update={"suppressed": memory.suppressed | suppress})
    if decision.action == "send" and decision.channel:
        memory = remember_sent(memory, at=now, channel=decision.channel, kind=kind)
    elif decision.action in ("postpone", "group") and decision.at is not None:
        pending = (
            *pending,
            PendingSend(interaction=interaction, kind=kind, due_at=decision.at, reason=decision.reason),
        )
        memory = grouped(memory, interaction, decision, now)
    decisions = (*state.decisions, record)[-KEPT_DECISIONS:]
    return state.model_copy(update={"memory": memory, "pending": pending, "decisions": decisions})


def decided_before(
    state: ContactState, interaction_id: str, kind: MessageKind, release_at: datetime | None
) -> Decision | None:
    """The decision on the record for this dispatch message, if it was handled."""
    for record in reversed(state.decisions):
        if (record.interaction_id, record.kind, record.released_at) == (interaction_id, kind, release_at):
            return Decision(
                action=cast(Action, record.action),
                reason=cast(Reason, record.reason),
                channel=record.channel,
                at=record.due_at,
                detail=record.detail,
            )
    return None


def grouped(
    memory: ContactMemory, interaction: Interaction, decision: Decision, now: datetime
) -> ContactMemory:
    """The memory's group after a group decision (opened, or one more event in it)."""
    if decision.reason == "group_opened" and decision.at is not None:
        group = OpenGroup(
            opened_at=now, release_at=decision.at, interaction_ids=(interaction.interaction_id,)
        )
        return memory.model_copy(update={"group": group})
    if decision.reason == "grouped" and memory.group is not None:
        ids = (*memory.group.interaction_ids, interaction.interaction_id)
        return memory.model_copy(update={"group": memory.group.model_copy(update={"interaction_ids": ids})})
    return memory


def released_messages(state: ContactState, now: datetime) -> tuple[list[dict[str, Any]], ContactState]:
    """The dispatch messages due now, and the state without them. A group becomes ONE survey
    about the whole journey: the latest event's, naming how many events it covers."""
    due = [p for p in state.pending if p.due_at <= now]
    rest = tuple(p for p in state.pending if p.due_at > now)
    messages = []
    for release_at in sorted({p.due_at for p in due}):
        batch = [p for p in due if p.due_at == release_at]
        latest = max(batch, key=lambda p: (p.interaction.event.occurred_at, p.interaction.received_at))
        message = latest.interaction.model_dump(mode="json")
        message["release"] = release_at.isoformat()
        message["journey"] = [p.interaction.interaction_id for p in batch]
        messages.append(message)
    memory = state.memory
    if memory.group is not None and memory.group.release_at <= now:
        memory = memory.model_copy(update={"group": None})
    return messages, state.model_copy(update={"pending": rest, "memory": memory})


def release_due(*, now: datetime, contacts: ContactStore, dispatch: MessageQueue) -> int:
    """Queue every send due at `now` and take it off its record. A queueing that succeeds
    before a failed save is queued again next run: send_survey's key (the interaction and
    its release time) makes that repeat a no-op."""
    released = 0
    for customer_id in contacts.due(now):
        state = contacts.load(customer_id)
        messages, rest = released_messages(state, now)
        for message in messages:
            dispatch.send(message, correlation_id=str(message.get("correlation_id", "")))
        try:
            contacts.save(customer_id, rest, expected_version=state.version)
        except Conflict:
            continue  # someone changed it meanwhile; the next run finds it again
        released += len(messages)
    return released
