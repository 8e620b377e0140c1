"""The HTTP glue every API shares: the contract's error body, headers, correlation ids."""

from __future__ import annotations

import uuid

import pytest
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from cxloop.consumer import correlation_id_of
from cxloop.domain.kernel.errors import FieldProblem
from cxloop.http import correlation_id_from, error_response, header
from tests.helpers import load_event


def test_error_body_has_the_contract_shape() -> None:
    response = error_response(
        400, "validation_error", "bad", [FieldProblem("customer.email", "not an email")]
    )
    assert response.status_code == 400
    # The resolver serializes the body; the handler hands it over as a document.
    assert response.body == {
        "error": {
            "code": "validation_error",
            "message": "bad",
            "details": [{"field": "customer.email", "problem": "not an email"}],
        }
    }


def test_401_asks_for_a_bearer_token() -> None:
    assert error_response(401, "unauthorized", "no").headers["WWW-Authenticate"] == "Bearer"
    assert "WWW-Authenticate" not in (error_response(404, "not_found", "no").headers or {})


def test_headers_are_found_whatever_their_casing() -> None:
    headers = {"x-cx-signature": "v1=abc", "Content-Type": "application/json"}
    assert header(headers, "X-Cx-Signature") == "v1=abc"
    assert header(headers, "content-type") == "application/json"
    assert header(headers, "X-Missing") is None and header(None, "X") is None


def test_a_sane_caller_correlation_id_is_kept() -> None:
    assert correlation_id_from({"x-correlation-id": "erp-2026-11-23:0001"}) == "erp-2026-11-23:0001"


@pytest.mark.parametrize(
    "offered", ["", "short", "has space inside", "x" * 129, "<script>", "a\nb-long-enough"]
)
def test_an_insane_correlation_id_is_replaced_by_a_new_one(offered: str) -> None:
    chosen = correlation_id_from({"X-Correlation-Id": offered})
    assert chosen != offered and uuid.UUID(chosen)


def test_consumers_read_the_correlation_id_from_the_sqs_record() -> None:
    record = load_event("sqs/one_record")["Records"][0]
    record["messageAttributes"]["correlation_id"]["stringValue"] = "corr-0001"
    assert correlation_id_of(SQSRecord(record)) == "corr-0001"
    record["messageAttributes"] = {}
    assert correlation_id_of(SQSRecord(record)) is None
