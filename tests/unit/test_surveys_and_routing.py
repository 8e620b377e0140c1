"""Answer validation, routing rules as data, channel choice and ticket ids."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cxloop.domain.dispatch import choose_channel
from cxloop.domain.errors import InvalidInput
from cxloop.domain.events import Customer, Touchpoint
from cxloop.domain.models import SurveyResponse
from cxloop.domain.routing import explain, matches, owner_for, route
from cxloop.domain.surveys import DEFAULT_SURVEY, MAX_COMMENT_CHARS, parse_answers
from cxloop.domain.ticketing import ticket_id_for
from cxloop.domain.tokens import looks_like_token, new_token, token_hash

CUSTOMER = Customer(id="C-1", email="ana@example.com", phone="+593991234567")
TOUCHPOINT = Touchpoint(id="quito-norte/claims", branch="quito-norte", region="pichincha", country="EC")


def refused_fields(raw: dict[str, object]) -> set[str]:
    with pytest.raises(InvalidInput) as refused:
        parse_answers(DEFAULT_SURVEY, raw)
    return {p.field for p in refused.value.details}


def test_form_strings_become_typed_answers() -> None:
    parsed = parse_answers(
        DEFAULT_SURVEY, {"nps": "7", "csat": " 4 ", "ces": "6", "comment": " <b>hi</b> ", "callback": "sí"}
    )
    assert parsed == {"nps": 7, "csat": 4, "ces": 6, "comment": "<b>hi</b>", "callback": True}


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"nps": "11"}, "answers.nps"),
        ({"nps": -1}, "answers.nps"),
        ({"nps": "5", "csat": "0"}, "answers.csat"),
        ({"nps": "5", "ces": 8}, "answers.ces"),
        ({"nps": "7.5"}, "answers.nps"),
        ({"nps": True}, "answers.nps"),
        ({"csat": "3"}, "answers.nps"),
        ({"nps": "5", "callback": "maybe"}, "answers.callback"),
        ({"nps": "5", "comment": 42}, "answers.comment"),
        ({"nps": "5", "mood": "ok"}, "answers.mood"),
        ({"nps": "5", "comment": "x" * (MAX_COMMENT_CHARS + 1)}, "answers.comment"),
    ],
)
def test_bad_answers_are_named(raw: dict[str, object], field: str) -> None:
    assert field in refused_fields(raw)


@pytest.mark.parametrize(
    ("text", "value"), [("yes", True), ("on", True), ("true", True), ("no", False), ("0", False)]
)
def test_callback_words(text: str, value: bool) -> None:
    assert parse_answers(DEFAULT_SURVEY, {"nps": "9", "callback": text})["callback"] is value


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


@pytest.mark.parametrize(
    ("answers", "rule", "priority"),
    [
        ({"nps": 2}, "angry_detractor", "high"),
        ({"nps": 8, "csat": 1}, "angry_detractor", "high"),
        ({"nps": 5, "callback": True}, "detractor_wants_call", "high"),
        ({"nps": 6}, "detractor", "medium"),
        ({"nps": 8, "csat": 2}, "unsatisfied", "medium"),
    ],
)
def test_first_matching_rule_decides(answers: dict[str, object], rule: str, priority: str) -> None:
    decision = route(response(**answers))
    assert decision is not None
    assert (decision.rule, decision.priority, decision.owner) == (rule, priority, "team:quito-norte")


@pytest.mark.parametrize("answers", [{"nps": 7}, {"nps": 10, "csat": 5}, {"nps": 9, "csat": 3}, {}])
def test_passives_and_promoters_open_no_ticket(answers: dict[str, object]) -> None:
    assert route(response(**answers)) is None


def test_rules_are_data_and_explain_themselves() -> None:
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
    assert decision is not None and decision.rule == "slow_roadside"
    assert decision.reason == "ces=2 < 3 and nps=8 in [7, 8]"
    either = {"any": [{"field": "nps", "op": "<=", "value": 3}, {"field": "csat", "op": "==", "value": 1}]}
    assert explain(either, {"nps": 1, "csat": 4}) == "nps=1 <= 3"
    assert not matches({"field": "nps", "op": "<", "value": 3}, {"nps": "text"})


def test_owner_falls_back_to_the_touchpoint() -> None:
    branchless = response(nps=1).model_copy(update={"touchpoint": Touchpoint(id="web/app")})
    assert owner_for(branchless) == "team:web/app"


@pytest.mark.parametrize(
    ("email", "phone", "preferred", "channel"),
    [
        ("a@b.co", "+593991234567", None, "email"),
        ("a@b.co", "+593991234567", "sms", "sms"),
        ("a@b.co", "+593991234567", "whatsapp", "sms"),
        (None, "+593991234567", "email", "sms"),
        ("a@b.co", None, "sms", "email"),
    ],
)
def test_channel_choice(email: str | None, phone: str | None, preferred: str | None, channel: str) -> None:
    customer = Customer(id="C-1", email=email, phone=phone, preferred_channel=preferred)  # type: ignore[arg-type]
    assert choose_channel(customer) == channel


def test_tokens_are_long_random_and_stored_only_as_hashes() -> None:
    tokens = {new_token() for _ in range(200)}
    assert len(tokens) == 200
    token = tokens.pop()
    assert looks_like_token(token) and len(token) == 43
    assert token_hash(token) != token and len(token_hash(token)) == 64
    assert not looks_like_token("../../etc/passwd") and not looks_like_token("A" * 42)


def test_ticket_ids_are_stable_per_response() -> None:
    assert ticket_id_for("r-1") == ticket_id_for("r-1")
    assert ticket_id_for("r-1") != ticket_id_for("r-2")
    assert ticket_id_for("r-1").startswith("CX-") and len(ticket_id_for("r-1")) == 13
