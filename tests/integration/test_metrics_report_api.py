"""GET /v1/reports/metrics through reports_api's real handler against moto: the HTML page in the
caller's language, the same figures as JSON, and the period checked."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from cxloop.datafile import load_document_file
from cxloop.domain.feedback.metrics import Counters
from tests.conftest import LocalAws
from tests.helpers import load_event
from tests.integration.support import Ports, as_caller, header_of, invoke, with_query

ORG_FILE = Path(__file__).resolve().parents[2] / "infra" / "local" / "data" / "organisation.yaml"


def seed(ports: Ports) -> None:
    document = load_document_file("organisation", ORG_FILE)
    at = datetime(2026, 12, 1, tzinfo=UTC)
    ports.config().publish("organisation", document, expected_version=0, by="ceo", at=at, note=None)
    chain = ["touchpoint:quito-norte/claims", "branch:quito-norte", "region:pichincha", "country:EC", "all"]
    parents = {scope: chain[i + 1] for i, scope in enumerate(chain[:-1])}
    counters = Counters(responses=40, promoters=20, passives=10, detractors=10)
    assert ports.aggregates().apply_once("r-1", chain, date(2026, 11, 9), counters, parents=parents)


def report_request(caller: tuple[str, str, str], **query: str) -> dict[str, Any]:
    event = with_query(load_event("apigw/ticket_get"), **query)
    event |= {"path": "/v1/reports/metrics", "resource": "/v1/reports/metrics", "pathParameters": None}
    event["requestContext"] |= {"path": "/prod/v1/reports/metrics", "resourcePath": "/v1/reports/metrics"}
    return as_caller(event, *caller)


QUITO_MANAGER = ("branch_manager", "branch:quito-norte", "ec-qn-manager")


def test_the_branch_manager_reads_their_report_as_a_page_in_their_language(
    lambda_env: LocalAws, ports: Ports
) -> None:
    seed(ports)
    answer = invoke("reports_api", report_request(QUITO_MANAGER, period="2026-11"))
    assert answer["statusCode"] == 200
    assert header_of(answer, "Content-Type") == "text/html; charset=utf-8"
    page = answer["body"]
    assert page.startswith('<!doctype html><html lang="es">')  # the organisation says she reads Spanish
    assert "Quito Norte" in page and "quito-norte/claims" in page
    assert '<p class="value">25,0</p>' in page  # (20 - 10) / 40
    english = invoke("reports_api", report_request(QUITO_MANAGER, period="2026-11", lang="en"))
    assert english["body"].startswith('<!doctype html><html lang="en">')


def test_the_same_figures_come_as_json_and_other_scopes_stay_hidden(
    lambda_env: LocalAws, ports: Ports
) -> None:
    seed(ports)
    answer = invoke("reports_api", report_request(QUITO_MANAGER, period="2026-11", format="json"))
    document = json.loads(answer["body"])
    assert (document["scope"], document["period"], document["responses"]) == (
        "branch:quito-norte",
        "2026-11",
        40,
    )
    assert document["nps"]["value"] == 25.0
    assert [child["scope"] for child in document["children"]] == ["touchpoint:quito-norte/claims"]
    hidden = invoke("reports_api", report_request(QUITO_MANAGER, scope="country:EC", period="2026-11"))
    assert hidden["statusCode"] == 404


def test_a_bad_period_is_a_400_naming_it(lambda_env: LocalAws, ports: Ports) -> None:
    answer = invoke("reports_api", report_request(QUITO_MANAGER, period="2026-13"))
    assert answer["statusCode"] == 400
    assert json.loads(answer["body"])["error"]["details"][0]["field"] == "period"
