"""Live aggregates with drivers and topics, and GET /v1/metrics, against moto.

Responses are scored by the real assess() on moto-backed stores, with a branch-visit survey that
adds two drivers; detractor tickets are opened by the real open_ticket step. The API's figures are
checked against a direct computation from the answers fed in (plain counting below, not the
Counters code under test).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cxloop.datafile import load_document_file
from cxloop.domain.feedback.comments import analyse_comment
from cxloop.domain.feedback.metrics import Counters, DriverCounts, TopicCounts, nps
from cxloop.domain.feedback.score_response import assess
from cxloop.domain.kernel.events import Customer, Touchpoint
from cxloop.domain.surveys.definitions import DEFAULT_SURVEY, SURVEYS, Question, SurveyDefinition
from cxloop.domain.surveys.models import SurveyResponse
from functions.metrics_api import handler as metrics_api
from tests.conftest import LocalAws
from tests.helpers import load_event
from tests.integration.support import NOW, Ports, as_caller, body_of, invoke, resolve, with_query

ORG_FILE = Path(__file__).resolve().parents[2] / "infra" / "local" / "data" / "organisation.yaml"
BRANCH_VISIT = SurveyDefinition(
    id="branch_visit",
    version=1,
    questions=(
        *DEFAULT_SURVEY.questions[:4],
        Question(id="cleanliness", kind="scale", min=1, max=5, label={"en": "How clean was it?"}),
        Question(id="waiting_time", kind="scale", min=1, max=5, label={"en": "How short was the wait?"}),
    ),
)
SURVEYS_WITH_DRIVERS = SURVEYS | {BRANCH_VISIT.id: BRANCH_VISIT}
ANA = Customer(id="C-1042", name="Ana Pérez", email="ana@example.com", phone="+593991234567")
QUITO_NORTE = Touchpoint(id="quito-norte/claims", branch="quito-norte", region="pichincha", country="EC")
QUITO_SUR = Touchpoint(id="quito-sur/claims", branch="quito-sur", region="pichincha", country="EC")
MADRID = Touchpoint(id="madrid-centro/counter", branch="madrid-centro", region="madrid", country="ES")
NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}
LATE = "Esperé dos horas en la fila y nadie me atendió, pésimo servicio"
DIRTY = "El baño estaba sucio"


@dataclass(frozen=True)
class Row:
    """One customer's answers: when, where, scores, the two drivers and a comment."""

    day: date
    place: Touchpoint
    nps: int
    csat: int
    ces: int
    cleanliness: int
    waiting_time: int
    comment: str | None = None


def nov(day: int) -> date:
    return date(2026, 11, day)


ROWS = (
    Row(nov(2), QUITO_NORTE, 10, 5, 7, 5, 4),
    Row(nov(2), QUITO_NORTE, 9, 5, 6, 5, 5, "Muy amables"),
    Row(nov(3), QUITO_NORTE, 2, 1, 2, 3, 1, LATE),
    Row(nov(9), QUITO_NORTE, 8, 4, 5, 4, 3),
    Row(nov(10), QUITO_NORTE, 0, 2, 1, 1, 2, DIRTY),
    Row(nov(10), QUITO_NORTE, 9, 4, 6, 4, 4),
    Row(nov(17), QUITO_NORTE, 6, 3, 4, 4, 1, LATE),
    Row(nov(18), QUITO_NORTE, 10, 5, 7, 5, 5),
    Row(nov(2), QUITO_SUR, 5, 2, 3, 2, 2),
    Row(nov(11), QUITO_SUR, 7, 3, 4, 3, 3),
    Row(nov(12), QUITO_SUR, 4, 2, 2, 2, 1, LATE),
    Row(nov(12), MADRID, 10, 5, 7, 5, 5),
    Row(date(2026, 10, 20), QUITO_NORTE, 0, 1, 1, 1, 1),  # before the period
)


