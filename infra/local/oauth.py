"""A developer stand-in for Cognito's managed login: a small OAuth 2.0 authorization server
(authorization code grant with PKCE, RFC 6749 and RFC 7636 S256) served by the local gateway
under /_local/oauth2/, so the dashboard signs in locally through the same code path as on AWS.

Nobody proves who they are here: the authorize page lists the people of the published
organisation (and the generic roles) and whoever is at the keyboard picks one, exactly as
`cxloop token` lets anyone mint a token locally. What it does check is what a real
authorization server checks: the client, the redirect URI (only the gateway's own
/dashboard/, so it can never be used to bounce a browser elsewhere), one-time codes that
expire in 60 s, and the PKCE verifier against the challenge.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from werkzeug.wrappers import Request, Response

from infra.local.auth import DEFAULT_TTL_S, ROLES, mint_token

log = logging.getLogger("cxloop.local.oauth")

PREFIX = "/_local/oauth2"
AUTHORIZE_PATH = f"{PREFIX}/authorize"
TOKEN_PATH = f"{PREFIX}/token"
LOGOUT_PATH = f"{PREFIX}/logout"
CLIENT_ID = "cxloop-dashboard-local"
DASHBOARD_PATH = "/dashboard/"
SCOPES = "openid email profile"
CODE_TTL_S = 60
# RFC 7636 §4.1: 43 to 128 characters of the unreserved set.
_VERIFIER_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
ROLE_NAMES = {
    "agent": "Agent",
    "teleoperator": "Teleoperator",
    "branch_manager": "Branch manager",
    "country_manager": "Country manager",
    "executive": "Executive",
}


@dataclass(frozen=True)
class Identity:
    """Someone the page offers: the claims their token will carry."""

    key: str  # what the page's button sends back
    name: str
    user: str
    role: str
    scope: str


@dataclass(frozen=True)
class Grant:
    client_id: str
    redirect_uri: str
    challenge: str
    identity: Identity
    expires_at: float


class OAuthError(Exception):
    """An OAuth error answer: `code` is RFC 6749's error code."""

    def __init__(self, code: str, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


def s256(verifier: str) -> str:
    """RFC 7636 S256: BASE64URL(SHA256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def valid_verifier(verifier: str) -> bool:
    return 43 <= len(verifier) <= 128 and set(verifier) <= _VERIFIER_CHARACTERS


def dashboard_uri(origin: str) -> str:
    """The one redirect URI this server accepts: the gateway's own dashboard."""
    return f"{origin.rstrip('/')}{DASHBOARD_PATH}"


def same_uri(offered: str, origin: str) -> bool:
    """Exact match (RFC 6749 §3.1.2.3 recommends simple string comparison), no query."""
    parts = urlsplit(offered)
    return offered == dashboard_uri(origin) and not parts.query and not parts.fragment


def generic_identities() -> list[Identity]:
    """What `cxloop token --role ROLE` mints by default: the role over the whole company."""
    return [
        Identity(f"role:{role}", f"Any {ROLE_NAMES[role].lower()}", f"local-{role}", role, "all")
        for role in ROLES
    ]


class AuthorizationServer:
    """Codes live in memory: they last a minute and one runtime serves one developer."""

    def __init__(
        self,
        staff_secret: str,
        people: Callable[[], list[Identity]],
        *,
        clock: Callable[[], float] = time.monotonic,
        token_ttl_s: int = DEFAULT_TTL_S,
    ) -> None:
        self.staff_secret = staff_secret
        self.people = people
        self.clock = clock
        self.token_ttl_s = token_ttl_s
        self._grants: dict[str, Grant] = {}
        self._lock = threading.Lock()

    def identities(self) -> list[Identity]:
        try:
            named = self.people()
        except Exception:
            # No organisation readable (never published, or the store is down): the generic
            # roles still let a developer in.
            log.exception("the organisation could not be read for the sign-in page")
            named = []
        return [*named, *generic_identities()]

    def check_request(self, params: dict[str, str], origin: str) -> None:
        """The authorization request's parameters; OAuthError names the first problem.

        A wrong client or redirect URI must never be redirected to (the caller shows a page);
        the others may go back to the client with `error` (RFC 6749 §4.1.2.1)."""
        if params.get("client_id") != CLIENT_ID:
            raise OAuthError("unauthorized_client", "unknown client_id")
        if not same_uri(params.get("redirect_uri", ""), origin):
            raise OAuthError("invalid_request", "redirect_uri is not this runtime's /dashboard/")

    def check_grant_parameters(self, params: dict[str, str]) -> None:
        if params.get("response_type") != "code":
            raise OAuthError("unsupported_response_type", "only response_type=code")
        if params.get("code_challenge_method") != "S256" or len(params.get("code_challenge", "")) != 43:
            raise OAuthError("invalid_request", "PKCE is required: code_challenge with method S256")
        if not params.get("state"):
            raise OAuthError("invalid_request", "state is required")

    def issue_code(self, params: dict[str, str], identity: Identity) -> str:
        code = secrets.token_urlsafe(32)
        grant = Grant(
            client_id=params["client_id"],
            redirect_uri=params["redirect_uri"],
            challenge=params["code_challenge"],
            identity=identity,
            expires_at=self.clock() + CODE_TTL_S,
        )
        with self._lock:
            self._forget_expired()
            self._grants[code] = grant
        return code

    def exchange(self, form: dict[str, str]) -> dict[str, object]:
        """POST /token: the ID token for a code, once; OAuthError for anything wrong."""
        if form.get("grant_type") != "authorization_code":
            raise OAuthError("unsupported_grant_type", "only grant_type=authorization_code")
        with self._lock:
            # Popped before any check: a code is spent by its first use, right or wrong.
            grant = self._grants.pop(form.get("code", ""), None)
        if grant is None or grant.expires_at <= self.clock():
            raise OAuthError("invalid_grant", "the code is unknown, used or expired")
        if form.get("client_id") != grant.client_id:
            raise OAuthError("invalid_grant", "the code was issued to another client")
        if form.get("redirect_uri") != grant.redirect_uri:
            raise OAuthError("invalid_grant", "redirect_uri differs from the authorization request's")
        verifier = form.get("code_verifier", "")
        if not valid_verifier(verifier) or not hmac.compare_digest(s256(verifier), grant.challenge):
            raise OAuthError("invalid_grant", "the code_verifier does not match the code_challenge")
        identity = grant.identity
        token = mint_token(
            self.staff_secret,
            role=identity.role,
            scope=identity.scope,
            user=identity.user,
            ttl_s=self.token_ttl_s,
        )
        return {"id_token": token, "token_type": "Bearer", "expires_in": self.token_ttl_s}

    def find(self, key: str) -> Identity | None:
        return next((i for i in self.identities() if i.key == key), None)

    def _forget_expired(self) -> None:
        now = self.clock()
        for code in [c for c, g in self._grants.items() if g.expires_at <= now]:
            del self._grants[code]


# --- the pages --------------------------------------------------------------------------------

_GRANT_FIELDS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
)


