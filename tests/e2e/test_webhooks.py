"""Outbound webhooks as a receiver sees them, over real HTTP through `cxloop serve`: an executive
subscribes a loopback endpoint (a small HTTP server in this test), a customer answers as a
detractor, and the ticket.opened delivery is verified with the `standardwebhooks` library, as
any receiver would verify it."""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
from standardwebhooks import Webhook

from infra.local.analytics import lake_location
from infra.local.auth import mint_token
from infra.local.defaults import STAFF_TOKEN_SECRET
from infra.local.demo.contacts.bounces import publish_bounce
from tests.e2e.conftest import Client, Served, start_runtime, wait_for
from tests.e2e.test_loop import body_of, unique_event

pytestmark = pytest.mark.e2e
# The local runtime's producers keep the subscribed event types this long (CXLOOP_WEBHOOK_CACHE_TTL_S).
SUBSCRIPTIONS_CACHE_S = 1


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: str


@dataclass
class Receiver:
    """An integrator's endpoint: records every request; a path may answer 500 a number of times first."""

    server: ThreadingHTTPServer
    received: list[Received] = field(default_factory=list)
    failures_left: dict[str, int] = field(default_factory=dict)
    # Paths that answer their failures with 410 Gone instead of 500.
    gone: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def at(self, path: str) -> list[Received]:
        with self.lock:
            return [r for r in self.received if r.path == path]


def start_receiver() -> Receiver:
    receiver: Receiver

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode("utf-8")
            with receiver.lock:
                receiver.received.append(
                    Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
                left = receiver.failures_left.get(self.path, 0)
                receiver.failures_left[self.path] = max(0, left - 1)
            failure = 410 if self.path in receiver.gone else 500
            self.send_response(failure if left else 204)
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver = Receiver(server)
    threading.Thread(target=server.serve_forever, name="receiver", daemon=True).start()
    return receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = start_receiver()
    yield found
    found.server.shutdown()


def staff(client: Client, method: str, path: str, **options: Any) -> requests.Response:
    headers = {"Authorization": f"Bearer {client.staff_token}"}
    return client.http.request(method, client.url(path), headers=headers, timeout=10, **options)


def subscribe(client: Client, url: str, events: list[str]) -> dict[str, Any]:
    created = staff(client, "POST", "/v1/webhooks", json={"url": url, "events": events, "description": "e2e"})
    assert created.status_code == 201, created.text
    # Producers read subscriptions at most this often: the next ones see this one.
    time.sleep(SUBSCRIPTIONS_CACHE_S + 0.5)
    return dict(created.json())


def answer_as_detractor(client: Client) -> dict[str, Any]:
    event = unique_event()
    assert client.post_event(body_of(event)).status_code == 202
    survey_url = client.message_to(event["customer"]["email"])["survey_url"]
    posted = client.http.post(
        survey_url, json={"answers": {"nps": 1, "csat": 1, "comment": "Nadie me llamó"}}, timeout=10
    )
    assert posted.status_code == 201, posted.text
    return event


def of_type(receiver: Receiver, path: str, event_type: str, customer_id: str, secret: str) -> list[Any]:
    """The deliveries at `path` of this type about this customer, each verified as a receiver would."""
    found = []
    for request in receiver.at(path):
        payload = Webhook(secret).verify(request.body, request.headers)
        if payload["type"] == event_type and payload["data"]["customer"]["id"] == customer_id:
            found.append((request, payload))
    return found


def test_detractor_ticket_opened_reaches_a_loopback_receiver_signed(
    client: Client, receiver: Receiver
) -> None:
    subscription = subscribe(client, receiver.url("/hooks"), ["ticket.opened", "response.recorded"])
    assert subscription["secret"].startswith("whsec_")
    assert subscription["status"] == "active"
    shown = staff(client, "GET", f"/v1/webhooks/{subscription['id']}").json()
    assert "secret" not in shown and shown["events"] == ["ticket.opened", "response.recorded"]
    listed = staff(client, "GET", "/v1/webhooks").json()["items"]
    assert any(s["id"] == subscription["id"] for s in listed)
    assert all("secret" not in s for s in listed)
    try:
        event = answer_as_detractor(client)
        customer = event["customer"]["id"]
        opened = wait_for(
            lambda: of_type(receiver, "/hooks", "ticket.opened", customer, subscription["secret"]), 30
        )
        request, payload = opened[0]
        assert request.headers["webhook-id"].startswith("msg_")
        assert request.headers["webhook-signature"].startswith("v1,")
        data = payload["data"]
        assert data["status"] == "new" and data["score"]["nps"] == 1
        assert data["touchpoint"]["id"] == event["touchpoint"]["id"]
        # Not subscribed to personal data: no name, address, phone or comment.
        assert set(data["customer"]) == {"id"} and "comment" not in data
        recorded = wait_for(
            lambda: of_type(receiver, "/hooks", "response.recorded", customer, subscription["secret"]), 30
        )
        assert recorded[0][1]["data"]["score"]["nps_category"] == "detractor"
    finally:
        assert staff(client, "DELETE", f"/v1/webhooks/{subscription['id']}").status_code == 200
    assert staff(client, "GET", f"/v1/webhooks/{subscription['id']}").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/",
        "https://169.254.169.254/latest/meta-data/",
        "https://10.1.2.3/hooks",
        "https://[fd00:ec2::254]/",
        "ftp://example.com/",
    ],
)
def test_unsafe_destinations_are_refused_naming_url(client: Client, url: str) -> None:
    refused = staff(client, "POST", "/v1/webhooks", json={"url": url, "events": ["ticket.opened"]})
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"]["details"][0]["field"] == "url"


