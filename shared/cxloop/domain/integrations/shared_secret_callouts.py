"""Callouts signed with a secret cxloop and the tool share: the scheme for tools that call
cxloop from their own scripting (a Salesforce Apex callout, a ServiceNow outbound REST
message) rather than with a webhook signing of their own, as Zendesk's.

The caller sends
- X-Cxloop-Timestamp: Unix seconds when it signed,
- X-Cxloop-Signature: `sha256=` + hex HMAC-SHA256(shared secret, "{timestamp}.{raw body}").
The timestamp is inside the signed text, so a captured request cannot be replayed with a new
one; a request signed more than TOLERANCE_S away from now is refused. Every secret offered
(the current one, and the previous one while a rotation settles) is tried.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime

from cxloop.domain.kernel.errors import Unauthorized

SIGNATURE_HEADER = "X-Cxloop-Signature"
TIMESTAMP_HEADER = "X-Cxloop-Timestamp"
PREFIX = "sha256="
TOLERANCE_S = 300
_UNIX_SECONDS = re.compile(r"[0-9]{1,12}")


def callout_signature(secret: str, timestamp: str, body: bytes) -> str:
    """What the tool sends in X-Cxloop-Signature."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return PREFIX + digest


def verify_callout(
    *, signature: str | None, timestamp: str | None, body: bytes, secrets: tuple[str, ...], now: datetime
) -> None:
    """Raise Unauthorized unless the body was signed with one of `secrets` within the window."""
    if not signature or not timestamp:
        raise Unauthorized(f"missing {SIGNATURE_HEADER} or {TIMESTAMP_HEADER}")
    # ASCII digits, and few: int() would take "²" or thousands of digits and fail (a 500).
    if not _UNIX_SECONDS.fullmatch(timestamp):
        raise Unauthorized(f"{TIMESTAMP_HEADER} must be Unix seconds")
    if abs(now.timestamp() - int(timestamp)) > TOLERANCE_S:
        raise Unauthorized("stale or future callout timestamp")
    offered = signature.strip().encode()
    matched = False
    for secret in secrets:
        if secret:  # an unset previous key matches nothing
            matched |= hmac.compare_digest(offered, callout_signature(secret, timestamp, body).encode())
    if not matched:
        raise Unauthorized("callout signature does not match")
