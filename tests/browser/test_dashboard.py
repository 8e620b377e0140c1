"""The staff dashboard as each level of the organisation uses it: headless Chromium at desktop and
phone sizes against a runtime of its own, fed a small known set of answers. Every figure shown
is checked against the same answers counted here with cxloop.domain.feedback.metrics; each role sees its
own part of the company and nothing else; the page logs no error, asks nothing of any other
host, never scrolls sideways on a phone and works from the keyboard."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from cxloop.domain.feedback.metrics import Counters, Estimate, ces, csat, nps
from cxloop.domain.insights.scope_insights import ces_difference, csat_difference, nps_difference
from infra.local.auth import mint_token
from infra.local.defaults import STAFF_TOKEN_SECRET
from tests.browser.conftest import Visit
from tests.e2e.conftest import REPO, Client, Served, start_runtime, wait_for
from tests.helpers import load_event

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

OpenTab = Callable[..., Visit]
ORG_FILE = REPO / "infra" / "local" / "data" / "organisation.yaml"
# branch -> (region, country), as in the organisation file.
PLACES = {
    "quito-norte": ("pichincha", "EC"),
    "quito-sur": ("pichincha", "EC"),
    "guayaquil-centro": ("guayas", "EC"),
    "madrid-centro": ("madrid", "ES"),
    "barcelona-eixample": ("cataluna", "ES"),
}
BRANCH_NAMES = {
    "quito-norte": "Quito Norte",
    "quito-sur": "Quito Sur",
    "guayaquil-centro": "Guayaquil Centro",
    "madrid-centro": "Madrid Centro",
    "barcelona-eixample": "Barcelona Eixample",
}
DIGITS = {"nps": 1, "csat": 1, "ces": 2}


@dataclass(frozen=True)
class Answer:
    branch: str
    nps: int
    csat: int
    ces: int
    comment: str | None = None

    @property
    def region(self) -> str:
        return PLACES[self.branch][0]

    @property
    def country(self) -> str:
        return PLACES[self.branch][1]

    @property
    def opens_ticket(self) -> bool:
        """The default ticket rules: detractors, and CSAT 2 or less (no one here asks for a call)."""
        return self.nps <= 6 or self.csat <= 2


FEED = (
    Answer("quito-norte", 2, 1, 2, "El ajustador nunca llegó y nadie me llamó"),
    Answer("quito-norte", 9, 5, 6),
    Answer("quito-norte", 10, 5, 7),
    Answer("quito-norte", 5, 3, 3, "Demasiado tiempo de espera en la oficina"),
    Answer("quito-norte", 8, 4, 5),
    Answer("quito-sur", 8, 4, 5),
    Answer("quito-sur", 3, 2, 2, "El pago del siniestro tardó un mes"),
    Answer("quito-sur", 10, 5, 6),
    Answer("guayaquil-centro", 9, 4, 6),
    Answer("guayaquil-centro", 6, 3, 4),
    Answer("madrid-centro", 6, 3, 4, "La oficina estaba sucia"),
    Answer("madrid-centro", 10, 5, 7),
    Answer("madrid-centro", 7, 4, 5),
    Answer("barcelona-eixample", 9, 5, 6),
)
# role -> (token role, scope, person id in the organisation)
PEOPLE = {
    "agent": ("agent", "team:quito-norte-claims", "ec-qn-claims-1"),
    "branch-manager": ("branch_manager", "branch:quito-norte", "ec-qn-manager"),
    "country-manager": ("country_manager", "country:EC", "ec-country-manager"),
    "executive": ("executive", "all", "exec-ceo"),
}


# --- the figures, counted directly from the answers fed ------------------------------------------


def expected(answers: list[Answer]) -> dict[str, Estimate]:
    promoters = sum(a.nps >= 9 for a in answers)
    detractors = sum(a.nps <= 6 for a in answers)
    return {
        "nps": nps(promoters, len(answers) - promoters - detractors, detractors),
        "csat": csat(sum(a.csat >= 4 for a in answers), len(answers)),
        "ces": ces(sum(a.ces for a in answers), len(answers), sum(a.ces * a.ces for a in answers)),
    }


def answers_in(
    *, branch: str | None = None, region: str | None = None, country: str | None = None
) -> list[Answer]:
    return [
        a
        for a in FEED
        if (branch is None or a.branch == branch)
        and (region is None or a.region == region)
        and (country is None or a.country == country)
    ]


def counters(answers: list[Answer]) -> Counters:
    return Counters(
        responses=len(answers),
        promoters=sum(a.nps >= 9 for a in answers),
        passives=sum(7 <= a.nps <= 8 for a in answers),
        detractors=sum(a.nps <= 6 for a in answers),
        csat_answers=len(answers),
        csat_satisfied=sum(a.csat >= 4 for a in answers),
        ces_answers=len(answers),
        ces_sum=sum(a.ces for a in answers),
        ces_sum_sq=sum(a.ces * a.ces for a in answers),
    )


def significant(scope: list[Answer], rest: list[Answer], metric: str) -> bool:
    """The benchmark's test (insights: two-sample z, Newcombe, Welch) on the answers' counts."""
    test = {"nps": nps_difference, "csat": csat_difference, "ces": ces_difference}[metric]
    return test(counters(scope), counters(rest)).significant


def number(text: str) -> float | None:
    """A figure as the page shows it (minus sign, a unit, an en dash for none) as a number."""
    cleaned = text.replace("\u2212", "-").replace("%", "").strip()
    return None if cleaned in ("", "\u2013") else float(cleaned)


def assert_shows(text: str, value: float | None, metric: str) -> None:
    """Shown to the metric's digits; the API rounds to 2 first, so allow that rounding too."""
    shown = number(text)
    if value is None:
        assert shown is None, text
        return
    assert shown is not None, f"nothing shown for {value}"
    assert abs(shown - value) <= 0.5 * 10 ** -DIGITS[metric] + 0.005 + 1e-9, (text, value)


