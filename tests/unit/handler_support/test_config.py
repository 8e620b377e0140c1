"""Configuration read once from the names infra.pipeline derives."""

from __future__ import annotations

import pytest

from cxloop.config import settings_from


def test_settings_read_tables_queues_and_topics_by_pipeline_names() -> None:
    settings = settings_from(
        {
            "TABLE_TICKETS": "cx-tickets",
            "TABLE_IDEMPOTENCY": "cx-idem",
            "QUEUE_ALERTS_URL": "https://sqs.us-east-1.amazonaws.com/1/alerts",
            "QUEUE_DISPATCH_URL": "https://sqs.us-east-1.amazonaws.com/1/dispatch",
            "TOPIC_ALERTS_ARN": "arn:aws:sns:us-east-1:1:alerts",
            "PATH": "/usr/bin",
            "TABLE_EMPTY": "",
        }
    )
    assert settings.tables == {"tickets": "cx-tickets", "idempotency": "cx-idem"}
    assert settings.table("tickets") == "cx-tickets"
    assert settings.queue_url("alerts") == "https://sqs.us-east-1.amazonaws.com/1/alerts"
    assert settings.queue_url("dispatch").endswith("/dispatch")
    assert settings.topic_arn("alerts") == "arn:aws:sns:us-east-1:1:alerts"


@pytest.mark.parametrize(
    ("kind", "name", "variable"),
    [
        ("table", "invitations", "TABLE_INVITATIONS"),
        ("queue_url", "responses", "QUEUE_RESPONSES"),
        ("topic_arn", "x", "TOPIC_X"),
    ],
)
def test_a_resource_not_granted_to_the_function_says_which_variable(
    kind: str, name: str, variable: str
) -> None:
    with pytest.raises(RuntimeError, match=variable):
        getattr(settings_from({}), kind)(name)


@pytest.mark.parametrize(
    ("raw", "secrets"),
    [
        ("only", ("only",)),
        ("new,old", ("new", "old")),
        (" new , old ,", ("new", "old")),
        (",,", ()),
        ("", ()),
    ],
)
def test_webhook_secrets_are_comma_separated(raw: str, secrets: tuple[str, ...]) -> None:
    assert settings_from({"CXLOOP_WEBHOOK_SECRET": raw}).webhook_secrets == secrets


def test_defaults_and_overrides() -> None:
    defaults = settings_from({})
    assert (defaults.stage, defaults.survey_link_ttl_days, defaults.webhook_secret_arn) == ("dev", 14, None)
    assert str(defaults.public_base_url) == "http://127.0.0.1:8000/"
    custom = settings_from(
        {
            "CXLOOP_STAGE": "prod",
            "PUBLIC_BASE_URL": "https://cx.segurosandinos.example",
            "SENDER_ADDRESS": "encuestas@segurosandinos.example",
            "SURVEY_LINK_TTL_DAYS": "7",
            "WEBHOOK_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:1:secret:webhook",
        }
    )
    assert (custom.stage, custom.sender_address, custom.survey_link_ttl_days) == (
        "prod",
        "encuestas@segurosandinos.example",
        7,
    )
    assert str(custom.public_base_url).startswith("https://cx.segurosandinos.example")
    assert custom.webhook_secret_arn is not None


@pytest.mark.parametrize(
    ("env", "field"),
    [
        ({"SURVEY_LINK_TTL_DAYS": "0"}, "survey_link_ttl_days"),
        ({"SURVEY_LINK_TTL_DAYS": "91"}, "survey_link_ttl_days"),
        ({"PUBLIC_BASE_URL": "not a url"}, "public_base_url"),
    ],
)
def test_nonsense_is_refused_at_cold_start(env: dict[str, str], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        settings_from(env)


def test_settings_are_frozen() -> None:
    settings = settings_from({})
    with pytest.raises(ValueError, match="frozen"):
        settings.stage = "prod"  # type: ignore[misc]
