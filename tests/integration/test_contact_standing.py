"""A customer's standing against moto: their contact record and their entries on the
suppression list come in one BatchGetItem, both tables read strongly consistent, keys left
unprocessed are asked again, and the record's save stays conditioned on the version read
(cxloop.adapters.contacts, DynamoContactStore.standing)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from cxloop.adapters.contacts import DynamoContactStore
from cxloop.adapters.suppressions import DynamoSuppressionList
from cxloop.domain.contact.manners import ContactState
from cxloop.domain.contact.policy import ContactMemory
from cxloop.domain.contact.record_suppression import SuppressionEvent
from cxloop.domain.kernel.errors import Conflict, Unavailable
from cxloop.domain.kernel.events import Customer
from infra.local.defaults import SUPPRESSION_KEY
from tests.helpers import sample_ticket
from tests.integration.support import Ports, as_sqs, emails
from tests.integration.test_sends_once import dispatch_message

ANA = Customer(id="C-1042", name="Ana Pérez", email="Ana@Example.com", phone="+593991234567")


class HoldingBack:
    """The moto client, with DynamoDB under pressure on purpose (an injected fault): the first
    `times` BatchGetItem answers leave `table`'s keys unprocessed, as DynamoDB does when it
    throttles part of a batch. Every request's RequestItems are kept."""

    def __init__(self, db: Any, table: str = "", times: int = 0) -> None:
        self.db, self.table, self.times = db, table, times
        self.batches: list[dict[str, Any]] = []
        self.operations: list[str] = []

    def batch_get_item(self, **params: Any) -> dict[str, Any]:
        self.operations.append("batch_get_item")
        self.batches.append(params["RequestItems"])
        answer = dict(self.db.batch_get_item(**params))
        held = params["RequestItems"].get(self.table)
        if self.times and held:
            self.times -= 1
            answer["Responses"] = {t: i for t, i in answer["Responses"].items() if t != self.table}
            # Keys only: the retry must bring back the table's ConsistentRead itself.
            answer["UnprocessedKeys"] = {self.table: {"Keys": held["Keys"]}}
        return answer

    def __getattr__(self, name: str) -> Any:
        self.operations.append(name)
        return getattr(self.db, name)


def store(ports: Ports, db: Any) -> DynamoContactStore:
    listed = DynamoSuppressionList(ports.aws.table("suppressions"), key=SUPPRESSION_KEY.encode, dynamodb=db)
    return DynamoContactStore(ports.aws.table("contacts"), db, suppressions=listed)


def bounced(ports: Ports, address: str) -> None:
    at = datetime(2026, 11, 20, tzinfo=UTC)
    event = SuppressionEvent(address, "email", "bounce", at, "Permanent/General")
    assert ports.suppressions().record(event, notification_id="n-1")


def saved_once(ports: Ports) -> ContactState:
    state = ContactState(memory=ContactMemory(customer_id=ANA.id, opted_out=True))
    ports.contacts().save(ANA.id, state, expected_version=0)
    return state


def test_the_record_and_the_listed_addresses_are_one_strongly_consistent_request(ports: Ports) -> None:
    saved_once(ports)
    bounced(ports, "ana@example.com")
    db = HoldingBack(ports.db)
    standing = store(ports, db).standing(ANA)
    assert db.operations == ["batch_get_item"]
    contacts, suppressions = ports.aws.table("contacts"), ports.aws.table("suppressions")
    assert {table: items["ConsistentRead"] for table, items in db.batches[0].items()} == {
        contacts: True,
        suppressions: True,
    }
    assert (standing.state.version, standing.state.memory.opted_out) == (1, True)
    # Spelled as the customer's record has it: what the policy compares with her address.
    assert standing.suppressed == frozenset({"Ana@Example.com"})


def test_a_customer_with_no_record_and_no_entry_stands_new_and_unlisted(ports: Ports) -> None:
    standing = store(ports, ports.db).standing(ANA)
    assert standing.state == ContactState(memory=ContactMemory(customer_id=ANA.id))
    assert standing.suppressed == frozenset()


@pytest.mark.parametrize("held", ["contacts", "suppressions"])
def test_keys_left_unprocessed_are_asked_again_strongly_consistent(ports: Ports, held: str) -> None:
    saved_once(ports)
    bounced(ports, "ana@example.com")
    table = ports.aws.table(held)
    db = HoldingBack(ports.db, table, times=2)
    standing = store(ports, db).standing(ANA)
    assert [sorted(batch) for batch in db.batches[1:]] == [[table], [table]]
    assert all(batch[table]["ConsistentRead"] for batch in db.batches)
    assert (standing.state.version, standing.suppressed) == (1, frozenset({"Ana@Example.com"}))


def test_keys_still_unprocessed_after_three_asks_fail_the_step_for_a_retry(ports: Ports) -> None:
    db = HoldingBack(ports.db, ports.aws.table("contacts"), times=3)
    with pytest.raises(Unavailable, match="left keys unprocessed"):
        store(ports, db).standing(ANA)
    assert len(db.batches) == 3


def test_the_save_after_a_standing_is_conditioned_on_the_version_it_read(ports: Ports) -> None:
    state = saved_once(ports)
    contacts = store(ports, ports.db)
    standing = contacts.standing(ANA)
    contacts.save(ANA.id, state, expected_version=standing.state.version)  # someone else first
    with pytest.raises(Conflict):
        contacts.save(ANA.id, standing.state, expected_version=standing.state.version)
    assert contacts.load(ANA.id).version == 2


def test_a_stored_ticket_marks_its_customer_as_having_had_a_case(ports: Ports) -> None:
    ticket = sample_ticket(customer=ANA)
    assert not store(ports, ports.db).standing(ANA).had_cases
    assert ports.tickets().add(ticket)
    standing = store(ports, ports.db).standing(ANA)
    # The mark is not the record: she still has none, and a new record's save is unconditioned.
    assert standing.had_cases and standing.state == ContactState(memory=ContactMemory(customer_id=ANA.id))
    assert not ports.tickets().add(ticket)  # a repeat: the ticket exists, nothing changes


def test_an_anonymous_ticket_marks_nobody(ports: Ports) -> None:
    qr = Customer(id="qr-anon-1", anonymous=True)
    assert ports.tickets().add(sample_ticket(customer=qr))
    assert not store(ports, ports.db).standing(qr).had_cases


@pytest.mark.usefixtures("permissive_contact_policy")
def test_dispatch_looks_for_open_complaints_only_for_a_customer_who_had_a_case(ports: Ports) -> None:
    queries: list[str] = []
    ports.db.meta.events.register("before-call.dynamodb.Query", lambda model, **_: queries.append(model.name))
    send = ports.consumer("send_survey", ports.send_step())
    send(as_sqs(dispatch_message(ports)))
    assert queries == [] and len(emails()) == 1
    ports.tickets().add(sample_ticket(ticket_id="CX-OPEN", status="assigned", ticket_type="complaint"))
    send(as_sqs(dispatch_message(ports, event_id="claim-2")))
    assert queries == ["Query"] and len(emails()) == 1  # held: her complaint is open
