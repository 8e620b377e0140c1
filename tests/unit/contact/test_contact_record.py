"""The contact record staff read: which customer its suppressions are looked up for, and what
it shows of them (cxloop.domain.contact.contact_record)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from cxloop.domain.contact.contact_record import contact_view, latest_customer, suppressed_channels
from cxloop.domain.contact.manners import ContactState, DecisionRecord
from cxloop.domain.contact.policy import ContactMemory
from cxloop.domain.contact.record_suppression import SuppressedChannel
from cxloop.domain.kernel.errors import NotFound
from cxloop.domain.kernel.events import Customer, Interaction, InteractionEvent
from tests.helpers import load_event

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
BOUNCED = SuppressedChannel(channel="email", reason="bounce", since=NOW, detail="mailbox full")


def interaction(interaction_id: str, **customer: Any) -> Interaction:
    raw = load_event("erp/claim_reported")
    raw["customer"] = {**raw["customer"], **customer}
    event = InteractionEvent.model_validate(raw)
    return Interaction(interaction_id=interaction_id, correlation_id="corr", received_at=NOW, event=event)


def decided(*interaction_ids: str) -> ContactState:
    decisions = tuple(
        DecisionRecord(at=NOW, interaction_id=i, kind="survey", action="send", reason="due")
        for i in interaction_ids
    )
    return ContactState(memory=ContactMemory(customer_id="c-1"), decisions=decisions, version=len(decisions))


class OneStore:
    def __init__(self, state: ContactState) -> None:
        self.state = state

    def load(self, customer_id: str) -> ContactState:
        return self.state


def test_the_latest_decided_event_names_the_customer_skipping_opt_outs_and_expired_events() -> None:
    events = {
        "old": interaction("old", email="old@example.com"),
        "new": interaction("new", email="new@example.com"),
    }
    # "gone" expired; "" is an opt-out through a link, which belongs to no event.
    state = decided("old", "new", "gone", "")

    customer = latest_customer(state, events.get)

    assert customer is not None and customer.email == "new@example.com"


def test_no_event_left_means_no_customer_and_no_suppressions() -> None:
    asked: list[Customer] = []

    found = suppressed_channels(decided("gone"), {}.get, lambda c: (asked.append(c), (BOUNCED,))[1])

    assert found == () and asked == []


def test_an_erased_customer_shows_no_suppressions() -> None:
    erased = interaction("i-1").model_copy(
        update={
            "event": interaction("i-1").event.model_copy(update={"customer": Customer(id="c-1", erased=True)})
        }
    )

    assert suppressed_channels(decided("i-1"), {"i-1": erased}.get, lambda _c: (BOUNCED,)) == ()


def test_the_view_counts_suppressed_addresses_and_lists_channels_without_the_address() -> None:
    state = decided("i-1").model_copy(
        update={"memory": ContactMemory(customer_id="c-1", suppressed=frozenset({"a@example.com"}))}
    )

    view = contact_view("c-1", OneStore(state), lambda _s: (BOUNCED,))

    assert view["suppressed_addresses"] == 1
    assert view["suppressed_channels"] == [
        {"channel": "email", "reason": "bounce", "since": NOW.isoformat(), "detail": "mailbox full"}
    ]
    assert "a@example.com" not in str(view)
    assert [d["interaction_id"] for d in view["decisions"]] == ["i-1"]


def test_a_customer_never_decided_has_no_record() -> None:
    with pytest.raises(NotFound):
        contact_view("c-9", OneStore(ContactState(memory=ContactMemory(customer_id="c-9"))))
