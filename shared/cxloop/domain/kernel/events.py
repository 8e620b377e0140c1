"""The ERP interaction event: the public webhook contract (docs/ARCHITECTURE.md, The public contract)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema

from cxloop.domain.kernel.addresses import Email, Phone
from cxloop.domain.kernel.errors import FieldProblem, InvalidInput
from cxloop.domain.kernel.modelling import DomainModel, stripped_text_schema
from cxloop.domain.kernel.zones import ZoneName

MAX_BODY_BYTES = 256 * 1024

Id = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=128),
    stripped_text_schema(min_length=1, max_length=128),
]
Text = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=200), stripped_text_schema(max_length=200)
]
Locale = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-[A-Z]{2})?$")]
Channel = Literal["email", "sms", "whatsapp"]
AttributeValue = str | int | float | bool | None


# The webhook's customer needs an address to be asked at: said in the schema too, so the
# OpenAPI document (infra/openapi.py) declares the rule _has_a_contact enforces.
_A_CONTACT: dict[str, Any] = {
    "anyOf": [
        {"required": [field], "properties": {field: {"type": "string"}}} for field in ("email", "phone")
    ]
}


class Customer(DomainModel):
    model_config = ConfigDict(extra="forbid", frozen=True, json_schema_extra=_A_CONTACT)

    id: Id
    name: Text | None = None
    email: Email | None = None
    phone: Phone | None = None
    locale: Locale = "es"
    timezone: ZoneName = "UTC"
    preferred_channel: Channel | None = None
    # Set by erasure only (cxloop.domain.privacy.erasure): no contact is left, and none may come back.
    # Not part of the webhook contract: parse_event refuses it.
    erased: SkipJsonSchema[bool] = False
    # Set by a QR code scan only (cxloop.domain.surveys.qr_codes): someone answering at a counter, whom we
    # cannot and must not contact (no acknowledgement, reminder, follow-up or call back).
    # Not part of the webhook contract either: parse_event refuses it.
    anonymous: SkipJsonSchema[bool] = False

    @model_validator(mode="after")
    def _has_a_contact(self) -> Customer:
        if self.erased or self.anonymous:
            if self.name or self.email or self.phone or self.preferred_channel:
                raise ValueError("an erased or anonymous customer has no name and no contact")
            return self
        if not self.email and not self.phone:
            raise ValueError("at least one contact is required: email or phone")
        return self

    @property
    def language(self) -> str:
        return self.locale.split("-")[0]


class Touchpoint(DomainModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Id
    name: Text | None = None
    channel: Text | None = None
    branch: Id | None = None
    region: Id | None = None
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] | None = None


class InteractionEvent(DomainModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    event_id: Id
    source: Id = "default"
    event_type: Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]+(\.[a-z0-9_]+)*$", max_length=64)]
    occurred_at: AwareDatetime
    customer: Customer
    touchpoint: Touchpoint
    attributes: dict[Annotated[str, StringConstraints(max_length=64)], AttributeValue] = Field(
        default_factory=dict, max_length=50
    )

    @field_validator("occurred_at", mode="before")
    @classmethod
    def _iso_text_only(cls, value: object) -> object:
        # pydantic would read a number as Unix seconds; the contract says ISO 8601 text.
        if not isinstance(value, str):
            raise ValueError("must be an ISO 8601 date-time string with an offset, e.g. 2026-11-20T10:15:00Z")
        return value


# Interaction ids are derived from the business key, so a replayed event maps to
# the same id without a lookup table, and the id reveals nothing of the key.
_INTERACTION_NAMESPACE = uuid.UUID("8f1d7f4e-4c1b-4f7e-9a57-0c7c1f3f2b10")


def interaction_id_for(source: str, event_id: str) -> str:
    return str(uuid.uuid5(_INTERACTION_NAMESPACE, f"{source}\x00{event_id}"))


class Interaction(DomainModel):
    """An accepted event, as stored and handed to dispatch."""

    model_config = ConfigDict(frozen=True)

    interaction_id: str
    correlation_id: str
    received_at: datetime
    event: InteractionEvent


def parse_event(body: bytes) -> InteractionEvent:
    """Validate a webhook body, raising InvalidInput that names every bad field."""
    if len(body) > MAX_BODY_BYTES:
        raise InvalidInput(f"body exceeds {MAX_BODY_BYTES} bytes", [FieldProblem("body", "too large")])
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        # RecursionError: a body of thousands of nested brackets is bad input, not a 500.
        raise InvalidInput("body is not valid JSON", [FieldProblem("body", str(exc))]) from exc
    if not isinstance(data, dict):
        raise InvalidInput("body must be a JSON object", [FieldProblem("body", "not an object")])
    try:
        event = InteractionEvent.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput("the event is invalid", problems_from(exc)) from exc
    for flag in ("erased", "anonymous"):
        if getattr(event.customer, flag):
            # Only erasure marks a customer erased and only a QR scan anonymous; an ERP saying
            # so would skip the contact rule.
            raise InvalidInput(
                "the event is invalid", [FieldProblem(f"customer.{flag}", "extra inputs are not permitted")]
            )
    return event


def problems_from(exc: ValidationError) -> list[FieldProblem]:
    """pydantic errors as contract details: dotted field paths and a readable problem."""
    problems = []
    for error in exc.errors(include_url=False, include_input=False):
        path = ".".join(str(part) for part in error["loc"]) or "body"
        problems.append(FieldProblem(path, error["msg"]))
    return problems
