"""The demo's check of the metrics API: direct counts from forms, and what counts as a disagreement."""

from __future__ import annotations

from typing import Any

from infra.local.demo.metrics import Direct, check_metrics, disagreements

FORMS = [
    {"nps": "10", "csat": "5", "ces": "7"},
    {"nps": "9", "csat": "4"},
    {"nps": "7", "csat": "3", "ces": "4"},
    {"nps": "3", "csat": "1", "ces": "2", "comment": "mal"},
]


def api_answer(direct: Direct) -> dict[str, Any]:
    """What GET /v1/metrics would say for these counts."""
    return {
        "responses": direct.n,
        "nps": {
            "value": direct.nps,
            "promoters": direct.promoters,
            "passives": direct.passives,
            "detractors": direct.detractors,
        },
        "csat": {"n": direct.csat_answers, "satisfied": direct.csat_satisfied},
        "ces": {"n": direct.ces_answers, "value": direct.ces},
    }


def test_forms_are_counted_directly() -> None:
    direct = Direct.of(FORMS)
    assert (direct.n, direct.promoters, direct.passives, direct.detractors) == (4, 2, 1, 1)
    assert (direct.csat_answers, direct.csat_satisfied) == (4, 2)
    assert (direct.ces_answers, direct.ces_sum) == (3, 13)
    assert direct.nps == 25.0
    assert direct.ces == 4.33
    assert Direct.of([]).nps is None


def test_each_difference_is_named_and_rounding_is_not_one() -> None:
    direct = Direct.of(FORMS)
    assert disagreements("all", direct, api_answer(direct)) == []
    answered = api_answer(direct)
    answered["nps"]["value"] = 25.004  # the API rounded in another order
    assert disagreements("all", direct, answered) == []
    answered["nps"]["detractors"] = 2
    answered["ces"]["value"] = 4.5
    assert disagreements("all", direct, answered) == [
        "all detractors: API 2, counted 1",
        "all CES: API 4.5, counted 4.33",
    ]


def test_every_scope_of_the_answers_is_asked_for_today_and_yesterday() -> None:
    quito = {"touchpoint": {"country": "EC", "branch": "quito-norte"}}
    madrid = {"touchpoint": {"country": "ES", "branch": "madrid-centro"}}
    answered = [(quito, FORMS[0]), (quito, FORMS[3]), (madrid, FORMS[1])]
    asked: list[dict[str, str]] = []

    def fetch(query: dict[str, str]) -> dict[str, Any]:
        asked.append(query)
        mine = {
            "all": FORMS[0:1] + FORMS[3:4] + FORMS[1:2],
            "country:EC": [FORMS[0], FORMS[3]],
            "branch:quito-norte": [FORMS[0], FORMS[3]],
        }.get(query["scope"], [FORMS[1]])
        return api_answer(Direct.of(mine))

    problems, checked = check_metrics(fetch, answered)
    assert (problems, checked) == ([], 5)
    assert sorted(q["scope"] for q in asked) == [
        "all",
        "branch:madrid-centro",
        "branch:quito-norte",
        "country:EC",
        "country:ES",
    ]
    assert all(q["from"] < q["to"] for q in asked)
