"""The contact policy: the brand's memory of each customer and its manners.

Every message cxloop wants to send a customer gets a decision with a reason code:
send now (on the preferred channel, or rerouted to the next one that works), postpone
(quiet hours in the customer's time zone, a minimum gap since the last message), group
(several events within a window become one survey about the whole journey), or block
(opted out, suppressed or bounced address, an open complaint, the frequency cap across
channels). Decisions are pure: the memory and the policy come in, nothing is read here.

Service messages about a customer's own case (acknowledgements) are not marketing: they
skip the cap, the gap, grouping and quiet hours, but never reach an opted-out channel
address that bounced or complained.

Which policy applies: until an analyst publishes a `contact_policy` document, RECOMMENDED
below (quiet hours, a day's gap, a monthly cap), named by the version `default` in every
decision; once one is published, that document alone, named by its version number.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Final, Literal
from zoneinfo import ZoneInfo

from pydantic import ConfigDict, Field, model_validator

from cxloop.domain.kernel.events import Channel, Customer
from cxloop.domain.kernel.modelling import DomainModel

MessageKind = Literal["survey", "reminder", "follow_up", "acknowledgement"]
Action = Literal["send", "postpone", "group", "block"]
Reason = Literal[
    "send",
    "rerouted_preference",
    "rerouted_fallback",
    "postponed_quiet_hours",
    "postponed_min_gap",
    "group_opened",
    "grouped",
    "blocked_opt_out",
    "blocked_suppressed",
    "blocked_no_channel",
    "blocked_open_complaint",
    "blocked_frequency_cap",
]
SURVEY_KINDS: frozenset[MessageKind] = frozenset({"survey", "reminder", "follow_up"})
CHANNELS: tuple[Channel, ...] = ("email", "sms", "whatsapp")


class ContactPolicy(DomainModel):
    """The manners, as data analysts change at run time (config document `contact_policy`).

    A published document is the whole policy: it replaces the default (RECOMMENDED) whole,
    it is never merged with it field by field. So the field defaults here are what a
    document means when it leaves a field out, and they are permissive: only what no brand
    may skip (opt-outs, suppressed addresses, no survey while a complaint is open), with no
    quiet hours, no gap and a cap of 100 per 30 days. A document that wants quiet hours says
    so; one that omits them has none. Start from RECOMMENDED and change what you mean to.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    # Local wall time in the customer's zone; a window may wrap midnight (21:00-08:00). None: no quiet hours.
    quiet_start: time | None = None
    quiet_end: time | None = None
    min_gap_hours: float = Field(default=0, ge=0, le=24 * 90)
    cap_messages: int = Field(default=100, ge=1, le=1000)
    cap_days: int = Field(default=30, ge=1, le=365)
    # 0 sends each event's survey on its own; > 0 waits that long for more events to group.
    group_window_minutes: int = Field(default=0, ge=0, le=7 * 24 * 60)
    block_on_open_complaint: bool = True
    # Fallback order when the preferred channel is missing, suppressed, not offered or refuses
    # the message. WhatsApp is picked only where the deployment offers it (Senders.offered).
    channels: tuple[Channel, ...] = ("email", "sms", "whatsapp")
    # One reminder when a survey is still unanswered this many days after it was sent
    # (send_reminders); None sends no reminders.
    reminder_after_days: int | None = Field(default=None, ge=1, le=14)

    @model_validator(mode="after")
    def _sane(self) -> ContactPolicy:
        if (self.quiet_start is None) != (self.quiet_end is None):
            raise ValueError("give both quiet_start and quiet_end, or neither")
        if self.quiet_start is not None and self.quiet_start == self.quiet_end:
            raise ValueError("quiet_start and quiet_end must differ")
        if not self.channels or len(set(self.channels)) != len(self.channels):
            raise ValueError("channels must list each channel once")
        return self


# What applies until a contact_policy document is published, and what we suggest publishing:
# no survey between 21:00 and 08:00 in the customer's own zone, a day between two messages,
# at most 4 in 30 days. Every field is spelled out: the field defaults above are not the default.
RECOMMENDED = ContactPolicy(
    quiet_start=time(21, 0),
    quiet_end=time(8, 0),
    min_gap_hours=24,
    cap_messages=4,
    cap_days=30,
    group_window_minutes=0,
    block_on_open_complaint=True,
    channels=("email", "sms", "whatsapp"),
    reminder_after_days=None,
)