def response_of(index: int, row: Row) -> SurveyResponse:
    answers: dict[str, object] = {
        "nps": row.nps,
        "csat": row.csat,
        "ces": row.ces,
        "cleanliness": row.cleanliness,
        "waiting_time": row.waiting_time,
    }
    if row.comment:
        answers["comment"] = row.comment
    return SurveyResponse(
        response_id=f"r-{index:03d}",
        interaction_id=f"i-{index:03d}",
        correlation_id=f"corr-metrics-{index:03d}",
        survey_id=BRANCH_VISIT.id,
        event_type="branch.visit",
        customer=ANA,
        touchpoint=row.place,
        answers=answers,
        submitted_at=datetime.combine(row.day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=15),
    )


def score(ports: Ports, response: SurveyResponse) -> bool:
    assessed = assess(
        response,
        responses=ports.responses(),
        aggregates=ports.aggregates(),
        tickets=ports.queue("tickets"),
        surveys=SURVEYS_WITH_DRIVERS,
    )
    return assessed.counted


def publish_organisation(ports: Ports) -> None:
    document = load_document_file("organisation", ORG_FILE)
    ports.config().publish("organisation", document, expected_version=0, by="t", at=NOW, note=None)


@pytest.fixture
def fed(ports: Ports) -> Ports:
    """The organisation, every row scored once, and a ticket opened for each request."""
    publish_organisation(ports)
    for index, row in enumerate(ROWS):
        score(ports, response_of(index, row))
    opened = ports.ticket_step()
    for message in ports.aws.drain("tickets"):
        opened(json.loads(message["Body"]))
    return ports


# --- counting --------------------------------------------------------------------------------


def test_drivers_and_topics_are_counted_once_in_every_scope_across_redelivery(ports: Ports) -> None:
    response = response_of(0, Row(nov(3), QUITO_NORTE, 2, 1, 2, 3, 1, LATE))
    assert score(ports, response) is True
    assert score(ports, response) is False  # redelivered: the once-only marker refuses it

    insight = analyse_comment(LATE, language="es")
    assert insight.sentiment == "negative" and "waiting_time" in insight.topics
    expected = Counters(
        responses=1,
        detractors=1,
        csat_answers=1,
        ces_answers=1,
        ces_sum=2,
        ces_sum_sq=4,
        comments=1,
        drivers={
            # 3 on 1-5 is neither low nor high; 1 is low.
            "cleanliness": DriverCounts(answers=1, total=3, detractors=1),
            "waiting_time": DriverCounts(answers=1, total=1, low=1, detractors=1, low_detractors=1),
        },
        topics={topic: TopicCounts(mentions=1, negative=1) for topic in insight.topics},
    )
    for scope in (
        "all",
        "country:EC",
        "region:pichincha",
        "branch:quito-norte",
        "touchpoint:quito-norte/claims",
    ):
        assert ports.aggregates().read(scope) == expected, scope
    assert ports.aggregates().read("branch:quito-sur") == Counters()


def test_counts_are_stored_under_readable_attribute_names(ports: Ports) -> None:
    score(ports, response_of(0, ROWS[2]))
    item = ports.db.get_item(
        TableName=ports.aws.table("aggregates"),
        Key={"scope": {"S": "branch:quito-norte"}, "period": {"S": "day#2026-11-03"}},
    )["Item"]
    assert item["driver#waiting_time#sum"] == {"N": "1"}
    assert item["driver#waiting_time#low_detractors"] == {"N": "1"}
    assert item["topic#waiting_time#n"] == {"N": "1"}
    assert item["parent"] == {"S": "region:pichincha"}
    # Zero counts of drivers are not written; the headline counts always are.
    assert "driver#cleanliness#low" not in item and item["promoters"] == {"N": "0"}


def test_read_days_answers_each_day_between_both_ends_included(ports: Ports) -> None:
    for index, row in enumerate(ROWS):
        score(ports, response_of(index, row))
    days = ports.aggregates().read_days("branch:quito-norte", nov(2), nov(10))
    assert sorted(days) == [nov(2), nov(3), nov(9), nov(10)]
    assert (days[nov(2)].responses, days[nov(2)].promoters) == (2, 2)
    assert days[nov(10)].drivers["cleanliness"] == DriverCounts(
        answers=2, total=5, low=1, high=1, promoters=1, detractors=1, low_detractors=1, high_promoters=1
    )
    assert ports.aggregates().read_days("branch:quito-norte", nov(19), nov(30)) == {}
    everything = ports.aggregates().read("branch:quito-norte")
    in_range = ports.aggregates().read_days("branch:quito-norte", date(2026, 10, 1), nov(30))
    assert sum(c.responses for c in in_range.values()) == everything.responses == 9


