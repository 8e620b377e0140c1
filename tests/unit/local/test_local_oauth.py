"""The local OAuth 2.0 stand-in for Cognito's managed login (infra/local/oauth.py): PKCE S256
checked against the challenge, codes single use and short lived, the client and the redirect URI
checked before anything is redirected, and the ID token minted like `cxloop token`."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from werkzeug.test import Client
from werkzeug.wrappers import Request

from infra.local.auth import verify_bearer
from infra.local.oauth import (
    AUTHORIZE_PATH,
    CLIENT_ID,
    CODE_TTL_S,
    LOGOUT_PATH,
    TOKEN_PATH,
    AuthorizationServer,
    Identity,
    OAuthEndpoints,
    s256,
)

SECRET = "a-test-secret-of-at-least-thirty-two-bytes"
ORIGIN = "http://localhost"
DASHBOARD = f"{ORIGIN}/dashboard/"
MANAGER = Identity(
    "person:ec-qn-manager", "Verónica Salgado", "ec-qn-manager", "branch_manager", "branch:quito-norte"
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def app_of(endpoints: OAuthEndpoints) -> Callable[..., Iterable[bytes]]:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        response = endpoints(request)
        assert response is not None, request.path
        return response(environ, start_response)

    return app


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(clock: Clock) -> Client:
    server = AuthorizationServer(SECRET, lambda: [MANAGER], clock=clock)
    return Client(app_of(OAuthEndpoints(server)))


def verifier() -> str:
    return secrets.token_urlsafe(48)


def grant(challenge_of: str, **overrides: str) -> dict[str, str]:
    params = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": DASHBOARD,
        "scope": "openid email profile",
        "state": "state-123",
        "code_challenge": s256(challenge_of),
        "code_challenge_method": "S256",
    }
    return {**params, **overrides}


def code_for(client: Client, secret: str, identity: str = MANAGER.key) -> str:
    answer = client.post(AUTHORIZE_PATH, data={**grant(secret), "identity": identity})
    assert answer.status_code == 303
    location = urlsplit(answer.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == DASHBOARD
    query = parse_qs(location.query)
    assert query["state"] == ["state-123"]
    return query["code"][0]


def exchange(client: Client, code: str, secret: str, **overrides: str) -> Any:
    form = {
        "grant_type": "authorization_code",
        "client_id": CLIENT_ID,
        "code": code,
        "redirect_uri": DASHBOARD,
        "code_verifier": secret,
        **overrides,
    }
    return client.post(TOKEN_PATH, data=form)


def test_s256_is_the_rfc_7636_example() -> None:
    # RFC 7636 appendix B.
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert s256(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_the_page_lists_the_people_and_the_generic_roles_and_says_it_is_a_stand_in(client: Client) -> None:
    page = client.get(AUTHORIZE_PATH, query_string=grant(verifier()))
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Verónica Salgado" in text and "branch:quito-norte" in text
    assert 'value="role:executive"' in text and 'value="role:agent"' in text
    assert "stand-in for Amazon Cognito" in text
    assert page.headers["Cache-Control"] == "no-store"
    # Never framed, no inline script, its query (state, challenge) never sent on as a referrer.
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert "script-src" not in page.headers["Content-Security-Policy"]  # default-src 'none' applies
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["Referrer-Policy"] == "no-referrer"


def test_a_code_with_the_right_verifier_gives_the_persons_token_once(client: Client) -> None:
    secret = verifier()
    code = code_for(client, secret)
    answer = exchange(client, code, secret)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.headers["Cache-Control"] == "no-store"
    body = answer.get_json()
    claims = verify_bearer(SECRET, f"Bearer {body['id_token']}")
    assert claims is not None
    assert (claims["sub"], claims["custom:role"], claims["custom:scope"]) == (
        "ec-qn-manager",
        "branch_manager",
        "branch:quito-norte",
    )
    assert body["token_type"] == "Bearer" and body["expires_in"] > 0

    again = exchange(client, code, secret)
    assert again.status_code == 400 and again.get_json()["error"] == "invalid_grant"


def test_a_wrong_verifier_is_refused_and_spends_the_code(client: Client) -> None:
    secret = verifier()
    code = code_for(client, secret)
    wrong = exchange(client, code, verifier())
    assert wrong.status_code == 400
    assert wrong.get_json()["error"] == "invalid_grant"
    assert "code_verifier" in wrong.get_json()["error_description"]
    # The right verifier afterwards does not help: the code went with the first attempt.
    assert exchange(client, code, secret).status_code == 400


def test_a_code_expires_after_a_minute(client: Client, clock: Clock) -> None:
    secret = verifier()
    code = code_for(client, secret)
    clock.now += CODE_TTL_S
    assert exchange(client, code, secret).get_json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("redirect_uri", f"{ORIGIN}/dashboard/other"),
        ("client_id", "someone-else"),
        ("grant_type", "password"),
    ],
)
def test_the_token_request_must_match_the_authorization(client: Client, field: str, value: str) -> None:
    secret = verifier()
    code = code_for(client, secret)
    refused = exchange(client, code, secret, **{field: value})
    assert refused.status_code == 400
    assert refused.get_json()["error"] in ("invalid_grant", "unsupported_grant_type")


@pytest.mark.parametrize(
    "redirect_uri",
    ["https://evil.example/dashboard/", f"{ORIGIN}/elsewhere/", f"{DASHBOARD}?next=x", "", "//evil.example/"],
)
def test_a_foreign_redirect_uri_is_never_redirected_to(client: Client, redirect_uri: str) -> None:
    for answer in (
        client.get(AUTHORIZE_PATH, query_string=grant(verifier(), redirect_uri=redirect_uri)),
        client.post(
            AUTHORIZE_PATH, data={**grant(verifier(), redirect_uri=redirect_uri), "identity": MANAGER.key}
        ),
    ):
        assert answer.status_code == 400
        assert "Location" not in answer.headers
        assert "redirect_uri" in answer.get_data(as_text=True)


def test_an_unknown_client_is_refused_with_a_page(client: Client) -> None:
    answer = client.get(AUTHORIZE_PATH, query_string=grant(verifier(), client_id="other"))
    assert answer.status_code == 400 and "Location" not in answer.headers


def test_pkce_is_required_and_the_client_is_told_so(client: Client) -> None:
    answer = client.get(AUTHORIZE_PATH, query_string=grant(verifier(), code_challenge_method="plain"))
    assert answer.status_code == 303
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert query["error"] == ["invalid_request"] and query["state"] == ["state-123"]


def test_only_listed_people_can_be_chosen(client: Client) -> None:
    answer = client.post(AUTHORIZE_PATH, data={**grant(verifier()), "identity": "person:nobody"})
    assert answer.status_code == 400 and "Location" not in answer.headers


def test_logout_goes_back_to_the_dashboard_only(client: Client) -> None:
    back = client.get(LOGOUT_PATH, query_string={"client_id": CLIENT_ID, "logout_uri": DASHBOARD})
    assert back.status_code == 303 and back.headers["Location"] == DASHBOARD
    away = client.get(
        LOGOUT_PATH, query_string={"client_id": CLIENT_ID, "logout_uri": "https://evil.example/"}
    )
    assert away.status_code == 400 and "Location" not in away.headers


def test_an_unreadable_organisation_still_offers_the_generic_roles(clock: Clock) -> None:
    def broken() -> list[Identity]:
        raise RuntimeError("no table")

    server = AuthorizationServer(SECRET, broken, clock=clock)
    assert [i.key for i in server.identities()] == [
        "role:agent",
        "role:teleoperator",
        "role:branch_manager",
        "role:country_manager",
        "role:executive",
    ]


def test_the_chooser_groups_people_by_role_managers_first_and_folds_a_long_group() -> None:
    from infra.local.oauth import FOLDED_OVER, chooser_page, generic_identities

    agents = [
        Identity(f"person:a{n}", f"Agent {n}", f"a{n}", "agent", "team:t") for n in range(FOLDED_OVER + 1)
    ]
    manager = Identity(
        "person:m", "Verónica Salgado", "ec-qn-manager", "branch_manager", "branch:quito-norte"
    )
    page = chooser_page({"state": "s"}, [*agents, manager, *generic_identities()])

    legends = re.findall(r"<legend>([^<]+)</legend>", page)
    assert legends == [
        "Branch managers (1)",
        f"Agents ({FOLDED_OVER + 1})",
        f"Any role, whole company ({len(generic_identities())})",
    ]
    # Managers stay in sight; the long agents' group starts folded, every button still there.
    managers = page.index("Branch managers (1)")
    assert "<details>" not in page[managers : page.index("Agents (")]
    assert f"<summary>Show all {FOLDED_OVER + 1}</summary>" in page
    assert page.count('name="identity"') == len(agents) + 1 + len(generic_identities())
