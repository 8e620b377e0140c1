"""The scrubbing rules of cxloop.domain.privacy.erasure: what goes, what stays, and the erased customer."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from cxloop.domain.contact.manners import ContactState, PendingSend
from cxloop.domain.contact.policy import ContactMemory, OpenGroup, SentRecord
from cxloop.domain.kernel.errors import InvalidInput
from cxloop.domain.kernel.events import Customer, Interaction, parse_event
from cxloop.domain.privacy.erasure import (
    ErasureAudit,
    erase,
    erased_customer,
    is_erased,
    needs_scrubbing,
    pseudonym,
    scrubbed_answers,
    scrubbed_contact_state,
    scrubbed_interaction,
    scrubbed_ticket,
)
from tests.helpers import event_bytes, sample_ticket

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
ANA = Customer(id="C-1042", name="Ana", email="ana@example.com", phone="+593991234567", locale="es-EC")


def test_the_pseudonym_is_stable_under_one_key_and_differs_under_another() -> None:
    alias = pseudonym("C-1042", b"k1")
    assert alias == pseudonym("C-1042", b"k1") and is_erased(alias)
    assert alias != pseudonym("C-1042", b"k2") and alias != pseudonym("C-1043", b"k1")
    assert "C-1042" not in alias


def test_the_erased_customer_keeps_locale_and_zone_and_no_contact() -> None:
    erased = erased_customer(ANA, "erased-abc")
    assert erased.model_dump(exclude_defaults=True) == {"id": "erased-abc", "locale": "es-EC", "erased": True}
    assert erased.timezone == ANA.timezone


def test_only_an_erased_customer_may_have_no_contact_and_it_may_keep_none() -> None:
    with pytest.raises(ValidationError):
        Customer(id="C-1")
    with pytest.raises(ValidationError):
        Customer(id="erased-1", email="ana@example.com", erased=True)


def test_the_erp_cannot_send_an_erased_customer() -> None:
    body = event_bytes("erp/claim_reported", customer={"id": "C-1", "erased": True})
    with pytest.raises(InvalidInput) as refused:
        parse_event(body)
    assert refused.value.details[0].field == "customer.erased"


def test_free_text_goes_and_numbers_flags_and_choices_stay() -> None:
    answers = {
        "nps": 2,
        "csat": 4.5,
        "callback": True,
        "callback_time": "morning",
        "channels": ["email", "phone"],
        "comment": "bad",
        "praise": "Ana was lovely",
        "custom_text": "Call me at +593991234567",
        "mixed": ["email", "Jorge Salinas"],
        "skipped": None,
    }
    assert scrubbed_answers(answers) == {
        "nps": 2,
        "csat": 4.5,
        "callback": True,
        "callback_time": "morning",
        "channels": ["email", "phone"],
        "skipped": None,
    }


def test_a_ticket_loses_the_customer_and_their_comment_and_keeps_staff_text() -> None:
    ticket = sample_ticket(comment="Jorge never came")
    scrubbed = scrubbed_ticket(ticket, "erased-abc")
    assert scrubbed.comment is None and scrubbed.customer.id == "erased-abc"
    assert (scrubbed.ticket_id, scrubbed.score, scrubbed.history, scrubbed.touchpoint) == (
        ticket.ticket_id,
        ticket.score,
        ticket.history,
        ticket.touchpoint,
    )


def test_an_interaction_keeps_its_event_but_the_customer() -> None:
    event = parse_event(event_bytes("erp/claim_reported"))
    interaction = Interaction(interaction_id="i-1", correlation_id="c", received_at=NOW, event=event)
    scrubbed = scrubbed_interaction(interaction, "erased-abc")
    assert scrubbed.event.customer.erased and scrubbed.event.touchpoint == event.touchpoint
    assert "ana@example.com" not in scrubbed.model_dump_json() and "Ana" not in scrubbed.model_dump_json()


def test_a_contact_record_keeps_history_and_opt_out_and_drops_what_could_reach_the_person() -> None:
    event = parse_event(event_bytes("erp/claim_reported"))
    interaction = Interaction(interaction_id="i-1", correlation_id="c", received_at=NOW, event=event)
    state = ContactState(
        memory=ContactMemory(
            customer_id="C-1042",
            sent=(SentRecord(at=NOW, channel="email", kind="survey"),),
            opted_out=True,
            suppressed=frozenset({"ana@example.com"}),
            group=OpenGroup(opened_at=NOW, release_at=NOW, interaction_ids=("i-1",)),
        ),
        pending=(PendingSend(interaction=interaction, kind="survey", due_at=NOW, reason="quiet_hours"),),
        version=3,
    )
    assert needs_scrubbing(state)
    scrubbed = scrubbed_contact_state(state)
    assert not needs_scrubbing(scrubbed)
    assert scrubbed.memory.opted_out and scrubbed.memory.sent == state.memory.sent
    assert "ana@example.com" not in scrubbed.model_dump_json()


class Recording:
    def __init__(self) -> None:
        self.calls: list[tuple[str, ...]] = []
        self.audits: list[ErasureAudit] = []

    def _count(self, table: str, *args: str) -> int:
        self.calls.append((table, *args))
        return len(self.calls)

    def interactions(self, customer_id: str, alias: str) -> int:
        return self._count("interactions", customer_id, alias)

    def invitations(self, customer_id: str, alias: str) -> int:
        return self._count("invitations", customer_id, alias)

    def responses(self, customer_id: str, alias: str) -> int:
        return self._count("responses", customer_id, alias)

    def tickets(self, customer_id: str, alias: str) -> int:
        return self._count("tickets", customer_id, alias)

    def contacts(self, customer_id: str) -> int:
        return self._count("contacts", customer_id)

    def optouts(self, customer_id: str) -> int:
        return self._count("optouts", customer_id)

    def record(self, audit: ErasureAudit) -> None:
        self.audits.append(audit)


def test_erase_uses_one_pseudonym_everywhere_and_audits_the_counts() -> None:
    stores = Recording()
    outcome = erase("C-1042", by="exec-ceo", now=NOW, key=b"k", stores=stores)
    alias = pseudonym("C-1042", b"k")
    assert {call[2] for call in stores.calls if len(call) == 3} == {alias}
    assert outcome.as_json() == {
        "customer_id": "C-1042",
        "erased": {
            "interactions": 1,
            "invitations": 2,
            "responses": 3,
            "tickets": 4,
            "contacts": 5,
            "optouts": 6,
        },
    }
    (audit,) = stores.audits
    assert (audit.by, audit.at, audit.erased) == ("exec-ceo", NOW, outcome.erased)
    assert alias not in audit.model_dump_json()
