"""Alerts as a chat channel shows them: Chatbot's custom notification format, one thread per
ticket, no customer contact data, and only the alerts the channel's filter accepts."""

from __future__ import annotations

import json

import pytest

from cxloop.domain.casework.chat_alerts import ChatFilter, chat_notification
from cxloop.domain.casework.push_alert import alert_for
from tests.helpers import sample_ticket

PERSONAL = ("Ana", "Pérez", "ana@example.com", "+593991234567")


def test_an_alert_reads_as_a_custom_notification_threaded_by_ticket() -> None:
    ticket = sample_ticket()
    shown = chat_notification(alert_for(ticket, "detractor"))
    assert shown["version"] == "1.0" and shown["source"] == "custom"
    content = shown["content"]
    assert content["textType"] == "client-markdown"
    assert content["title"].startswith(":rotating_light: HIGH detractor at ")
    assert f"Ticket {ticket.ticket_id}" in content["description"]
    assert "Severity:critical" in content["keywords"] and "Kind:detractor" in content["keywords"]
    assert shown["metadata"]["threadId"] == ticket.ticket_id
    # An escalation of the same ticket lands in the same thread.
    escalated = chat_notification(alert_for(ticket, "sla_breach", level=1))
    assert escalated["metadata"]["threadId"] == ticket.ticket_id
    assert escalated["id"] != shown["id"]


def test_a_notification_carries_no_customer_contact_data() -> None:
    text = json.dumps(chat_notification(alert_for(sample_ticket(), "detractor")), ensure_ascii=False)
    for personal in PERSONAL:
        assert personal not in text


def test_the_filter_takes_any_listed_value_of_every_named_attribute() -> None:
    critical_here = ChatFilter({"severity": ["critical"], "branch": [sample_ticket().branch]})
    assert critical_here.accepts(alert_for(sample_ticket(priority="high")))
    assert not critical_here.accepts(alert_for(sample_ticket(priority="low")))
    assert not critical_here.accepts(alert_for(sample_ticket(branch="elsewhere")))
    assert ChatFilter().accepts(alert_for(sample_ticket(priority="low")))


@pytest.mark.parametrize(
    ("accepted", "problem"),
    [
        ({"email": ["x"]}, "email is no alert attribute"),
        ({"branch": []}, "non-empty list"),
        ({"kind": "detractor"}, "list"),
    ],
)
def test_a_filter_that_could_not_work_is_refused(accepted: dict[str, object], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        ChatFilter(accepted)  # type: ignore[arg-type]
