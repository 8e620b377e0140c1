"""Surveys as data and the one reminder, against moto: a published catalogue picks the
survey per touchpoint, a link keeps its version after a new catalogue is published, an
answer scores the weighted index, and a reminder goes once after N days, never to an
answered invitation or an opted-out customer, and around an address that bounced since."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest

from cxloop.adapters.config_store import survey_library
from cxloop.adapters.messaging import SesEmailSender, SnsSmsSender
from cxloop.domain.contact.manners import ContactState
from cxloop.domain.contact.sending import SendSettings
from cxloop.domain.kernel.tokens import token_hash
from functions.score_response import handler as score_response
from functions.send_reminders import handler as send_reminders
from functions.survey_page import handler as survey_page
from infra.local.defaults import SENDER_ADDRESS
from tests.conftest import LocalAws
from tests.integration.support import (
    BASE_URL,
    NOW,
    Ports,
    as_sqs,
    claim,
    emails,
    invoke,
    json_answers,
    one,
    resolve,
    scan,
    signed_post,
    survey_request,
    text_messages,
    token_in,
)
from tests.integration.test_record_suppression import (
    ANA_EMAIL,
    ANA_PHONE,
    bounce_of,
    published,
    record_all,
)

# Not about the contact policy: the company published a permissive one (no quiet hours, no
# gap), so surveys go out at once whatever the hour (tests/integration/conftest.py).
pytestmark = pytest.mark.usefixtures("permissive_contact_policy")


def claims_survey(version: int, question: str) -> dict[str, Any]:
    grid = {"en": "Rate the desk", "es": "Califique el mostrador"}
    return {
        "id": "claims",
        "version": version,
        "questions": [
            {"id": "nps", "kind": "scale", "min": 0, "max": 10, "required": True, "label": {"es": question}},
            {"id": "staff", "kind": "scale", "min": 1, "max": 5, "grid": grid, "label": {"es": "Personal"}},
            {"id": "speed", "kind": "scale", "min": 1, "max": 5, "grid": grid, "label": {"es": "Rapidez"}},
            {
                "id": "topics",
                "kind": "multiple",
                "label": {"es": "¿Sobre qué?"},
                "options": [
                    {"value": "claim", "label": {"es": "Siniestro"}},
                    {"value": "bill", "label": {"es": "Factura"}},
                ],
            },
        ],
        "indexes": [{"id": "desk", "formula": "(staff + speed) * 10 + if(nps >= 9, 5, 0)"}],
    }


def publish(ports: Ports, name: str, document: dict[str, Any]) -> int:
    current = ports.config().current(name)
    stored = ports.config().publish(
        name, document, expected_version=current.version if current else 0, by="analyst", at=NOW, note=None
    )
    return stored.version


def catalogue(*surveys: dict[str, Any]) -> dict[str, Any]:
    rules = [{"name": "quito_claims", "touchpoint": "quito-*", "event_type": "claim.", "survey": "claims"}]
    return {"surveys": list(surveys), "rules": rules}


def send(ports: Ports, body: bytes, at: datetime = NOW) -> str:
    """Capture and send one event's survey; its link's token."""
    answer = resolve(
        ports.capture_app(clock=lambda: at), signed_post(body, timestamp=int(at.timestamp())), "capture_event"
    )
    assert answer["statusCode"] == 202, answer
    message = dict(one(ports.aws.drain("dispatch")))
    before = len(emails())
    ports.consumer("send_survey", ports.send_step(clock=lambda: at))(as_sqs(message))
    assert len(emails()) == before + 1
    return token_in(emails()[-1].body)


def survey_app(ports: Ports, at: datetime = NOW) -> Any:
    """The survey page as its handler wires it: definitions found through the catalogue."""
    deps = survey_page.Deps(
        invitations=ports.invitations(),
        responses=ports.responses(),
        scoring=ports.queue("responses"),
        clock=lambda: at,
        library=survey_library(ports.config(), ports.rulebook),
    )
    return survey_page.create_app(deps)


def page(ports: Ports, token: str, at: datetime = NOW) -> dict[str, Any]:
    return resolve(survey_app(ports, at), survey_request(token), "survey_page")


def post(ports: Ports, token: str, at: datetime = NOW, **answers: object) -> dict[str, Any]:
    event = survey_request(token, "apigw/survey_post_json", json_answers(**answers))
    return resolve(survey_app(ports, at), event, "survey_page")


def test_the_catalogue_picks_the_survey_and_a_link_keeps_its_version_through_scoring(ports: Ports) -> None:
    assert publish(ports, "surveys", catalogue(claims_survey(1, "¿Nos recomendaría? (v1)"))) == 1
    token = send(ports, claim())
    other = send(ports, claim(event_id="elsewhere-1", touchpoint={"id": "lima/desk", "name": "Lima"}))

    stored = ports.invitations().get(token_hash(token))
    assert stored is not None
    assert (stored.survey_id, stored.survey_version, stored.catalogue_version) == ("claims", 1, 1)
    assert ports.invitations().get(token_hash(other)).survey_id == "default"  # type: ignore[union-attr]

    # A new catalogue replaces the definition: the link sent before still shows version 1.
    publish(ports, "surveys", catalogue(claims_survey(2, "¿Nos recomendaría? (v2)")))
    shown = page(ports, token)
    assert shown["statusCode"] == 200 and "(v1)" in shown["body"] and "(v2)" not in shown["body"]
    assert '<fieldset class="q grid" id="grid-staff">' in shown["body"]
    assert 'type="checkbox" name="topics"' in shown["body"]

    answered = post(ports, token, nps=9, staff=4, speed=5, topics=["bill", "claim"])
    assert answered["statusCode"] == 201, answered
    queued = dict(one(ports.aws.drain("responses")))
    response = json.loads(queued["Body"])
    assert (response["survey_version"], response["catalogue_version"], response["answers"]["topics"]) == (
        1,
        1,
        ["claim", "bill"],
    )
    deps = score_response.Deps(
        responses=ports.responses(),
        aggregates=ports.aggregates(),
        tickets=ports.queue("tickets"),
        rulebook=ports.rulebook,
        library=survey_library(ports.config(), ports.rulebook),
    )
    ports.consumer("score_response", score_response.create_step(deps))(as_sqs(queued, queue="responses"))
    scored = ports.responses().get(response["response_id"])
    assert scored is not None and scored.score is not None
    assert scored.score.indexes == {"desk": 95.0}


def remind(ports: Ports, at: datetime) -> dict[str, Any]:
    deps = send_reminders.Deps(
        invitations=ports.invitations(),
        contacts=ports.contacts(),
        email=SesEmailSender(ports.aws.clients["sesv2"]),
        sms=SnsSmsSender(ports.aws.clients["sns"]),
        send_settings=SendSettings(BASE_URL, SENDER_ADDRESS, link_ttl_days=14),
        rulebook=ports.rulebook,
    )
    return send_reminders.run({"time": at.isoformat()}, deps)


def opt_out(ports: Ports, customer_id: str) -> None:
    contacts = ports.contacts()
    state: ContactState = contacts.load(customer_id)
    memory = state.memory.model_copy(update={"opted_out": True})
    contacts.save(customer_id, state.model_copy(update={"memory": memory}), expected_version=state.version)


def customer(customer_id: str, email: str) -> dict[str, Any]:
    return {"id": customer_id, "name": "Ana Pérez", "email": email, "locale": "es-EC", "timezone": "UTC"}


def test_one_reminder_after_n_days_never_to_the_answered_or_the_opted_out(ports: Ports) -> None:
    publish(ports, "contact_policy", {"reminder_after_days": 3})
    waiting = send(ports, claim(event_id="e-wait", customer=customer("C-wait", "wait@example.com")))
    answered = send(ports, claim(event_id="e-done", customer=customer("C-done", "done@example.com")))
    send(ports, claim(event_id="e-out", customer=customer("C-out", "out@example.com")))
    assert post(ports, answered, nps=8)["statusCode"] == 201
    opt_out(ports, "C-out")
    sent_before = len(emails())

    assert remind(ports, NOW + timedelta(days=2))["sent"] == 0  # not yet N days
    due = NOW + timedelta(days=3, hours=1)
    assert remind(ports, due) == {"sent": 1, "postponed": 0, "blocked": 1}
    assert remind(ports, due + timedelta(hours=1))["sent"] == 0  # once, whatever the schedule repeats
    assert remind(ports, due + timedelta(days=1))["sent"] == 0

    reminder = one(emails()[sent_before:])
    assert reminder.destinations["ToAddresses"] == ["wait@example.com"]
    assert reminder.subject.startswith("Recordatorio")
    assert text_messages() == []
    new_link = token_in(reminder.body)
    assert new_link != waiting
    # The reminder's link is the same invitation: answering through it closes the first link too.
    assert page(ports, new_link, due)["statusCode"] == 200
    assert post(ports, new_link, due, nps=10)["statusCode"] == 201
    assert page(ports, waiting, due)["statusCode"] == 409
    assert post(ports, waiting, due, nps=3)["statusCode"] == 409
    remembered = ports.contacts().load("C-wait")
    assert [s.kind for s in remembered.memory.sent] == ["survey", "reminder"]
    assert ports.contacts().load("C-out").decisions[-1].reason == "blocked_opt_out"
    # Settled invitations leave the reminder index; the answered one was never claimed.
    items = {i["invitation_id"]["S"]: i for i in scan(ports.aws, "invitations") if "doc" in i}
    assert sorted(i.get("reminder", {}).get("S", "-") for i in items.values()) == [
        "-",
        "blocked_opt_out",
        "sent",
    ]


def test_the_scheduled_handler_sends_the_reminder(lambda_env: LocalAws, ports: Ports) -> None:
    publish(ports, "contact_policy", {"reminder_after_days": 2})
    send(ports, claim())
    assert invoke("send_reminders", {"time": (NOW + timedelta(days=1)).isoformat()})["sent"] == 0
    assert invoke("send_reminders", {"time": (NOW + timedelta(days=2, hours=1)).isoformat()}) == {
        "sent": 1,
        "postponed": 0,
        "blocked": 0,
    }
    assert emails()[-1].subject.startswith("Recordatorio")


def test_a_bounce_after_the_survey_sends_the_reminder_by_sms(lambda_env: LocalAws, ports: Ports) -> None:
    publish(ports, "contact_policy", {"reminder_after_days": 2})
    send(ports, claim())  # Ana's survey goes by email (her preference)
    record_all(published(lambda_env, "email_events", bounce_of(ANA_EMAIL)))
    texts_before = len(text_messages())

    due = (NOW + timedelta(days=2, hours=1)).isoformat()
    assert invoke("send_reminders", {"time": due}) == {"sent": 1, "postponed": 0, "blocked": 0}
    (reminder,) = text_messages()[texts_before:]
    phone, text = reminder
    assert phone == ANA_PHONE and text.startswith("cxloop: recordatorio")
    # Phone links carry the short token, as the survey's own SMS does.
    assert len(text.rsplit("/s/", 1)[1]) == 22
    last = ports.contacts().load("C-1042").decisions[-1]
    # Her preferred channel (email) is suppressed: the policy reroutes around the preference.
    assert (last.kind, last.reason, last.channel) == ("reminder", "rerouted_preference", "sms")
