"""Standard Webhooks signatures: `whsec_` + base64 secrets, and `webhook-signature` as
`v1,<base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}">`, one per signing secret,
space-separated (during the day after a rotation, the new secret's and the old one's)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Sequence

SECRET_PREFIX = "whsec_"  # noqa: S105 - the prefix Standard Webhooks gives every secret, not one
SECRET_BYTES = 32


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def signature(secret: str, *, message_id: str, timestamp: int, body: str) -> str:
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{message_id}.{timestamp}.{body}".encode()
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode("ascii")


def webhook_headers(
    signing_secrets: Sequence[str], *, message_id: str, timestamp: int, body: str
) -> dict[str, str]:
    """The three headers of one delivery attempt (the timestamp is the attempt's, the id the message's)."""
    signatures = " ".join(
        signature(s, message_id=message_id, timestamp=timestamp, body=body) for s in signing_secrets
    )
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signatures,
        "content-type": "application/json",
    }
