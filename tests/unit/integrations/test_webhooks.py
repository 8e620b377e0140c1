"""Outbound webhooks' rules without a network: safe destinations, Standard Webhooks signatures
(checked with the `standardwebhooks` library, as a receiver checks them), the retry schedule, and
which fields reach a subscriber."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook

from cxloop.domain.casework.push_alert import alert_request
from cxloop.domain.integrations.announcements import body_for
from cxloop.domain.integrations.deliver_webhook import RetryPolicy
from cxloop.domain.integrations.destinations import check_destination
from cxloop.domain.integrations.models import Announcement, SigningSecrets, Subscription
from cxloop.domain.integrations.signing import new_secret, webhook_headers
from cxloop.domain.integrations.ticket_events import EscalationsAnnounced
from cxloop.domain.kernel.errors import InvalidInput
from tests.helpers import sample_ticket

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


def resolving(*addresses: str):  # type: ignore[no-untyped-def]
    return lambda host: list(addresses)


@pytest.mark.parametrize(
    ("url", "addresses"),
    [
        ("http://169.254.169.254/", ["169.254.169.254"]),
        ("https://metadata.example/", ["169.254.169.254"]),
        ("https://rebound.example/", ["93.184.216.34", "10.0.0.7"]),
        ("https://v6.example/", ["fd00:ec2::254"]),
        ("https://mapped.example/", ["::ffff:127.0.0.1"]),
        ("https://cgnat.example/", ["100.64.1.1"]),
        ("https://link.example/", ["fe80::1"]),
        ("http://public.example/", ["93.184.216.34"]),
        ("https://127.0.0.1/", ["127.0.0.1"]),
        ("https://user:pw@public.example/", ["93.184.216.34"]),
        ("https://nowhere.example/", []),
    ],
)
def test_unsafe_destinations_are_refused_naming_url(url: str, addresses: list[str]) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_destination(url, resolve=resolving(*addresses))
    assert refused.value.details[0].field == "url"


def test_loopback_http_only_locally_and_never_metadata() -> None:
    local = check_destination("http://localhost:8123/hooks?x=1", resolve=resolving("127.0.0.1"), local=True)
    assert (local.port, local.path, local.addresses) == (8123, "/hooks?x=1", ("127.0.0.1",))
    with pytest.raises(InvalidInput):
        check_destination("http://localhost:8123/", resolve=resolving("127.0.0.1"))
    with pytest.raises(InvalidInput):
        check_destination("http://169.254.169.254/", resolve=resolving("169.254.169.254"), local=True)
    with pytest.raises(InvalidInput):
        check_destination("http://127.0.0.1.nip.example/", resolve=resolving("127.0.0.1"), local=True)
    public = check_destination("https://hooks.example.com/in", resolve=resolving("93.184.216.34"))
    assert (public.scheme, public.port) == ("https", 443)


def test_signatures_verify_with_the_standardwebhooks_library_before_and_after_a_rotation() -> None:
    old, new = new_secret(), new_secret()
    assert old.startswith("whsec_")
    body = '{"type":"ticket.opened","timestamp":"2026-12-07T10:00:00+00:00","data":{}}'
    now = datetime.now(UTC)
    both = SigningSecrets(current=new, previous=old, previous_until=now + timedelta(hours=24))
    headers = webhook_headers(
        both.signing(now), message_id="msg_1", timestamp=int(now.timestamp()), body=body
    )
    assert len(headers["webhook-signature"].split(" ")) == 2
    for secret in (old, new):
        assert Webhook(secret).verify(body, headers)["type"] == "ticket.opened"
    assert both.signing(now + timedelta(hours=25)) == (new,)


def test_retries_span_more_than_a_day_with_jitter_then_stop() -> None:
    policy = RetryPolicy()
    waits = [policy.delay_after(n, lambda: 0.5) for n in range(1, 9)]
    assert waits[-1] is None
    assert sum(w for w in waits if w) > 24 * 3600
    assert policy.delay_after(2, lambda: 0.0) == pytest.approx(240)
    assert policy.delay_after(2, lambda: 1.0) == pytest.approx(360)


def test_personal_data_reaches_only_subscriptions_that_chose_it() -> None:
    announcement = Announcement(
        message_id="msg_1",
        type="ticket.opened",
        timestamp=NOW,
        data={"ticket_id": "T-1", "customer": {"id": "C-1"}},
        personal={"customer": {"name": "Ana", "email": "ana@example.com"}, "comment": "Nadie llamó"},
    )
    plain = Subscription(
        webhook_id="wh_1", url="https://x", events=("ticket.opened",), created_at=NOW, created_by="e"
    )
    chosen = plain.model_copy(update={"include_personal_data": True})
    assert body_for(announcement, plain)["data"] == {"ticket_id": "T-1", "customer": {"id": "C-1"}}
    full = body_for(announcement, chosen)["data"]
    assert full["customer"] == {"id": "C-1", "name": "Ana", "email": "ana@example.com"}
    assert full["comment"] == "Nadie llamó"


class Recorded:
    def __init__(self) -> None:
        self.sent: list[Mapping[str, object]] = []
        self.announced: list[Announcement] = []

    def send(self, body: Mapping[str, object], *, correlation_id: str) -> None:
        self.sent.append(body)

    def announce(self, announcement: Announcement, *, correlation_id: str) -> None:
        self.announced.append(announcement)


def test_each_breach_level_announces_ticket_escalated_at_that_level_once() -> None:
    recorded = Recorded()
    queue = EscalationsAnnounced(recorded, recorded, clock=lambda: NOW)  # type: ignore[arg-type]
    # The watcher found the ticket at level 0 and, having been down, escalates two levels at once.
    found = sample_ticket(ticket_id="CX-1", escalation_level=0)
    for level in (1, 2):
        queue.send(
            alert_request(found, "sla_breach", level=level, audience="x", recipients=[]), correlation_id="c"
        )
    queue.send(alert_request(found, "new_ticket"), correlation_id="c")

    assert len(recorded.sent) == 3
    assert [(a.type, a.data["escalation_level"]) for a in recorded.announced] == [
        ("ticket.escalated", 1),
        ("ticket.escalated", 2),
    ]
    assert len({a.message_id for a in recorded.announced}) == 2
