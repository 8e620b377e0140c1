"""The business metrics the steps emit, as CloudWatch EMF on stdout (Lambda's way)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from cxloop.adapters.messaging import SnsAlertPublisher
from cxloop.domain.events import parse_event
from cxloop.domain.models import Ticket
from cxloop.domain.scoring import score_answers
from cxloop.observability import metrics
from functions.push_alert.handler import Deps, create_step
from tests.conftest import LocalAws
from tests.helpers import event_bytes

ANSWERED = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


def a_ticket() -> Ticket:
    event = parse_event(event_bytes("erp/claim_reported"))
    return Ticket(
        ticket_id="CX-METRICS01",
        response_id="r-1",
        interaction_id="i-1",
        correlation_id="corr-metrics",
        priority="high",
        owner="team:quito-norte",
        rule="angry_detractor",
        reason="nps=1 <= 3",
        event_type=event.event_type,
        customer=event.customer,
        touchpoint=event.touchpoint,
        branch="quito-norte",
        score=score_answers({"nps": 1}),
        answered_at=ANSWERED,
        opened_at=ANSWERED,
        due_at=ANSWERED + timedelta(hours=24),
    )


def test_push_alert_emits_alert_count_and_answer_to_alert_time(
    aws: LocalAws, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    publisher = SnsAlertPublisher(aws.topic_arn("alerts"), aws.clients["sns"])
    push = create_step(Deps(publisher=publisher, clock=lambda: ANSWERED + timedelta(milliseconds=250)))
    # Metrics live in one process-wide object; start from none.
    metrics.clear_metrics()
    capsys.readouterr()

    push(a_ticket().model_dump(mode="json"))
    metrics.flush_metrics()

    emf = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert emf["AlertsPublished"] == [1.0]
    assert emf["AnswerToAlert"] == [250.0]
    assert emf["service"] == "cxloop"
    declared = {m["Name"]: m["Unit"] for m in emf["_aws"]["CloudWatchMetrics"][0]["Metrics"]}
    assert declared == {"AlertsPublished": "Count", "AnswerToAlert": "Milliseconds"}
    assert emf["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "cxloop"