# --- a runtime of its own, with the organisation and the answers ---------------------------------


@dataclass
class Fed:
    client: Client
    tickets: list[dict[str, Any]]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "infra.local.cli", *args],
        check=False,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )


def feed(client: Client, answer: Answer) -> None:
    """A signed ERP event at the answer's branch, then the customer's answers on their link."""
    region, country = PLACES[answer.branch]
    event = load_event("erp/claim_reported")
    tag = uuid.uuid4().hex[:10]
    event["event_id"] = f"dashboard-{tag}"
    event["customer"].update(id=f"C-{tag}", email=f"dash-{tag}@example.com")
    event["touchpoint"].update(
        id=f"{answer.branch}/claims", branch=answer.branch, region=region, country=country
    )
    accepted = client.post_event(json.dumps(event, ensure_ascii=False).encode("utf-8"))
    assert accepted.status_code == 202, accepted.text
    link = client.message_to(event["customer"]["email"])["survey_url"]
    answers: dict[str, int | str] = {"nps": answer.nps, "csat": answer.csat, "ces": answer.ces}
    if answer.comment and answer.nps <= 8:
        answers["comment"] = answer.comment
    posted = client.http.post(link, json={"answers": answers}, timeout=10)
    assert posted.status_code == 201, posted.text


@pytest.fixture(scope="module")
def fed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fed]:
    """Its own runtime: the browser suite's shared one also holds the survey tests' answers."""
    served: Served = start_runtime(tmp_path_factory.mktemp("dashboard"))
    try:
        client = Client(served.base_url, served.log_file)
        published = cli("config", "push", "organisation", str(ORG_FILE), "--url", client.base_url)
        assert published.returncode == 0, published.stderr
        for answer in FEED:
            feed(client, answer)
        wanted = sum(a.opens_ticket for a in FEED)

        def counted() -> bool:
            metrics = client.staff_get("/v1/metrics?scope=all").json()
            return bool(metrics["responses"] == len(FEED))

        def opened() -> list[dict[str, Any]] | None:
            items = client.staff_get("/v1/tickets?limit=200").json()["items"]
            return items if len(items) == wanted else None

        wait_for(counted, timeout_s=30)
        yield Fed(client, wait_for(opened, timeout_s=30))
    finally:
        served.stop()


