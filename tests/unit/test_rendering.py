"""What customers and managers read: messages, pages, alerts. Escaped, localized, no leaks."""

from __future__ import annotations

import re

import pytest

from cxloop.config import settings_from
from cxloop.domain.alerting import alert_for
from cxloop.domain.errors import FieldProblem
from cxloop.domain.events import Customer, Touchpoint
from cxloop.domain.messages import invitation_email, invitation_sms
from cxloop.domain.pages import dead_end_page, survey_page, thanks_page
from cxloop.domain.scoring import score_answers
from cxloop.domain.surveys import DEFAULT_SURVEY
from tests.helpers import sample_ticket

URL = "https://cx.example/s/" + "A" * 43


def test_email_in_spanish_greets_by_first_name_and_carries_the_link_twice() -> None:
    email = invitation_email(
        language="es", customer_name="Ana Pérez", place="Siniestros", url=URL, days_valid=14
    )
    assert email.subject == "¿Cómo fue su experiencia en Siniestros?"
    assert "Hola Ana:" in email.text and URL in email.text and "14 días" in email.text
    assert f'href="{URL}"' in email.html and 'lang="es"' in email.html


def test_unknown_language_falls_back_to_english_and_no_name_is_fine() -> None:
    email = invitation_email(language="de", customer_name=None, place="Claims", url=URL, days_valid=7)
    assert email.subject == "How was your experience at Claims?"
    assert email.text.startswith("Hello,")


def test_customer_values_are_escaped_in_html() -> None:
    email = invitation_email(
        language="en", customer_name="<b>Eve</b>", place="<script>x</script>", url=URL, days_valid=7
    )
    assert "<script>" not in email.html and "&lt;script&gt;" in email.html
    assert "<b>Eve" not in email.html


def test_sms_is_one_short_segment_with_the_link() -> None:
    text = invitation_sms(language="es", brand="Seguros Andinos", place="Quito Norte", url=URL)
    assert URL in text and len(text) <= 160


def test_survey_page_labels_every_question_in_the_customers_language() -> None:
    page = survey_page(DEFAULT_SURVEY, language="es", place="Siniestros · Quito Norte")
    assert 'lang="es"' in page and "¿Qué tan probable es que nos recomiende" in page
    for question in DEFAULT_SURVEY.questions:
        assert f'name="{question.id}"' in page
    assert len(re.findall(r"<legend>", page)) == len(DEFAULT_SURVEY.questions)
    assert '<label for="comment">' in page
    assert len(re.findall(r'name="nps" value="\d+"', page)) == 11
    assert "<script" not in page


def test_a_rerendered_form_keeps_answers_escaped_and_marks_the_problem() -> None:
    page = survey_page(
        DEFAULT_SURVEY,
        language="en",
        place="Claims",
        answers={"nps": 11, "comment": "<script>alert(1)</script>"},
        problems=[FieldProblem("answers.nps", "must be between 0 and 10")],
    )
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'role="alert"' in page and 'aria-describedby="nps-error"' in page
    assert "must be between 0 and 10" in page


@pytest.mark.parametrize("state", ["answered", "expired", "unknown", "unavailable"])
@pytest.mark.parametrize("language", ["es", "en"])
def test_dead_ends_are_friendly_in_both_languages(state: str, language: str) -> None:
    page = dead_end_page(state, language=language)
    assert f'lang="{language}"' in page and "<h1>" in page and "Traceback" not in page


def test_thanks_mentions_the_call_back_only_when_asked() -> None:
    assert "contactará" in thanks_page(language="es", callback_requested=True)
    assert "contactará" not in thanks_page(language="es", callback_requested=False)


def test_alerts_carry_filterable_attributes_and_no_personal_data() -> None:
    customer = Customer(id="C-9", name="Rosa Quishpe", email="rosa@example.com", phone="+593987650001")
    touchpoint = Touchpoint(
        id="quito-sur/claims", name="Claims", branch="quito-sur", region="pichincha", country="EC"
    )
    ticket = sample_ticket(
        ticket_id="CX-ABCDEF1234",
        customer=customer,
        touchpoint=touchpoint,
        branch="quito-sur",
        owner="team:quito-sur",
        score=score_answers({"nps": 1, "csat": 1, "callback": True}),
        comment="secret words",
    )
    alert = alert_for(ticket)
    assert (alert.country, alert.region, alert.branch, alert.severity, alert.kind) == (
        "EC",
        "pichincha",
        "quito-sur",
        "critical",
        "detractor",
    )
    text = alert.subject + alert.message
    for personal in ("Rosa", "rosa@example.com", "+593987650001", "secret words"):
        assert personal not in text
    assert "CX-ABCDEF1234" in alert.message and "call back" in alert.message
    assert len(alert.subject) <= 100


def test_settings_read_the_names_the_pipeline_derives() -> None:
    settings = settings_from(
        {
            "TABLE_TICKETS": "cx-tickets",
            "QUEUE_ALERTS_URL": "https://sqs/alerts",
            "TOPIC_ALERTS_ARN": "arn:aws:sns:x:1:alerts",
            "CXLOOP_WEBHOOK_SECRET": " new , old ,",
            "SURVEY_LINK_TTL_DAYS": "7",
        }
    )
    assert settings.table("tickets") == "cx-tickets"
    assert settings.queue_url("alerts") == "https://sqs/alerts"
    assert settings.topic_arn("alerts") == "arn:aws:sns:x:1:alerts"
    assert settings.webhook_secrets == ("new", "old")
    assert settings.survey_link_ttl_days == 7
    with pytest.raises(RuntimeError, match="TABLE_INVITATIONS"):
        settings.table("invitations")


def test_settings_refuse_nonsense_at_cold_start() -> None:
    with pytest.raises(ValueError, match="survey_link_ttl_days"):
        settings_from({"SURVEY_LINK_TTL_DAYS": "0"})
    with pytest.raises(ValueError, match="public_base_url"):
        settings_from({"PUBLIC_BASE_URL": "not a url"})
