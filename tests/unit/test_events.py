"""Parsing the ERP event: every problem named by its dotted field."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from cxloop.domain.errors import InvalidInput
from cxloop.domain.events import MAX_BODY_BYTES, interaction_id_for, parse_event
from tests.helpers import load_event


def fields_refused(document: Any) -> set[str]:
    with pytest.raises(InvalidInput) as refused:
        parse_event(json.dumps(document).encode())
    return {problem.field for problem in refused.value.details}


def test_the_sample_event_parses_with_its_defaults() -> None:
    sample = load_event("erp/claim_reported")
    sample.pop("source")
    event = parse_event(json.dumps(sample).encode())
    assert event.source == "default"
    assert event.customer.language == "es"
    assert event.occurred_at.utcoffset() is not None


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (("event_id",), "event_id"),
        (("event_type",), "event_type"),
        (("occurred_at",), "occurred_at"),
        (("customer", "id"), "customer.id"),
        (("touchpoint", "id"), "touchpoint.id"),
        (("customer",), "customer"),
        (("touchpoint",), "touchpoint"),
    ],
)
def test_each_required_field_missing_is_named(path: tuple[str, ...], field: str) -> None:
    event = load_event("erp/claim_reported")
    target = event
    for key in path[:-1]:
        target = target[key]
    target.pop(path[-1])
    assert field in fields_refused(event)


Mutation = Callable[[dict[str, Any]], object]


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda e: e["customer"].update(email=None, phone=None), "customer"),
        (lambda e: e["customer"].update(email="ana@"), "customer.email"),
        (lambda e: e["customer"].update(email="<ana>@example.com"), "customer.email"),
        (lambda e: e["customer"].update(phone="099 123 4567"), "customer.phone"),
        (lambda e: e["customer"].update(timezone="America/Atlantis"), "customer.timezone"),
        (lambda e: e["customer"].update(locale="spanish"), "customer.locale"),
        (lambda e: e["customer"].update(preferred_channel="pigeon"), "customer.preferred_channel"),
        (lambda e: e.update(occurred_at="2026-11-20T10:15:00"), "occurred_at"),
        (lambda e: e.update(occurred_at=12345), "occurred_at"),
        (lambda e: e.update(event_type="Claim Reported!"), "event_type"),
        (lambda e: e.update(event_id=""), "event_id"),
        (lambda e: e.update(event_id="x" * 129), "event_id"),
        (lambda e: e.update(ocurred_at="2026-11-20T10:15:00Z"), "ocurred_at"),
        (lambda e: e["touchpoint"].update(country="Ecuador"), "touchpoint.country"),
        (lambda e: e.update(attributes={"nested": {"not": "allowed"}}), "attributes.nested.str"),
    ],
)
def test_bad_values_are_named(mutate: Mutation, field: str) -> None:
    event = load_event("erp/claim_reported")
    mutate(event)
    refused = fields_refused(event)
    assert any(f == field or f.startswith(field) for f in refused), refused


def test_phone_only_customers_are_fine() -> None:
    event = load_event("erp/branch_visit_sms")
    assert parse_event(json.dumps(event).encode()).customer.email is None


@pytest.mark.parametrize("body", [b"{", b"[]", b'"text"', b"\xff\xfe"])
def test_not_an_object_is_named_body(body: bytes) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_event(body)
    assert refused.value.details[0].field == "body"


def test_oversized_body_is_refused_before_parsing() -> None:
    with pytest.raises(InvalidInput, match="exceeds"):
        parse_event(b" " * (MAX_BODY_BYTES + 1))


def test_interaction_ids_are_deterministic_and_distinct_per_source() -> None:
    assert interaction_id_for("erp", "e-1") == interaction_id_for("erp", "e-1")
    assert interaction_id_for("erp", "e-1") != interaction_id_for("crm", "e-1")
    assert interaction_id_for("erp", "e-1") != interaction_id_for("erp", "e-2")
    # No concatenation ambiguity: ("a", "b c") and ("a b", "c") differ.
    assert interaction_id_for("a", "b c") != interaction_id_for("a b", "c")
    assert "e-1" not in interaction_id_for("erp", "e-1")
