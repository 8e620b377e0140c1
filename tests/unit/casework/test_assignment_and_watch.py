"""Classification, team routing with round-robin, the SLA clock on tickets, the watcher's
reminders and escalations, and the rule documents' validation."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from cxloop.datafile import load_organisation_file
from cxloop.domain.casework.assignment import assign
from cxloop.domain.casework.case_rules import AssignmentRules, CaseRouting, ClassificationRules
from cxloop.domain.casework.deadlines import first_due
from cxloop.domain.casework.models import Pause, Ticket
from cxloop.domain.casework.sla import DEFAULT_SLA_SETTINGS
from cxloop.domain.casework.sla_watcher import watch_ticket
from cxloop.domain.configuration.documents import publish_document
from cxloop.domain.feedback.ticket_rules import TicketRules
from cxloop.domain.kernel.errors import Forbidden, InvalidInput, NotFound
from cxloop.domain.kernel.events import Touchpoint
from cxloop.domain.organisation.access import Caller
from cxloop.domain.organisation.hierarchy import Organisation
from tests.helpers import sample_ticket

ORG_FILE = Path(__file__).resolve().parents[3] / "infra" / "local" / "data" / "organisation.yaml"
MADRID = Touchpoint(id="madrid-centro/counter", branch="madrid-centro", region="madrid", country="ES")


@cache
def organisation() -> Organisation:
    return load_organisation_file(ORG_FILE)


def routing(**documents: Any) -> CaseRouting:
    return CaseRouting(organisation=organisation(), **documents)


def counter() -> Any:
    turns: Counter[str] = Counter()

    def next_turn(team: str) -> int:
        turns[team] += 1
        return turns[team]

    return next_turn


def facts(**values: object) -> dict[str, object]:
    base: dict[str, object] = {"event_type": "branch.visit_completed", "branch": "quito-norte", "topics": []}
    return base | values


@pytest.mark.parametrize(
    ("values", "ticket_type", "rule"),
    [
        ({"nps": 2, "topics": ["billing"]}, "claim", "money_or_cover"),
        ({"nps": 1, "event_type": "claim.reported"}, "claim", "angry_about_a_claim"),
        ({"nps": 5, "event_type": "claim.reported"}, "complaint", "bad_service"),
        ({"nps": 9, "csat": 2}, "complaint", "bad_service"),
        ({"nps": 8, "callback": True}, "request", "default"),
    ],
)
def test_each_default_classification_rule(values: dict[str, object], ticket_type: str, rule: str) -> None:
    assignment = assign(facts(**values), branch="quito-norte", rules=routing(), next_turn=counter())
    assert assignment.ticket_type == ticket_type
    assert assignment.classification.split(":")[0] == rule


@pytest.mark.parametrize(
    ("values", "team", "routed_by"),
    [
        ({"nps": 3, "topics": ["cleanliness"]}, "quito-norte-facilities", "cleanliness"),
        ({"nps": 3, "event_type": "claim.reported"}, "quito-norte-claims", "claims"),
        ({"nps": 3, "event_type": "call.closed"}, "quito-norte-contact_center", "calls"),
        ({"nps": 3, "event_type": "roadside.assistance_completed"}, "quito-norte-roadside", "roadside"),
        ({"nps": 3}, "quito-norte-customer_service", "default"),
    ],
)
def test_each_default_team_rule(values: dict[str, object], team: str, routed_by: str) -> None:
    assignment = assign(facts(**values), branch="quito-norte", rules=routing(), next_turn=counter())
    assert (assignment.team, assignment.routed_by.split(":")[0]) == (team, routed_by)
    assert organisation().person(assignment.owner) is not None


def test_round_robin_takes_turns_within_the_team() -> None:
    next_turn = counter()
    owners = [
        assign(
            facts(nps=1, event_type="claim.reported"),
            branch="quito-norte",
            rules=routing(),
            next_turn=next_turn,
        ).owner
        for _ in range(4)
    ]
    assert owners == ["ec-qn-claims-1", "ec-qn-claims-2", "ec-qn-claims-1", "ec-qn-claims-2"]


def test_an_analysts_rule_on_a_driver_score_and_a_branch_sends_it_to_a_named_team() -> None:
    rules = AssignmentRules.model_validate(
        {
            "rules": [
                {
                    "name": "madrid_dirty",
                    "team": "madrid-centro-facilities",
                    "when": {
                        "all": [
                            {"field": "cleanliness", "op": "<", "value": 4},
                            {"field": "branch", "op": "in", "value": ["madrid-centro"]},
                        ]
                    },
                }
            ]
        }
    )
    got = assign(
        facts(cleanliness=2, branch="madrid-centro"),
        branch="madrid-centro",
        rules=routing(assignment=rules),
        next_turn=counter(),
    )
    assert got.team == "madrid-centro-facilities"
    assert got.routed_by == "madrid_dirty: cleanliness=2 < 4 and branch='madrid-centro' in ['madrid-centro']"
    elsewhere = assign(
        facts(cleanliness=2), branch="quito-norte", rules=routing(assignment=rules), next_turn=counter()
    )
    assert elsewhere.team == "quito-norte-customer_service"


def test_without_an_organisation_the_branch_owns_the_ticket() -> None:
    got = assign(facts(nps=1), branch="quito-norte", rules=CaseRouting(), next_turn=counter())
    assert (got.team, got.owner) == (None, "team:quito-norte")


@pytest.mark.parametrize(
    ("document", "model", "field"),
    [
        (
            {"rules": [{"name": "x", "priority": "high", "when": {"field": "nps", "op": "≈", "value": 1}}]},
            TicketRules,
            "op",
        ),
        (
            {"rules": [{"name": "x", "when": {"field": "nps", "op": "<", "value": 1}}]},
            TicketRules,
            "priority",
        ),
        ({"rules": [{"name": "x", "type": "queja", "when": {"any": []}}]}, ClassificationRules, "type"),
        (
            {"rules": [{"name": "x", "when": {"field": "nps", "op": "<", "value": 1}}]},
            AssignmentRules,
            "team",
        ),
        (
            {
                "rules": [
                    {
                        "name": "x",
                        "team": "a",
                        "team_kind": "b",
                        "when": {"field": "nps", "op": "<", "value": 1},
                    }
                ]
            },
            AssignmentRules,
            "exactly one",
        ),
        (
            {
                "rules": [
                    {"name": "dup", "team": "a", "when": {"all": []}},
                    {"name": "dup", "team": "b", "when": {"all": []}},
                ]
            },
            AssignmentRules,
            "unique",
        ),
    ],
)
def test_bad_rule_documents_are_refused_naming_the_problem(
    document: dict[str, Any], model: type, field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        model.model_validate(document)
    assert field in str(refused.value)


# --- the watcher -----------------------------------------------------------------------------------------

# Monday 23 Nov 2026, 09:00 in Quito (UTC-5); Ecuador works 08:30-17:30 on weekdays.
OPENED = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


def quito_ticket(**changes: Any) -> Ticket:
    fields: dict[str, Any] = {
        "ticket_id": "CX-WATCH",
        "status": "assigned",
        "ticket_type": "request",
        "owner": "ec-qn-claims-1",
        "country": "EC",
        "region": "pichincha",
        "opened_at": OPENED,
    }
    return sample_ticket(**(fields | changes))


def test_a_fresh_ticket_is_left_alone() -> None:
    watched = watch_ticket(
        quito_ticket(), now=OPENED + timedelta(hours=1), sla=DEFAULT_SLA_SETTINGS, organisation=organisation()
    )
    assert (watched.changed, watched.alerts) == (False, [])


def test_close_to_breach_reminds_the_owner_once() -> None:
    # A request has 24 business hours: Mon 09:00 + 8.5 + 9 = Wed 08:30 + 6.5 h -> due Wed 15:00 Quito.
    # Wed 11:30 Quito has 3.5 h left, under the 4 h reminder.
    now = datetime(2026, 11, 25, 16, 30, tzinfo=UTC)
    watched = watch_ticket(quito_ticket(), now=now, sla=DEFAULT_SLA_SETTINGS, organisation=organisation())
    assert [a["kind"] for a in watched.alerts] == ["sla_reminder"]
    assert watched.alerts[0]["recipients"] == ["ec-qn-claims-1"]
    assert watched.ticket.reminded_at == now and watched.ticket.history[-1].action == "remind"
    assert watched.ticket.due_at == datetime(2026, 11, 25, 20, 0, tzinfo=UTC)
    again = watch_ticket(
        watched.ticket, now=now + timedelta(minutes=5), sla=DEFAULT_SLA_SETTINGS, organisation=organisation()
    )
    assert again.alerts == []


def test_each_breach_level_escalates_one_level_up_the_chain() -> None:
    due = datetime(2026, 11, 25, 20, 0, tzinfo=UTC)
    first = watch_ticket(
        quito_ticket(), now=due + timedelta(minutes=1), sla=DEFAULT_SLA_SETTINGS, organisation=organisation()
    )
    assert [(a["kind"], a["level"], a["audience"], a["recipients"]) for a in first.alerts] == [
        ("sla_breach", 1, "branch_manager", ["ec-qn-manager"])
    ]
    assert first.ticket.escalation_level == 1
    assert first.ticket.history[-1].changes["escalation_level"] == (0, 1)
    # Level 2 at 48 business hours: Mon 8.5 + Tue 9 + Wed 9 + Thu 9 + Fri 9 = 44.5, then 3.5 on
    # Monday 30 Nov -> 12:00 Quito (17:00 UTC). Friday evening is still level 1.
    friday = watch_ticket(
        first.ticket,
        now=datetime(2026, 11, 27, 23, 0, tzinfo=UTC),
        sla=DEFAULT_SLA_SETTINGS,
        organisation=organisation(),
    )
    assert friday.alerts == []
    second = watch_ticket(
        first.ticket,
        now=datetime(2026, 11, 30, 17, 1, tzinfo=UTC),
        sla=DEFAULT_SLA_SETTINGS,
        organisation=organisation(),
    )
    assert [(a["level"], a["audience"]) for a in second.alerts] == [(2, "country_manager")]
    assert second.alerts[0]["recipients"] == ["ec-country-manager"]


def test_a_watcher_that_was_down_sends_every_missed_level() -> None:
    late = watch_ticket(
        quito_ticket(),
        now=datetime(2026, 12, 15, 12, 0, tzinfo=UTC),
        sla=DEFAULT_SLA_SETTINGS,
        organisation=organisation(),
    )
    assert [(a["level"], a["audience"]) for a in late.alerts] == [
        (1, "branch_manager"),
        (2, "country_manager"),
        (3, "executive"),
    ] + [(level, "executive") for level in range(4, late.ticket.escalation_level + 1)]
    assert len({a["dedupe_key"] for a in late.alerts}) == len(late.alerts)


def test_the_clock_waits_while_the_ticket_waits_on_the_customer() -> None:
    waiting = quito_ticket(status="waiting_customer", pauses=(Pause(start=OPENED + timedelta(hours=1)),))
    watched = watch_ticket(
        waiting,
        now=datetime(2026, 12, 15, 12, 0, tzinfo=UTC),
        sla=DEFAULT_SLA_SETTINGS,
        organisation=organisation(),
    )
    assert watched.alerts == [] and not watched.changed


def test_a_weekend_and_a_holiday_push_the_due_time() -> None:
    # Friday 30 Oct 2026 16:30 Quito; Mon 2 and Tue 3 Nov are holidays in Ecuador.
    friday = datetime(2026, 10, 30, 21, 30, tzinfo=UTC)
    ticket = quito_ticket(opened_at=friday)
    not_yet = watch_ticket(
        ticket,
        now=datetime(2026, 11, 3, 22, 0, tzinfo=UTC),
        sla=DEFAULT_SLA_SETTINGS,
        organisation=organisation(),
    )
    assert not_yet.alerts == []
    # Fri 1 h + Wed 9 + Thu 9 = 19, then 5 more on Fri 6 Nov: 13:30 Quito, 18:30 UTC.
    assert first_due(ticket, DEFAULT_SLA_SETTINGS) == datetime(2026, 11, 6, 18, 30, tzinfo=UTC)


# --- publishing documents ----------------------------------------------------------------------------------


class MemoryConfig:
    def __init__(self) -> None:
        self.versions: dict[str, list[Any]] = {}

    def current(self, name: str) -> Any:
        return (self.versions.get(name) or [None])[-1]

    def history(self, name: str) -> list[Any]:
        return list(reversed(self.versions.get(name, [])))

    def publish(
        self,
        name: str,
        document: dict[str, Any],
        *,
        expected_version: int,
        by: str,
        at: datetime,
        note: str | None,
    ) -> Any:
        from cxloop.adapters.config_store import StoredDocument

        stored = StoredDocument(name, expected_version + 1, document, at.isoformat(), by, note)
        self.versions.setdefault(name, []).append(stored)
        return stored


def test_only_executives_publish_and_a_bad_document_names_its_field() -> None:
    store = MemoryConfig()
    executive = Caller("ceo", "executive", "all")
    good = {
        "rules": [
            {
                "name": "calls",
                "team_kind": "contact_center",
                "when": {"field": "event_type", "op": "starts_with", "value": "call."},
            }
        ]
    }
    with pytest.raises(Forbidden):
        publish_document(
            "assignment",
            good,
            caller=Caller("m", "branch_manager", "branch:x"),
            expected_version=None,
            note=None,
            now=OPENED,
            store=store,
        )
    with pytest.raises(NotFound):
        publish_document(
            "nonsense", good, caller=executive, expected_version=None, note=None, now=OPENED, store=store
        )
    with pytest.raises(InvalidInput) as refused:
        publish_document(
            "assignment",
            {"rules": [{"name": "x"}]},
            caller=executive,
            expected_version=None,
            note=None,
            now=OPENED,
            store=store,
        )
    assert {d.field for d in refused.value.details} >= {"document.rules.0.when"}
    first = publish_document(
        "assignment", good, caller=executive, expected_version=None, note="why", now=OPENED, store=store
    )
    second = publish_document(
        "assignment", good, caller=executive, expected_version=None, note=None, now=OPENED, store=store
    )
    assert (first["version"], second["version"], first["updated_by"], first["note"]) == (1, 2, "ceo", "why")
