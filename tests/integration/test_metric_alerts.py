"""metric_alerts (scheduled) against moto, through its real handler: a significant NPS drop of a
touchpoint or branch publishes one SNS alert with the place's attributes; a noisy fall, a small
sample and a second run the same day publish nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from cxloop.datafile import load_document_file
from cxloop.domain.feedback.metrics import Counters
from tests.conftest import LocalAws
from tests.integration.support import Ports, invoke, notifications, scan

ORG_FILE = Path(__file__).resolve().parents[2] / "infra" / "local" / "data" / "organisation.yaml"
RUN_AT = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
BASELINE_DAY = date(2026, 11, 1)  # within the 28 days before the last week (19 Oct - 15 Nov)
RECENT_DAY = date(2026, 11, 20)  # within the last week (16 - 22 Nov)
QUITO = ("quito-norte", "pichincha", "EC")
MADRID = ("madrid-centro", "madrid", "ES")


def scheduled(at: datetime) -> dict[str, Any]:
    return {
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "time": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def seed(
    ports: Ports, day: date, touchpoint: str, counts: tuple[int, int, int], place: tuple[str, str, str]
) -> None:
    branch, region, country = place
    chain = [f"touchpoint:{touchpoint}", f"branch:{branch}", f"region:{region}", f"country:{country}", "all"]
    promoters, passives, detractors = counts
    counters = Counters(responses=sum(counts), promoters=promoters, passives=passives, detractors=detractors)
    parents = {scope: chain[i + 1] for i, scope in enumerate(chain[:-1])}
    assert ports.aggregates().apply_once(f"r-{touchpoint}-{day}", chain, day, counters, parents=parents)


def company(ports: Ports) -> None:
    document = load_document_file("organisation", ORG_FILE)
    ports.config().publish("organisation", document, expected_version=0, by="ceo", at=RUN_AT, note=None)
    # Quito Norte's claims desk: NPS 40 on 200 answers, then -20 on 50 last week. A drop.
    seed(ports, BASELINE_DAY, "quito-norte/claims", (100, 80, 20), QUITO)
    seed(ports, RECENT_DAY, "quito-norte/claims", (10, 20, 20), QUITO)
    # Its counter holds steady, so the branch as a whole drops less, yet still significantly.
    seed(ports, BASELINE_DAY, "quito-norte/counter", (50, 40, 10), QUITO)
    seed(ports, RECENT_DAY, "quito-norte/counter", (20, 16, 4), QUITO)
    # Madrid: the same fall on 12 answers is noise.
    seed(ports, BASELINE_DAY, "madrid-centro/counter", (100, 80, 20), MADRID)
    seed(ports, RECENT_DAY, "madrid-centro/counter", (5, 4, 3), MADRID)


def published(aws: LocalAws) -> dict[str, tuple[str, str, dict[str, str]]]:
    found = {}
    for _, message, subject, attributes, _ in notifications(aws):
        values = {name: value["Value"] for name, value in attributes.items()}
        found[values["ticket_id"]] = (subject, message, values)
    return found


def test_a_significant_drop_publishes_one_alert_per_scope_with_the_place_attributes(
    lambda_env: LocalAws, ports: Ports
) -> None:
    company(ports)

    summary = invoke("metric_alerts", scheduled(RUN_AT))

    # Touchpoints and branches only: 3 touchpoints, 2 branches.
    assert summary == {
        "checked": 5,
        "drop": 2,
        "no_drop": 3,
        "too_few_answers": 0,
        "published": 2,
        "repeats": 0,
        "failures": 0,
    }
    alerts = published(lambda_env)
    assert sorted(alerts) == [
        "metric_drop:branch:quito-norte:2026-11-23",
        "metric_drop:touchpoint:quito-norte/claims:2026-11-23",
    ]
    subject, message, attributes = alerts["metric_drop:touchpoint:quito-norte/claims:2026-11-23"]
    assert attributes == {
        "country": "EC",
        "region": "pichincha",
        "branch": "quito-norte",
        "severity": "critical",
        "kind": "metric_drop",
        "audience": "branch_manager",
        "level": "0",
        "ticket_id": "metric_drop:touchpoint:quito-norte/claims:2026-11-23",
    }
    assert subject == "[cxloop] NPS drop at touchpoint:quito-norte/claims: 40.0 -> -20.0"
    assert "n = 50" in message and "(entirely below 0)" in message


def test_a_second_run_the_same_day_alerts_nothing_and_the_next_day_alerts_again(
    lambda_env: LocalAws, ports: Ports
) -> None:
    company(ports)
    assert invoke("metric_alerts", scheduled(RUN_AT))["published"] == 2
    again = invoke("metric_alerts", scheduled(RUN_AT + timedelta(hours=3)))
    assert (again["published"], again["repeats"]) == (0, 2)
    assert len(notifications(lambda_env)) == 2
    claims = {item["id"]["S"] for item in scan(lambda_env, "idempotency")}
    assert "metric_drop:branch:quito-norte:2026-11-23" in claims
    # The next day the drop is still in the last week: a new day, a new alert.
    assert invoke("metric_alerts", scheduled(RUN_AT + timedelta(days=1)))["published"] == 2


def test_too_few_answers_decide_nothing(lambda_env: LocalAws, ports: Ports) -> None:
    seed(ports, BASELINE_DAY, "quito-norte/claims", (20, 5, 3), QUITO)
    seed(ports, RECENT_DAY, "quito-norte/claims", (0, 0, 20), QUITO)
    summary = invoke("metric_alerts", scheduled(RUN_AT))
    assert (summary["too_few_answers"], summary["published"]) == (2, 0)
    assert notifications(lambda_env) == []
