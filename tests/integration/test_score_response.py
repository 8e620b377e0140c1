"""score_response (consumes `responses`) against moto: scores saved, live aggregates
added exactly once per response, a ticket requested only when a rule fires."""

from __future__ import annotations

import json

import pytest

from cxloop.domain.feedback.metrics import Counters, nps
from tests.conftest import LocalAws
from tests.integration.support import Ports, answered, as_sqs, invoke, one, redelivered

SCOPES = ("all", "touchpoint:quito-norte/claims", "country:EC", "region:pichincha", "branch:quito-norte")


def test_a_detractor_is_counted_once_in_every_scope_across_redelivery(ports: Ports) -> None:
    message = answered(ports, nps=2, csat=1, ces=3, callback=True)
    score = ports.consumer("score_response", ports.score_step())

    assert score(as_sqs(message, queue="responses")) == {"batchItemFailures": []}
    assert score(as_sqs(redelivered(message), queue="responses")) == {"batchItemFailures": []}

    expected = Counters(responses=1, detractors=1, csat_answers=1, ces_answers=1, ces_sum=3, ces_sum_sq=9)
    for scope in SCOPES:
        assert ports.aggregates().read(scope) == expected, scope
    assert ports.aggregates().read("branch:madrid-centro") == Counters()
    # Each delivery asks for the ticket (one that counted and then failed must still ask);
    # open_ticket opens one case per response id.
    request, again = (json.loads(m["Body"]) for m in ports.aws.drain("tickets"))
    assert again == request
    assert request["decision"]["rule"] == "angry_detractor" and request["decision"]["priority"] == "high"
    assert request["response"]["score"]["nps_category"] == "detractor"


def test_the_score_is_saved_on_the_response(ports: Ports) -> None:
    message = answered(ports, nps=8, csat=4, ces=6, comment="Bien")
    ports.score_step()(json.loads(message["Body"]))
    response = ports.responses().get(json.loads(message["Body"])["response_id"])
    assert response is not None and response.score is not None
    assert (response.score.nps_category, response.score.csat_satisfied, response.score.ces_easy) == (
        "passive",
        True,
        True,
    )
    assert response.score.has_comment


def test_aggregates_are_guarded_by_the_response_id_even_without_powertools(ports: Ports) -> None:
    # Should the idempotency record expire, DynamoDB's condition still counts the response once.
    body = json.loads(answered(ports, nps=10)["Body"])
    step = ports.score_step()
    step(body)
    step(body)
    assert ports.aggregates().read("all") == Counters(responses=1, promoters=1)


@pytest.mark.parametrize(
    ("answers", "rule"),
    [
        ({"nps": 6}, "detractor"),
        ({"nps": 5, "callback": True}, "detractor_wants_call"),
        ({"nps": 8, "csat": 2}, "unsatisfied"),
        ({"nps": 9, "csat": 1}, "angry_detractor"),
    ],
)
def test_detractors_and_unsatisfied_customers_ask_for_a_ticket(
    ports: Ports, answers: dict[str, object], rule: str
) -> None:
    ports.score_step()(json.loads(answered(ports, **answers)["Body"]))
    message = one(ports.aws.drain("tickets"))
    assert json.loads(message["Body"])["decision"]["rule"] == rule
    assert message["MessageAttributes"]["correlation_id"]["StringValue"] == "corr-seeded-invitation"


@pytest.mark.parametrize("answers", [{"nps": 7}, {"nps": 8, "csat": 3}, {"nps": 9}, {"nps": 10, "csat": 5}])
def test_passives_and_promoters_ask_for_no_ticket(ports: Ports, answers: dict[str, object]) -> None:
    ports.score_step()(json.loads(answered(ports, **answers)["Body"]))
    assert ports.aws.drain("tickets") == []
    assert ports.aggregates().read("all").responses == 1


def test_many_responses_roll_up_to_an_nps(ports: Ports) -> None:
    score = ports.consumer("score_response", ports.score_step())
    for value in (10, 9, 9, 8, 3):
        score(as_sqs(answered(ports, nps=value), queue="responses"))
    total = ports.aggregates().read("branch:quito-norte")
    assert (total.promoters, total.passives, total.detractors, total.responses) == (3, 1, 1, 5)
    assert nps(total.promoters, total.passives, total.detractors).value == pytest.approx(40.0)


def test_a_malformed_response_fails_alone(ports: Ports) -> None:
    good = answered(ports, nps=9)
    broken = dict(good, MessageId="broken", Body='{"response_id": "r-x", "answers": "nine"}')
    answer = ports.consumer("score_response", ports.score_step())(as_sqs(broken, good, queue="responses"))
    assert answer == {"batchItemFailures": [{"itemIdentifier": "broken"}]}
    assert ports.aggregates().read("all") == Counters(responses=1, promoters=1)


# --- the real Lambda handler -------------------------------------------------------------


def test_handler_counts_once_and_asks_for_the_same_ticket(lambda_env: LocalAws, ports: Ports) -> None:
    message = answered(ports, nps=1, comment="Nunca llegó")
    for delivery in (message, redelivered(message)):
        assert invoke("score_response", as_sqs(delivery, queue="responses")) == {"batchItemFailures": []}

    assert ports.aggregates().read("branch:quito-norte") == Counters(responses=1, detractors=1, comments=1)
    # The same request per delivery: open_ticket opens one case per response id.
    request, again = (json.loads(m["Body"]) for m in lambda_env.drain("tickets"))
    assert again == request and request["response"]["answers"]["comment"] == "Nunca llegó"
