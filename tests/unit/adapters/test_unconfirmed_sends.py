"""Which sends are held when their answer is lost (cxloop.adapters.unconfirmed_sends), asked of
botocore's own event emitter as its retry logic asks it; a typo in the choice fails loudly."""

from __future__ import annotations

import pytest
from botocore.exceptions import ConnectionClosedError, EndpointConnectionError, ReadTimeoutError
from botocore.hooks import HierarchicalEmitter

from cxloop.adapters.unconfirmed_sends import SEND_OPERATIONS, SendUnconfirmed, hold_unconfirmed_sends

LOST = ConnectionClosedError(endpoint_url="https://email.eu-west-1.amazonaws.com")


def held(emitter: HierarchicalEmitter, operation: str, caught: Exception) -> bool:
    try:
        emitter.emit(f"needs-retry.{operation}", caught_exception=caught, attempts=1)
    except SendUnconfirmed:
        return True
    return False


def test_by_default_a_lost_answer_of_every_send_is_held(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CXLOOP_UNCONFIRMED_SENDS", raising=False)
    emitter = HierarchicalEmitter()

    hold_unconfirmed_sends(emitter)

    assert all(held(emitter, operation, LOST) for operation in SEND_OPERATIONS)
    assert held(emitter, "sesv2.SendEmail", ReadTimeoutError(endpoint_url="https://email"))
    # Never sent (no connection): botocore retries it as before; and only sends are held.
    assert not held(emitter, "sesv2.SendEmail", EndpointConnectionError(endpoint_url="https://email"))
    assert not held(emitter, "dynamodb.PutItem", LOST)


def test_under_resend_nothing_is_held(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CXLOOP_UNCONFIRMED_SENDS", "resend")
    emitter = HierarchicalEmitter()

    hold_unconfirmed_sends(emitter)

    assert not any(held(emitter, operation, LOST) for operation in SEND_OPERATIONS)


def test_a_typo_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CXLOOP_UNCONFIRMED_SENDS", "retry")

    with pytest.raises(ValueError, match="assume_sent, resend"):
        hold_unconfirmed_sends(HierarchicalEmitter())
