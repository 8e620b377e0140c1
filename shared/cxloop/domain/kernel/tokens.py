"""Survey link tokens: unguessable, stored only as a hash, single-use, expiring.

Two lengths. Email links carry 32 random bytes (256 bits, 43 characters). Links sent by
SMS or WhatsApp carry 16 (128 bits, 22 characters): every character of an SMS counts
against its segment, and 2^128 guesses is still far beyond reach for a link that is
single-use and expires within days. Both are stored the same way (their SHA-256).
"""

from __future__ import annotations

import hashlib
import re
import secrets

# url-safe base64 without padding: 32 bytes -> 43 characters, 16 bytes -> 22.
TOKEN_BYTES = 32
SHORT_TOKEN_BYTES = 16
_TOKEN_SHAPE = re.compile(r"^(?:[A-Za-z0-9_-]{43}|[A-Za-z0-9_-]{22})$")


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def new_short_token() -> str:
    """A token for links on phone channels (SMS, WhatsApp), where length costs money."""
    return secrets.token_urlsafe(SHORT_TOKEN_BYTES)


def token_hash(token: str) -> str:
    """The key we store: a leaked table does not hand out working survey links."""
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(token: str) -> bool:
    """Cheap shape check so junk never reaches the database (either length)."""
    return bool(_TOKEN_SHAPE.match(token))