def token_of(role: str) -> str:
    token_role, scope, user = PEOPLE[role]
    return mint_token(STAFF_TOKEN_SECRET, role=token_role, scope=scope, user=user)


def paste_token(page: Page, token: str) -> None:
    """The developers' way in: open "Use a token" (once) and paste."""
    if page.locator("#token-disclosure").get_attribute("open") is None:
        page.get_by_text("Use a token").click()
    page.locator("#token").fill(token)
    page.get_by_role("button", name="Open the dashboard").click()


def signed_in(open_tab: OpenTab, fed: Fed, role: str, size: str) -> Visit:
    visit = open_tab(f"{fed.client.base_url}/dashboard/", size=size)
    page = visit.page
    paste_token(page, token_of(role))
    expect(page.locator("#view-title")).to_be_visible()
    expect(page.locator("#updated")).to_contain_text("Updated")
    return visit


def assert_clean(visit: Visit, base_url: str, *, answered_with: tuple[int, ...] = ()) -> None:
    """No console errors but the statuses the test caused, nothing fetched from elsewhere, no
    sideways scroll on a phone."""
    expected_errors = tuple(
        f"Failed to load resource: the server responded with a status of {code}" for code in answered_with
    )
    errors = [e for e in visit.errors if not e.startswith(expected_errors or ("\0",))]
    assert errors == [], (errors, visit.refused)
    assert visit.foreign_requests(base_url) == []
    if visit.size == "phone":
        assert visit.horizontal_overflow() <= 0, "the dashboard scrolls sideways on a phone"


def assert_cards(page: Page, answers: list[Answer]) -> None:
    for metric, estimate in expected(answers).items():
        card = page.locator(f".card[data-metric={metric}]")
        assert_shows(card.locator(".value").inner_text(), estimate.value, metric)
        assert_shows(card.locator(".low").inner_text(), estimate.low, metric)
        assert_shows(card.locator(".high").inner_text(), estimate.high, metric)
        expect(card.locator(".count")).to_have_text(str(estimate.n))
        # Every segment here has fewer than 30 answers: each card says so.
        expect(card.locator(".badge.warn")).to_have_text("n < 30")


def page_text(page: Page) -> str:
    return page.locator("main").inner_text()


