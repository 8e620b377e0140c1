"""The dashboard on the demo's data: the insurer `make demo` plays (its events and its customers'
answers, from the demo's own generator and seed) fed into a runtime of its own, then each level's
view in headless Chromium. Every figure shown is checked against the submitted forms counted here
directly (infra.local.demo.metrics), not against the pipeline's scoring code."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from cxloop.domain.feedback.metrics import Estimate, ces, csat, nps
from infra.local.defaults import WEBHOOK_SECRET
from infra.local.demo.answers import Plan, plan_answers
from infra.local.demo.events import make_events
from infra.local.demo.http import Http
from infra.local.demo.insurer import BRANCHES, COUNTRY_NAMES
from infra.local.demo.metrics import Direct
from infra.local.erp import event_body, post_event
from tests.browser.conftest import Visit
from tests.browser.test_dashboard import ORG_FILE, assert_clean, assert_shows, cli, token_of
from tests.e2e.conftest import Client, Served, start_runtime, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

OpenTab = Callable[..., Visit]
# Fewer events than `make demo`'s 200, from the same generator and seed: enough answers for
# every branch, and the module stays quick.
EVENTS, SEED = 120, 7


@dataclass
class DemoDay:
    client: Client
    plans: list[Plan]

    def forms(self, *, country: str | None = None, branch: str | None = None) -> list[dict[str, str]]:
        return [
            p.form
            for p in self.plans
            if (country is None or p.event["touchpoint"]["country"] == country)
            and (branch is None or p.branch == branch)
        ]


def figures(forms: list[dict[str, str]]) -> dict[str, Estimate]:
    """NPS, CSAT and CES with their intervals, from the direct counts."""
    direct = Direct.of(forms)
    sum_sq = sum(int(f["ces"]) ** 2 for f in forms if f.get("ces"))
    return {
        "nps": nps(direct.promoters, direct.passives, direct.detractors),
        "csat": csat(direct.csat_satisfied, direct.csat_answers),
        "ces": ces(direct.ces_sum, direct.ces_answers, sum_sq),
    }


@pytest.fixture(scope="module")
def demo_day(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoDay]:
    served: Served = start_runtime(tmp_path_factory.mktemp("demo-day"))
    try:
        client = Client(served.base_url, served.log_file)
        published = cli("config", "push", "organisation", str(ORG_FILE), "--url", client.base_url)
        assert published.returncode == 0, published.stderr
        rng = random.Random(SEED)
        events = make_events(EVENTS, rng)
        http = Http(client.base_url)
        assert all(
            post_event(http.base_url, event_body(event), WEBHOOK_SECRET, http.session).status_code == 202
            for event in events
        )
        outbox = wait_for(lambda: sent if len(sent := client.outbox()) >= EVENTS else None, timeout_s=60)
        plans, _ = plan_answers(outbox, events, rng)
        for plan in plans:
            assert http.post(plan.url, data=plan.form).status_code == 200
        wait_for(lambda: client.staff_get("/v1/metrics?scope=all").json()["responses"] == len(plans), 60)
        yield DemoDay(client, plans)
    finally:
        served.stop()


def signed_in(open_tab: OpenTab, day: DemoDay, role: str, size: str) -> Visit:
    visit = open_tab(f"{day.client.base_url}/dashboard/", size=size)
    page = visit.page
    if page.locator("#token-disclosure").get_attribute("open") is None:
        page.get_by_text("Use a token").click()
    page.locator("#token").fill(token_of(role))
    page.get_by_role("button", name="Open the dashboard").click()
    expect(page.locator("#updated")).to_contain_text("Updated")
    return visit


def assert_cards(page: Page, forms: list[dict[str, str]]) -> None:
    for metric, estimate in figures(forms).items():
        card = page.locator(f".card[data-metric={metric}]")
        assert_shows(card.locator(".value").inner_text(), estimate.value, metric)
        assert_shows(card.locator(".low").inner_text(), estimate.low, metric)
        assert_shows(card.locator(".high").inner_text(), estimate.high, metric)
        expect(card.locator(".count")).to_have_text(str(estimate.n))


def assert_compared(page: Page, scope: str, forms: list[dict[str, str]]) -> None:
    row = page.locator(f'#compared-table tr[data-scope="{scope}"]')
    expect(row.locator("td.responses")).to_have_text(str(len(forms)))
    for metric, estimate in figures(forms).items():
        assert_shows(row.locator(f"td.{metric} .value").inner_text(), estimate.value, metric)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_executive_sees_the_demo_days_countries(demo_day: DemoDay, open_tab: OpenTab, size: str) -> None:
    visit = signed_in(open_tab, demo_day, "executive", size)
    page = visit.page
    expect(page.locator("#view-title")).to_have_text("The company: countries compared")
    assert_cards(page, demo_day.forms())
    for country in COUNTRY_NAMES:
        assert_compared(page, f"country:{country}", demo_day.forms(country=country))
    visit.shoot("dashboard-demo-executive")
    assert_clean(visit, demo_day.client.base_url)


def test_the_country_manager_sees_the_demo_days_branches(demo_day: DemoDay, open_tab: OpenTab) -> None:
    visit = signed_in(open_tab, demo_day, "country-manager", "desktop")
    page = visit.page
    expect(page.locator("#view-title")).to_have_text("Ecuador: branches compared")
    assert_cards(page, demo_day.forms(country="EC"))
    for branch in (b for b in BRANCHES if b.country == "EC"):
        assert_compared(page, f"branch:{branch.id}", demo_day.forms(branch=branch.id))
    assert "Madrid" not in page.locator("main").inner_text()
    assert_clean(visit, demo_day.client.base_url)


def test_the_branch_manager_sees_the_demo_days_branch(demo_day: DemoDay, open_tab: OpenTab) -> None:
    visit = signed_in(open_tab, demo_day, "branch-manager", "phone")
    page = visit.page
    expect(page.locator("#view-title")).to_have_text("Quito Norte: my branch")
    mine = demo_day.forms(branch="quito-norte")
    assert len(mine) >= 10, "the demo's generator gives Quito Norte a real share of the answers"
    assert_cards(page, mine)
    visit.shoot("dashboard-demo-branch-manager")
    assert_clean(visit, demo_day.client.base_url)
