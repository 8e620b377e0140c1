"""The ticket store's reads: a staff list stops at MAX_READ tickets, the SLA watcher's and
the digest's read of every open ticket never does (the oldest are the likeliest overdue)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cxloop.adapters.dynamo import DynamoTicketStore
from tests.conftest import LocalAws
from tests.helpers import sample_ticket

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def store_with(aws: LocalAws, statuses: list[str]) -> DynamoTicketStore:
    store = DynamoTicketStore(aws.table("tickets"), aws.clients["dynamodb"])
    for n, status in enumerate(statuses):
        opened = START + timedelta(hours=n)
        store.add(sample_ticket(ticket_id=f"CX-{n:04d}", status=status, opened_at=opened))
    return store


def test_open_tickets_are_all_read_however_many_a_list_may_show(aws: LocalAws) -> None:
    store = store_with(aws, ["new"] * 7 + ["assigned"] * 3 + ["resolved", "closed"])
    store.MAX_READ = 4  # a list's cap, small enough to cross here

    assert len(store.find(partition=None, status="new")) == 4
    found = store.open_tickets()
    assert sorted(t.ticket_id for t in found) == [f"CX-{n:04d}" for n in range(10)]
    assert all(t.is_open for t in found)


def test_a_list_shows_the_newest_first_up_to_the_cap(aws: LocalAws) -> None:
    store = store_with(aws, ["new"] * 6)
    store.MAX_READ = 4
    assert [t.ticket_id for t in store.find(partition=None, status="new")] == [
        "CX-0005",
        "CX-0004",
        "CX-0003",
        "CX-0002",
    ]