# --- each role's view ---------------------------------------------------------------------------


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_branch_manager_sees_their_branch_and_no_other(fed: Fed, open_tab: OpenTab, size: str) -> None:
    visit = signed_in(open_tab, fed, "branch-manager", size)
    page = visit.page
    mine = answers_in(branch="quito-norte")
    expect(page.locator("#view-title")).to_have_text("Quito Norte: my branch")
    assert_cards(page, mine)

    # The benchmark: the region as a whole and the region without this branch.
    region = expected(answers_in(region="pichincha"))
    rest_answers = [a for a in answers_in(region="pichincha") if a.branch != "quito-norte"]
    rest = expected(rest_answers)
    for metric in DIGITS:
        row = page.locator(f"#benchmark-table tr[data-metric={metric}]")
        assert_shows(row.locator("td.parent").inner_text(), region[metric].value, metric)
        assert_shows(row.locator("td.rest").inner_text(), rest[metric].value, metric)
        verdict = "significantly" if significant(mine, rest_answers, metric) else "no significant difference"
        expect(row.locator("td.verdict")).to_contain_text(verdict)

    # The detractors and the board: this branch's tickets, each once.
    detractors = [t for t in fed.tickets if t["branch"] == "quito-norte" and t["score"]["nps"] <= 6]
    listed = page.locator("#detractor-table tbody tr")
    assert sorted(listed.evaluate_all("rows => rows.map(r => r.dataset.detractor)")) == sorted(
        t["ticket_id"] for t in detractors
    )
    expect(listed.first).to_contain_text("Ana Pérez")  # branch managers call customers back
    board = page.locator("#board li.ticket")
    branch_tickets = sorted(t["ticket_id"] for t in fed.tickets if t["branch"] == "quito-norte")
    assert sorted(board.evaluate_all("cards => cards.map(c => c.dataset.ticket)")) == branch_tickets
    assert len(branch_tickets) == sum(a.opens_ticket for a in mine)
    expect(page.locator("#topics tbody tr[data-topic]").first).to_be_attached()

    text = page_text(page)
    for other in ("quito-sur", "guayaquil-centro", "madrid-centro", "barcelona-eixample"):
        assert BRANCH_NAMES[other] not in text and other not in text
    for ticket in fed.tickets:
        if ticket["branch"] != "quito-norte":
            assert ticket["ticket_id"] not in text
    visit.shoot("dashboard-branch-manager")
    assert_clean(visit, fed.client.base_url)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_country_manager_compares_the_branches_of_their_country(
    fed: Fed, open_tab: OpenTab, size: str
) -> None:
    visit = signed_in(open_tab, fed, "country-manager", size)
    page = visit.page
    expect(page.locator("#view-title")).to_have_text("Ecuador: branches compared")
    assert_cards(page, answers_in(country="EC"))

    rows = page.locator("#compared-table tbody tr")
    ecuador = [b for b, (_, country) in PLACES.items() if country == "EC"]
    assert rows.evaluate_all("rows => rows.map(r => r.dataset.scope)") == [f"branch:{b}" for b in ecuador]
    for branch in ecuador:
        figures = expected(answers_in(branch=branch))
        row = page.locator(f'#compared-table tr[data-scope="branch:{branch}"]')
        expect(row.locator("th")).to_have_text(BRANCH_NAMES[branch])
        expect(row.locator("td.responses")).to_have_text(str(len(answers_in(branch=branch))))
        for metric in DIGITS:
            assert_shows(row.locator(f"td.{metric} .value").inner_text(), figures[metric].value, metric)

    # Detractors of the whole country, without the customers' personal data.
    listed = page.locator("#detractor-table tbody tr")
    ecuador_detractors = [t for t in fed.tickets if t["country"] == "EC" and t["score"]["nps"] <= 6]
    expect(listed).to_have_count(len(ecuador_detractors))
    expect(page.locator("#detractors")).to_contain_text("Customer details stay with the branches")
    text = page_text(page)
    assert "Ana Pérez" not in text and "@example.com" not in text
    for other in ("Madrid Centro", "Barcelona Eixample", "España"):
        assert other not in text
    visit.shoot("dashboard-country-manager")
    assert_clean(visit, fed.client.base_url)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_an_executive_compares_the_countries(fed: Fed, open_tab: OpenTab, size: str) -> None:
    visit = signed_in(open_tab, fed, "executive", size)
    page = visit.page
    expect(page.locator("#view-title")).to_have_text("The company: countries compared")
    assert_cards(page, list(FEED))

    rows = page.locator("#compared-table tbody tr")
    assert rows.evaluate_all("rows => rows.map(r => r.dataset.scope)") == ["country:EC", "country:ES"]
    for code, name in (("EC", "Ecuador"), ("ES", "España")):
        figures = expected(answers_in(country=code))
        row = page.locator(f'#compared-table tr[data-scope="country:{code}"]')
        expect(row.locator("th")).to_have_text(name)
        expect(row.locator("td.responses")).to_have_text(str(len(answers_in(country=code))))
        for metric in DIGITS:
            assert_shows(row.locator(f"td.{metric} .value").inner_text(), figures[metric].value, metric)
    expect(page.locator("#detractor-table tbody tr")).to_have_count(sum(a.nps <= 6 for a in FEED))
    visit.shoot("dashboard-executive")
    assert_clean(visit, fed.client.base_url)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_an_agent_sees_their_own_tickets_and_health(fed: Fed, open_tab: OpenTab, size: str) -> None:
    visit = signed_in(open_tab, fed, "agent", size)
    page = visit.page
    expect(page.locator("#view-title")).to_have_text("My tickets")
    own = sorted(t["ticket_id"] for t in fed.tickets if t["owner"] == "ec-qn-claims-1")
    assert own, "round-robin gives each Quito Norte claims agent one of its two tickets"
    board = page.locator("#board li.ticket")
    assert sorted(board.evaluate_all("cards => cards.map(c => c.dataset.ticket)")) == own
    expect(page.locator('[data-health="opened"] dd')).to_have_text(str(len(own)))
    expect(page.locator('[data-health="open"] dd')).to_have_text(str(len(own)))
    text = page_text(page)
    for ticket in fed.tickets:
        if ticket["ticket_id"] not in own:
            assert ticket["ticket_id"] not in text
    visit.shoot("dashboard-agent")
    assert_clean(visit, fed.client.base_url)


