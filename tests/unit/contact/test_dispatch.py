"""Which channel a survey goes by, and the link it carries."""

from __future__ import annotations

import pytest

from cxloop.domain.contact.sending import choose_channel, survey_url
from cxloop.domain.kernel.events import Customer

EMAIL, PHONE = "ana@example.com", "+593991234567"


@pytest.mark.parametrize(
    ("email", "phone", "preferred", "channel"),
    [
        (EMAIL, PHONE, None, "email"),
        (EMAIL, PHONE, "email", "email"),
        (EMAIL, None, None, "email"),
        (EMAIL, PHONE, "sms", "sms"),
        (None, PHONE, None, "sms"),
        (None, PHONE, "email", "sms"),
        (EMAIL, PHONE, "whatsapp", "sms"),
        (None, PHONE, "whatsapp", "sms"),
        (EMAIL, None, "sms", "email"),
        (EMAIL, None, "whatsapp", "email"),
    ],
    ids=[
        "email-by-default",
        "email-preferred",
        "email-only",
        "sms-preferred",
        "phone-only",
        "email-preferred-but-none",
        "whatsapp-falls-back-to-sms",
        "whatsapp-phone-only",
        "sms-preferred-but-no-phone",
        "whatsapp-preferred-but-no-phone",
    ],
)
def test_channel_choice(email: str | None, phone: str | None, preferred: str | None, channel: str) -> None:
    customer = Customer(id="C-1", email=email, phone=phone, preferred_channel=preferred)  # type: ignore[arg-type]
    assert choose_channel(customer) == channel


@pytest.mark.parametrize("base", ["https://cx.example", "https://cx.example/", "https://cx.example/prod/"])
def test_survey_url_joins_base_and_token_with_one_slash(base: str) -> None:
    assert survey_url(base, "T" * 43) == base.rstrip("/") + "/s/" + "T" * 43