def test_each_scope_remembers_its_parent(ports: Ports) -> None:
    score(ports, response_of(0, ROWS[0]))
    store = ports.aggregates()
    assert store.parent_of("touchpoint:quito-norte/claims") == "branch:quito-norte"
    assert store.parent_of("branch:quito-norte") == "region:pichincha"
    assert store.parent_of("country:EC") == "all"
    assert store.parent_of("all") is None and store.parent_of("branch:nowhere") is None


# --- the API ---------------------------------------------------------------------------------


def metrics_request(caller: tuple[str, str, str], **query: str) -> dict[str, Any]:
    event = with_query(load_event("apigw/tickets_list"), **query)
    event["resource"] = event["path"] = "/v1/metrics"
    event["requestContext"]["resourcePath"] = "/v1/metrics"
    event["requestContext"]["path"] = "/prod/v1/metrics"
    return as_caller(event, *caller)


def get(ports: Ports, caller: tuple[str, str, str], **query: str) -> dict[str, Any]:
    deps = metrics_api.Deps(
        aggregates=ports.aggregates(), tickets=ports.tickets(), rulebook=ports.rulebook, clock=lambda: NOW
    )
    return resolve(metrics_api.create_app(deps), metrics_request(caller, **query), "metrics_api")


QUITO_MANAGER = ("branch_manager", "branch:quito-norte", "ec-qn-manager")
ECUADOR_MANAGER = ("country_manager", "country:EC", "ec-country-manager")
MADRID_MANAGER = ("branch_manager", "branch:madrid-centro", "es-mc-manager")
EXECUTIVE = ("executive", "all", "exec-ceo")


def direct(rows: list[Row]) -> dict[str, Any]:
    """NPS, CSAT and CES straight from the answers."""
    promoters = sum(r.nps >= 9 for r in rows)
    detractors = sum(r.nps <= 6 for r in rows)
    return {
        "n": len(rows),
        "promoters": promoters,
        "detractors": detractors,
        "nps": 100 * (promoters - detractors) / len(rows),
        "csat": 100 * sum(r.csat >= 4 for r in rows) / len(rows),
        "ces": sum(r.ces for r in rows) / len(rows),
    }


def in_november(place: Touchpoint | None = None, branch: str | None = None) -> list[Row]:
    return [
        r
        for r in ROWS
        if r.day.month == 11
        and (place is None or r.place == place)
        and (branch is None or r.place.branch == branch)
    ]