# --- working it: keyboard, charts as tables, refresh, errors, the token -------------------------


def test_the_main_controls_are_reachable_and_usable_with_the_keyboard(fed: Fed, open_tab: OpenTab) -> None:
    visit = signed_in(open_tab, fed, "branch-manager", "desktop")
    page, keys = visit.page, visit.page.keyboard
    # Signing in puts the focus on the view's heading; a fresh load starts from the top.
    assert page.evaluate("document.activeElement.id") == "view-title"
    page.reload()
    expect(page.locator("#view-title")).to_be_visible()
    reached: list[str] = []
    rings: list[str] = []
    for _ in range(8):
        keys.press("Tab")
        reached.append(page.evaluate("document.activeElement.id || document.activeElement.className"))
        rings.append(page.evaluate("getComputedStyle(document.activeElement).outlineStyle"))
    assert reached[:6] == ["skip-link", "period", "refresh", "sign-out", "trend-nps", "trend-toggle"]
    # A visible focus ring on each control (the metric radio draws its ring on its label).
    assert [ring for name, ring in zip(reached, rings, strict=True) if name != "trend-nps"] == ["solid"] * 7

    # The trend as a table, from the keyboard: the chart's figures in rows.
    page.locator("#trend-toggle").focus()
    keys.press("Enter")
    expect(page.locator("#trend-toggle")).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#trend-table table")).to_be_visible()
    expect(page.locator("#trend-chart")).to_be_hidden()
    # Arrow keys move between the metrics of the trend chart.
    page.locator("#trend-nps").focus()
    keys.press("ArrowRight")
    expect(page.locator("#trend-csat")).to_be_checked()
    # Every chart carries a title and a description, and has its table.
    for chart in page.locator("svg.chart").all():
        assert chart.get_attribute("role") == "img"
        assert chart.locator("title").count() == 1 and chart.locator("desc").count() == 1
    visit.shoot("dashboard-keyboard-table")
    assert_clean(visit, fed.client.base_url)


def test_the_dashboard_refreshes_itself_and_says_so_when_the_api_fails(fed: Fed, open_tab: OpenTab) -> None:
    visit = open_tab("about:blank", size="phone")
    page = visit.page
    page.clock.install()
    page.goto(f"{fed.client.base_url}/dashboard/")
    paste_token(page, token_of("branch-manager"))
    expect(page.locator("#view-title")).to_be_visible()
    # The first load must be over: a refresh that falls due while one runs is skipped.
    expect(page.locator("#updated")).to_contain_text("Updated")

    # A minute later it asks again by itself.
    with page.expect_response(lambda r: "/v1/metrics" in r.url and r.status == 200):
        page.clock.run_for(61_000)

    # The API fails: a sentence, not a stack trace, and the last figures stay on screen.
    page.route(
        "**/v1/metrics*", lambda route: route.fulfill(status=503, json={"error": {"code": "unavailable"}})
    )
    page.get_by_role("button", name="Refresh").click()
    expect(page.locator("#notice")).to_contain_text("not answering right now")
    expect(page.locator("#notice")).to_contain_text("from the last update")
    expect(page.locator(".card[data-metric=nps]")).to_be_visible()
    visit.shoot("dashboard-unavailable")
    page.unroute("**/v1/metrics*")
    page.get_by_role("button", name="Refresh").click()
    expect(page.locator("#notice")).to_be_hidden()
    assert_clean(visit, fed.client.base_url, answered_with=(503,))


