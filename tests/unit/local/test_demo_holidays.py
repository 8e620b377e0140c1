"""The demo's line about holidays: one a ticket's SLA clock skipped, or the next ones it will."""

from __future__ import annotations

from datetime import date
from typing import Any

from infra.local.demo.casework.routing import holiday_line


def ticket(ticket_id: str, country: str, opened_at: str, due_at: str | None) -> dict[str, Any]:
    return {
        "ticket_id": ticket_id,
        "country": country,
        "customer": {"timezone": "UTC"},  # the contract's default: the country's zone applies
        "opened_at": opened_at,
        "due_at": due_at,
    }


def test_names_the_holiday_a_tickets_clock_skipped() -> None:
    # Opened Tue 22 Dec 2026 in Ecuador, due Tue 5 Jan 2027: Christmas (Fri 25) and New Year
    # (Fri 1 Jan) are skipped; the first is named.
    tickets = [
        ticket("T-PAUSED", "EC", "2026-12-21T15:00:00+00:00", None),
        ticket("T-1", "EC", "2026-12-22T15:00:00+00:00", "2027-01-05T15:00:00+00:00"),
    ]
    assert holiday_line(tickets, today=date(2026, 12, 22)) == (
        "T-1 (EC) is due 2027-01-05T10:00-05:00: its clock skipped Navidad, Fri 25 Dec 2026"
    )


def test_names_the_next_holidays_when_no_due_date_crosses_one() -> None:
    # Mon 16 -> Tue 17 Nov 2026 in Spain crosses nothing; next: Ecuador's Christmas (Fri 25 Dec),
    # Spain's Inmaculada (Tue 8 Dec).
    tickets = [ticket("T-2", "ES", "2026-11-16T10:00:00+00:00", "2026-11-17T10:00:00+00:00")]
    assert holiday_line(tickets, today=date(2026, 11, 16)) == (
        "no due date crosses a holiday this time; the clocks will next skip "
        "EC Navidad, Fri 25 Dec 2026; ES Inmaculada Concepción, Tue 08 Dec 2026"
    )
