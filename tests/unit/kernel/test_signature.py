"""Webhook signatures (docs/ARCHITECTURE.md, The public contract): v1 HMAC, rotation, the 300 s
window, tampering."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from cxloop.domain.kernel.errors import Unauthorized
from cxloop.domain.kernel.signature import TOLERANCE_S, sign, verify
from tests.helpers import event_bytes

BODY = event_bytes("erp/claim_reported")
NOW = 1_795_426_200


def check(
    signature: str | None,
    *,
    timestamp: str | None = str(NOW),
    secrets: tuple[str, ...] = ("current",),
    body: bytes = BODY,
    now: float = NOW,
) -> None:
    verify(timestamp=timestamp, signature=signature, body=body, secrets=secrets, now=now)


def test_sign_is_v1_hex_hmac_sha256_of_timestamp_dot_body() -> None:
    expected = hmac.new(b"current", f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert sign("current", NOW, BODY) == f"v1={expected}"


def test_a_valid_signature_passes() -> None:
    check(sign("current", NOW, BODY))


@pytest.mark.parametrize("position", [0, 1, 2])
def test_one_match_among_several_comma_separated_v1_values_is_enough(position: int) -> None:
    values = ["v1=" + "0" * 64, "v1=deadbeef"]
    values.insert(position, sign("current", NOW, BODY))
    check(", ".join(values))


def test_several_v1_values_none_matching_are_refused() -> None:
    with pytest.raises(Unauthorized, match="does not match"):
        check(f"v1={'0' * 64},v1={'f' * 64}")


def test_the_previous_secret_is_accepted_during_rotation() -> None:
    check(sign("previous", NOW, BODY), secrets=("current", "previous"))
    check(sign("current", NOW, BODY), secrets=("current", "previous"))


def test_a_secret_rotated_out_is_refused() -> None:
    with pytest.raises(Unauthorized, match="does not match"):
        check(sign("retired", NOW, BODY), secrets=("current", "previous"))


def test_the_wrong_secret_is_refused() -> None:
    with pytest.raises(Unauthorized, match="does not match"):
        check(sign("guess", NOW, BODY))


@pytest.mark.parametrize(
    ("signature", "timestamp"),
    [(None, str(NOW)), ("", str(NOW)), ("SIGNED", None), ("SIGNED", ""), (None, None)],
    ids=["no-signature", "empty-signature", "no-timestamp", "empty-timestamp", "neither"],
)
def test_missing_headers_are_refused(signature: str | None, timestamp: str | None) -> None:
    offered = sign("current", NOW, BODY) if signature == "SIGNED" else signature
    with pytest.raises(Unauthorized, match="missing"):
        check(offered, timestamp=timestamp)


@pytest.mark.parametrize(
    "timestamp",
    [
        "abc",
        "1795426200.5",
        "-1795426200",
        " 1795426200",
        "1795426200Z",
        "0x6B0A1F98",
        "²",
        "١٢٣",
        "9" * 5000,
    ],
    ids=["letters", "decimal", "negative", "padded", "suffix", "hex", "superscript", "arabic-digits", "huge"],
)
def test_a_non_numeric_timestamp_is_refused_as_unauthorized(timestamp: str) -> None:
    # Correctly signed over the odd timestamp, so only the timestamp check can refuse it;
    # and it must refuse, never crash (int("²") and 5000-digit ints raise ValueError).
    with pytest.raises(Unauthorized, match="Unix seconds"):
        check(sign("current", timestamp, BODY), timestamp=timestamp)


@pytest.mark.parametrize("skew", [-301, 301, -86_400], ids=["301s-old", "301s-future", "a-day-old"])
def test_outside_the_window_is_refused_even_when_correctly_signed(skew: int) -> None:
    stamp = NOW + skew
    with pytest.raises(Unauthorized, match="stale or future"):
        check(sign("current", stamp, BODY), timestamp=str(stamp))


@pytest.mark.parametrize("skew", [-299, 0, 299, -TOLERANCE_S, TOLERANCE_S])
def test_inside_the_window_is_accepted(skew: int) -> None:
    stamp = NOW + skew
    check(sign("current", stamp, BODY), timestamp=str(stamp))


def test_a_tampered_body_is_refused() -> None:
    tampered = BODY.replace(b"C-1042", b"C-1043")
    assert tampered != BODY
    with pytest.raises(Unauthorized, match="does not match"):
        check(sign("current", NOW, BODY), body=tampered)


def test_the_signature_covers_the_timestamp() -> None:
    with pytest.raises(Unauthorized, match="does not match"):
        check(sign("current", NOW - 10, BODY), timestamp=str(NOW))


@pytest.mark.parametrize(
    "signature",
    ["v0=" + "a" * 64, "sha256=" + "a" * 64, "V1=" + "a" * 64],
    ids=["other-version", "other-scheme", "upper-case-scheme"],
)
def test_only_the_v1_scheme_counts(signature: str) -> None:
    digest = sign("current", NOW, BODY).removeprefix("v1=")
    with pytest.raises(Unauthorized, match="does not match"):
        check(signature.replace("a" * 64, digest))


def test_an_empty_secret_never_matches() -> None:
    # A blank secret slot (e.g. "current," with no previous) must not accept HMAC("", ...).
    with pytest.raises(Unauthorized, match="does not match"):
        check(sign("", NOW, BODY), secrets=("",))


def test_no_secrets_configured_refuses_everything() -> None:
    with pytest.raises(Unauthorized, match="does not match"):
        check(sign("current", NOW, BODY), secrets=())