def test_the_token_stays_in_the_tab_and_a_bad_one_is_told_kindly(fed: Fed, open_tab: OpenTab) -> None:
    visit = open_tab(f"{fed.client.base_url}/dashboard/", size="phone")
    page = visit.page
    expect(page.locator("#sign-in")).to_contain_text("Cognito")  # what replaces pasting on AWS
    paste_token(page, "not-a-token")
    expect(page.locator("#token-error")).to_contain_text("not a cxloop staff token")

    forged = mint_token("someone-elses-secret-of-at-least-32-bytes", role="executive", user="mallory")
    paste_token(page, forged)
    expect(page.locator("#token-error")).to_contain_text("missing, expired or not valid")
    assert page.evaluate("sessionStorage.length") == 0  # a refused token is forgotten

    token = token_of("executive")
    paste_token(page, token)
    expect(page.locator("#view-title")).to_be_visible()
    assert token not in page.url
    assert page.evaluate("localStorage.length") == 0
    assert page.evaluate("Object.values(sessionStorage)") == [token]
    page.reload()  # the same tab keeps it
    expect(page.locator("#view-title")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("#sign-in")).to_be_visible()
    assert page.evaluate("sessionStorage.length") == 0
    visit.shoot("dashboard-sign-in")
    assert_clean(visit, fed.client.base_url, answered_with=(401,))


def test_the_gateway_serves_the_files_with_a_strict_policy(fed: Fed) -> None:
    http = fed.client.http
    index = http.get(fed.client.url("/dashboard/"), timeout=10)
    assert index.status_code == 200 and index.headers["Content-Type"] == "text/html; charset=utf-8"
    assert index.headers["Cache-Control"] == "no-store"
    policy = index.headers["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "connect-src 'self'",
        "script-src 'self'",
        "frame-ancestors 'none'",
    ):
        assert directive in policy
    assert "unsafe-inline" not in policy
    script = http.get(fed.client.url("/dashboard/app.js"), timeout=10)
    assert script.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert http.get(fed.client.url("/dashboard/config.json"), timeout=10).json()["apiUrl"] == ""
    moved = http.get(fed.client.url("/dashboard"), timeout=10, allow_redirects=False)
    assert moved.status_code == 308 and moved.headers["Location"] == "/dashboard/"
    for outside in ("/dashboard/..%2Fpipeline.py", "/dashboard/nothing.js", "/dashboard/.hidden.js"):
        assert http.get(fed.client.url(outside), timeout=10).status_code == 404, outside


# --- signing in: OAuth 2.0 code grant with PKCE against the local stand-in for Cognito ----------


