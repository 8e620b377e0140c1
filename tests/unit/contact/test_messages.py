"""The invitation the customer receives: localized, escaped, with the link."""

from __future__ import annotations

import pytest

from cxloop.domain.contact.messages import invitation_email, invitation_sms

URL = "https://cx.example/s/" + "A" * 43


def test_spanish_email_greets_by_first_name_and_carries_the_link() -> None:
    email = invitation_email(
        language="es", customer_name="Ana Pérez", place="Siniestros", url=URL, days_valid=14
    )
    assert email.subject == "¿Cómo fue su experiencia en Siniestros?"
    assert email.text.startswith("Hola Ana:")
    assert "Responder la encuesta" in email.text and URL in email.text and "14 días" in email.text
    assert f'href="{URL}"' in email.html and 'lang="es"' in email.html
    assert "Pérez" not in email.text


def test_english_email() -> None:
    email = invitation_email(
        language="en", customer_name="John Carter", place="Claims", url=URL, days_valid=7
    )
    assert email.subject == "How was your experience at Claims?"
    assert email.text.startswith("Hello John,")
    assert "Take the survey" in email.html and "expires in 7 days" in email.text
    assert 'lang="en"' in email.html


@pytest.mark.parametrize(
    ("language", "subject", "greeting", "button", "footer"),
    [
        (
            "pt",
            "Como foi sua experiência em Sinistros?",
            "Olá, João!",
            "Responder à pesquisa",
            "expira em 14 dias",
        ),
        (
            "fr",
            "Comment s'est passée votre expérience à Sinistres\u00a0?",
            "Bonjour Jean,",
            "Répondre au questionnaire",
            "expire dans 14\u00a0jours",
        ),
    ],
)
def test_portuguese_and_french_customers_read_their_own_language(
    language: str, subject: str, greeting: str, button: str, footer: str
) -> None:
    place = "Sinistros" if language == "pt" else "Sinistres"
    name = "João Silva" if language == "pt" else "Jean Dupont"
    email = invitation_email(language=language, customer_name=name, place=place, url=URL, days_valid=14)
    assert email.subject == subject
    assert email.text.startswith(greeting) and footer in email.text and URL in email.text
    assert button in email.html and f'lang="{language}"' in email.html


@pytest.mark.parametrize(
    ("language", "words"), [("pt", "Conte-nos em 1 minuto"), ("fr", "Répondez en 1 minute")]
)
def test_portuguese_and_french_sms(language: str, words: str) -> None:
    text = invitation_sms(language=language, brand="Seguros Andinos", place="Quito Norte", url=URL)
    assert text.startswith("Seguros Andinos") and words in text and text.endswith(URL)
    assert len(text) <= 160 and "\u00a0" not in text


@pytest.mark.parametrize("language", ["de", "it", "zz"])
def test_an_unknown_language_falls_back_to_english_and_says_so(language: str) -> None:
    email = invitation_email(language=language, customer_name=None, place="Claims", url=URL, days_valid=7)
    assert email.subject == "How was your experience at Claims?"
    assert email.text.startswith("Hello,")
    # The text is English, so lang must say English (screen readers pronounce by it).
    assert 'lang="en"' in email.html
    assert "Claims" in invitation_sms(language=language, brand="B", place="Claims", url=URL)
    assert "Tell us" in invitation_sms(language=language, brand="B", place="Claims", url=URL)


def test_an_anonymous_customer_gets_a_plain_greeting() -> None:
    email = invitation_email(language="es", customer_name=None, place="Siniestros", url=URL, days_valid=14)
    assert email.text.startswith("Hola:")


def test_customer_values_are_escaped_in_html() -> None:
    email = invitation_email(
        language="en", customer_name="<b>Eve</b>", place="<script>x</script>", url=URL, days_valid=7
    )
    assert "<b>" not in email.html and "&lt;b&gt;Eve&lt;/b&gt;" in email.html
    assert "<script>" not in email.html and "&lt;script&gt;" in email.html


def test_the_link_is_attribute_escaped() -> None:
    email = invitation_email(
        language="en",
        customer_name=None,
        place="x",
        url='https://cx.example/s/a"onmouseover="x',
        days_valid=7,
    )
    assert 'href="https://cx.example/s/a&quot;onmouseover=&quot;x"' in email.html


@pytest.mark.parametrize(("language", "words"), [("es", "Cuéntenos"), ("en", "Tell us")])
def test_sms_is_one_short_segment_with_the_link(language: str, words: str) -> None:
    text = invitation_sms(language=language, brand="Seguros Andinos", place="Quito Norte", url=URL)
    assert text.startswith("Seguros Andinos:") and words in text and text.endswith(URL)
    assert len(text) <= 160


@pytest.mark.parametrize("language", ["es", "en", "pt", "fr"])
def test_every_invitation_sms_is_gsm7_and_fits_two_parts_with_a_real_link(language: str) -> None:
    from cxloop.domain.contact.sms_text import is_gsm7, segments

    url = "https://cx.segurosandinos.example/s/" + "A" * 43
    text = invitation_sms(language=language, brand="Seguros Andinos", place="Quito Norte", url=url)
    # UCS-2 would cut each part from 160 characters to 70: three parts instead of two.
    assert is_gsm7(text), text
    assert segments(text) <= 2, (len(text), text)
