"""The business metrics the steps emit, as CloudWatch EMF on stdout (Lambda's way)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from cxloop.adapters.messaging import SnsAlertPublisher
from cxloop.domain.casework.push_alert import alert_request
from cxloop.observability import metrics
from functions.push_alert.handler import Deps, create_step
from tests.conftest import LocalAws
from tests.helpers import sample_ticket

ANSWERED = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


def test_push_alert_emits_alert_count_and_answer_to_alert_time(
    aws: LocalAws, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    publisher = SnsAlertPublisher(aws.topic_arn("alerts"), aws.clients["sns"])
    push = create_step(Deps(publisher=publisher, clock=lambda: ANSWERED + timedelta(milliseconds=250)))
    # Metrics live in one process-wide object; start from none.
    metrics.clear_metrics()
    capsys.readouterr()

    push(alert_request(sample_ticket(answered_at=ANSWERED), "detractor"))
    metrics.flush_metrics()

    emf = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert emf["AlertsPublished"] == [1.0]
    assert emf["AnswerToAlert"] == [250.0]
    assert emf["service"] == "cxloop"
    declared = {m["Name"]: m["Unit"] for m in emf["_aws"]["CloudWatchMetrics"][0]["Metrics"]}
    assert declared == {"AlertsPublished": "Count", "AnswerToAlert": "Milliseconds"}
    assert emf["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "cxloop"