def test_only_executives_manage_webhooks(client: Client) -> None:
    manager = mint_token(STAFF_TOKEN_SECRET, role="branch_manager", scope="branch:quito-norte", user="m-1")
    answer = client.http.get(
        client.url("/v1/webhooks"), headers={"Authorization": f"Bearer {manager}"}, timeout=10
    )
    assert answer.status_code == 403
    unknown = staff(client, "POST", "/v1/webhooks", json={"url": "http://127.0.0.1:9/", "events": ["nope"]})
    assert unknown.status_code == 400
    assert unknown.json()["error"]["details"][0]["field"] == "events"


def test_a_receiver_failing_three_times_gets_the_same_webhook_id_then_the_message(
    client: Client, receiver: Receiver
) -> None:
    receiver.failures_left["/flaky"] = 3
    subscription = subscribe(client, receiver.url("/flaky"), ["ticket.opened"])
    try:
        customer = answer_as_detractor(client)["customer"]["id"]

        def delivered() -> list[Any]:
            found = of_type(receiver, "/flaky", "ticket.opened", customer, subscription["secret"])
            return found if len(found) >= 4 else []

        attempts = wait_for(delivered, 60)
        assert len({request.headers["webhook-id"] for request, _ in attempts}) == 1
        assert all(payload == attempts[0][1] for _, payload in attempts)
        message_id = attempts[0][0].headers["webhook-id"]

        def listed() -> dict[str, Any] | None:
            items = staff(client, "GET", f"/v1/webhooks/{subscription['id']}/deliveries").json()["items"]
            return next(
                (d for d in items if d["message_id"] == message_id and d["status"] == "delivered"), None
            )

        delivery = wait_for(listed, 10)
        assert delivery["attempt_count"] == 4 and delivery["last_status_code"] == 204
        assert [a["status_code"] for a in delivery["attempts"]] == [500, 500, 500, 204]
        assert delivery["next_try_at"] is None

        replayed = staff(client, "POST", f"/v1/webhooks/{subscription['id']}/deliveries/{message_id}/replay")
        assert replayed.status_code == 202, replayed.text
        again = wait_for(lambda: receiver.at("/flaky")[4:], 10)
        assert again[0].headers["webhook-id"] == message_id
        Webhook(subscription["secret"]).verify(again[0].body, again[0].headers)
    finally:
        staff(client, "DELETE", f"/v1/webhooks/{subscription['id']}")


