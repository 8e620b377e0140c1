"""The ticket store's reads: a staff list stops at MAX_READ tickets of a partition, the read
of every open ticket never does (the oldest are the likeliest overdue), and the desk's open
filters and the health report's backlog use the latter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cxloop.adapters.tickets import DynamoTicketStore
from cxloop.domain.casework.desk import find_tickets
from cxloop.domain.casework.ticket_list import TicketFilter
from cxloop.domain.insights.health import visible_tickets
from cxloop.domain.organisation.access import Caller
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


def desk_with_old_open_ticket(aws: LocalAws) -> DynamoTicketStore:
    """Quito Norte: one ticket from long ago still new and overdue, then newer resolved ones
    enough to push it out of a capped partition read; Quito Sur: one open ticket."""
    store = DynamoTicketStore(aws.table("tickets"), aws.clients["dynamodb"])
    old = START - timedelta(days=400)
    store.add(sample_ticket(ticket_id="CX-OLD", status="new", opened_at=old, due_at=old + timedelta(days=1)))
    for n in range(5):
        store.add(
            sample_ticket(ticket_id=f"CX-DONE{n}", status="resolved", opened_at=START + timedelta(hours=n))
        )
    elsewhere = sample_ticket().touchpoint.model_copy(
        update={"branch": "quito-sur", "id": "quito-sur/claims"}
    )
    store.add(sample_ticket(ticket_id="CX-SUR", branch="quito-sur", touchpoint=elsewhere, opened_at=START))
    store.MAX_READ = 3
    return store


MANAGER = Caller(user="mgr-qn", role="branch_manager", scope="branch:quito-norte")
NOW = START + timedelta(days=1)


def listed(store: DynamoTicketStore, wanted: TicketFilter) -> list[str]:
    page = find_tickets(MANAGER, wanted, sort="-opened_at", limit=50, cursor=None, now=NOW, tickets=store)
    return [t.ticket_id for t in page.items]


def test_an_open_ticket_older_than_a_partitions_read_still_shows_in_open_filters(aws: LocalAws) -> None:
    store = desk_with_old_open_ticket(aws)
    assert listed(store, TicketFilter(status="new")) == ["CX-OLD"]
    assert listed(store, TicketFilter(overdue=True)) == ["CX-OLD"]
    # Without an open-only filter the list is the partition's newest, as documented.
    assert listed(store, TicketFilter()) == ["CX-DONE4", "CX-DONE3", "CX-DONE2"]


def test_the_health_reports_backlog_keeps_an_old_open_ticket(aws: LocalAws) -> None:
    store = desk_with_old_open_ticket(aws)
    seen = sorted(t.ticket_id for t in visible_tickets(MANAGER, store))
    # The newest of the branch, its old open ticket, and nothing of Quito Sur.
    assert seen == ["CX-DONE2", "CX-DONE3", "CX-DONE4", "CX-OLD"]
