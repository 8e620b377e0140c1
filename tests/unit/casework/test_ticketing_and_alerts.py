"""Ticket ids and the alert managers receive: filterable, and free of personal data."""

from __future__ import annotations

import re

import pytest

from cxloop.domain.casework.open_ticket import ticket_id_for
from cxloop.domain.casework.push_alert import alert_for
from cxloop.domain.kernel.events import Customer, Touchpoint
from cxloop.domain.surveys.scoring import score_answers
from tests.helpers import sample_ticket

CUSTOMER = Customer(id="C-9", name="Rosa Quishpe", email="rosa@example.com", phone="+593987650001")
TOUCHPOINT = Touchpoint(
    id="quito-sur/claims", name="Claims desk", branch="quito-sur", region="pichincha", country="EC"
)


def test_ticket_ids_are_deterministic_per_response() -> None:
    assert ticket_id_for("r-1") == ticket_id_for("r-1")
    assert ticket_id_for("r-1") != ticket_id_for("r-2")
    ids = {ticket_id_for(f"response-{n}") for n in range(2000)}
    assert len(ids) == 2000
    assert all(re.fullmatch(r"CX-[A-Z2-7]{10}", i) for i in ids)


def test_ticket_ids_reveal_nothing_of_the_response_id() -> None:
    assert "r-1" not in ticket_id_for("r-1")


def test_an_alert_has_the_attributes_managers_filter_on() -> None:
    ticket = sample_ticket(
        ticket_id="CX-ABCDEF1234", customer=CUSTOMER, touchpoint=TOUCHPOINT, branch="quito-sur"
    )
    alert = alert_for(ticket)
    assert (alert.country, alert.region, alert.branch, alert.severity, alert.kind) == (
        "EC",
        "pichincha",
        "quito-sur",
        "critical",
        "detractor",
    )
    assert alert.ticket_id == "CX-ABCDEF1234" and alert.alert_id == "CX-ABCDEF1234:detractor:0"
    assert alert.correlation_id == ticket.correlation_id and alert.answered_at == ticket.answered_at
    assert "CX-ABCDEF1234" in alert.message and "Claims desk" in alert.subject


def test_an_alert_contains_no_customer_email_phone_name_or_comment() -> None:
    ticket = sample_ticket(
        customer=CUSTOMER,
        touchpoint=TOUCHPOINT,
        branch="quito-sur",
        score=score_answers({"nps": 1, "csat": 1, "callback": True, "comment": "secret words"}),
        comment="secret words",
    )
    alert = alert_for(ticket)
    text = alert.model_dump_json()
    for personal in ("Rosa", "Quishpe", "rosa@example.com", "+593987650001", "secret words", "C-9"):
        assert personal not in text
    assert "call back" in alert.message and "NPS 1" in alert.message and "CSAT 1" in alert.message


@pytest.mark.parametrize(
    ("priority", "severity"),
    [("urgent", "critical"), ("high", "critical"), ("medium", "warning"), ("low", "info")],
)
def test_severity_follows_priority(priority: str, severity: str) -> None:
    alert = alert_for(sample_ticket(priority=priority))
    assert alert.severity == severity
    assert alert.subject.startswith(f"[cxloop] {priority.upper()} detractor")


def test_missing_place_parts_are_unknown_not_empty_and_the_subject_fits_sns() -> None:
    touchpoint = Touchpoint(id="web/" + "x" * 120)
    alert = alert_for(sample_ticket(touchpoint=touchpoint, branch="web"))
    assert (alert.country, alert.region) == ("unknown", "unknown")
    assert len(alert.subject) <= 100  # SNS refuses longer subjects


def test_an_alert_without_scores_says_so() -> None:
    alert = alert_for(sample_ticket(score=score_answers({})))
    assert "no score" in alert.message and "call back" not in alert.message


def test_a_reopened_ticket_breaching_again_is_a_new_alert_not_a_repeat() -> None:
    from cxloop.domain.casework.push_alert import alert_request

    first = alert_request(sample_ticket(), "sla_breach", level=1)
    again = alert_request(sample_ticket(), "sla_breach", level=1)
    reopened = alert_request(sample_ticket(reopen_count=1), "sla_breach", level=1)
    assert first["dedupe_key"] == again["dedupe_key"] == "CX-SAMPLE0001:sla_breach:1"
    assert reopened["dedupe_key"] == "CX-SAMPLE0001:sla_breach:1#r1"
