"""customers_api against moto: a customer's contact record with every decision and its
reason (no addresses), and a proposed policy replayed over a past period's events."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from cxloop.domain.contact.policy import RECOMMENDED
from functions.customers_api import handler as customers_api
from tests.helpers import load_event
from tests.integration.support import NOW, Ports, as_caller, as_sqs, body_of, claim, one, resolve, signed_post


def staff_request(
    method: str, path: str, route: str, body: Any = None, role: str = "executive"
) -> dict[str, Any]:
    event = load_event("apigw/ticket_get")
    event |= {
        "httpMethod": method,
        "path": path,
        "resource": route,
        "body": json.dumps(body) if body else None,
    }
    event["pathParameters"] = {"customer_id": path.split("/")[3]} if "{customer_id}" in route else None
    event["requestContext"] |= {"httpMethod": method, "path": f"/prod{path}", "resourcePath": route}
    return as_caller(event, role, "all" if role == "executive" else "branch:quito-norte", "someone")


def app(ports: Ports) -> Any:
    deps = customers_api.Deps(
        contacts=ports.contacts(),
        interactions=lambda start, end: ports.interactions().received_between(start, end),
        rulebook=ports.rulebook,
    )
    return customers_api.create_app(deps)


def surveyed(ports: Ports, count: int) -> None:
    """`count` claims of the same customer, an hour apart, through capture and send_survey."""
    for n in range(count):
        at = NOW + timedelta(hours=n)
        body = claim(event_id=f"claim-{n}")
        resolve(
            ports.capture_app(clock=lambda at=at: at),
            signed_post(body, timestamp=int(at.timestamp())),
            "capture_event",
        )
        message = one(ports.aws.drain("dispatch"))
        ports.consumer("send_survey", ports.send_step(clock=lambda at=at: at))(as_sqs(message))


# Surveyed at once: a company that published a permissive policy (tests/integration/conftest.py).
@pytest.mark.usefixtures("permissive_contact_policy")
def test_the_contact_record_lists_every_decision_newest_first_without_addresses(ports: Ports) -> None:
    surveyed(ports, 2)
    answer = resolve(
        app(ports),
        staff_request("GET", "/v1/customers/C-1042/contact", "/v1/customers/{customer_id}/contact"),
        "customers_api",
    )
    assert answer["statusCode"] == 200, answer
    record = body_of(answer)
    assert [d["reason"] for d in record["decisions"]] == ["send", "send"]
    assert record["suppressed_addresses"] == 0 and len(record["sent"]) == 2
    assert "ana@example.com" not in answer["body"]
    missing = resolve(
        app(ports),
        staff_request("GET", "/v1/customers/NOBODY/contact", "/v1/customers/{customer_id}/contact"),
        "customers_api",
    )
    assert missing["statusCode"] == 404
    agent = resolve(
        app(ports),
        staff_request(
            "GET", "/v1/customers/C-1042/contact", "/v1/customers/{customer_id}/contact", role="agent"
        ),
        "customers_api",
    )
    assert agent["statusCode"] == 403


# Surveyed at once: a company that published a permissive policy (tests/integration/conftest.py).
@pytest.mark.usefixtures("permissive_contact_policy")
def test_a_proposed_policy_is_replayed_over_the_period(ports: Ports) -> None:
    surveyed(ports, 3)  # sent at once: the published policy is permissive
    proposed = RECOMMENDED.model_copy(update={"quiet_start": None, "quiet_end": None}).model_dump(mode="json")
    body = {"policy": proposed, "from": "2026-11-23", "to": "2026-11-23"}
    answer = resolve(
        app(ports),
        staff_request("POST", "/v1/contact-policy/simulate", "/v1/contact-policy/simulate", body),
        "customers_api",
    )
    assert answer["statusCode"] == 200, answer
    outcome = body_of(answer)
    # One survey, then the 24 h gap postpones the next two.
    assert (outcome["events"], outcome["customers"]) == (3, 1)
    assert outcome["by_reason"] == {"send": 1, "postponed_min_gap": 2}
    current = resolve(
        app(ports),
        staff_request(
            "POST",
            "/v1/contact-policy/simulate",
            "/v1/contact-policy/simulate",
            {"from": "2026-11-23", "to": "2026-11-23"},
        ),
        "customers_api",
    )
    assert body_of(current)["by_reason"] == {"send": 3}
    assert (body_of(current)["policy_version"], outcome["policy_version"]) == (1, None)
    bad = {"policy": {"cap_messages": 0}, "from": "2026-11-23", "to": "2026-11-23"}
    refused = resolve(
        app(ports),
        staff_request("POST", "/v1/contact-policy/simulate", "/v1/contact-policy/simulate", bad),
        "customers_api",
    )
    assert refused["statusCode"] == 400
    assert body_of(refused)["error"]["details"][0]["field"] == "policy.cap_messages"
    backwards = {"from": "2026-11-23", "to": "2026-11-01"}
    assert (
        resolve(
            app(ports),
            staff_request("POST", "/v1/contact-policy/simulate", "/v1/contact-policy/simulate", backwards),
            "customers_api",
        )["statusCode"]
        == 400
    )


def test_with_nothing_published_the_record_and_the_simulation_name_the_default(ports: Ports) -> None:
    surveyed(ports, 3)  # 04:30, 05:30 and 06:30 in Quito: quiet hours
    record = body_of(
        resolve(
            app(ports),
            staff_request("GET", "/v1/customers/C-1042/contact", "/v1/customers/{customer_id}/contact"),
            "customers_api",
        )
    )
    assert [(d["reason"], d["policy_version"], d["due_at"]) for d in record["decisions"]] == [
        ("postponed_quiet_hours", "default", "2026-11-23T13:00:00Z")  # 08:00 in Quito
    ] * 3
    body = {"from": "2026-11-23", "to": "2026-11-23"}
    answer = resolve(
        app(ports),
        staff_request("POST", "/v1/contact-policy/simulate", "/v1/contact-policy/simulate", body),
        "customers_api",
    )
    assert answer["statusCode"] == 200, answer
    outcome = body_of(answer)
    assert outcome["policy_version"] == "default"
    # Replayed, the first survey counts as sent at 08:00: the day's gap holds the next two.
    assert outcome["by_reason"] == {"postponed_quiet_hours": 1, "postponed_min_gap": 2}
    assert {d["policy_version"] for d in outcome["sample"]} == {"default"}
