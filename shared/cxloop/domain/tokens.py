"""Survey link tokens: unguessable, stored only as a hash, single-use, expiring."""

from __future__ import annotations

import hashlib
import re
import secrets

# 32 random bytes: 256 bits, url-safe base64 (43 characters).
TOKEN_BYTES = 32
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{43}$")


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """The key we store: a leaked table does not hand out working survey links."""
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(token: str) -> bool:
    """Cheap shape check so junk never reaches the database."""
    return bool(_TOKEN_SHAPE.match(token))
