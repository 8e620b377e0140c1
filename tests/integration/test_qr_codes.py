"""QR codes through the real handlers against moto: a branch manager creates a code, a scan
makes an anonymous invitation and answers 303 to its survey (which offers no call back), a
deactivated code answers 410 in the phone's language, and the PNG leaves as bytes."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from cxloop.datafile import load_document_file
from cxloop.domain.kernel import tokens
from tests.conftest import LocalAws
from tests.helpers import load_event
from tests.integration.support import NOW, Ports, as_caller, header_of, invoke, survey_request, with_headers

ORG_FILE = Path(__file__).resolve().parents[2] / "infra" / "local" / "data" / "organisation.yaml"
COUNTER = {"id": "quito-norte/counter", "name": "Mostrador Quito Norte", "branch": "quito-norte"}


def staff(method: str, path: str, *, body: Any = None, query: dict[str, str] | None = None) -> dict[str, Any]:
    event = load_event("apigw/ticket_get")
    event |= {
        "httpMethod": method,
        "path": path,
        "resource": path,
        "pathParameters": None,
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in (query or {}).items()} or None,
        "body": json.dumps(body) if body is not None else None,
    }
    event["requestContext"] |= {"httpMethod": method, "path": f"/prod{path}", "resourcePath": path}
    return as_caller(event, "branch_manager", "branch:quito-norte", "ec-qn-manager")


def scan(code: str, language: str | None = None) -> dict[str, Any]:
    event = survey_request(code)
    event["path"] = f"/q/{code}"
    event["resource"] = "/q/{code}"
    event["pathParameters"] = {"code": code}
    event["requestContext"] |= {"path": f"/prod/q/{code}", "resourcePath": "/q/{code}"}
    return with_headers(event, **{"Accept-Language": language})


@pytest.fixture
def company(lambda_env: LocalAws, ports: Ports) -> Ports:
    organisation = load_document_file("organisation", ORG_FILE)
    ports.config().publish("organisation", organisation, expected_version=0, by="t", at=NOW, note=None)
    return ports


def test_create_scan_answer_page_deactivate(company: Ports) -> None:
    created = invoke("qr_codes_api", staff("POST", "/v1/qr-codes", body={"touchpoint": COUNTER}))
    assert created["statusCode"] == 201, created["body"]
    code = json.loads(created["body"])
    assert code["touchpoint"]["country"] == "EC" and "code" not in code
    raw = code["url"].rsplit("/q/", 1)[1]

    listed = json.loads(invoke("qr_codes_api", staff("GET", "/v1/qr-codes"))["body"])["items"]
    assert [item["qr_id"] for item in listed] == [code["qr_id"]] and raw not in json.dumps(listed)

    scanned = invoke("scan_qr", scan(raw, "en-US,en;q=0.9"))
    assert scanned["statusCode"] == 303 and header_of(scanned, "Cache-Control") == "no-store"
    location = header_of(scanned, "Location") or ""
    token = location.rsplit("/s/", 1)[1]
    invitation = company.invitations().get(tokens.token_hash(token))
    assert invitation is not None and invitation.customer.anonymous and invitation.channel == "qr"
    assert invitation.touchpoint.id == "quito-norte/counter" and invitation.customer.language == "en"

    page = invoke("survey_page", survey_request(token))
    assert page["statusCode"] == 200 and 'name="nps"' in page["body"]
    assert 'name="callback"' not in page["body"] and 'name="comment"' in page["body"]

    png = invoke("qr_codes_api", staff("GET", f"/v1/qr-codes/{code['qr_id']}/image", query={"format": "png"}))
    assert png["statusCode"] == 200 and png["isBase64Encoded"]
    assert base64.b64decode(png["body"])[:4] == b"\x89PNG"

    gone = invoke("qr_codes_api", staff("DELETE", f"/v1/qr-codes/{code['qr_id']}"))
    assert gone["statusCode"] == 200 and json.loads(gone["body"])["active"] is False
    retired = invoke("scan_qr", scan(raw, "pt-BR"))
    assert retired["statusCode"] == 410 and "já não está em uso" in retired["body"]
    assert invoke("scan_qr", scan("A" * 22))["statusCode"] == 404
