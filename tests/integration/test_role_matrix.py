"""Role scoping as a matrix: every role against every staff endpoint of the pipeline,
through the real Lambda handlers against moto. A new staff route fails this test until
its row is written here."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cxloop.adapters.qr_codes import DynamoQrCodeStore
from cxloop.adapters.webhooks import DynamoDeliveryStore, DynamoSecretStore, DynamoSubscriptionStore
from cxloop.datafile import load_document_file
from cxloop.domain.contact.manners import ContactState
from cxloop.domain.contact.policy import ContactMemory
from cxloop.domain.integrations.models import Delivery, SigningSecrets, Subscription
from cxloop.domain.integrations.signing import new_secret
from cxloop.domain.kernel.events import Touchpoint
from cxloop.domain.surveys import qr_codes
from infra.pipeline import PIPELINE
from tests.conftest import LocalAws
from tests.helpers import load_event, sample_ticket
from tests.integration.support import NOW, Ports, as_caller, invoke

ORG_FILE = Path(__file__).resolve().parents[2] / "infra" / "local" / "data" / "organisation.yaml"
QUITO, MADRID = "CX-QUITO00001", "CX-MADRID0001"
# A printed code at Quito Norte's counter (its code is fixed so its id is too).
QUITO_CODE = "quitonortecounter00001"
QUITO_QR = qr_codes.qr_id_for(QUITO_CODE)
# A subscription of the company's CRM, with one delivery sent.
WEBHOOK, DELIVERY = "wh_matrix0000000000000001", "msg_matrix0000000000000000000000001"
MADRID_PLACE = Touchpoint(id="madrid-centro/counter", branch="madrid-centro", region="madrid", country="ES")

CALLERS = {
    "owning agent": ("agent", "team:quito-norte-claims", "ec-qn-claims-1"),
    "other agent": ("agent", "team:quito-norte-claims", "ec-qn-claims-2"),
    "teleoperator": ("teleoperator", "team:quito-norte-contact_center", "ec-qn-contact_center-1"),
    "quito manager": ("branch_manager", "branch:quito-norte", "ec-qn-manager"),
    "madrid manager": ("branch_manager", "branch:madrid-centro", "es-mc-manager"),
    "ecuador manager": ("country_manager", "country:EC", "ec-country-manager"),
    "spain manager": ("country_manager", "country:ES", "es-country-manager"),
    "executive": ("executive", "all", "exec-ceo"),
}
SEES_QUITO = {"owning agent", "quito manager", "ecuador manager", "executive"}
SEES_MADRID = {"madrid manager", "spain manager", "executive"}
MANAGERS = {"quito manager", "madrid manager", "ecuador manager", "spain manager", "executive"}


def status_on_quito(caller: str) -> int:
    return 200 if caller in SEES_QUITO else 404


# (method, route) -> (request path, query, body, expected status per caller)
ENDPOINTS: dict[tuple[str, str], tuple[str, dict[str, str], Any, Any]] = {
    ("GET", "/v1/tickets"): ("/v1/tickets", {}, None, lambda caller: 200),
    ("GET", "/v1/tickets/{ticket_id}"): (f"/v1/tickets/{QUITO}", {}, None, status_on_quito),
    ("POST", "/v1/tickets/{ticket_id}/actions"): (
        f"/v1/tickets/{QUITO}/actions",
        {},
        {"action": "comment", "text": "looked at it"},
        status_on_quito,
    ),
    ("GET", "/v1/config/{name}"): (
        "/v1/config/organisation",
        {},
        None,
        lambda c: 200 if c in MANAGERS else 403,
    ),
    ("GET", "/v1/config/{name}/history"): (
        "/v1/config/organisation/history",
        {},
        None,
        lambda c: 200 if c in MANAGERS else 403,
    ),
    ("PUT", "/v1/config/{name}"): (
        "/v1/config/sla",
        {},
        {"document": {}},
        lambda c: 200 if c == "executive" else 403,
    ),
    ("GET", "/v1/reports/health"): (
        "/v1/reports/health",
        {"from": "2026-11-01", "to": "2026-11-30"},
        None,
        lambda c: 200,
    ),
    # Metrics are counts: agents read their team's branch; outside one's scope it is 404.
    ("GET", "/v1/customers/{customer_id}/contact"): (
        "/v1/customers/C-1042/contact",
        {},
        None,
        lambda c: 200 if c in MANAGERS else 403,
    ),
    ("POST", "/v1/contact-policy/simulate"): (
        "/v1/contact-policy/simulate",
        {},
        {"from": "2026-11-01", "to": "2026-11-30"},
        lambda c: 200 if c in MANAGERS else 403,
    ),
    # Erasure is the executives' alone (it answers 202, and zeros for a customer with no data).
    ("DELETE", "/v1/customers/{customer_id}"): (
        "/v1/customers/C-NOBODY",
        {},
        None,
        lambda c: 202 if c == "executive" else 403,
    ),
    ("GET", "/v1/metrics"): (
        "/v1/metrics",
        {"scope": "branch:quito-norte", "from": "2026-11-01", "to": "2026-11-30"},
        None,
        lambda c: 404 if c in ("madrid manager", "spain manager") else 200,
    ),
    # The periodic report reads metrics as the metrics API does (its figures as JSON here).
    ("GET", "/v1/reports/metrics"): (
        "/v1/reports/metrics",
        {"scope": "branch:quito-norte", "period": "2026-11", "format": "json"},
        None,
        lambda c: 404 if c in ("madrid manager", "spain manager") else 200,
    ),
    # QR codes: managers and executives within their scope; agents and teleoperators not at all.
    ("POST", "/v1/qr-codes"): (
        "/v1/qr-codes",
        {},
        {"touchpoint": {"id": "quito-norte/counter", "name": "Mostrador", "branch": "quito-norte"}},
        lambda c: 201 if c in {"quito manager", "ecuador manager", "executive"} else 403,
    ),
    ("GET", "/v1/qr-codes"): ("/v1/qr-codes", {}, None, lambda c: 200 if c in MANAGERS else 403),
    ("GET", "/v1/qr-codes/{qr_id}/image"): (
        f"/v1/qr-codes/{QUITO_QR}/image",
        {},
        None,
        lambda c: 403 if c not in MANAGERS else 200 if c in SEES_QUITO else 404,
    ),
    # Last of the QR rows: it deactivates the code the others read.
    ("DELETE", "/v1/qr-codes/{qr_id}"): (
        f"/v1/qr-codes/{QUITO_QR}",
        {},
        None,
        lambda c: 403 if c not in MANAGERS else 200 if c in SEES_QUITO else 404,
    ),
    # Outbound webhooks are the executives' alone; the rows that act on one come before its DELETE.
    ("POST", "/v1/webhooks"): (
        "/v1/webhooks",
        {},
        {"url": "https://93.184.216.34/hooks", "events": ["ticket.opened"]},
        lambda c: 201 if c == "executive" else 403,
    ),
    ("GET", "/v1/webhooks"): ("/v1/webhooks", {}, None, lambda c: 200 if c == "executive" else 403),
    ("GET", "/v1/webhooks/{webhook_id}"): (
        f"/v1/webhooks/{WEBHOOK}",
        {},
        None,
        lambda c: 200 if c == "executive" else 403,
    ),
    ("POST", "/v1/webhooks/{webhook_id}/rotate"): (
        f"/v1/webhooks/{WEBHOOK}/rotate",
        {},
        None,
        lambda c: 200 if c == "executive" else 403,
    ),
    ("GET", "/v1/webhooks/{webhook_id}/deliveries"): (
        f"/v1/webhooks/{WEBHOOK}/deliveries",
        {},
        None,
        lambda c: 200 if c == "executive" else 403,
    ),
    ("POST", "/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/replay"): (
        f"/v1/webhooks/{WEBHOOK}/deliveries/{DELIVERY}/replay",
        {},
        None,
        lambda c: 202 if c == "executive" else 403,
    ),
    ("DELETE", "/v1/webhooks/{webhook_id}"): (
        f"/v1/webhooks/{WEBHOOK}",
        {},
        None,
        lambda c: 200 if c == "executive" else 403,
    ),
}
# Who gets the detractors' personal data: those who call them back, not country or company level.
SEES_PERSONAL_DATA = {"owning agent", "quito manager"}


def staff_routes() -> set[tuple[str, str, str]]:
    return {
        (route.method, route.path, function.name)
        for function in PIPELINE.functions
        for route in function.routes
        if route.auth == "staff"
    }


def test_the_matrix_covers_every_staff_route() -> None:
    assert {(method, path) for method, path, _ in staff_routes()} == set(ENDPOINTS)


def request(
    endpoint: tuple[str, str], path: str, query: dict[str, str], body: Any, caller: str
) -> dict[str, Any]:
    method, route = endpoint
    event = load_event("apigw/ticket_get")
    params = {}
    for template, actual in zip(route.split("/"), path.split("/"), strict=True):
        if template.startswith("{"):
            params[template[1:-1]] = actual
    event |= {
        "httpMethod": method,
        "path": path,
        "resource": route,
        "pathParameters": params or None,
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} or None,
        "body": json.dumps(body) if body is not None else None,
    }
    event["requestContext"] |= {"httpMethod": method, "path": f"/prod{path}", "resourcePath": route}
    return as_caller(event, *CALLERS[caller])


@pytest.fixture
def company(lambda_env: LocalAws, ports: Ports) -> Ports:
    ports.config().publish(
        "organisation",
        load_document_file("organisation", ORG_FILE),
        expected_version=0,
        by="t",
        at=NOW,
        note=None,
    )
    ports.contacts().save(
        "C-1042", ContactState(memory=ContactMemory(customer_id="C-1042")), expected_version=0
    )
    DynamoQrCodeStore(lambda_env.table("qr_codes"), ports.db).add(
        qr_codes.QrCode(
            qr_id=QUITO_QR,
            code=QUITO_CODE,
            touchpoint=Touchpoint(
                id="quito-norte/counter", branch="quito-norte", region="pichincha", country="EC"
            ),
            event_type=qr_codes.DEFAULT_EVENT_TYPE,
            language="es",
            created_by="ec-qn-manager",
            created_at=NOW,
        )
    )
    subscribe_the_crm(lambda_env, ports)
    opened = datetime(2026, 11, 10, 15, 0, tzinfo=UTC)
    common = {"status": "assigned", "opened_at": opened, "due_at": opened + timedelta(days=3)}
    ports.tickets().add(
        sample_ticket(ticket_id=QUITO, owner="ec-qn-claims-1", country="EC", region="pichincha", **common)
    )
    ports.tickets().add(
        sample_ticket(
            ticket_id=MADRID,
            response_id="r-m",
            touchpoint=MADRID_PLACE,
            branch="madrid-centro",
            country="ES",
            region="madrid",
            owner="es-mc-cs-1",
            **common,
        )
    )
    return ports


def subscribe_the_crm(lambda_env: LocalAws, ports: Ports) -> None:
    crm = Subscription(
        webhook_id=WEBHOOK,
        url="https://93.184.216.34/",
        events=("ticket.opened",),
        created_at=NOW,
        created_by="t",
    )
    DynamoSubscriptionStore(lambda_env.table("webhooks"), ports.db).add(crm)
    DynamoSecretStore(lambda_env.table("webhook_secrets"), ports.db).save(
        WEBHOOK, SigningSecrets(current=new_secret())
    )
    DynamoDeliveryStore(lambda_env.table("webhook_deliveries"), ports.db).add(
        Delivery(
            webhook_id=WEBHOOK,
            delivery_id=DELIVERY,
            message_id=DELIVERY,
            event_type="ticket.opened",
            body="{}",
            created_at=NOW,
        )
    )


@pytest.mark.parametrize("caller", list(CALLERS))
def test_every_role_against_every_staff_endpoint(company: Ports, caller: str) -> None:
    functions = {(method, path): name for method, path, name in staff_routes()}
    for (method, route), (path, query, body, expected) in ENDPOINTS.items():
        answer = invoke(functions[(method, route)], request((method, route), path, query, body, caller))
        assert answer["statusCode"] == expected(caller), (caller, method, path, answer["body"][:300])
        body_text = answer["body"]
        document = body_text if body_text.startswith("<svg") else json.loads(body_text)
        if answer["statusCode"] >= 400:
            # Refusals never carry the ticket or the customer.
            assert set(document) == {"error"} and "ana@example.com" not in answer["body"]
            continue
        if route == "/v1/qr-codes/{qr_id}/image":
            # The printable card carries the code (its URL); nothing else of staff does.
            assert document.startswith("<svg") and f"/q/{QUITO_CODE}" in document
            continue
        if route == "/v1/qr-codes" and method == "GET":
            listed = {item["qr_id"] for item in document["items"]}
            assert (QUITO_QR in listed) == (caller in SEES_QUITO) and QUITO_CODE not in answer["body"]
        if route == "/v1/tickets":
            listed = {t["ticket_id"] for t in document["items"]}
            expected_ids = {
                t for t, seen in ((QUITO, caller in SEES_QUITO), (MADRID, caller in SEES_MADRID)) if seen
            }
            assert listed == expected_ids
        if route == "/v1/reports/health":
            assert document["total"]["opened"] == (caller in SEES_QUITO) + (caller in SEES_MADRID)
        if route == "/v1/metrics":
            detractors = [item["ticket_id"] for item in document["detractors"]["items"]]
            assert detractors == ([QUITO] if caller in SEES_QUITO else [])
            assert ("ana@example.com" in answer["body"]) == (caller in SEES_PERSONAL_DATA)
        if route == "/v1/reports/metrics":
            # Counts only: a report never carries a customer, whoever reads it.
            assert document["scope"] == "branch:quito-norte" and "ana@example.com" not in answer["body"]