def redirect_with(redirect_uri: str, **params: str) -> str:
    return f"{redirect_uri}?{urlencode(params)}"


# The chooser's groups, managers first (whom a demo signs in as); a group longer than this
# starts folded, so the page stays short with an organisation of dozens of agents.
GROUP_ORDER = ("executive", "country_manager", "branch_manager", "teleoperator", "agent")
GROUP_NAMES = {
    "executive": "Executives",
    "country_manager": "Country managers",
    "branch_manager": "Branch managers",
    "teleoperator": "Teleoperators",
    "agent": "Agents",
}
FOLDED_OVER = 8


def chooser_page(params: dict[str, str], identities: list[Identity]) -> str:
    """The authorize page: one button per person, grouped by role, in a form that POSTs back here."""
    hidden = "".join(
        f'<input type="hidden" name="{name}" value="{html.escape(params.get(name, ""))}">'
        for name in _GRANT_FIELDS
    )
    people = [i for i in identities if not i.key.startswith("role:")]
    generic = [i for i in identities if i.key.startswith("role:")]
    groups = [
        _identity_group(GROUP_NAMES[role], [i for i in people if i.role == role]) for role in GROUP_ORDER
    ]
    others = [i for i in people if i.role not in GROUP_ORDER]
    groups += [_identity_group("Others", others), _identity_group("Any role, whole company", generic)]
    body = (
        '<section class="sign-in" aria-labelledby="title">'
        '<h1 id="title">Sign in to cxloop (local)</h1>'
        '<p class="hint" id="stand-in">This is the local runtime\'s developer stand-in for Amazon '
        "Cognito's managed login: nobody checks a password here. Choose who to be; the dashboard "
        "receives a token minted exactly like <code>cxloop token</code>. On AWS, staff sign in "
        "with their Cognito account and its multi-factor code instead.</p>"
        f'<form method="post" action="{AUTHORIZE_PATH}" aria-describedby="stand-in">{hidden}'
        f"{''.join(groups)}</form></section>"
    )
    return _page("Sign in to cxloop (local)", body)


def _identity_group(title: str, identities: list[Identity]) -> str:
    """One role's people as a fieldset; folded (a <details>) when there are many of them."""
    if not identities:
        return ""
    items = "".join(
        "<li>"
        f'<button type="submit" name="identity" value="{html.escape(i.key)}" class="identity">'
        f'<span class="identity-name">{html.escape(i.name)}</span> '
        f'<span class="identity-role">{html.escape(ROLE_NAMES.get(i.role, i.role))} · '
        f"{html.escape(i.scope)} · {html.escape(i.user)}</span>"
        "</button></li>"
        for i in identities
    )
    legend = f"{html.escape(title)} ({len(identities)})"
    listed = f'<ul class="identities">{items}</ul>'
    if len(identities) > FOLDED_OVER:
        listed = f"<details><summary>Show all {len(identities)}</summary>{listed}</details>"
    return f"<fieldset><legend>{legend}</legend>{listed}</fieldset>"


