"""cxloop.domain.insights.scope_insights: the metrics API's figures, each against a hand computation, and
who reads which scope and sees which personal data."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from typing import Any, cast

import pytest

from cxloop.domain.casework.models import Ticket
from cxloop.domain.casework.ports import TicketStore
from cxloop.domain.feedback.metrics import Counters, DriverCounts, ScaleAnswer, TopicCounts, counters_for
from cxloop.domain.insights import detractor_list as detractors
from cxloop.domain.insights import scope_access, scope_insights
from cxloop.domain.insights.detractor_list import detractor_json, detractor_list
from cxloop.domain.insights.periods import Period
from cxloop.domain.insights.scope_access import access_chain, home_scope, parse_scope
from cxloop.domain.insights.scope_insights import (
    DriverEffect,
    benchmark,
    bucket_of,
    ces_difference,
    csat_difference,
    insights_of,
    nps_difference,
    ranked_drivers,
    strengths,
    top_topics,
    trend,
    weaknesses,
)
from cxloop.domain.kernel.errors import Forbidden, InvalidInput, NotFound
from cxloop.domain.kernel.events import Touchpoint
from cxloop.domain.organisation.access import Caller
from cxloop.domain.organisation.hierarchy import Organisation
from cxloop.domain.surveys.scoring import score_answers
from tests.helpers import sample_ticket

NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30))


def responses(*answers: dict[str, Any], drivers: dict[str, int] | None = None) -> Counters:
    """The counts of these answers, each with the same driver answers (1-5 scales)."""
    total = Counters()
    for given in answers:
        driver_answers = {name: ScaleAnswer(value, 1, 5) for name, value in (drivers or {}).items()}
        total = total + counters_for(score_answers(given), driver_answers)
    return total


# --- benchmark tests ----------------------------------------------------------------------------


def test_nps_difference_uses_the_adjusted_wald_variances_of_both_samples() -> None:
    scope = Counters(promoters=50, passives=30, detractors=20)  # NPS 30
    rest = Counters(promoters=30, passives=30, detractors=40)  # NPS -10
    # By hand: n' = 103 for both. Scope p' = 50.75/103, d' = 20.75/103: centre 29.126, variance
    # (0.694175 - 0.291262^2)/103 = 59.160 points^2. Rest p' = 30.75/103, d' = 40.75/103: centre
    # -9.709, variance (0.694175 - 0.097087^2)/103 = 66.480. Difference of centres 38.835 +-
    # 1.96 * sqrt(125.640) = 21.969 -> [16.9, 60.8]; observed difference 30 - (-10) = 40.
    difference = nps_difference(scope, rest)
    assert difference.value == pytest.approx(40.0)
    assert (round(difference.low or 0, 1), round(difference.high or 0, 1)) == (16.9, 60.8)
    assert difference.significant


def test_nps_difference_of_close_small_samples_is_not_significant() -> None:
    difference = nps_difference(
        Counters(promoters=6, passives=2, detractors=2), Counters(promoters=5, detractors=5)
    )
    assert difference.value == pytest.approx(40.0 - 0.0)
    assert difference.low is not None and difference.low < 0 < (difference.high or 0)
    assert not difference.significant


def test_csat_difference_is_newcombes_hybrid_score_interval() -> None:
    # Wilson 45/50 = [0.7864, 0.9565]; 30/50 = [0.4618, 0.7239]. d = 0.3;
    # low = 0.3 - sqrt(0.1136^2 + 0.1239^2) = 0.1319; high = 0.3 + sqrt(0.0565^2 + 0.1382^2) = 0.4493.
    difference = csat_difference(
        Counters(csat_answers=50, csat_satisfied=45), Counters(csat_answers=50, csat_satisfied=30)
    )
    assert difference.value == pytest.approx(30.0)
    assert (round(difference.low or 0, 1), round(difference.high or 0, 1)) == (13.2, 44.9)
    assert difference.significant


def test_ces_difference_is_welchs_t_interval() -> None:
    # Scope 4,5,6,5,5: mean 5, variance 0.5. Rest 2,3,4: mean 3, variance 1.
    # se^2 = 0.5/5 + 1/3 = 0.4333; Welch df = 0.4333^2 / (0.1^2/4 + 0.3333^2/2) = 3.23 -> t(3) = 3.182;
    # 2 +- 3.182 * 0.6583 = [-0.09, 4.09]: not significant.
    scope = Counters(ces_answers=5, ces_sum=25, ces_sum_sq=127)
    rest = Counters(ces_answers=3, ces_sum=9, ces_sum_sq=29)
    difference = ces_difference(scope, rest)
    assert difference.value == pytest.approx(2.0)
    assert (round(difference.low or 0, 2), round(difference.high or 0, 2)) == (-0.09, 4.09)
    assert not difference.significant


def test_no_answers_on_a_side_means_no_difference() -> None:
    some = Counters(promoters=3, csat_answers=2, csat_satisfied=1, ces_answers=2, ces_sum=8, ces_sum_sq=32)
    for difference in (nps_difference(some, Counters()), csat_difference(Counters(), some)):
        assert (difference.value, difference.low, difference.high, difference.significant) == (
            None,
            None,
            None,
            False,
        )
    single = ces_difference(some, Counters(ces_answers=1, ces_sum=7, ces_sum_sq=49))
    assert single.value == pytest.approx(-3.0) and single.low is None and not single.significant


def test_the_benchmark_tests_the_scope_against_the_rest_of_its_parent() -> None:
    scope = Counters(responses=100, promoters=50, passives=30, detractors=20)
    rest = Counters(responses=100, promoters=30, passives=30, detractors=40)
    compared = benchmark(scope, scope + rest, "region:pichincha")
    assert compared.parent == "region:pichincha"
    assert compared.rest.counts == rest
    # The parent shows the whole region, scope included: (80 - 60) / 200 = 10.
    assert compared.parent_scores.nps.value == pytest.approx(10.0)
    assert compared.nps.value == pytest.approx(40.0) and compared.nps.significant


def test_the_only_child_of_its_parent_has_nothing_to_be_compared_with() -> None:
    scope = Counters(responses=5, promoters=5)
    compared = benchmark(scope, scope, "region:pichincha")
    assert compared.rest.counts == Counters()
    assert compared.nps.value is None and not compared.nps.significant


# --- trend ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "interval", "expected"),
    [
        (date(2026, 11, 20), "day", ("2026-11-20", date(2026, 11, 20), date(2026, 11, 20))),
        (date(2026, 11, 20), "week", ("2026-W47", date(2026, 11, 16), date(2026, 11, 22))),
        # ISO weeks cross the year: Friday 1 January 2027 is in 2026's week 53.
        (date(2027, 1, 1), "week", ("2026-W53", date(2026, 12, 28), date(2027, 1, 3))),
        (date(2026, 12, 31), "month", ("2026-12", date(2026, 12, 1), date(2026, 12, 31))),
        (date(2028, 2, 10), "month", ("2028-02", date(2028, 2, 1), date(2028, 2, 29))),
    ],
)
def test_buckets(day: date, interval: scope_insights.Interval, expected: tuple[str, date, date]) -> None:
    assert bucket_of(day, interval) == expected


def test_the_weekly_trend_cuts_buckets_to_the_period_and_keeps_empty_ones() -> None:
    days = {
        date(2026, 11, 21): responses({"nps": 10}, {"nps": 0}),
        date(2026, 11, 23): responses({"nps": 10}),
        date(2026, 11, 29): responses({"nps": 9}, {"nps": 8}),
        date(2026, 12, 5): responses({"nps": 0}),  # outside the period: not counted
    }
    points = trend(days, Period(date(2026, 11, 20), date(2026, 12, 2)), "week")
    assert [(p.bucket, p.start, p.end) for p in points] == [
        ("2026-W47", date(2026, 11, 20), date(2026, 11, 22)),
        ("2026-W48", date(2026, 11, 23), date(2026, 11, 29)),
        ("2026-W49", date(2026, 11, 30), date(2026, 12, 2)),
    ]
    # W47: 1 promoter, 1 detractor -> 0; W48: 2 promoters, 1 passive -> 66.67; W49: nobody.
    assert [p.scores.nps.value for p in points] == [pytest.approx(0.0), pytest.approx(200 / 3), None]
    assert [p.scores.nps.n for p in points] == [2, 3, 0]
    assert all(p.scores.nps.small_sample for p in points)


def test_a_monthly_trend() -> None:
    days = {date(2026, 11, 30): responses({"nps": 10}), date(2026, 12, 1): responses({"nps": 3})}
    points = trend(days, Period(date(2026, 11, 15), date(2026, 12, 10)), "month")
    assert [(p.bucket, p.start, p.end, p.scores.nps.value) for p in points] == [
        ("2026-11", date(2026, 11, 15), date(2026, 11, 30), 100.0),
        ("2026-12", date(2026, 12, 1), date(2026, 12, 10), -100.0),
    ]


# --- drivers ------------------------------------------------------------------------------------


def driver_sample() -> Counters:
    """Ten customers rating waiting_time and cleanliness (1-5) and parking, with their NPS."""
    rows = [
        # (nps, waiting_time, cleanliness, parking)
        (0, 1, 5, 1),
        (3, 2, 4, 5),
        (5, 1, 1, 3),
        (7, 2, 3, 3),
        (8, 3, 4, 3),
        (9, 3, 5, 1),
        (9, 4, 5, 5),
        (10, 5, 4, 3),
        (10, 4, 5, 3),
        (7, 5, 4, 3),
    ]
    total = Counters()
    for value, waiting, clean, parking in rows:
        drivers = {
            "waiting_time": ScaleAnswer(waiting, 1, 5),
            "cleanliness": ScaleAnswer(clean, 1, 5),
            "parking": ScaleAnswer(parking, 1, 5),
        }
        total = total + counters_for(score_answers({"nps": value}), drivers)
    return total


def test_driver_counts_from_ten_customers() -> None:
    waiting = driver_sample().drivers["waiting_time"]
    # Low (1-2): nps 0, 3, 5, 7 -> 3 detractors, 1 passive.
    # High (4-5): nps 9, 10, 10, 7 -> 3 promoters, 1 passive.
    assert waiting == DriverCounts(
        answers=10,
        total=30,
        low=4,
        high=4,
        promoters=4,
        passives=3,
        detractors=3,
        low_passives=1,
        low_detractors=3,
        high_promoters=3,
        high_passives=1,
    )


def test_drivers_are_ranked_by_their_effect_on_nps_with_penalty_and_reward() -> None:
    effects = {e.driver: e for e in ranked_drivers(driver_sample().drivers)}
    waiting, clean, parking = effects["waiting_time"], effects["cleanliness"], effects["parking"]
    # waiting_time: NPS(low) = (0 - 3)/4 = -75, NPS(high) = (3 - 0)/4 = 75, NPS of all = (4 - 3)/10 = 10.
    # effect 150; penalty = 4/10 * (10 + 75) = 34; reward = 4/10 * (75 - 10) = 26 -> a weakness.
    assert (waiting.nps_low.value, waiting.nps_high.value, waiting.nps.value) == (-75.0, 75.0, 10.0)
    assert waiting.effect.value == pytest.approx(150.0)
    assert (waiting.penalty, waiting.reward) == (pytest.approx(34.0), pytest.approx(26.0))
    assert waiting.role == "weakness"
    # cleanliness: low = nps 5 alone -> -100; high (4-5) = 0, 3, 8, 9, 9, 10, 10, 7 -> 4 promoters,
    # 2 passives, 2 detractors -> 25; all = 10. effect 125; penalty = 1/10 * 110 = 11;
    # reward = 8/10 * 15 = 12 -> a strength.
    assert (clean.nps_low.value, clean.nps_high.value) == (-100.0, 25.0)
    assert clean.effect.value == pytest.approx(125.0)
    assert (clean.penalty, clean.reward) == (pytest.approx(11.0), pytest.approx(12.0))
    assert clean.role == "strength"
    # parking: low = 0, 9 -> 0; high = 3, 9 -> 0: no effect, neither strength nor weakness.
    assert parking.effect.value == pytest.approx(0.0) and parking.role is None
    ranked = ranked_drivers(driver_sample().drivers)
    assert [e.driver for e in ranked] == ["waiting_time", "cleanliness", "parking"]
    assert strengths(ranked) == ["cleanliness"] and weaknesses(ranked) == ["waiting_time"]


def test_the_driver_effect_interval_is_the_two_sample_adjusted_wald_one() -> None:
    waiting = DriverEffect("waiting_time", driver_sample().drivers["waiting_time"])
    # high: P=3, D=0, n=4 -> n'=7, p'=3.75/7, d'=0.75/7; low: P=0, D=3, n=4 -> p'=0.75/7, d'=3.75/7.
    p, d = 3.75 / 7, 0.75 / 7
    variance = 2 * 10_000 * (p + d - (p - d) ** 2) / 7
    centre = 200 * (p - d)
    assert waiting.effect.low == pytest.approx(centre - 1.96 * math.sqrt(variance))
    assert waiting.effect.high == pytest.approx(min(200.0, centre + 1.96 * math.sqrt(variance)))
    assert waiting.effect.significant


def test_a_driver_nobody_rated_low_has_no_effect_and_ranks_last() -> None:
    drivers = {
        "always_good": DriverCounts(answers=3, total=15, high=3, promoters=3, high_promoters=3),
        "waiting_time": driver_sample().drivers["waiting_time"],
    }
    ranked = ranked_drivers(drivers)
    assert [e.driver for e in ranked] == ["waiting_time", "always_good"]
    assert ranked[1].effect.value is None and ranked[1].role is None and ranked[1].penalty is None


# --- topics -----------------------------------------------------------------------------------


def test_top_topics_with_share_of_comments_and_negative_share() -> None:
    counts = Counters(
        comments=4,
        topics={
            "waiting_time": TopicCounts(mentions=3, negative=2),
            "price": TopicCounts(mentions=1),
            "billing": TopicCounts(mentions=1, negative=1),
        },
    )
    listed = [t.to_json() for t in top_topics(counts)]
    assert listed == [
        {"topic": "waiting_time", "mentions": 3, "share": 0.75, "negative": 2, "negative_share": 0.67},
        {"topic": "billing", "mentions": 1, "share": 0.25, "negative": 1, "negative_share": 1.0},
        {"topic": "price", "mentions": 1, "share": 0.25, "negative": 0, "negative_share": 0.0},
    ]
    assert len(top_topics(counts, limit=1)) == 1


# --- the whole answer ---------------------------------------------------------------------------


def test_insights_add_days_up_and_answer_every_part() -> None:
    scope_days = {
        date(2026, 11, 2): responses({"nps": 10, "csat": 5, "ces": 6}, {"nps": 2, "csat": 2, "ces": 2}),
        date(2026, 11, 3): responses({"nps": 9, "csat": 4, "ces": 7}),
    }
    other_days = {date(2026, 11, 2): responses({"nps": 0, "csat": 1, "ces": 1})}
    parent_days = {d: c + other_days.get(d, Counters()) for d, c in scope_days.items()}
    found = insights_of(
        "branch:quito-norte",
        scope_days,
        period=NOVEMBER,
        interval="month",
        parent="region:pichincha",
        parent_days=parent_days,
    )
    document = found.to_json()
    # 2 promoters, 1 detractor of 3 -> 33.33; CSAT 2 of 3 -> 66.67; CES (6 + 2 + 7)/3 = 5.
    assert document["responses"] == 3
    assert document["nps"]["value"] == 33.33 and document["nps"]["small_sample"]
    assert document["csat"]["value"] == 66.67 and document["ces"]["value"] == 5.0
    assert document["ces"]["easy_share"] == 0.67
    assert [point["bucket"] for point in document["trend"]] == ["2026-11"]
    assert document["benchmark"]["parent"] == "region:pichincha"
    assert document["benchmark"]["rest_of_parent"]["nps"]["value"] == -100.0
    assert document["benchmark"]["difference"]["nps"]["value"] == 133.33
    assert document["drivers"] == {"ranked": [], "strengths": [], "weaknesses": []}
    assert document["topics"] == []


def test_the_whole_company_has_no_benchmark() -> None:
    found = insights_of("all", {}, period=NOVEMBER, interval="week")
    document = found.to_json()
    assert document["benchmark"] is None
    assert document["nps"] == {"value": None, "low": None, "high": None, "n": 0, "small_sample": True} | {
        "promoters": 0,
        "passives": 0,
        "detractors": 0,
    }
    # Sunday 1 November ends ISO week 44; Monday 30 November starts week 49.
    assert [point["bucket"] for point in document["trend"]] == [f"2026-W{w}" for w in range(44, 50)]
    assert document["trend"][0]["to"] == "2026-11-01" and document["trend"][-1]["from"] == "2026-11-30"


# --- scopes -------------------------------------------------------------------------------------

ORGANISATION = Organisation.model_validate(
    {
        "countries": [
            {
                "code": "EC",
                "name": "Ecuador",
                "timezone": "America/Guayaquil",
                "regions": [
                    {
                        "id": "pichincha",
                        "name": "Pichincha",
                        "branches": [
                            {
                                "id": "quito-norte",
                                "name": "Quito Norte",
                                "teams": [{"id": "qn-claims", "name": "Claims", "kind": "claims"}],
                            }
                        ],
                    }
                ],
            }
        ],
    }
)


def caller(role: str, scope: str, user: str = "u-1") -> Caller:
    return Caller(user=user, role=role, scope=scope)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("all", "all"),
        (" branch:quito-norte ", "branch:quito-norte"),
        ("touchpoint:quito-norte/claims", "touchpoint:quito-norte/claims"),
        ("country:EC", "country:EC"),
    ],
)
def test_scopes_parse(text: str, expected: str) -> None:
    assert parse_scope(text) == expected


@pytest.mark.parametrize(
    "text", ["", "branch", "branch:", "team:qn-claims", "everything", "region:" + "x" * 129]
)
def test_bad_scopes_name_the_parameter(text: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_scope(text)
    assert [p.field for p in raised.value.details] == ["scope"]


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        (caller("executive", "all"), "all"),
        (caller("country_manager", "country:EC"), "country:EC"),
        (caller("branch_manager", "branch:quito-norte"), "branch:quito-norte"),
        (caller("agent", "team:qn-claims"), "branch:quito-norte"),
        (caller("teleoperator", "team:qn-claims"), "branch:quito-norte"),
    ],
)
def test_home_scopes(who: Caller, expected: str) -> None:
    assert home_scope(who, ORGANISATION) == expected


@pytest.mark.parametrize(
    ("who", "organisation"),
    [
        (caller("agent", "team:qn-claims"), None),
        (caller("agent", "team:nowhere"), ORGANISATION),
        (caller("branch_manager", ""), ORGANISATION),
        (caller("country_manager", "none"), ORGANISATION),
    ],
)
def test_callers_without_a_place_read_nothing(who: Caller, organisation: Organisation | None) -> None:
    with pytest.raises(Forbidden):
        home_scope(who, organisation)


def test_the_organisation_decides_the_chain_and_the_stored_parents_fill_in() -> None:
    stored = {"touchpoint:quito-norte/claims": "branch:quito-norte", "branch:quito-norte": "region:madrid"}
    assert access_chain("touchpoint:quito-norte/claims", stored.get, ORGANISATION) == [
        "touchpoint:quito-norte/claims",
        "branch:quito-norte",
        "region:pichincha",  # the organisation, not what an event claimed
        "country:EC",
        "all",
    ]
    assert access_chain("branch:quito-norte", stored.get, None) == ["branch:quito-norte", "region:madrid"]
    assert access_chain("branch:unknown", stored.get, ORGANISATION) == ["branch:unknown"]
    assert access_chain("country:ES", stored.get, None) == ["country:ES", "all"]


@pytest.mark.parametrize(
    ("who", "scope", "allowed"),
    [
        (caller("branch_manager", "branch:quito-norte"), "touchpoint:quito-norte/claims", True),
        (caller("branch_manager", "branch:quito-norte"), "region:pichincha", False),
        (caller("branch_manager", "branch:madrid-centro"), "branch:quito-norte", False),
        (caller("country_manager", "country:EC"), "branch:quito-norte", True),
        (caller("country_manager", "country:ES"), "branch:quito-norte", False),
        (caller("agent", "team:qn-claims"), "branch:quito-norte", True),
        (caller("agent", "team:qn-claims"), "country:EC", False),
        (caller("executive", "all"), "branch:anything", True),
    ],
)
def test_a_scope_outside_the_callers_does_not_exist(who: Caller, scope: str, allowed: bool) -> None:
    stored = {"touchpoint:quito-norte/claims": "branch:quito-norte"}
    chain = access_chain(scope, stored.get, ORGANISATION)
    home = home_scope(who, ORGANISATION)
    if allowed:
        scope_access.check_visible(home, chain)
    else:
        with pytest.raises(NotFound):
            scope_access.check_visible(home, chain)


# --- the detractor list -------------------------------------------------------------------------


class ListedTickets:
    """Only `find` is read: it records the partition asked for and, careless, returns every
    ticket, so the scope, period and visibility checks must still be made per ticket."""

    def __init__(self, tickets: list[Ticket]) -> None:
        self.tickets = tickets
        self.partitions: list[tuple[str, str] | None] = []

    def find(self, *, partition: tuple[str, str] | None, status: str | None = None) -> list[Ticket]:
        self.partitions.append(partition)
        return list(self.tickets)


def listed(who: Caller, scope: str, chain: list[str], store: ListedTickets) -> detractors.DetractorList:
    return detractor_list(who, scope, NOVEMBER, chain=chain, tickets=cast(TicketStore, store))


def quito(ticket_id: str, day: int, **changes: Any) -> Ticket:
    answered = datetime(2026, 11, day, 12, 0, tzinfo=UTC)
    fields: dict[str, Any] = {
        "ticket_id": ticket_id,
        "country": "EC",
        "region": "pichincha",
        "owner": "ec-qn-claims-1",
        "answered_at": answered,
        "opened_at": answered,
        "comment": "Nunca me llamaron",
    }
    return sample_ticket(**(fields | changes))


def test_the_list_holds_recent_detractors_in_scope_and_period_newest_first() -> None:
    madrid = Touchpoint(id="madrid-centro/counter", branch="madrid-centro", region="madrid", country="ES")
    store = ListedTickets(
        [
            quito("CX-1", 10),
            quito("CX-2", 20),
            quito("CX-3", 15, score=score_answers({"nps": 8, "csat": 2})),  # unsatisfied, not a detractor
            quito("CX-4", 5, answered_at=datetime(2026, 10, 31, 23, 0, tzinfo=UTC)),  # before the period
            quito("CX-5", 12, touchpoint=madrid, branch="madrid-centro", country="ES", region="madrid"),
        ]
    )
    found = listed(caller("country_manager", "country:EC"), "country:EC", ["country:EC", "all"], store)
    assert [t.ticket_id for t in found.tickets] == ["CX-2", "CX-1"]
    assert not found.personal_data
    assert store.partitions == [("country", "EC")]


def test_the_list_stops_at_fifty() -> None:
    store = ListedTickets([quito(f"CX-{i:03d}", 1 + i % 28) for i in range(60)])
    found = listed(caller("executive", "all"), "all", ["all"], store)
    assert len(found.tickets) == 50
    assert found.tickets[0].answered_at.day == 28
    assert store.partitions == [None]


def test_an_agent_lists_only_their_own_tickets() -> None:
    store = ListedTickets([quito("CX-1", 10), quito("CX-2", 11, owner="ec-qn-claims-2")])
    agent = caller("agent", "team:qn-claims", user="ec-qn-claims-2")
    found = listed(agent, "branch:quito-norte", ["branch:quito-norte"], store)
    assert [t.ticket_id for t in found.tickets] == ["CX-2"] and found.personal_data
    assert store.partitions == [("owner", "ec-qn-claims-2")]


def test_a_touchpoint_reads_its_branch_and_keeps_its_own_tickets() -> None:
    other = Touchpoint(id="quito-norte/front", branch="quito-norte", region="pichincha", country="EC")
    store = ListedTickets([quito("CX-1", 10), quito("CX-2", 11, touchpoint=other)])
    chain = ["touchpoint:quito-norte/claims", "branch:quito-norte"]
    found = listed(caller("executive", "all"), "touchpoint:quito-norte/claims", chain, store)
    assert [t.ticket_id for t in found.tickets] == ["CX-1"]
    assert store.partitions == [("branch", "quito-norte")]


@pytest.mark.parametrize(
    ("role", "personal"),
    [
        ("agent", True),
        ("teleoperator", True),
        ("branch_manager", True),
        ("country_manager", False),
        ("executive", False),
    ],
)
def test_personal_data_only_for_those_who_call_back(role: str, personal: bool) -> None:
    assert detractors.shows_personal_data(caller(role, "x")) is personal
    item = detractor_json(quito("CX-1", 10), personal_data=personal)
    text = repr(item)
    for secret in ("Ana", "ana@example.com", "+593991234567", "Nunca me llamaron", "C-1042"):
        assert (secret in text) is personal, (role, secret)
    assert item["ticket_id"] == "CX-1" and item["nps"] == 1 and item["branch"] == "quito-norte"