# Which policy decided: a published contact_policy document's version number, or `default`
# (RECOMMENDED, nothing published yet).
PolicyVersion = int | Literal["default"]
DEFAULT_VERSION: Final = "default"


class SentRecord(DomainModel):
    model_config = ConfigDict(frozen=True)

    at: datetime
    channel: Channel
    kind: MessageKind


class OpenGroup(DomainModel):
    """Events waiting to become one survey about the whole journey."""

    model_config = ConfigDict(frozen=True)

    opened_at: datetime
    release_at: datetime
    interaction_ids: tuple[str, ...]


class ContactMemory(DomainModel):
    """What the brand remembers of one customer across every channel and system."""

    model_config = ConfigDict(frozen=True)

    customer_id: str
    sent: tuple[SentRecord, ...] = ()
    open_complaints: tuple[str, ...] = ()
    opted_out: bool = False
    # Addresses (emails, phone numbers) that bounced, complained or asked to stop.
    suppressed: frozenset[str] = frozenset()
    group: OpenGroup | None = None


@dataclass(frozen=True)
class Decision:
    action: Action
    reason: Reason
    channel: Channel | None = None
    # When a postponed or grouped message is due.
    at: datetime | None = None
    detail: str = ""


def decide(
    customer: Customer,
    *,
    kind: MessageKind,
    now: datetime,
    memory: ContactMemory,
    policy: ContactPolicy,
    offered: Iterable[Channel] = ("email", "sms"),
) -> Decision:
    """The decision for one message; `offered` are the channels this deployment can send on."""
    ask = _Ask(customer, kind, now, memory, policy)
    blocked = _blocked(ask)
    if blocked is not None:
        return blocked
    channel, reason = pick_channel(customer, policy, memory.suppressed, offered)
    why = "" if reason == "send" else passed_over(customer, policy, memory.suppressed, offered, channel)
    if channel is None:
        return Decision("block", reason, detail=why)
    if kind == "acknowledgement":
        return Decision("send", reason, channel, detail=why)
    return _waiting(ask, channel) or Decision("send", reason, channel, detail=why)


@dataclass(frozen=True)
class _Ask:
    customer: Customer
    kind: MessageKind
    now: datetime
    memory: ContactMemory
    policy: ContactPolicy


def _blocked(ask: _Ask) -> Decision | None:
    kind, now, memory, policy = ask.kind, ask.now, ask.memory, ask.policy
    if memory.opted_out and kind in SURVEY_KINDS:
        return Decision("block", "blocked_opt_out", detail="the customer opted out of surveys")
    if kind == "survey" and policy.block_on_open_complaint and memory.open_complaints:
        open_ones = ", ".join(memory.open_complaints)
        return Decision("block", "blocked_open_complaint", detail=f"open complaint {open_ones}")
    if kind in SURVEY_KINDS:
        window_start = now - timedelta(days=policy.cap_days)
        recent = [s for s in memory.sent if s.at >= window_start and s.kind in SURVEY_KINDS]
        if len(recent) >= policy.cap_messages:
            detail = f"{len(recent)} surveys in the last {policy.cap_days} days"
            return Decision("block", "blocked_frequency_cap", detail=detail)
    return None


def _waiting(ask: _Ask, channel: Channel) -> Decision | None:
    customer, kind, now, memory, policy = ask.customer, ask.kind, ask.now, ask.memory, ask.policy
    group = memory.group
    if kind == "survey" and group is not None and now < group.release_at:
        return Decision("group", "grouped", channel, group.release_at, f"joins {len(group.interaction_ids)}")
    if kind == "survey" and policy.group_window_minutes:
        release = now + timedelta(minutes=policy.group_window_minutes)
        return Decision("group", "group_opened", channel, _outside_quiet(release, customer, policy))
    earliest = _after_gap(now, memory, policy)
    if earliest > now:
        return Decision("postpone", "postponed_min_gap", channel, _outside_quiet(earliest, customer, policy))
    quiet_over = _outside_quiet(now, customer, policy)
    if quiet_over > now:
        return Decision("postpone", "postponed_quiet_hours", channel, quiet_over)
    return None


def pick_channel(
    customer: Customer, policy: ContactPolicy, suppressed: frozenset[str], offered: Iterable[Channel]
) -> tuple[Channel | None, Reason]:
    """The preferred channel when it works, else the first of the policy's order that does."""
    preferred = customer.preferred_channel
    usable = [
        channel
        for channel in _order(customer, policy)
        if channel in set(offered) and _address(customer, channel) not in (None, *suppressed)
    ]
    if preferred is not None and preferred in usable:
        return preferred, "send"
    if not usable:
        has_address = any(_address(customer, channel) for channel in CHANNELS)
        return None, "blocked_suppressed" if has_address else "blocked_no_channel"
    if preferred is not None:
        return usable[0], "rerouted_preference"
    return usable[0], "send" if usable[0] == policy.channels[0] else "rerouted_fallback"