def test_a_410_disables_the_subscription_at_once(client: Client, receiver: Receiver) -> None:
    receiver.failures_left["/gone"] = 1_000
    receiver.gone.add("/gone")
    subscription = subscribe(client, receiver.url("/gone"), ["response.recorded"])
    try:
        customer = answer_as_detractor(client)["customer"]["id"]

        def disabled() -> dict[str, Any] | None:
            shown = staff(client, "GET", f"/v1/webhooks/{subscription['id']}").json()
            return shown if shown["status"] == "disabled" else None

        shown = wait_for(disabled, 30)
        assert "410" in shown["disabled_reason"]
        # Not retried: one attempt, and the subscription is off.
        assert len(of_type(receiver, "/gone", "response.recorded", customer, subscription["secret"])) == 1
    finally:
        staff(client, "DELETE", f"/v1/webhooks/{subscription['id']}")


def test_the_case_s_life_the_opt_out_and_the_erasure_each_reach_a_personal_data_subscriber(
    client: Client, receiver: Receiver
) -> None:
    events = [
        "ticket.opened",
        "ticket.updated",
        "ticket.resolved",
        "ticket.reopened",
        "alert.published",
        "customer.opted_out",
        "customer.erased",
    ]
    created = staff(
        client,
        "POST",
        "/v1/webhooks",
        json={"url": receiver.url("/crm"), "events": events, "include_personal_data": True},
    )
    assert created.status_code == 201, created.text
    subscription = created.json()
    assert subscription["include_personal_data"] is True
    time.sleep(SUBSCRIPTIONS_CACHE_S + 0.5)
    secret = subscription["secret"]
    try:
        event = answer_as_detractor(client)
        customer = event["customer"]["id"]
        opened = wait_for(lambda: of_type(receiver, "/crm", "ticket.opened", customer, secret), 30)[0][1]
        # Chosen by an executive: the customer's contact and comment come along.
        assert opened["data"]["customer"]["email"] == event["customer"]["email"]
        assert opened["data"]["comment"] == "Nadie me llamó"
        ticket_id = opened["data"]["ticket_id"]

        def ticket_of(event_type: str) -> Any:
            return wait_for(lambda: of_type(receiver, "/crm", event_type, customer, secret), 30)[-1][1]

        for action in (
            {"action": "log_call", "outcome": "reached"},
            {"action": "resolve", "root_cause": "no call back", "action_taken": "called and apologised"},
            {"action": "reopen", "reason": "the customer called again"},
        ):
            done = staff(client, "POST", f"/v1/tickets/{ticket_id}/actions", json=action)
            assert done.status_code == 200, done.text
        assert ticket_of("ticket.updated")["data"]["action"] == "log_call"
        assert ticket_of("ticket.resolved")["data"]["status"] == "resolved"
        assert ticket_of("ticket.reopened")["data"]["action"] == "reopen"
        alerts = wait_for(
            lambda: [
                p
                for r in receiver.at("/crm")
                if (p := Webhook(secret).verify(r.body, r.headers))["type"] == "alert.published"
                and p["data"]["ticket_id"] == ticket_id
            ],
            30,
        )
        assert alerts[0]["data"]["kind"] in ("detractor", "new_ticket")

        survey_message = client.message_to(event["customer"]["email"])
        opt_out_url = re.search(r"https?://[^\s\"'<>]+/u/[A-Za-z0-9_-]{43}", survey_message["body"])
        assert opt_out_url, survey_message["body"]
        assert client.http.post(opt_out_url.group(0), data={}, timeout=10).status_code == 200
        assert ticket_of("customer.opted_out")["data"]["via"]

        erased = staff(client, "DELETE", f"/v1/customers/{customer}")
        assert erased.status_code == 202, erased.text
        assert ticket_of("customer.erased")["data"]["erased"]["tickets"] >= 1
    finally:
        staff(client, "DELETE", f"/v1/webhooks/{subscription['id']}")


