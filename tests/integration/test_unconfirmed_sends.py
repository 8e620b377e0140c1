"""A send whose answer is lost (cxloop.adapters.unconfirmed_sends), against moto behind the
local stand-in's fault wrapper (infra/local/faults.py): the request is applied, then the
connection drops. By default the send is taken as sent, once; under `resend` botocore sends it
again; a refused request (throttled) is never taken as sent."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from moto.moto_server.werkzeug_app import MotoRequestHandler
from werkzeug.serving import make_server

from cxloop.adapters.messaging import SesEmailSender, SnsAlertPublisher
from cxloop.adapters.unconfirmed_sends import UNCONFIRMED, hold_unconfirmed_sends
from cxloop.domain.casework.push_alert import alert_for
from cxloop.domain.contact.messages import EmailMessage
from cxloop.domain.kernel.errors import Unavailable
from infra.local.aws_process import Dispatcher
from infra.local.defaults import REGION, SENDER_ADDRESS
from infra.local.faults import set_faults, with_faults
from infra.local.resources import clients
from tests.conftest import LocalAws
from tests.helpers import sample_ticket
from tests.integration.support import emails, notifications

MESSAGE = EmailMessage(subject="¿Cómo le fue?", html="<p>hola</p>", text="hola")


@pytest.fixture
def faulty(aws: LocalAws) -> Iterator[str]:
    """A second door to the same moto state, through the fault wrapper (its own plan)."""
    server = make_server(
        "127.0.0.1", 0, with_faults(Dispatcher()), threaded=True, request_handler=MotoRequestHandler
    )
    threading.Thread(target=server.serve_forever, name="faulty-aws", daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def guarded_clients(endpoint: str) -> dict[str, Any]:
    found = clients(endpoint, REGION)
    for name in ("sesv2", "sns"):
        hold_unconfirmed_sends(found[name].meta.events)
    return found


def send_email(found: dict[str, Any]) -> str:
    return SesEmailSender(found["sesv2"]).send(sender=SENDER_ADDRESS, to="ana@example.com", message=MESSAGE)


def test_a_dropped_answer_is_taken_as_sent_once(faulty: str) -> None:
    found = guarded_clients(faulty)
    set_faults(faulty, 1.0, ("dropped",), seed=1)

    assert send_email(found) == UNCONFIRMED
    assert len(emails()) == 1


def test_under_resend_botocore_sends_it_again(faulty: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CXLOOP_UNCONFIRMED_SENDS", "resend")
    found = guarded_clients(faulty)
    set_faults(faulty, 1.0, ("dropped",), seed=1)

    with pytest.raises(Unavailable):
        send_email(found)
    # Every attempt was applied before its answer was lost: one email per attempt.
    assert len(emails()) == 3


def test_a_dropped_alert_is_published_once(faulty: str, aws: LocalAws) -> None:
    found = guarded_clients(faulty)
    set_faults(faulty, 1.0, ("dropped",), seed=1)
    publisher = SnsAlertPublisher(aws.topic_arn("alerts"), found["sns"])

    assert publisher.publish(alert_for(sample_ticket(), "detractor")) == UNCONFIRMED
    assert len(notifications(aws)) == 1


def test_a_refused_send_is_never_taken_as_sent(faulty: str) -> None:
    found = guarded_clients(faulty)
    set_faults(faulty, 1.0, ("throttle",), seed=1)

    with pytest.raises(Unavailable):
        send_email(found)
    assert emails() == []