def test_a_branch_manager_signs_in_through_the_authorization_server_and_out(
    fed: Fed, open_tab: OpenTab
) -> None:
    visit = open_tab(f"{fed.client.base_url}/dashboard/", size="phone")
    page = visit.page
    expect(page.locator("#sign-in-button")).to_be_focused()
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", name="Sign in to cxloop (local)")).to_be_visible()
    authorize = page.url
    assert "/_local/oauth2/authorize?" in authorize
    for parameter in ("code_challenge_method=S256", "response_type=code", "client_id=cxloop-dashboard-local"):
        assert parameter in authorize
    expect(page.locator("main")).to_contain_text("stand-in for Amazon Cognito")
    # The organisation's people, with role and scope, and the generic roles.
    manager = page.get_by_role("button", name="Verónica Salgado")
    expect(manager).to_contain_text("branch:quito-norte")
    expect(page.get_by_role("button", name="Any executive")).to_be_visible()
    visit.shoot("dashboard-local-sign-in")
    manager.click()

    expect(page.locator("#view-title")).to_have_text("Quito Norte: my branch")
    expect(page.locator("#who")).to_contain_text("Branch manager · ec-qn-manager · branch:quito-norte")
    assert_cards(page, answers_in(branch="quito-norte"))
    # The code and state left the address bar; only the ID token stays, in this tab.
    assert page.url == f"{fed.client.base_url}/dashboard/"
    (token,) = page.evaluate("Object.values(sessionStorage)")
    assert page.evaluate("localStorage.length") == 0
    mine = fed.client.staff_get("/v1/metrics", token=token)
    assert mine.status_code == 200 and mine.json()["scope"] == "branch:quito-norte"

    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("#sign-in-button")).to_be_visible()
    assert page.url == f"{fed.client.base_url}/dashboard/"
    assert page.evaluate("sessionStorage.length") == 0
    page.reload()  # signed out for good, not only on screen
    expect(page.locator("#sign-in-button")).to_be_visible()
    assert_clean(visit, fed.client.base_url)


def test_a_tampered_state_is_refused_with_a_message(fed: Fed, open_tab: OpenTab) -> None:
    visit = open_tab(f"{fed.client.base_url}/dashboard/", size="desktop")
    page = visit.page
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("button", name="Verónica Salgado")).to_be_visible()
    # Someone swaps the state on the way: the answer no longer matches what this tab sent.
    page.locator('input[name="state"]').evaluate("input => { input.value = 'forged-state'; }")
    page.get_by_role("button", name="Verónica Salgado").click()
    expect(page.locator("#token-error")).to_contain_text("refused")
    expect(page.locator("#sign-in-button")).to_be_visible()
    expect(page.locator("#view")).to_be_hidden()
    assert "code=" not in page.url and "state=" not in page.url
    assert page.evaluate("sessionStorage.length") == 0
    visit.shoot("dashboard-sign-in-refused")
    assert_clean(visit, fed.client.base_url)


def test_the_token_endpoint_refuses_a_wrong_verifier_and_a_spent_code(fed: Fed) -> None:
    """Plain HTTP, as someone holding a stolen code but not the verifier would try."""
    http, base = fed.client.http, fed.client.base_url
    verifier = "v" * 43 + uuid.uuid4().hex
    digest = hashlib.sha256(verifier.encode()).digest()
    challenge = base64.urlsafe_b64encode(digest).decode().rstrip("=")
    request = {
        "response_type": "code",
        "client_id": "cxloop-dashboard-local",
        "redirect_uri": f"{base}/dashboard/",
        "scope": "openid",
        "state": "s-1",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }

    def code() -> str:
        chosen = http.post(
            f"{base}/_local/oauth2/authorize",
            data={**request, "identity": "person:ec-qn-manager"},
            allow_redirects=False,
            timeout=10,
        )
        assert chosen.status_code == 303, chosen.text
        return parse_qs(urlsplit(chosen.headers["Location"]).query)["code"][0]

    def exchange(one: str, with_verifier: str) -> Any:
        form = {
            "grant_type": "authorization_code",
            "client_id": "cxloop-dashboard-local",
            "code": one,
            "redirect_uri": f"{base}/dashboard/",
            "code_verifier": with_verifier,
        }
        return http.post(f"{base}/_local/oauth2/token", data=form, timeout=10)

    stolen = code()
    refused = exchange(stolen, "w" * 43)
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
    assert exchange(stolen, verifier).status_code == 400  # spent by the failed attempt
    granted = exchange(code(), verifier)
    assert granted.status_code == 200
    assert fed.client.staff_get("/v1/tickets", token=granted.json()["id_token"]).status_code == 200
    elsewhere = http.get(
        f"{base}/_local/oauth2/authorize",
        params={**request, "redirect_uri": "https://evil.example/dashboard/"},
        allow_redirects=False,
        timeout=10,
    )
    assert elsewhere.status_code == 400 and "Location" not in elsewhere.headers
