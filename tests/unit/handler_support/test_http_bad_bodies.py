"""What no input may do: get a 5xx (cxloop.http). Bodies the resolver cannot read, dates it
must not guess, and strings the model strips before counting, each answered or described as
the OpenAPI document says (tests/e2e/test_api_contract.py holds the served API to it)."""

from __future__ import annotations

import base64
import json
import re
from datetime import date
from typing import Annotated, Any

import pytest
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from pydantic import BaseModel, StringConstraints, TypeAdapter, ValidationError

from cxloop.domain.insights.report import parse_period
from cxloop.domain.kernel.errors import InvalidInput
from cxloop.domain.kernel.modelling import stripped_text_schema
from cxloop.http import IsoDate, make_resolver
from tests.helpers import load_event


class Period(BaseModel):
    start: IsoDate


def resolve(method: str, body: str | None, headers: dict[str, str], *, base64_body: bool = False) -> Any:
    app = make_resolver(enable_validation=True, origins=())

    @app.post("/v1/things")
    def things(period: Annotated[Period, Body()]) -> dict[str, Any]:
        return {"start": period.start.isoformat()}

    @app.get("/v1/things")
    def listed(start: Annotated[IsoDate | None, Query()] = None) -> dict[str, Any]:
        return {"start": start.isoformat() if start else None}

    event = load_event("apigw/tickets_list")
    event.update(path="/v1/things", resource="/v1/things", httpMethod=method, body=body)
    event["isBase64Encoded"] = base64_body
    event["headers"] = headers
    event["multiValueHeaders"] = {k: [v] for k, v in headers.items()}
    event["queryStringParameters"] = None
    event["multiValueQueryStringParameters"] = None
    return app.resolve(event, None)  # type: ignore[arg-type]  # no context needed here


def error_of(answer: dict[str, Any]) -> dict[str, Any]:
    assert answer["statusCode"] == 400, answer
    return dict(json.loads(answer["body"])["error"])


def test_a_body_of_bytes_that_are_not_utf8_is_a_400_naming_the_body() -> None:
    raw = base64.b64encode(b"\x85\xfe7").decode()
    error = error_of(resolve("POST", raw, {"Content-Type": "application/json"}, base64_body=True))
    assert error["details"] == [{"field": "body", "problem": "is not UTF-8 text: a JSON body is expected"}]


def test_a_body_that_is_not_json_is_a_400_naming_the_body() -> None:
    error = error_of(resolve("POST", "{not json", {"Content-Type": "application/json"}))
    assert [d["field"] for d in error["details"]] == ["body"]


def test_a_multipart_body_without_its_boundary_is_a_400_not_a_crash() -> None:
    error = error_of(resolve("POST", "x=1", {"Content-Type": "multipart/form-data"}))
    assert error["details"][0]["field"] == "body"


@pytest.mark.parametrize("value", ["0", "1700000000", 0, "2026-1-5"])
def test_a_date_is_written_yyyy_mm_dd_and_nothing_else(value: object) -> None:
    with pytest.raises(ValidationError):
        Period.model_validate({"start": value})
    assert Period.model_validate({"start": "2026-01-05"}).start == date(2026, 1, 5)


def test_the_year_0000_is_an_invalid_period_not_a_crash() -> None:
    with pytest.raises(InvalidInput):
        parse_period("0000-11")


Stripped = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=5),
    stripped_text_schema(min_length=1, max_length=5),
]


@pytest.mark.parametrize(
    "text",
    ["a", " abcde ", "\tab c\n", "     ", "", "abcdef", "  abcdef  ", "\x1fab\x1f", "\x1f\x85", "\ufeffa"],
)
def test_a_stripped_strings_schema_accepts_what_the_model_accepts(text: str) -> None:
    schema = TypeAdapter(Stripped).json_schema()
    by_schema = re.search(schema["pattern"], text) is not None
    try:
        TypeAdapter(Stripped).validate_python(text)
        by_model = True
    except ValidationError:
        by_model = False
    assert by_schema == by_model