def test_the_figures_equal_a_direct_computation_from_the_answers(fed: Ports) -> None:
    answer = get(fed, QUITO_MANAGER, scope="branch:quito-norte", interval="week", **NOVEMBER)
    assert answer["statusCode"] == 200, answer["body"]
    document = body_of(answer)
    rows = in_november(branch="quito-norte")
    expected = direct(rows)  # 8 answers: 4 promoters, 3 detractors -> 12.5
    assert document["scope"] == "branch:quito-norte" and document["responses"] == expected["n"] == 8
    assert document["nps"]["value"] == pytest.approx(expected["nps"], abs=0.005) == 12.5
    assert document["nps"]["small_sample"] is True
    interval = nps(expected["promoters"], expected["n"] - expected["promoters"] - expected["detractors"], 3)
    assert (document["nps"]["low"], document["nps"]["high"]) == (
        round(interval.low or 0, 2),
        round(interval.high or 0, 2),
    )
    assert document["csat"]["value"] == pytest.approx(expected["csat"], abs=0.005)
    assert document["ces"]["value"] == pytest.approx(expected["ces"], abs=0.005)

    # Trend: ISO weeks 44 (1 Nov only) to 49 (30 Nov only); week 45 holds 2, 3 Nov.
    weeks = {point["bucket"]: point for point in document["trend"]}
    assert list(weeks) == [f"2026-W{w}" for w in range(44, 50)]
    week_45 = direct([r for r in rows if nov(2) <= r.day <= nov(8)])
    assert weeks["2026-W45"]["nps"]["value"] == pytest.approx(week_45["nps"], abs=0.005)
    assert weeks["2026-W44"]["responses"] == 0 and weeks["2026-W44"]["nps"]["value"] is None

    # Benchmark: the region's other branch (Quito Sur, all detractors and passives).
    rest = direct(in_november(branch="quito-sur"))
    benchmark = document["benchmark"]
    assert benchmark["parent"] == "region:pichincha"
    assert benchmark["rest_of_parent"]["responses"] == rest["n"] == 3
    assert benchmark["parent_scores"]["responses"] == 11
    assert benchmark["difference"]["nps"]["value"] == pytest.approx(expected["nps"] - rest["nps"], abs=0.01)

    # Drivers: the NPS of those who rated waiting_time low (1-2) and high (4-5), counted directly.
    waiting = next(d for d in document["drivers"]["ranked"] if d["driver"] == "waiting_time")
    low = [r for r in rows if r.waiting_time <= 2]
    high = [r for r in rows if r.waiting_time >= 4]
    assert waiting["answers"] == 8
    assert waiting["mean"] == pytest.approx(sum(r.waiting_time for r in rows) / 8, abs=0.005)
    assert waiting["nps_low"]["value"] == pytest.approx(direct(low)["nps"], abs=0.005)
    assert waiting["nps_high"]["value"] == pytest.approx(direct(high)["nps"], abs=0.005)
    assert waiting["effect"]["value"] == pytest.approx(direct(high)["nps"] - direct(low)["nps"], abs=0.01)
    share_low, share_high = len(low) / len(rows), len(high) / len(rows)
    penalty = share_low * (expected["nps"] - direct(low)["nps"])  # 3/8 x (12.5 + 100) = 42.19
    reward = share_high * (direct(high)["nps"] - expected["nps"])  # 4/8 x (100 - 12.5) = 43.75
    assert (waiting["penalty"], waiting["reward"]) == (round(penalty, 2), round(reward, 2))
    assert waiting["role"] == "strength" and document["drivers"]["strengths"][0] == "waiting_time"
    ranked = [d["effect"]["value"] for d in document["drivers"]["ranked"] if d["effect"]["value"] is not None]
    assert ranked == sorted(ranked, reverse=True)

    # Topics: from the comments' analysis, out of the comments in scope.
    comments = [r.comment for r in rows if r.comment]
    mentions: dict[str, int] = {}
    for comment in comments:
        for topic in analyse_comment(comment, language="es").topics:
            mentions[topic] = mentions.get(topic, 0) + 1
    top = document["topics"][0]
    assert top["topic"] == "waiting_time" and top["mentions"] == mentions["waiting_time"] == 2
    assert top["share"] == pytest.approx(2 / len(comments), abs=0.005)


def test_the_branch_manager_sees_the_detractors_personal_data(fed: Ports) -> None:
    document = body_of(get(fed, QUITO_MANAGER, **NOVEMBER))
    assert document["scope"] == "branch:quito-norte"  # the default: the caller's own scope
    items = document["detractors"]["items"]
    assert document["detractors"]["personal_data"] is True
    # The three Quito Norte detractors of November, newest first.
    assert [item["nps"] for item in items] == [6, 0, 2]
    assert items[0]["customer"]["email"] == "ana@example.com" and items[0]["comment"] == LATE


def test_the_country_manager_sees_the_list_without_personal_data(fed: Ports) -> None:
    answer = get(fed, ECUADOR_MANAGER, **NOVEMBER)
    document = body_of(answer)
    assert document["scope"] == "country:EC" and document["benchmark"]["parent"] == "all"
    items = document["detractors"]["items"]
    # Quito Norte's three and Quito Sur's two; Madrid is in another country.
    assert len(items) == 5 and document["detractors"]["personal_data"] is False
    assert all(item["customer"] is None and item["comment"] is None for item in items)
    for secret in ("ana@example.com", "Ana P", "+593991234567", "C-1042", "nadie me atendi"):
        assert secret not in answer["body"], secret
    assert {item["branch"] for item in items} == {"quito-norte", "quito-sur"}
    assert items[0]["topics"] and items[0]["ticket_id"].startswith("CX-")