def passed_over(
    customer: Customer,
    policy: ContactPolicy,
    suppressed: frozenset[str],
    offered: Iterable[Channel],
    chosen: Channel | None,
) -> str:
    """Why the channels tried before `chosen` (all of them, when none was) could not carry the
    message, for staff reading the decision: "email suppressed; whatsapp not offered". Names
    channels and reasons, never an address."""
    offered = set(offered)
    reasons = []
    preferred = customer.preferred_channel
    # In the order pick_channel tries them: the preference first, then the policy's order.
    tried = [preferred] if preferred else []
    for channel in [*tried, *(c for c in _order(customer, policy) if c != preferred)]:
        if channel == chosen:
            break
        if channel not in policy.channels:
            reasons.append(f"{channel} not in the policy's channels")
        elif channel not in offered:
            reasons.append(f"{channel} not offered")
        elif _address(customer, channel) is None:
            reasons.append(f"{channel}: no address")
        elif _address(customer, channel) in suppressed:
            reasons.append(f"{channel} suppressed")
    return "; ".join(reasons)


def _order(customer: Customer, policy: ContactPolicy) -> list[Channel]:
    """The policy's channel order, the preferred channel's kind first: someone who prefers a
    phone channel is better served by another phone channel first."""
    preferred = customer.preferred_channel
    return sorted(
        policy.channels, key=lambda c: preferred is not None and _by_phone(c) != _by_phone(preferred)
    )


def after_refusals(
    customer: Customer,
    refused: Sequence[tuple[Channel, str]],
    *,
    policy: ContactPolicy,
    suppressed: frozenset[str],
    offered: Iterable[Channel],
) -> Decision:
    """The decision once channels refused the message (channel, reason code): the next channel
    of the policy's order the customer has and this deployment offers, or a block. The detail
    names what refused and why, never an address."""
    tried = {channel for channel, _ in refused}
    left = [channel for channel in offered if channel not in tried]
    detail = "; ".join(f"{channel} refused: {reason}" for channel, reason in refused)
    channel, reason = pick_channel(customer, policy, suppressed, left)
    if channel is None:
        return Decision("block", reason, detail=detail)
    return Decision("send", "rerouted_fallback", channel, detail=detail)


def address_for(customer: Customer, channel: Channel) -> str | None:
    """Where a channel reaches the customer (SMS and WhatsApp share the phone number)."""
    return _address(customer, channel)


def _by_phone(channel: Channel) -> bool:
    return channel != "email"


def _address(customer: Customer, channel: Channel) -> str | None:
    return customer.email if channel == "email" else customer.phone


def _after_gap(now: datetime, memory: ContactMemory, policy: ContactPolicy) -> datetime:
    if not memory.sent or not policy.min_gap_hours:
        return now
    last = max(record.at for record in memory.sent)
    return max(now, last + timedelta(hours=policy.min_gap_hours))


def _outside_quiet(moment: datetime, customer: Customer, policy: ContactPolicy) -> datetime:
    """`moment`, or the end of the customer's quiet hours when it falls inside them (in their
    own zone, so a daylight-saving change moves the instant, not the wall time)."""
    start, end = policy.quiet_start, policy.quiet_end
    if start is None or end is None:
        return moment
    zone = ZoneInfo(customer.timezone)
    local = moment.astimezone(zone)
    wall = local.time()
    wraps = start > end
    inside = (wall >= start or wall < end) if wraps else (start <= wall < end)
    if not inside:
        return moment
    day = local.date() + timedelta(days=1) if wraps and wall >= start else local.date()
    return datetime.combine(day, end, tzinfo=zone).astimezone(moment.tzinfo)


def remember_sent(
    memory: ContactMemory, *, at: datetime, channel: Channel, kind: MessageKind
) -> ContactMemory:
    """The memory after a send; only the last year is kept (the cap never looks further)."""
    horizon = at - timedelta(days=366)
    kept = tuple(s for s in memory.sent if s.at >= horizon)
    return memory.model_copy(update={"sent": (*kept, SentRecord(at=at, channel=channel, kind=kind))})