def test_after_a_rotation_deliveries_carry_both_signatures(client: Client, receiver: Receiver) -> None:
    subscription = subscribe(client, receiver.url("/rotated"), ["response.recorded"])
    try:
        rotated = staff(client, "POST", f"/v1/webhooks/{subscription['id']}/rotate")
        assert rotated.status_code == 200, rotated.text
        new_secret = rotated.json()["secret"]
        assert new_secret != subscription["secret"] and new_secret.startswith("whsec_")
        customer = answer_as_detractor(client)["customer"]["id"]
        request, _ = wait_for(
            lambda: of_type(receiver, "/rotated", "response.recorded", customer, new_secret), 30
        )[0]
        assert len(request.headers["webhook-signature"].split(" ")) == 2
        # A receiver still on the old secret verifies it too, for a day.
        Webhook(subscription["secret"]).verify(request.body, request.headers)
    finally:
        staff(client, "DELETE", f"/v1/webhooks/{subscription['id']}")


@pytest.fixture(scope="module")
def watched(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    """A runtime of its own: firing the SLA watcher escalates every overdue ticket on it."""
    served: Served = start_runtime(tmp_path_factory.mktemp("escalations"))
    try:
        yield Client(served.base_url, served.log_file)
    finally:
        served.stop()


def test_an_escalation_by_the_sla_watcher_reaches_a_subscriber(watched: Client, receiver: Receiver) -> None:
    subscription = subscribe(watched, receiver.url("/escalations"), ["ticket.escalated"])
    secret = subscription["secret"]
    event = answer_as_detractor(watched)
    customer = event["customer"]["id"]
    # The only detractor on this runtime: its ticket is the only one.
    ticket = wait_for(lambda: watched.staff_get("/v1/tickets?limit=5").json()["items"], 30)[0]

    overdue = datetime.fromisoformat(ticket["due_at"]) + timedelta(minutes=1)
    fired = watched.http.post(
        watched.url("/_local/schedules/sla_watcher"), params={"at": overdue.isoformat()}, timeout=30
    )
    assert fired.status_code == 200 and fired.json()["escalated"] == 1, fired.text

    (request, payload), *_ = wait_for(
        lambda: of_type(receiver, "/escalations", "ticket.escalated", customer, secret), 30
    )
    assert payload["data"]["ticket_id"] == ticket["ticket_id"]
    stored = watched.staff_get(f"/v1/tickets/{ticket['ticket_id']}").json()
    assert payload["data"]["escalation_level"] == stored["escalation_level"] >= 1
    assert request.headers["webhook-id"].startswith("msg_")


def test_a_bounce_reaches_a_personal_data_subscriber_as_an_opt_out(
    client: Client, receiver: Receiver
) -> None:
    created = staff(
        client,
        "POST",
        "/v1/webhooks",
        json={
            "url": receiver.url("/bounces"),
            "events": ["customer.opted_out"],
            "include_personal_data": True,
        },
    )
    assert created.status_code == 201, created.text
    subscription = created.json()
    time.sleep(SUBSCRIPTIONS_CACHE_S + 0.5)
    address = f"rebota-{uuid.uuid4().hex[:8]}@example.com"
    try:
        publish_bounce(lake_location(client.base_url)[0], address)

        def bounced() -> list[Any]:
            verified = [
                Webhook(subscription["secret"]).verify(r.body, r.headers) for r in receiver.at("/bounces")
            ]
            return [p for p in verified if p["data"]["customer"].get("email") == address]

        (payload,) = wait_for(bounced, 30)
        assert (payload["data"]["channel"], payload["data"]["reason"]) == ("email", "bounce")
    finally:
        staff(client, "DELETE", f"/v1/webhooks/{subscription['id']}")