def test_an_agent_reads_their_branch_and_their_own_detractors(fed: Ports) -> None:
    owners = {t.owner for t in fed.tickets().find(partition=("branch", "quito-norte"))}
    owner = sorted(o for o in owners if not o.startswith("team:"))[0]
    document = body_of(get(fed, ("agent", "team:quito-norte-claims", owner), **NOVEMBER))
    assert document["scope"] == "branch:quito-norte" and document["responses"] == 8
    items = document["detractors"]["items"]
    assert items and all(item["owner"] == owner for item in items)
    assert document["detractors"]["personal_data"] is True


def test_a_touchpoint_benchmarks_against_its_branch(fed: Ports) -> None:
    document = body_of(get(fed, EXECUTIVE, scope="touchpoint:quito-norte/claims", **NOVEMBER))
    assert document["responses"] == 8
    assert document["benchmark"]["parent"] == "branch:quito-norte"
    assert document["benchmark"]["rest_of_parent"]["responses"] == 0
    assert document["benchmark"]["difference"]["nps"] == {
        "value": None,
        "low": None,
        "high": None,
        "significant": False,
    }


def test_the_whole_company_by_month(fed: Ports) -> None:
    document = body_of(get(fed, EXECUTIVE, interval="month", **NOVEMBER))
    assert document["scope"] == "all" and document["benchmark"] is None
    assert [point["bucket"] for point in document["trend"]] == ["2026-11"]
    assert document["responses"] == len(in_november()) == 12
    assert document["detractors"]["personal_data"] is False


@pytest.mark.parametrize(
    ("caller", "scope"),
    [
        (MADRID_MANAGER, "branch:quito-norte"),
        (QUITO_MANAGER, "region:pichincha"),
        (QUITO_MANAGER, "branch:quito-sur"),
        (ECUADOR_MANAGER, "country:ES"),
        (ECUADOR_MANAGER, "touchpoint:madrid-centro/counter"),
    ],
)
def test_a_scope_outside_the_callers_is_not_found(
    fed: Ports, caller: tuple[str, str, str], scope: str
) -> None:
    answer = get(fed, caller, scope=scope, **NOVEMBER)
    assert answer["statusCode"] == 404 and set(body_of(answer)) == {"error"}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"scope": "team:quito-norte-claims"}, "scope"),
        ({"scope": "branch:"}, "scope"),
        ({"interval": "year"}, "interval"),
        ({"from": "2026-11-31"}, "from"),
        ({"from": "2026-12-01", "to": "2026-11-01"}, "from"),
        ({"from": "2025-01-01", "to": "2026-11-30"}, "from"),
        ({"to": "yesterday"}, "to"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(ports: Ports, query: dict[str, str], field: str) -> None:
    answer = get(ports, EXECUTIVE, **query)
    assert answer["statusCode"] == 400, answer["body"]
    error = body_of(answer)["error"]
    assert error["code"] == "validation_error" and [d["field"] for d in error["details"]] == [field]


def test_an_agent_whose_team_is_not_in_the_organisation_is_refused(ports: Ports) -> None:
    answer = get(ports, ("agent", "team:quito-norte-claims", "ec-qn-claims-1"))
    assert answer["statusCode"] == 403  # no organisation stored: the team has no branch


def test_the_default_period_is_the_last_30_days(fed: Ports) -> None:
    document = body_of(get(fed, QUITO_MANAGER))
    assert (document["from"], document["to"]) == ("2026-10-25", "2026-11-23")
    assert document["interval"] == "week" and document["responses"] == 8


def test_the_real_handler_answers_and_refuses_without_claims(lambda_env: LocalAws, fed: Ports) -> None:
    answer = invoke("metrics_api", metrics_request(QUITO_MANAGER, scope="branch:quito-norte", **NOVEMBER))
    assert answer["statusCode"] == 200
    assert body_of(answer)["responses"] == 8
    anonymous = metrics_request(QUITO_MANAGER)
    anonymous["requestContext"]["authorizer"] = None
    refused = invoke("metrics_api", anonymous)
    assert refused["statusCode"] == 401 and body_of(refused)["error"]["code"] == "unauthorized"
