"""A dispatch message takes effect once without a Powertools record: the decision saved in the
contact record (on condition of its version) names the message, its interaction and release,
and a redelivery finds it (cxloop.domain.contact.manners, dispatch)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from cxloop.domain.contact.manners import ContactState, Dispatched, Standing, dispatch
from cxloop.domain.contact.policy import ContactMemory, ContactPolicy
from cxloop.domain.kernel.errors import Conflict
from cxloop.domain.kernel.events import Channel, Customer, Interaction, InteractionEvent
from tests.helpers import load_event

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


class Contacts:
    """One customer's record, saved on condition of its version as DynamoContactStore does."""

    def __init__(self) -> None:
        self.state = ContactState(memory=ContactMemory(customer_id="C-1042"))
        self.stale: ContactState | None = None  # what a copy read before the other saved
        self.listed: frozenset[str] = frozenset()  # the customer's addresses on the suppression list
        self.reads: list[str] = []

    def load(self, customer_id: str) -> ContactState:
        self.reads.append("load")
        if self.stale is not None:
            stale, self.stale = self.stale, None
            return stale
        return self.state

    def standing(self, customer: Customer) -> Standing:
        state = self.load(customer.id)
        self.reads[-1] = "standing"
        return Standing(state, self.listed)

    def save(self, customer_id: str, state: ContactState, *, expected_version: int) -> None:
        if expected_version != self.state.version:
            raise Conflict("changed meanwhile")
        self.state = state.model_copy(update={"version": expected_version + 1})

    def due(self, now: datetime) -> list[str]:
        return []


def interaction() -> Interaction:
    event = InteractionEvent.model_validate(load_event("erp/claim_reported"))
    return Interaction(interaction_id="i-1", correlation_id="corr-1", received_at=NOW, event=event)


def run(
    contacts: Contacts,
    sent: list[Channel],
    *,
    policy: ContactPolicy | None = None,
    release_at: datetime | None = None,
    now: datetime = NOW,
) -> Dispatched:
    def send(_it: Interaction, channel: Channel) -> Any:
        sent.append(channel)
        return f"message-{len(sent)}"

    return dispatch(
        interaction(),
        now=now,
        released=release_at is not None,
        release_at=release_at,
        policy=policy or ContactPolicy(),
        policy_version=1,
        contacts=contacts,
        open_complaints=lambda _: (),
        send=send,
    )


def test_a_redelivered_message_is_a_repeat_that_sends_and_saves_nothing() -> None:
    contacts, sent = Contacts(), []
    first = run(contacts, sent)
    version = contacts.state.version
    again = run(contacts, sent)
    assert (first.decision.action, first.repeat) == ("send", False)
    assert (again.decision.action, again.decision.channel, again.repeat) == ("send", "email", True)
    assert sent == ["email"] and contacts.state.version == version
    assert len(contacts.state.decisions) == 1 and len(contacts.state.memory.sent) == 1


def test_a_grouped_message_is_held_once_and_its_release_sends_once() -> None:
    contacts, sent = Contacts(), []
    grouping = ContactPolicy(group_window_minutes=60)
    held = run(contacts, sent, policy=grouping)
    assert held.decision.action == "group" and held.decision.at is not None
    assert run(contacts, sent, policy=grouping).repeat
    assert len(contacts.state.pending) == 1 and sent == []
    # The release is a message of its own (its release time), and it too takes effect once.
    released_at = held.decision.at
    later = released_at + timedelta(seconds=1)
    release = run(contacts, sent, policy=grouping, release_at=released_at, now=later)
    assert (release.decision.action, release.repeat) == ("send", False)
    assert run(contacts, sent, policy=grouping, release_at=released_at, now=later).repeat
    assert sent == ["email"]
    assert [d.released_at for d in contacts.state.decisions] == [None, released_at]


def test_a_copy_handled_at_the_same_time_saves_nothing_twice() -> None:
    # The copy read the record before the first saved; its send is the send log's to refuse
    # (cxloop.domain.kernel.sends), its save meets a Conflict, and the fresh read finds the
    # decision already there.
    contacts, sent = Contacts(), []
    unread = contacts.state
    run(contacts, sent)  # one copy...
    contacts.stale = unread
    copy = run(contacts, sent)  # ...and the other, which read the record before that save
    assert not copy.repeat
    assert len(contacts.state.decisions) == 1 and len(contacts.state.memory.sent) == 1


def test_the_record_and_the_suppression_list_are_one_read_and_a_listed_address_is_skipped() -> None:
    contacts, sent = Contacts(), []
    contacts.listed = frozenset({"ana@example.com"})  # her email bounced
    outcome = run(contacts, sent)
    assert (outcome.decision.action, outcome.decision.channel) == ("send", "sms")
    assert sent == ["sms"] and contacts.reads == ["standing"]
    # The list stays the one place that holds it: the record keeps what the channels said only.
    assert contacts.state.memory.suppressed == frozenset()


def test_a_conflicting_save_reads_the_record_alone_again() -> None:
    contacts, sent = Contacts(), []
    unread = contacts.state
    run(contacts, sent)
    contacts.stale, contacts.reads = unread, []
    run(contacts, sent)
    assert contacts.reads == ["standing", "load"]
