"""survey_page (GET/POST /s/{token}, docs/ARCHITECTURE.md, The public contract) against moto:
GET never changes state, POST records once, dead ends are friendly pages, bad answers leave
no trace."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest

from cxloop.domain.feedback.metrics import Counters
from cxloop.domain.kernel.tokens import new_token, token_hash
from cxloop.domain.surveys.definitions import DEFAULT_SURVEY
from cxloop.domain.surveys.page_document import SCRIPT_HASH
from cxloop.domain.surveys.theme import Theme
from functions.survey_page import handler as survey_page
from tests.conftest import LocalAws
from tests.integration.support import (
    NOW,
    Ports,
    as_sqs,
    body_of,
    header_of,
    invitation_for,
    invoke,
    json_answers,
    one,
    resolve,
    scan,
    seed_invitation,
    survey_request,
)

SCRIPT_COMMENT = '<script>alert("x")</script> & <b>nadie</b> llegó'


def call(ports: Ports, event: dict[str, Any], **app: Any) -> dict[str, Any]:
    return resolve(ports.survey_app(**app), event, "survey_page")


def get(ports: Ports, token: str) -> dict[str, Any]:
    return call(ports, survey_request(token))


def post_form(ports: Ports, token: str, **fields: str) -> dict[str, Any]:
    return call(ports, survey_request(token, "apigw/survey_post", urlencode(fields)))


def post_json(ports: Ports, token: str, **answers: object) -> dict[str, Any]:
    return call(ports, survey_request(token, "apigw/survey_post_json", json_answers(**answers)))


def invitation_status(aws: LocalAws, token: str) -> str:
    key = {"token_hash": {"S": token_hash(token)}}
    item = aws.clients["dynamodb"].get_item(TableName=aws.table("invitations"), Key=key, ConsistentRead=True)
    return str(item["Item"]["status"]["S"])


def assert_nothing_recorded(aws: LocalAws, token: str) -> None:
    assert invitation_status(aws, token) == "sent"
    assert scan(aws, "responses") == []
    assert aws.drain("responses") == []


def assert_html(answer: dict[str, Any], status: int) -> str:
    assert answer["statusCode"] == status
    assert header_of(answer, "Content-Type") == "text/html; charset=utf-8"
    page = str(answer["body"])
    assert page.startswith("<!doctype html>") and "Traceback" not in page
    return page


def test_get_renders_the_survey_and_changes_nothing(ports: Ports) -> None:
    token = seed_invitation(ports)
    # Mail scanners open links before people do: twice, and nothing may change.
    first, second = get(ports, token), get(ports, token)

    page = assert_html(first, 200)
    assert second["body"] == first["body"]
    assert '<html lang="es">' in page and "<h1>Claims desk</h1>" in page
    assert '<form id="survey" method="post"' in page
    assert all(f'data-q="{q.id}"' in page for q in DEFAULT_SURVEY.questions)
    assert 'data-draft="' in page and token not in page
    assert_nothing_recorded(ports.aws, token)


def test_the_page_keeps_its_token_to_itself(ports: Ports) -> None:
    answer = get(ports, seed_invitation(ports))
    assert header_of(answer, "Referrer-Policy") == "no-referrer"
    assert header_of(answer, "Cache-Control") == "no-store"
    assert "default-src 'none'" in str(header_of(answer, "Content-Security-Policy"))
    assert "frame-ancestors 'none'" in str(header_of(answer, "Content-Security-Policy"))
    # The page's one inline script runs by its hash; nothing else may.
    policy = str(header_of(answer, "Content-Security-Policy"))
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == f"'{SCRIPT_HASH}'" and directives["img-src"] == "data:"


def test_an_english_customer_gets_the_english_page(ports: Ports) -> None:
    page = assert_html(get(ports, seed_invitation(ports, "erp/branch_visit_sms")), 200)
    assert '<html lang="en">' in page and "How likely are you to recommend us" in page


def test_a_form_post_records_once_and_a_repeat_hands_on_the_same_response(ports: Ports) -> None:
    token = seed_invitation(ports)
    first = post_form(ports, token, nps="2", csat="1", ces="3", comment="Nadie llamó", callback="sí")
    second = post_form(ports, token, nps="10")

    page = assert_html(first, 200)
    assert "¡Gracias!" in page and "lo contactará" in page
    assert "Encuesta ya respondida" in assert_html(second, 409)
    assert invitation_status(ports.aws, token) == "answered"
    stored = one(scan(ports.aws, "responses"))
    assert set(stored) == {"response_id", "doc", "customer_key", "submitted_at"}, "no queued mark"
    # Not scored yet, so the repeat hands the stored response on again: the same message.
    messages = ports.aws.drain("responses")
    assert len(messages) == 2
    response = json.loads(one({m["Body"] for m in messages}))
    assert response["answers"] == {"nps": 2, "csat": 1, "ces": 3, "comment": "Nadie llamó", "callback": True}
    assert response["response_id"] == stored["response_id"]["S"]
    assert {m["MessageAttributes"]["correlation_id"]["StringValue"] for m in messages} == {
        "corr-seeded-invitation"
    }


def test_a_repeat_post_is_counted_once_and_once_scored_hands_on_nothing(ports: Ports) -> None:
    token = seed_invitation(ports)
    assert post_json(ports, token, nps=2, csat=1)["statusCode"] == 201
    assert post_json(ports, token, nps=10)["statusCode"] == 409
    score = ports.consumer("score_response", ports.score_step())
    assert score(as_sqs(*ports.aws.drain("responses"), queue="responses")) == {"batchItemFailures": []}

    # Two messages for one response, counted once (the counts' marker on the response id).
    assert ports.aggregates().read("all") == Counters(responses=1, detractors=1, csat_answers=1)
    # Each message asks for the same ticket; open_ticket opens one case per response id.
    assert one({m["Body"] for m in ports.aws.drain("tickets")})
    again = post_json(ports, token, nps=2, csat=1)
    assert again["statusCode"] == 409 and body_of(again)["error"]["code"] == "already_answered"
    assert ports.aws.drain("responses") == [], "a scored response is not handed on again"


def test_a_json_post_answers_201_then_409(ports: Ports) -> None:
    token = seed_invitation(ports)
    first = post_json(ports, token, nps=9, csat=5)
    second = post_json(ports, token, nps=9, csat=5)

    assert first["statusCode"] == 201
    assert header_of(first, "Content-Type") == "application/json"
    recorded = body_of(first)
    assert recorded["status"] == "recorded" and recorded["response_id"]
    assert second["statusCode"] == 409
    assert body_of(second)["error"]["code"] == "already_answered"
    # The repeat came before scoring: it handed the same response on again (scoring counts it once).
    response = json.loads(one({m["Body"] for m in ports.aws.drain("responses")}))
    assert response["response_id"] == recorded["response_id"] and response["answers"] == {"nps": 9, "csat": 5}


def test_get_after_answering_is_the_answered_page(ports: Ports) -> None:
    token = seed_invitation(ports)
    post_json(ports, token, nps=7)
    assert "Encuesta ya respondida" in assert_html(get(ports, token), 409)


@pytest.mark.parametrize(
    "token", [new_token(), "not-a-token", "A" * 200], ids=["well-formed", "junk", "long"]
)
def test_an_unknown_token_is_a_friendly_404_page(ports: Ports, token: str) -> None:
    page = assert_html(get(ports, token), 404)
    assert "Encuesta no encontrada" in page and "<form" not in page
    assert "Encuesta no encontrada" in assert_html(post_form(ports, token, nps="5"), 404)
    answer = post_json(ports, token, nps=5)
    assert answer["statusCode"] == 404 and body_of(answer)["error"]["code"] == "not_found"
    assert scan(ports.aws, "responses") == [] and ports.aws.drain("responses") == []


def test_an_expired_token_is_a_friendly_410_page_and_records_nothing(ports: Ports) -> None:
    token = seed_invitation(ports, created_at=NOW - timedelta(days=15))

    assert "Enlace vencido" in assert_html(get(ports, token), 410)
    assert "Enlace vencido" in assert_html(post_form(ports, token, nps="3"), 410)
    answer = post_json(ports, token, nps=3)
    assert answer["statusCode"] == 410 and body_of(answer)["error"]["code"] == "expired"
    assert_nothing_recorded(ports.aws, token)


def test_a_link_is_open_until_the_moment_it_expires(ports: Ports) -> None:
    token = seed_invitation(ports, created_at=NOW - timedelta(days=14) + timedelta(seconds=1))
    assert get(ports, token)["statusCode"] == 200
    later = resolve(
        ports.survey_app(clock=lambda: NOW + timedelta(seconds=1)), survey_request(token), "survey_page"
    )
    assert later["statusCode"] == 410


@pytest.mark.parametrize(
    ("fields", "field"),
    [({"nps": "11"}, "nps"), ({"nps": "5", "csat": "0"}, "csat"), ({"nps": "5", "ces": "8"}, "ces")],
)
def test_an_out_of_range_form_is_rerendered_with_the_error_and_nothing_stored(
    ports: Ports, fields: dict[str, str], field: str
) -> None:
    token = seed_invitation(ports)
    page = assert_html(post_form(ports, token, **fields), 400)
    assert 'role="alert"' in page and f'id="{field}-error"' in page and "Elija un número del" in page
    assert f'<a href="#{field}-' in page and '<form id="survey" method="post"' in page
    assert_nothing_recorded(ports.aws, token)


def test_a_rerendered_form_keeps_the_valid_choices(ports: Ports) -> None:
    token = seed_invitation(ports)
    page = assert_html(post_form(ports, token, nps="4", csat="9", callback="yes"), 400)
    checked = dict(re.findall(r'name="(\w+)" value="(\w+)" checked', page))
    assert checked == {"nps": "4", "callback": "yes"}


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({"nps": 11}, "answers.nps"),
        ({"nps": 5, "csat": 0}, "answers.csat"),
        ({"nps": 5, "ces": 8}, "answers.ces"),
    ],
)
def test_out_of_range_json_is_400_naming_the_answer_and_nothing_stored(
    ports: Ports, answers: dict[str, object], field: str
) -> None:
    token = seed_invitation(ports)
    answer = post_json(ports, token, **answers)
    assert answer["statusCode"] == 400
    error = body_of(answer)["error"]
    assert error["code"] == "validation_error"
    assert [d["field"] for d in error["details"]] == [field]
    assert_nothing_recorded(ports.aws, token)


@pytest.mark.parametrize(
    ("body", "field"),
    [("{nope", "body"), ('{"nps": 9}', "answers"), ('{"answers": [9]}', "answers"), ("[" * 30_000, "body")],
    ids=["malformed", "no-answers-object", "answers-not-object", "deeply-nested"],
)
def test_a_json_body_of_the_wrong_shape_is_400(ports: Ports, body: str, field: str) -> None:
    token = seed_invitation(ports)
    answer = call(ports, survey_request(token, "apigw/survey_post_json", body))
    assert answer["statusCode"] == 400
    assert [d["field"] for d in body_of(answer)["error"]["details"]] == [field]
    assert_nothing_recorded(ports.aws, token)


def test_markup_in_a_comment_is_stored_verbatim_and_rendered_escaped(ports: Ports) -> None:
    token = seed_invitation(ports)
    # With a bad nps the form comes back: the comment must come back as text, not markup.
    page = assert_html(post_form(ports, token, nps="12", comment=SCRIPT_COMMENT), 400)
    assert "<script>alert" not in page and "<b>nadie" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;nadie&lt;/b&gt; llegó" in page

    assert_html(post_form(ports, token, nps="1", comment=SCRIPT_COMMENT), 200)
    stored = json.loads(one(scan(ports.aws, "responses"))["doc"]["S"])
    assert stored["answers"]["comment"] == SCRIPT_COMMENT


# --- languages, display logic and the thank-you that fits -------------------------------


def seed_speaker_of(ports: Ports, locale: str) -> str:
    token, invitation = invitation_for()
    customer = invitation.customer.model_copy(update={"locale": locale})
    ports.invitations().add(invitation.model_copy(update={"customer": customer}))
    return token


@pytest.mark.parametrize(
    ("locale", "lang", "question", "thanks"),
    [
        ("pt-BR", "pt", "Qual é a probabilidade de você nos recomendar", "Obrigado!"),
        ("fr-CA", "fr", "Quelle est la probabilité que vous nous recommandiez", "Merci\u00a0!"),
        ("de-DE", "en", "How likely are you to recommend us", "Thank you!"),
    ],
)
def test_each_customer_gets_the_survey_and_the_thanks_in_their_language(
    ports: Ports, locale: str, lang: str, question: str, thanks: str
) -> None:
    token = seed_speaker_of(ports, locale)
    page = assert_html(get(ports, token), 200)
    assert f'<html lang="{lang}">' in page and question in page
    done = assert_html(post_form(ports, token, nps="7"), 200)
    assert f'<html lang="{lang}">' in done and thanks in done
    again = assert_html(post_form(ports, token, nps="7"), 409)
    assert f'<html lang="{lang}">' in again


def test_a_no_script_post_keeps_only_the_answers_that_apply(ports: Ports) -> None:
    # Without JavaScript the promoter saw every question and may fill in all of them.
    token = seed_invitation(ports)
    fields = {"nps": "10", "comment": "-", "callback": "yes", "callback_time": "morning", "praise": "Rapidez"}
    page = assert_html(post_form(ports, token, **fields), 200)
    assert "¡Muchas gracias!" in page
    response = json.loads(one(ports.aws.drain("responses"))["Body"])
    assert response["answers"] == {"nps": 10, "praise": "Rapidez"}


def test_a_detractor_asking_for_a_call_is_told_when(ports: Ports) -> None:
    token = seed_invitation(ports)
    page = assert_html(post_form(ports, token, nps="3", callback="yes", callback_time="afternoon"), 200)
    assert "lo contactará pronto" in page and "por la tarde" in page
    response = json.loads(one(ports.aws.drain("responses"))["Body"])
    assert response["answers"] == {"nps": 3, "callback": True, "callback_time": "afternoon"}


def test_a_call_time_outside_the_options_is_refused_in_json_by_name(ports: Ports) -> None:
    token = seed_invitation(ports)
    answer = post_json(ports, token, nps=2, callback=True, callback_time="midnight")
    assert answer["statusCode"] == 400
    assert [d["field"] for d in body_of(answer)["error"]["details"]] == ["answers.callback_time"]
    assert_nothing_recorded(ports.aws, token)


def test_the_handler_draws_every_page_with_its_theme(ports: Ports) -> None:
    theme = Theme(
        brand_name="Seguros Andinos",
        primary_color="#1b5e20",
        accent_color="#6a1b9a",
        review_url="https://reviews.example/andinos",
    )
    app = survey_page.create_app(
        survey_page.Deps(
            invitations=ports.invitations(),
            responses=ports.responses(),
            scoring=ports.queue("responses"),
            clock=lambda: NOW,
            theme=theme,
        )
    )
    token = seed_invitation(ports)
    form = assert_html(resolve(app, survey_request(token), "survey_page"), 200)
    assert "--primary:#1b5e20" in form and "Seguros Andinos" in form
    posted = resolve(app, survey_request(token, "apigw/survey_post", "nps=9"), "survey_page")
    thanks = assert_html(posted, 200)
    assert 'href="https://reviews.example/andinos"' in thanks and "--primary:#1b5e20" in thanks
    gone = assert_html(resolve(app, survey_request(token), "survey_page"), 409)
    assert "Seguros Andinos" in gone


# --- the real Lambda handler -------------------------------------------------------------


def test_handler_renders_records_and_refuses_a_second_answer(lambda_env: LocalAws, ports: Ports) -> None:
    token = seed_invitation(ports, created_at=datetime.now(UTC))  # the handler reads the real clock

    page = assert_html(invoke("survey_page", survey_request(token)), 200)
    assert "¿Qué tan probable es que nos recomiende" in page
    assert_nothing_recorded(lambda_env, token)

    thanks = assert_html(invoke("survey_page", survey_request(token, "apigw/survey_post")), 200)
    assert "¡Gracias!" in thanks
    again = invoke("survey_page", survey_request(token, "apigw/survey_post_json"))
    assert again["statusCode"] == 409 and body_of(again)["error"]["code"] == "already_answered"

    response = json.loads(one({m["Body"] for m in lambda_env.drain("responses")}))
    assert response["answers"] == {
        "nps": 1,
        "csat": 1,
        "ces": 2,
        "comment": "El ajustador nunca llegó",
        "callback": True,
    }


def test_handler_json_post_and_unknown_token(lambda_env: LocalAws, ports: Ports) -> None:
    token = seed_invitation(ports, created_at=datetime.now(UTC))  # the handler reads the real clock
    recorded = invoke("survey_page", survey_request(token, "apigw/survey_post_json"))
    assert recorded["statusCode"] == 201 and body_of(recorded)["status"] == "recorded"
    one(lambda_env.drain("responses"))

    missing = assert_html(invoke("survey_page", survey_request(new_token())), 404)
    assert "Encuesta no encontrada" in missing