def error_page(message: str) -> str:
    body = (
        '<section class="sign-in" aria-labelledby="title">'
        '<h1 id="title">This sign-in request cannot be served</h1>'
        f'<p class="error" role="alert">{html.escape(message)}</p>'
        f'<p><a href="{DASHBOARD_PATH}">Back to the dashboard</a></p></section>'
    )
    return _page("Sign-in refused", body)


def _page(title: str, body: str) -> str:
    # The dashboard's own stylesheet: the gateway's CSP allows no inline style.
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        f'<title>{html.escape(title)}</title><link rel="icon" href="data:,">'
        f'<link rel="stylesheet" href="{DASHBOARD_PATH}app.css"></head>'
        f'<body><main id="main" class="oauth-page">{body}</main></body></html>'
    )


def published_people() -> list[Identity]:
    """The people of the organisation published to the config table (what `cxloop config push
    organisation` and the demo store), with the scope role scoping gives each."""
    from cxloop.adapters.config_store import DynamoConfigStore  # noqa: PLC0415 - needs the runtime's env
    from cxloop.config import settings  # noqa: PLC0415
    from cxloop.domain.organisation.hierarchy import Organisation  # noqa: PLC0415

    stored = DynamoConfigStore(settings().table("config")).current("organisation")
    if stored is None:
        return []
    organisation = Organisation.model_validate(stored.document)
    return [
        Identity(f"person:{p.id}", p.name, p.id, p.role, organisation.scope_of(p))
        for p in organisation.people
    ]


# --- HTTP ---------------------------------------------------------------------------------------


class OAuthEndpoints:
    """GET/POST /_local/oauth2/authorize, POST /_local/oauth2/token, GET /_local/oauth2/logout."""

    def __init__(self, server: AuthorizationServer) -> None:
        self.server = server

    def __call__(self, request: Request) -> Response | None:
        if not request.path.startswith(f"{PREFIX}/"):
            return None
        origin = request.host_url.rstrip("/")
        if request.path == AUTHORIZE_PATH and request.method in ("GET", "POST"):
            return self.authorize(request, origin)
        if request.path == TOKEN_PATH and request.method == "POST":
            return self.token(request)
        if request.path == LOGOUT_PATH and request.method == "GET":
            return self.logout(request, origin)
        return _html(404, error_page("No such sign-in endpoint."))

    def authorize(self, request: Request, origin: str) -> Response:
        source = request.form if request.method == "POST" else request.args
        params = {name: source.get(name, "") for name in _GRANT_FIELDS}
        try:
            self.server.check_request(params, origin)
        except OAuthError as refused:
            # Never redirect to an address we do not know (no open redirect): say so here.
            return _html(400, error_page(f"{refused.description} ({refused.code})."))
        redirect_uri = params["redirect_uri"]
        try:
            self.server.check_grant_parameters(params)
        except OAuthError as refused:
            back = redirect_with(
                redirect_uri, error=refused.code, error_description=refused.description, state=params["state"]
            )
            return _redirect(back)
        if request.method == "GET":
            return _html(200, chooser_page(params, self.server.identities()))
        identity = self.server.find(request.form.get("identity", ""))
        if identity is None:
            return _html(400, error_page("Choose one of the people listed."))
        code = self.server.issue_code(params, identity)
        return _redirect(redirect_with(redirect_uri, code=code, state=params["state"]))

    def token(self, request: Request) -> Response:
        form = {name: request.form.get(name, "") for name in request.form}
        try:
            answer = self.server.exchange(form)
        except OAuthError as refused:
            return _no_store_json(400, {"error": refused.code, "error_description": refused.description})
        return _no_store_json(200, answer)

    def logout(self, request: Request, origin: str) -> Response:
        """Cognito's /logout: back to logout_uri, which must be the dashboard too. Nothing to
        end here: the local server keeps no session."""
        if request.args.get("client_id") != CLIENT_ID or not same_uri(
            request.args.get("logout_uri", ""), origin
        ):
            return _html(400, error_page("Unknown client_id or logout_uri."))
        return _redirect(request.args["logout_uri"])


def _redirect(location: str) -> Response:
    # 303: the browser follows a POSTed form with a GET.
    response = Response(status=303, headers={"Location": location})
    response.headers["Cache-Control"] = "no-store"
    return response


# A sign-in page must never be framed (clickjacking) nor leak its query (state, challenge).
PAGE_CSP = (
    "default-src 'none'; style-src 'self'; img-src data:; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)


def _html(status: int, page: str) -> Response:
    response = Response(page, status=status, content_type="text/html; charset=utf-8")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = PAGE_CSP
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _no_store_json(status: int, document: dict[str, object]) -> Response:
    # RFC 6749 §5.1: token answers must not be cached.
    response = Response(json.dumps(document), status=status, mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response
