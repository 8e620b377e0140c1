"""Routing rules as data: first match decides, and the ticket says why."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cxloop.domain.feedback.routing import DEFAULT_RULES, DUE_HOURS, owner_for, route
from cxloop.domain.kernel.conditions import explain, matches
from cxloop.domain.kernel.events import Customer, Touchpoint
from cxloop.domain.surveys.models import SurveyResponse

CUSTOMER = Customer(id="C-1", email="ana@example.com", phone="+593991234567")
TOUCHPOINT = Touchpoint(id="quito-norte/claims", branch="quito-norte", region="pichincha", country="EC")


def response(**answers: object) -> SurveyResponse:
    return SurveyResponse(
        response_id="r-1",
        interaction_id="i-1",
        correlation_id="c-1",
        survey_id="default",
        event_type="claim.reported",
        customer=CUSTOMER,
        touchpoint=TOUCHPOINT,
        answers=answers,
        submitted_at=datetime(2026, 11, 23, tzinfo=UTC),
    )


def test_the_default_rules_in_order() -> None:
    assert [r["name"] for r in DEFAULT_RULES] == [
        "angry_detractor",
        "detractor_wants_call",
        "detractor",
        "unsatisfied",
        "asked_for_call",
    ]


@pytest.mark.parametrize(
    ("answers", "rule", "priority", "reason"),
    [
        ({"nps": 3}, "angry_detractor", "high", "nps=3 <= 3"),
        ({"nps": 0, "callback": True}, "angry_detractor", "high", "nps=0 <= 3"),
        ({"nps": 9, "csat": 1}, "angry_detractor", "high", "csat=1 == 1"),
        ({"nps": 1, "csat": 1}, "angry_detractor", "high", "nps=1 <= 3 or csat=1 == 1"),
        (
            {"nps": 6, "callback": True},
            "detractor_wants_call",
            "high",
            "nps=6 <= 6 and callback=True == True",
        ),
        ({"nps": 4, "csat": 2, "callback": True}, "detractor_wants_call", "high", None),
        ({"nps": 6}, "detractor", "medium", "nps=6 <= 6"),
        ({"nps": 4, "csat": 2}, "detractor", "medium", "nps=4 <= 6"),
        ({"nps": 6, "callback": False}, "detractor", "medium", None),
        ({"nps": 8, "csat": 2}, "unsatisfied", "medium", "csat=2 <= 2"),
        ({"csat": 2}, "unsatisfied", "medium", None),
        ({"nps": 8, "callback": True}, "asked_for_call", "low", "callback=True == True"),
    ],
)
def test_each_default_rule_fires_and_the_first_match_decides(
    answers: dict[str, object], rule: str, priority: str, reason: str | None
) -> None:
    decision = route(response(**answers))
    assert decision is not None
    assert (decision.rule, decision.priority, decision.owner) == (rule, priority, "team:quito-norte")
    if reason is not None:
        assert decision.reason == reason


@pytest.mark.parametrize(
    "answers",
    [
        {"nps": 7},
        {"nps": 8, "callback": False},
        {"nps": 9},
        {"nps": 10, "csat": 5},
        {"nps": 9, "csat": 3},
        {"nps": 7, "csat": 3, "ces": 1},
        {},
    ],
)
def test_passives_and_promoters_get_no_ticket(answers: dict[str, object]) -> None:
    assert route(response(**answers)) is None


def test_custom_rules_are_data_and_explain_themselves() -> None:
    rules = (
        {
            "name": "slow_roadside",
            "priority": "low",
            "when": {
                "all": [
                    {"field": "ces", "op": "<", "value": 3},
                    {"field": "nps", "op": "in", "value": [7, 8]},
                ]
            },
        },
    )
    decision = route(response(nps=8, ces=2), rules)
    assert decision is not None and (decision.rule, decision.priority) == ("slow_roadside", "low")
    assert decision.reason == "ces=2 < 3 and nps=8 in [7, 8]"
    assert route(response(nps=9, ces=2), rules) is None


def test_explain_names_only_the_leaves_that_held() -> None:
    either = {"any": [{"field": "nps", "op": "<=", "value": 3}, {"field": "csat", "op": "==", "value": 1}]}
    assert explain(either, {"nps": 1, "csat": 4}) == "nps=1 <= 3"
    assert explain(either, {"nps": 8, "csat": 1}) == "csat=1 == 1"
    assert explain({"field": "comment", "op": "!=", "value": ""}, {"comment": "hi"}) == "comment='hi' != ''"


@pytest.mark.parametrize(
    ("condition", "answers", "expected"),
    [
        ({"field": "nps", "op": "<", "value": 3}, {"nps": "text"}, False),
        ({"field": "nps", "op": "<", "value": 3}, {}, False),
        ({"field": "nps", "op": "<", "value": 3}, {"nps": None}, False),
        ({"field": "nps", "op": ">=", "value": 9}, {"nps": 9}, True),
        ({"field": "nps", "op": "!=", "value": 9}, {"nps": 9}, False),
        ({"all": []}, {}, True),
        ({"any": []}, {}, False),
    ],
)
def test_matches_never_raises_on_odd_answers(
    condition: dict[str, object], answers: dict[str, object], expected: bool
) -> None:
    assert matches(condition, answers) is expected


def test_owner_is_the_branch_team_or_the_touchpoint() -> None:
    assert owner_for(response(nps=1)) == "team:quito-norte"
    branchless = response(nps=1).model_copy(update={"touchpoint": Touchpoint(id="web/app")})
    assert owner_for(branchless) == "team:web/app"


def test_every_priority_has_a_due_time_and_urgent_is_soonest() -> None:
    assert set(DUE_HOURS) == {"low", "medium", "high", "urgent"}
    assert DUE_HOURS["urgent"] < DUE_HOURS["high"] < DUE_HOURS["medium"] < DUE_HOURS["low"]
