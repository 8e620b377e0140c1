"""The detractor list of the metrics API (GET /v1/metrics), one scope and period.

The most recent detractor tickets answered in the period in the scope, at most 50, newest
first (a detractor for whom no ticket rule fired is counted but not listed). Personal data
(the customer's id, name, email and phone, and the comment) goes only to those who call the
customer back: agents and teleoperators, who list only their own tickets, and branch
managers, who supervise that work in their branch. Country managers and executives get the
ticket id, the place, the scores and the topics: enough to see patterns and open the ticket
through their branch, without a customer list the size of a country.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cxloop.domain.casework.models import Ticket
from cxloop.domain.casework.ports import TicketStore
from cxloop.domain.insights.periods import Period
from cxloop.domain.organisation.access import Caller, can_see, partition_for
from cxloop.domain.organisation.hierarchy import scope_contains

MAX_DETRACTORS = 50
PERSONAL_DATA_ROLES = frozenset({"agent", "teleoperator", "branch_manager"})


def shows_personal_data(caller: Caller) -> bool:
    return caller.role in PERSONAL_DATA_ROLES


def in_scope(ticket: Ticket, scope: str) -> bool:
    kind, _, value = scope.partition(":")
    if kind == "touchpoint":
        return ticket.touchpoint.id == value
    return scope_contains(scope, country=ticket.country, region=ticket.region, branch=ticket.branch)


def _partition(caller: Caller, scope: str, chain: list[str]) -> tuple[str, str] | None:
    """The narrowest stored ticket partition holding the caller's tickets in the scope."""
    if caller.sees_only_own:
        return ("owner", caller.user)
    kind, _, value = scope.partition(":")
    if kind in ("branch", "region", "country"):
        return (kind, value)
    branch = next((s for s in chain if s.startswith("branch:")), None)
    if kind == "touchpoint" and branch:
        return ("branch", branch.partition(":")[2])
    return partition_for(caller)


@dataclass(frozen=True)
class DetractorList:
    tickets: list[Ticket]
    personal_data: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "personal_data": self.personal_data,
            "items": [detractor_json(t, personal_data=self.personal_data) for t in self.tickets],
        }


def detractor_json(ticket: Ticket, *, personal_data: bool) -> dict[str, Any]:
    score = ticket.score
    item: dict[str, Any] = {
        "ticket_id": ticket.ticket_id,
        "status": ticket.status,
        "priority": ticket.priority,
        "answered_at": ticket.answered_at.isoformat(),
        "touchpoint": ticket.touchpoint.id,
        "branch": ticket.branch,
        "region": ticket.region,
        "country": ticket.country,
        "owner": ticket.owner,
        "nps": score.nps,
        "csat": score.csat,
        "ces": score.ces,
        "sentiment": score.sentiment,
        "topics": list(score.topics),
        "customer": None,
        "comment": None,
        # A QR code's respondent: counted like anyone, but nobody to call back.
        "anonymous": ticket.customer.anonymous,
    }
    if personal_data and ticket.customer.anonymous:
        item["customer"] = "anonymous"
        item["comment"] = ticket.comment
    elif personal_data:
        customer = ticket.customer
        item["customer"] = {
            "id": customer.id,
            "name": customer.name,
            "email": customer.email,
            "phone": customer.phone,
        }
        item["comment"] = ticket.comment
    return item


def detractor_list(
    caller: Caller, scope: str, period: Period, *, chain: list[str], tickets: TicketStore
) -> DetractorList:
    found = [
        t
        for t in tickets.find(partition=_partition(caller, scope, chain))
        if t.score.nps_category == "detractor"
        and period.contains(t.answered_at)
        and in_scope(t, scope)
        and can_see(caller, t)
    ]
    found.sort(key=lambda t: (t.answered_at, t.ticket_id), reverse=True)
    return DetractorList(found[:MAX_DETRACTORS], personal_data=shows_personal_data(caller))
