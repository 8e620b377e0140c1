"""publish_reports (scheduled) against moto, through its real handler: on the first day of a month
each manager's report of the last month lands in the reports bucket, and each manager gets an
email in their language with a presigned link that opens it; on other days nothing happens."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import requests

from cxloop.datafile import load_document_file
from cxloop.domain.feedback.metrics import Counters
from infra.local.defaults import SENDER_ADDRESS
from tests.conftest import LocalAws
from tests.integration.support import Ports, emails, invoke

ORG_FILE = Path(__file__).resolve().parents[2] / "infra" / "local" / "data" / "organisation.yaml"
FIRST_OF_DECEMBER = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
# 2 executives (one scope: all), 2 country managers and 5 branch managers, all reading Spanish.
MANAGERS, SCOPES = 9, 8
_LINK = re.compile(r"(http://[^\s\"<>]+/reports/2026-11/[^\s\"<>]+\.html\?[^\s\"<>]+)")


def scheduled(at: datetime, **detail: str) -> dict[str, Any]:
    return {
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "time": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "detail": detail,
    }


def seed_answers(
    ports: Ports, day: date, touchpoint: str, counts: tuple[int, int, int], *, place: tuple[str, str, str]
) -> None:
    """What score_response adds for one day of a touchpoint, counted in every scope above it."""
    branch, region, country = place
    chain = [f"touchpoint:{touchpoint}", f"branch:{branch}", f"region:{region}", f"country:{country}", "all"]
    promoters, passives, detractors = counts
    counters = Counters(responses=sum(counts), promoters=promoters, passives=passives, detractors=detractors)
    parents = {scope: chain[i + 1] for i, scope in enumerate(chain[:-1])}
    assert ports.aggregates().apply_once(f"r-{touchpoint}-{day}", chain, day, counters, parents=parents)


def company(ports: Ports) -> None:
    document = load_document_file("organisation", ORG_FILE)
    ports.config().publish(
        "organisation", document, expected_version=0, by="ceo", at=FIRST_OF_DECEMBER, note=None
    )
    quito = ("quito-norte", "pichincha", "EC")
    seed_answers(ports, date(2026, 11, 3), "quito-norte/claims", (30, 10, 10), place=quito)
    seed_answers(ports, date(2026, 11, 18), "quito-norte/counter", (5, 3, 12), place=quito)
    seed_answers(ports, date(2026, 10, 30), "quito-norte/claims", (0, 0, 40), place=quito)  # October
    seed_answers(
        ports, date(2026, 11, 10), "madrid-centro/counter", (8, 1, 1), place=("madrid-centro", "madrid", "ES")
    )


def bucket_keys(aws: LocalAws) -> list[str]:
    listed = aws.clients["s3"].list_objects_v2(Bucket=aws.env["BUCKET_REPORTS_NAME"])
    return sorted(item["Key"] for item in listed.get("Contents", []))


def test_each_manager_gets_the_last_months_report_of_their_scope_as_a_link(
    lambda_env: LocalAws, ports: Ports
) -> None:
    company(ports)

    summary = invoke("publish_reports", scheduled(FIRST_OF_DECEMBER))

    assert summary == {
        "period": "2026-11",
        "managers": MANAGERS,
        "scopes": SCOPES,
        "stored": SCOPES,
        "emails": MANAGERS,
        "failures": 0,
    }
    keys = bucket_keys(lambda_env)
    assert "reports/2026-11/branch/quito-norte/report.es.html" in keys
    assert (
        "reports/2026-11/country/EC/report.es.html" in keys and "reports/2026-11/all/report.es.html" in keys
    )
    stored = lambda_env.clients["s3"].get_object(
        Bucket=lambda_env.env["BUCKET_REPORTS_NAME"], Key="reports/2026-11/branch/quito-norte/report.es.html"
    )
    assert stored["ContentType"] == "text/html; charset=utf-8"

    inbox = {email.destinations["ToAddresses"][0]: email for email in emails()}
    assert len(inbox) == MANAGERS and {email.source for email in inbox.values()} == {SENDER_ADDRESS}
    quito_norte = inbox["veronica.salgado@segurosandinos.example"]
    assert (
        quito_norte.subject == "Informe de experiencia del cliente 2026-11: Quito Norte (branch:quito-norte)"
    )
    # November only: 35 promoters, 13 passives, 22 detractors of 70 -> NPS 18.6 (October's 40 left out).
    assert "NPS 18,6" in quito_norte.body
    link = _LINK.search(quito_norte.body)
    assert link, quito_norte.body
    url = link.group(1).replace("&amp;", "&")
    assert urlparse(url).path.endswith("/reports/2026-11/branch/quito-norte/report.es.html")
    assert "X-Amz-Expires=604800" in url  # 7 days
    page = requests.get(url, timeout=10)
    assert page.status_code == 200
    assert page.content.decode("utf-8").startswith('<!doctype html><html lang="es">')
    # The branch's touchpoints are compared in its report.
    assert "quito-norte/claims" in page.text and "quito-norte/counter" in page.text
    assert "madrid-centro" not in page.text


def test_a_day_that_starts_no_period_publishes_nothing(lambda_env: LocalAws, ports: Ports) -> None:
    company(ports)
    answer = invoke("publish_reports", scheduled(datetime(2026, 12, 2, 6, 0, tzinfo=UTC)))
    assert answer == {"skipped": "not the first day of a period", "period_kind": "monthly"}
    assert bucket_keys(lambda_env) == [] and emails() == []


def test_a_period_can_be_asked_for_by_hand_and_a_quarter_too(lambda_env: LocalAws, ports: Ports) -> None:
    company(ports)
    answer = invoke("publish_reports", scheduled(datetime(2026, 12, 15, 6, 0, tzinfo=UTC), period="2026-Q4"))
    assert answer["period"] == "2026-Q4" and answer["stored"] == SCOPES
    assert "reports/2026-Q4/branch/quito-norte/report.es.html" in bucket_keys(lambda_env)
