"""The contact policy: every decision with its reason code, across time zones and
daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from cxloop.domain.configuration.rulebook import Rulebook, default_document
from cxloop.domain.contact.policy import (
    RECOMMENDED,
    ContactMemory,
    ContactPolicy,
    OpenGroup,
    SentRecord,
    decide,
    remember_sent,
)
from cxloop.domain.kernel.events import Channel, Customer

# Tuesday 24 Nov 2026, 15:00 UTC = 10:00 in Quito (UTC-5), 16:00 in Madrid (UTC+1).
NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
POLICY = RECOMMENDED


def customer(**changes: Any) -> Customer:
    fields: dict[str, Any] = {
        "id": "C-1",
        "email": "ana@example.com",
        "phone": "+593991234567",
        "timezone": "America/Guayaquil",
    }
    return Customer(**(fields | changes))


def memory(**changes: Any) -> ContactMemory:
    return ContactMemory(customer_id="C-1", **changes)


def sent(hours_ago: float, kind: str = "survey", channel: str = "email") -> SentRecord:
    return SentRecord(at=NOW - timedelta(hours=hours_ago), channel=channel, kind=kind)  # type: ignore[arg-type]


def test_nothing_in_the_way_sends_now_on_the_first_channel() -> None:
    decision = decide(customer(), kind="survey", now=NOW, memory=memory(), policy=POLICY)
    assert (decision.action, decision.reason, decision.channel, decision.at) == (
        "send",
        "send",
        "email",
        None,
    )


@pytest.mark.parametrize(
    ("changes", "suppressed", "channel", "reason"),
    [
        ({"preferred_channel": "sms"}, frozenset(), "sms", "send"),
        # No WhatsApp here: a phone person gets the other phone channel before email.
        ({"preferred_channel": "whatsapp"}, frozenset(), "sms", "rerouted_preference"),
        ({"preferred_channel": "whatsapp", "phone": None}, frozenset(), "email", "rerouted_preference"),
        ({"email": None}, frozenset(), "sms", "rerouted_fallback"),
        ({}, frozenset({"ana@example.com"}), "sms", "rerouted_fallback"),
        ({"preferred_channel": "sms"}, frozenset({"+593991234567"}), "email", "rerouted_preference"),
    ],
)
def test_reroute_when_the_preferred_or_first_channel_cannot_be_used(
    changes: dict[str, Any], suppressed: frozenset[str], channel: str, reason: str
) -> None:
    decision = decide(
        customer(**changes), kind="survey", now=NOW, memory=memory(suppressed=suppressed), policy=POLICY
    )
    assert (decision.action, decision.channel, decision.reason) == ("send", channel, reason)


@pytest.mark.parametrize(
    ("changes", "suppressed", "offered", "detail"),
    [
        ({}, frozenset({"ana@example.com"}), ("email", "sms"), "email suppressed"),
        ({"email": None}, frozenset(), ("email", "sms"), "email: no address"),
        (
            {"preferred_channel": "sms"},
            frozenset({"+593991234567"}),
            ("email", "sms"),
            "sms suppressed; whatsapp not offered",
        ),
        ({"preferred_channel": "whatsapp"}, frozenset(), ("email", "sms"), "whatsapp not offered"),
        (
            {"preferred_channel": "whatsapp"},
            frozenset({"+593991234567"}),
            ("email", "sms", "whatsapp"),
            "whatsapp suppressed; sms suppressed",
        ),
    ],
)
def test_a_reroute_says_which_channels_were_passed_over_and_why_without_an_address(
    changes: dict[str, Any], suppressed: frozenset[str], offered: tuple[Channel, ...], detail: str
) -> None:
    policy = POLICY.model_copy(update={"channels": ("email", "sms", "whatsapp")})
    decision = decide(
        customer(**changes),
        kind="acknowledgement",
        now=NOW,
        memory=memory(suppressed=suppressed),
        policy=policy,
        offered=offered,
    )
    assert decision.reason.startswith("rerouted_")
    assert decision.detail == detail
    assert "@" not in decision.detail and "+593" not in decision.detail


def test_a_plain_send_has_no_detail() -> None:
    decision = decide(customer(), kind="acknowledgement", now=NOW, memory=memory(), policy=POLICY)
    assert (decision.reason, decision.detail) == ("send", "")


def test_every_address_suppressed_blocks_and_says_why() -> None:
    both = frozenset({"ana@example.com", "+593991234567"})
    decision = decide(customer(), kind="survey", now=NOW, memory=memory(suppressed=both), policy=POLICY)
    assert (decision.action, decision.reason) == ("block", "blocked_suppressed")
    assert decision.detail == "email suppressed; sms suppressed; whatsapp not offered"
    # A deployment that offers no SMS cannot reach a phone-only customer.
    phone_only = customer(email=None)
    offered = decide(phone_only, kind="survey", now=NOW, memory=memory(), policy=POLICY, offered=("email",))
    assert (offered.action, offered.reason) == ("block", "blocked_suppressed")
    assert offered.detail == "email: no address; sms not offered; whatsapp not offered"


def test_opt_out_blocks_surveys_but_not_the_acknowledgement_of_a_case() -> None:
    opted = memory(opted_out=True)
    assert decide(customer(), kind="survey", now=NOW, memory=opted, policy=POLICY).reason == "blocked_opt_out"
    assert (
        decide(customer(), kind="reminder", now=NOW, memory=opted, policy=POLICY).reason == "blocked_opt_out"
    )
    ack = decide(customer(), kind="acknowledgement", now=NOW, memory=opted, policy=POLICY)
    assert (ack.action, ack.channel) == ("send", "email")


def test_an_open_complaint_blocks_a_new_survey_unless_the_policy_says_otherwise() -> None:
    open_case = memory(open_complaints=("CX-1",))
    blocked = decide(customer(), kind="survey", now=NOW, memory=open_case, policy=POLICY)
    assert (blocked.action, blocked.reason, blocked.detail) == (
        "block",
        "blocked_open_complaint",
        "open complaint CX-1",
    )
    lenient = POLICY.model_copy(update={"block_on_open_complaint": False})
    assert decide(customer(), kind="survey", now=NOW, memory=open_case, policy=lenient).action == "send"
    # The follow-up of that very case still goes out.
    assert decide(customer(), kind="follow_up", now=NOW, memory=open_case, policy=POLICY).action == "send"


def test_the_frequency_cap_counts_surveys_on_every_channel_within_its_window() -> None:
    history = (sent(24 * 3), sent(24 * 10, channel="sms"), sent(24 * 20), sent(24 * 29, kind="reminder"))
    capped = decide(customer(), kind="survey", now=NOW, memory=memory(sent=history), policy=POLICY)
    assert (capped.action, capped.reason, capped.detail) == (
        "block",
        "blocked_frequency_cap",
        "4 surveys in the last 30 days",
    )
    older = (*history[:3], sent(24 * 31), sent(24 * 3, kind="acknowledgement"))
    assert (
        decide(customer(), kind="survey", now=NOW, memory=memory(sent=older), policy=POLICY).action == "send"
    )


def test_a_minimum_gap_postpones_to_the_gap_end() -> None:
    decision = decide(customer(), kind="survey", now=NOW, memory=memory(sent=(sent(20),)), policy=POLICY)
    assert (decision.action, decision.reason) == ("postpone", "postponed_min_gap")
    assert decision.at == NOW + timedelta(hours=4)


def test_a_gap_ending_in_quiet_hours_waits_for_the_morning() -> None:
    # Sent 9 h ago: the 24 h gap ends at 01:00 in Quito, inside the quiet hours.
    decision = decide(customer(), kind="survey", now=NOW, memory=memory(sent=(sent(9),)), policy=POLICY)
    assert decision.reason == "postponed_min_gap"
    assert decision.at == datetime(2026, 11, 25, 13, 0, tzinfo=UTC)  # 08:00 Quito


@pytest.mark.parametrize(
    ("now", "zone", "released"),
    [
        # 23:30 in Quito: wait for 08:00 the next morning.
        (
            datetime(2026, 11, 25, 4, 30, tzinfo=UTC),
            "America/Guayaquil",
            datetime(2026, 11, 25, 13, 0, tzinfo=UTC),
        ),
        # 06:00 in Madrid (UTC+1 in winter): 08:00 the same morning.
        (datetime(2026, 11, 24, 5, 0, tzinfo=UTC), "Europe/Madrid", datetime(2026, 11, 24, 7, 0, tzinfo=UTC)),
        # The night Madrid leaves summer time (25 Oct 2026, 03:00 CEST -> 02:00 CET): 23:00 CEST on the
        # 24th waits until 08:00 CET on the 25th, which is 07:00 UTC, not 06:00.
        (
            datetime(2026, 10, 24, 21, 0, tzinfo=UTC),
            "Europe/Madrid",
            datetime(2026, 10, 25, 7, 0, tzinfo=UTC),
        ),
        # The night it enters summer time (29 Mar 2026): 08:00 CEST is 06:00 UTC.
        (datetime(2026, 3, 28, 22, 0, tzinfo=UTC), "Europe/Madrid", datetime(2026, 3, 29, 6, 0, tzinfo=UTC)),
    ],
)
def test_quiet_hours_are_the_customers_own_across_zones_and_daylight_saving(
    now: datetime, zone: str, released: datetime
) -> None:
    decision = decide(customer(timezone=zone), kind="survey", now=now, memory=memory(), policy=POLICY)
    assert (decision.action, decision.reason, decision.at) == ("postpone", "postponed_quiet_hours", released)


def test_a_daytime_quiet_window_that_does_not_wrap_midnight() -> None:
    siesta = POLICY.model_copy(update={"quiet_start": time(13, 0), "quiet_end": time(16, 0)})
    at_two = datetime(2026, 11, 24, 19, 0, tzinfo=UTC)  # 14:00 Quito
    decision = decide(customer(), kind="survey", now=at_two, memory=memory(), policy=siesta)
    assert decision.at == datetime(2026, 11, 24, 21, 0, tzinfo=UTC)
    assert decide(customer(), kind="survey", now=NOW, memory=memory(), policy=siesta).action == "send"


def test_events_within_the_window_become_one_survey() -> None:
    grouping = POLICY.model_copy(update={"group_window_minutes": 120})
    first = decide(customer(), kind="survey", now=NOW, memory=memory(), policy=grouping)
    assert (first.action, first.reason, first.at) == ("group", "group_opened", NOW + timedelta(hours=2))
    window = OpenGroup(opened_at=NOW, release_at=NOW + timedelta(hours=2), interaction_ids=("i-1",))
    later = decide(
        customer(),
        kind="survey",
        now=NOW + timedelta(minutes=30),
        memory=memory(group=window),
        policy=grouping,
    )
    assert (later.action, later.reason, later.at) == ("group", "grouped", window.release_at)
    after = decide(
        customer(), kind="survey", now=NOW + timedelta(hours=3), memory=memory(group=window), policy=grouping
    )
    assert after.reason == "group_opened"


def test_acknowledgements_ignore_gap_quiet_hours_and_grouping() -> None:
    night = datetime(2026, 11, 25, 4, 30, tzinfo=UTC)
    busy = memory(sent=(sent(1),))
    grouping = POLICY.model_copy(update={"group_window_minutes": 120})
    ack = decide(customer(), kind="acknowledgement", now=night, memory=busy, policy=grouping)
    assert (ack.action, ack.reason) == ("send", "send")


def test_no_address_at_all_is_its_own_reason() -> None:
    nobody = Customer.model_construct(
        id="C-9", email=None, phone=None, timezone="UTC", preferred_channel=None
    )
    assert (
        decide(nobody, kind="survey", now=NOW, memory=memory(), policy=POLICY).reason == "blocked_no_channel"
    )


def test_the_memory_keeps_a_year_of_sends() -> None:
    remembered = remember_sent(memory(sent=(sent(24 * 400), sent(24))), at=NOW, channel="sms", kind="survey")
    assert [s.at for s in remembered.sent] == [NOW - timedelta(hours=24), NOW]


@pytest.mark.parametrize(
    "changes",
    [
        {"quiet_start": "08:00", "quiet_end": "08:00"},
        {"quiet_start": "21:00"},
        {"channels": []},
        {"channels": ["email", "email"]},
        {"cap_messages": 0},
        {"min_gap_hours": -1},
        {"channels": ["pigeon"]},
    ],
)
def test_a_bad_policy_is_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        ContactPolicy.model_validate(changes)


def test_a_document_that_leaves_every_field_out_keeps_only_what_no_brand_may_skip() -> None:
    default = ContactPolicy()
    night = datetime(2026, 11, 25, 4, 30, tzinfo=UTC)  # 23:30 in Quito
    busy = memory(sent=tuple(sent(h) for h in (1, 2, 3, 4, 5)))
    assert decide(customer(), kind="survey", now=night, memory=busy, policy=default).action == "send"
    assert (
        decide(customer(), kind="survey", now=night, memory=memory(opted_out=True), policy=default).action
        == "block"
    )
    complaint = memory(open_complaints=("CX-1",))
    assert decide(customer(), kind="survey", now=night, memory=complaint, policy=default).action == "block"


# 08:00 UTC on Monday 23 Nov 2026 is 03:00 in Quito (UTC-5); 08:00 there is 13:00 UTC.
THREE_IN_QUITO = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
EIGHT_IN_QUITO = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)


def test_until_a_policy_is_published_the_recommended_one_applies_and_is_named_default() -> None:
    book = Rulebook()
    assert book.contact_policy == default_document("contact_policy") == RECOMMENDED
    assert book.contact_policy_version == "default"
    night = decide(customer(), kind="survey", now=THREE_IN_QUITO, memory=memory(), policy=book.contact_policy)
    assert (night.action, night.reason, night.at) == ("postpone", "postponed_quiet_hours", EIGHT_IN_QUITO)
    yesterday = memory(
        sent=(SentRecord(at=EIGHT_IN_QUITO - timedelta(hours=20), channel="email", kind="survey"),)
    )
    gap = decide(customer(), kind="survey", now=EIGHT_IN_QUITO, memory=yesterday, policy=book.contact_policy)
    assert (gap.reason, gap.at) == ("postponed_min_gap", EIGHT_IN_QUITO + timedelta(hours=4))
    month = tuple(
        SentRecord(at=NOW - timedelta(days=d), channel="email", kind="survey") for d in (2, 9, 16, 23)
    )
    capped = decide(customer(), kind="survey", now=NOW, memory=memory(sent=month), policy=book.contact_policy)
    assert capped.reason == "blocked_frequency_cap"


def test_a_published_policy_replaces_the_default_whole() -> None:
    # It names a cap and nothing else: no quiet hours, no gap (its own field defaults), never
    # the default's 21:00-08:00 or its day's gap.
    book = Rulebook.from_documents({"contact_policy": (3, {"cap_messages": 10})})
    assert book.contact_policy == ContactPolicy(cap_messages=10)
    assert book.contact_policy_version == 3
    night = decide(customer(), kind="survey", now=THREE_IN_QUITO, memory=memory(), policy=book.contact_policy)
    assert (night.action, night.reason) == ("send", "send")
    busy = memory(sent=tuple(sent(h) for h in range(1, 10)))
    assert (
        decide(customer(), kind="survey", now=NOW, memory=busy, policy=book.contact_policy).action == "send"
    )
