"""Webhook signatures: v1 = hex HMAC-SHA256 of "{timestamp}.{raw body}" (docs/ARCHITECTURE.md,
The public contract)."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable

from cxloop.domain.kernel.errors import Unauthorized

TOLERANCE_S = 300
SCHEME = "v1="
_UNIX_SECONDS = re.compile(r"[0-9]{1,12}")


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    """The header value an integrator sends; used by tests, the demo and the docs."""
    return SCHEME + _digest(secret, str(timestamp), body)


def verify(
    *, timestamp: str | None, signature: str | None, body: bytes, secrets: Iterable[str], now: float
) -> None:
    """Raise Unauthorized unless one v1 signature matches one secret within the window.

    Checked before the body is parsed, so an unsigned request costs us nothing.
    """
    if not timestamp or not signature:
        raise Unauthorized("missing X-Cx-Timestamp or X-Cx-Signature")
    # ASCII digits only, and few of them: str.isdigit() accepts "²", which int() refuses,
    # and int() refuses more than 4300 digits; either would be a 500 for bad input.
    if not _UNIX_SECONDS.fullmatch(timestamp):
        raise Unauthorized("X-Cx-Timestamp must be Unix seconds")
    if abs(now - int(timestamp)) > TOLERANCE_S:
        raise Unauthorized("stale or future timestamp")
    offered = [
        part.strip()[len(SCHEME) :] for part in signature.split(",") if part.strip().startswith(SCHEME)
    ]
    expected = [_digest(secret, timestamp, body) for secret in secrets if secret]
    # Compare every pair in constant time; no early exit reveals which part matched.
    matched = False
    for candidate in offered:
        for digest in expected:
            matched |= hmac.compare_digest(candidate.encode(), digest.encode())
    if not matched:
        raise Unauthorized("signature does not match")


def _digest(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
