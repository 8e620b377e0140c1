"""Webhook signatures (contract §3.1): rotation, the 300 s window, tampering."""

from __future__ import annotations

import pytest

from cxloop.domain.errors import Unauthorized
from cxloop.domain.signature import sign, verify

BODY = b'{"event_id": "e-1"}'
NOW = 1_795_000_000


def check(
    signature: str | None,
    *,
    timestamp: str | None = str(NOW),
    secrets: tuple[str, ...] = ("current",),
    body: bytes = BODY,
    now: float = NOW,
) -> None:
    verify(timestamp=timestamp, signature=signature, body=body, secrets=secrets, now=now)


def test_a_valid_signature_passes() -> None:
    check(sign("current", NOW, BODY))


def test_one_match_among_several_v1_values_is_enough() -> None:
    offered = f"v1=deadbeef, {sign('current', NOW, BODY)}, v0=ignored"
    check(offered)


def test_the_previous_secret_still_works_during_rotation() -> None:
    check(sign("previous", NOW, BODY), secrets=("current", "previous"))


@pytest.mark.parametrize("skew", [-299, 0, 299])
def test_inside_the_window(skew: int) -> None:
    stamp = NOW + skew
    check(sign("current", stamp, BODY), timestamp=str(stamp))


@pytest.mark.parametrize("skew", [-301, 301])
def test_outside_the_window_is_refused_even_when_correctly_signed(skew: int) -> None:
    stamp = NOW + skew
    with pytest.raises(Unauthorized, match="stale or future"):
        check(sign("current", stamp, BODY), timestamp=str(stamp))


@pytest.mark.parametrize(
    ("signature", "timestamp", "secrets", "body", "reason"),
    [
        (None, str(NOW), ("current",), BODY, "missing"),
        ("v1=abc", None, ("current",), BODY, "missing"),
        (sign("current", NOW, BODY), "yesterday", ("current",), BODY, "Unix seconds"),
        (sign("wrong", NOW, BODY), str(NOW), ("current",), BODY, "does not match"),
        (sign("current", NOW, BODY), str(NOW), ("current",), BODY + b" ", "does not match"),
        (sign("current", NOW, BODY).replace("v1=", "v2="), str(NOW), ("current",), BODY, "does not match"),
        (sign("", NOW, BODY), str(NOW), ("",), BODY, "does not match"),
    ],
    ids=[
        "no-signature",
        "no-timestamp",
        "bad-timestamp",
        "wrong-secret",
        "tampered-body",
        "other-scheme",
        "empty-secret",
    ],
)
def test_refusals(
    signature: str | None, timestamp: str | None, secrets: tuple[str, ...], body: bytes, reason: str
) -> None:
    with pytest.raises(Unauthorized, match=reason):
        check(signature, timestamp=timestamp, secrets=secrets, body=body)


def test_the_signature_covers_the_timestamp() -> None:
    with pytest.raises(Unauthorized):
        check(sign("current", NOW - 10, BODY), timestamp=str(NOW))
