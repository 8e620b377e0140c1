"""Local stand-in for API Gateway's Cognito authorizer: HS256 bearer tokens.

Claims mirror what Cognito puts in requestContext.authorizer.claims (sub,
custom:role, custom:scope), so handlers cannot tell the two apart.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import jwt

ISSUER = "cxloop-local"
ROLES = ("agent", "teleoperator", "branch_manager", "country_manager", "executive")
DEFAULT_TTL_S = 12 * 3600


def mint_token(
    secret: str, *, role: str, scope: str = "all", user: str | None = None, ttl_s: int = DEFAULT_TTL_S
) -> str:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "sub": user or f"local-{role}-{uuid.uuid4().hex[:8]}",
        "custom:role": role,
        "custom:scope": scope,
        "iat": now,
        "exp": now + ttl_s,
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def verify_bearer(secret: str, authorization: str | None) -> dict[str, Any] | None:
    """The token's claims, or None for a missing, malformed, expired or forged token."""
    if not authorization or not authorization.lower().startswith("bearer "):
        return None
    try:
        claims = jwt.decode(
            authorization[7:].strip(),
            secret,
            algorithms=["HS256"],
            issuer=ISSUER,
            options={"require": ["exp", "sub", "iss"]},
        )
    except jwt.PyJWTError:
        return None
    return {key: str(value) for key, value in claims.items()}
