"""Parsing the ERP event (docs/ARCHITECTURE.md, The public contract): every problem named by
its dotted field."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from cxloop.domain.kernel.errors import InvalidInput
from cxloop.domain.kernel.events import MAX_BODY_BYTES, interaction_id_for, parse_event
from tests.helpers import event_bytes, load_event

Mutation = Callable[[dict[str, Any]], object]


def refusal(document: Any) -> InvalidInput:
    with pytest.raises(InvalidInput) as refused:
        parse_event(json.dumps(document).encode())
    return refused.value


def fields_refused(document: Any) -> set[str]:
    return {problem.field for problem in refusal(document).details}


def without(path: str) -> dict[str, Any]:
    """The sample claim with one (dotted) field removed."""
    event = load_event("erp/claim_reported")
    *parents, leaf = path.split(".")
    target = event
    for key in parents:
        target = target[key]
    del target[leaf]
    return event


def test_the_sample_claim_parses() -> None:
    event = parse_event(event_bytes("erp/claim_reported"))
    assert (event.event_id, event.source, event.event_type) == (
        "claim-2026-000123",
        "erp-claims",
        "claim.reported",
    )
    assert event.customer.email == "ana@example.com" and event.customer.language == "es"
    assert event.touchpoint.branch == "quito-norte" and event.touchpoint.country == "EC"
    assert event.occurred_at.utcoffset() == timedelta(0)
    assert event.attributes == {"policy": "AUTO-77812", "agent_id": "A-17"}


def test_source_defaults_to_default() -> None:
    assert parse_event(json.dumps(without("source")).encode()).source == "default"


def test_a_phone_only_customer_is_fine_and_the_offset_is_kept() -> None:
    event = parse_event(event_bytes("erp/branch_visit_sms"))
    assert event.customer.email is None and event.customer.phone == "+12025550143"
    assert event.occurred_at.utcoffset() == timedelta(hours=-5)


@pytest.mark.parametrize(
    "path",
    ["event_id", "event_type", "occurred_at", "customer", "customer.id", "touchpoint", "touchpoint.id"],
)
def test_each_required_field_missing_is_named(path: str) -> None:
    refused = refusal(without(path))
    assert [p.field for p in refused.details] == [path]
    assert refused.code == "validation_error"
    assert refused.details[0].problem


@pytest.mark.parametrize(
    "contacts",
    [{"email": None, "phone": None}, {"email": None}, {}],
    ids=["both-null", "phone-removed-email-null", "both-removed"],
)
def test_no_email_and_no_phone_names_customer(contacts: dict[str, None]) -> None:
    event = load_event("erp/claim_reported")
    del event["customer"]["email"], event["customer"]["phone"]
    event["customer"].update(contacts)
    refused = refusal(event)
    assert [p.field for p in refused.details] == ["customer"]
    assert "email or phone" in refused.details[0].problem


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda e: e["customer"].update(email="ana@"), "customer.email"),
        (lambda e: e["customer"].update(email="ana.example.com"), "customer.email"),
        (lambda e: e["customer"].update(email="<ana>@example.com"), "customer.email"),
        (lambda e: e["customer"].update(email="ana@example"), "customer.email"),
        (lambda e: e["customer"].update(phone="099 123 4567"), "customer.phone"),
        (lambda e: e["customer"].update(phone="0991234567"), "customer.phone"),
        (lambda e: e["customer"].update(phone="+0991234567"), "customer.phone"),
        (lambda e: e["customer"].update(phone="+5939912345678901"), "customer.phone"),
        (lambda e: e["customer"].update(timezone="America/Atlantis"), "customer.timezone"),
        (lambda e: e["customer"].update(timezone="../../etc/passwd"), "customer.timezone"),
        (lambda e: e["customer"].update(locale="spanish"), "customer.locale"),
        (lambda e: e["customer"].update(preferred_channel="pigeon"), "customer.preferred_channel"),
        (lambda e: e.update(occurred_at="2026-11-20T10:15:00"), "occurred_at"),
        (lambda e: e.update(occurred_at="20/11/2026"), "occurred_at"),
        (lambda e: e.update(event_type="Claim Reported!"), "event_type"),
        (lambda e: e.update(event_id=""), "event_id"),
        (lambda e: e.update(event_id="   "), "event_id"),
        (lambda e: e.update(event_id="x" * 129), "event_id"),
        (lambda e: e["touchpoint"].update(country="Ecuador"), "touchpoint.country"),
        (lambda e: e["customer"].update(name="n" * 201), "customer.name"),
    ],
)
def test_bad_values_are_named(mutate: Mutation, field: str) -> None:
    event = load_event("erp/claim_reported")
    mutate(event)
    assert fields_refused(event) == {field}


def test_a_naive_datetime_is_refused() -> None:
    event = load_event("erp/claim_reported") | {"occurred_at": "2026-11-20T10:15:00"}
    refused = refusal(event)
    assert [p.field for p in refused.details] == ["occurred_at"]
    assert "timezone" in refused.details[0].problem.lower()


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda e: e.update(event_id=123), "event_id"),
        (lambda e: e.update(occurred_at=1795426200), "occurred_at"),
        (lambda e: e.update(customer="C-1042"), "customer"),
        (lambda e: e.update(touchpoint=["quito-norte"]), "touchpoint"),
        (lambda e: e["customer"].update(id=1042), "customer.id"),
        (lambda e: e["customer"].update(email=["ana@example.com"]), "customer.email"),
        (lambda e: e["touchpoint"].update(id=None), "touchpoint.id"),
        (lambda e: e.update(attributes=["policy"]), "attributes"),
    ],
    ids=[
        "event_id-number",
        "occurred_at-number",
        "customer-string",
        "touchpoint-list",
        "customer.id-number",
        "email-list",
        "touchpoint.id-null",
        "attributes-list",
    ],
)
def test_wrong_types_are_named(mutate: Mutation, field: str) -> None:
    event = load_event("erp/claim_reported")
    mutate(event)
    assert fields_refused(event) == {field}


def test_nested_attribute_values_are_refused_under_attributes() -> None:
    event = load_event("erp/claim_reported") | {"attributes": {"nested": {"not": "allowed"}}}
    assert all(f.startswith("attributes.nested") for f in fields_refused(event))


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda e: e.update(ocurred_at="2026-11-20T10:15:00Z"), "ocurred_at"),
        (lambda e: e["customer"].update(age=41), "customer.age"),
        (lambda e: e["touchpoint"].update(manager="Rosa"), "touchpoint.manager"),
    ],
)
def test_unknown_fields_are_refused_by_name(mutate: Mutation, field: str) -> None:
    event = load_event("erp/claim_reported")
    mutate(event)
    assert field in fields_refused(event)


def test_every_problem_is_reported_at_once() -> None:
    event = without("customer.id")
    event.update(event_type="Bad Type", occurred_at="yesterday")
    event["customer"]["email"] = "nope"
    assert fields_refused(event) == {"customer.id", "customer.email", "event_type", "occurred_at"}


@pytest.mark.parametrize(
    "body",
    [b"[]", b'["event"]', b'"text"', b"42", b"null", b"true"],
    ids=["empty-list", "list", "string", "number", "null", "bool"],
)
def test_a_non_object_body_is_named_body(body: bytes) -> None:
    with pytest.raises(InvalidInput, match="JSON object") as refused:
        parse_event(body)
    assert [p.field for p in refused.value.details] == ["body"]


@pytest.mark.parametrize(
    "body",
    [b"", b"{", b'{"event_id": "e-1",}', b"\xff\xfe{}", b"{'event_id': 'e-1'}", b"[" * 100_000],
    ids=["empty", "truncated", "trailing-comma", "not-utf8", "single-quotes", "deeply-nested"],
)
def test_malformed_json_is_named_body(body: bytes) -> None:
    with pytest.raises(InvalidInput, match="not valid JSON") as refused:
        parse_event(body)
    assert [p.field for p in refused.value.details] == ["body"]


def test_a_body_over_256_kb_is_refused_before_parsing() -> None:
    with pytest.raises(InvalidInput, match="exceeds") as refused:
        parse_event(b" " * (MAX_BODY_BYTES + 1))
    assert [p.field for p in refused.value.details] == ["body"]


def test_a_body_of_exactly_256_kb_is_parsed() -> None:
    body = event_bytes("erp/claim_reported")
    padded = body + b" " * (MAX_BODY_BYTES - len(body))
    assert len(padded) == MAX_BODY_BYTES == 256 * 1024
    assert parse_event(padded).event_id == "claim-2026-000123"


def test_interaction_ids_are_deterministic_and_distinct_per_source() -> None:
    assert interaction_id_for("erp-claims", "e-1") == interaction_id_for("erp-claims", "e-1")
    assert interaction_id_for("erp-claims", "e-1") != interaction_id_for("contact-center", "e-1")
    assert interaction_id_for("erp-claims", "e-1") != interaction_id_for("erp-claims", "e-2")
    # No concatenation ambiguity: ("a", "b c") and ("a b", "c") differ.
    assert interaction_id_for("a", "b c") != interaction_id_for("a b", "c")
    # The id reveals nothing of the business key.
    assert "e-1" not in interaction_id_for("erp-claims", "e-1")
