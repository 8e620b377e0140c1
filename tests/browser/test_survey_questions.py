"""A published survey with every kind of question the page draws beyond the default survey's:
a driver grid, multiple choice and single choice. Headless Chromium, phone and desktop, against
the local runtime: the catalogue is published over the staff API, the link comes from the ERP
event, the answers are checked where score_response reads them."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.browser.conftest import Invited, invite
from tests.browser.test_survey_page import OpenTab, assert_clean, choose
from tests.e2e.conftest import Client, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

GRID = {"en": "How was the desk?", "es": "¿Cómo fue la atención?"}
DESK_SURVEY: dict[str, Any] = {
    "id": "desk",
    "version": 1,
    "questions": [
        {
            "id": "nps",
            "kind": "scale",
            "min": 0,
            "max": 10,
            "required": True,
            "label": {"en": "Recommend us?"},
        },
        {"id": "staff", "kind": "scale", "min": 1, "max": 5, "grid": GRID, "label": {"en": "Staff"}},
        {"id": "speed", "kind": "scale", "min": 1, "max": 5, "grid": GRID, "label": {"en": "Speed"}},
        {
            "id": "topics",
            "kind": "multiple",
            "label": {"en": "What was it about?"},
            "options": [
                {"value": "claim", "label": {"en": "A claim"}},
                {"value": "bill", "label": {"en": "A bill"}},
                {"value": "policy", "label": {"en": "My policy"}},
            ],
        },
        {
            "id": "visit",
            "kind": "choice",
            "label": {"en": "How did you come?"},
            "options": [
                {"value": "walk_in", "label": {"en": "Walked in"}},
                {"value": "appointment", "label": {"en": "By appointment"}},
            ],
        },
    ],
}
DESK_TOUCHPOINT = {"id": "browser-desk-1", "name": "Desk survey branch"}


@pytest.fixture
def desk_catalogue(client: Client) -> None:
    """The catalogue choosing the desk survey at browser-desk-* only (other tests keep the default);
    publishing the same document again is harmless."""
    document = {
        "surveys": [DESK_SURVEY],
        "rules": [{"name": "browser_desk", "touchpoint": "browser-desk-*", "survey": "desk"}],
    }
    published = client.http.put(
        client.url("/v1/config/surveys"),
        json={"document": document, "note": "browser test: every question kind"},
        headers={"Authorization": f"Bearer {client.staff_token}"},
        timeout=10,
    )
    assert published.status_code == 200, published.text


def desk_invitation(client: Client) -> Invited:
    """An invitation to the desk survey: the rulebook reaches the functions within seconds."""

    def chosen() -> Invited | None:
        invited = invite(client, "en", DESK_TOUCHPOINT)
        return invited if "How was the desk?" in requests.get(invited.url, timeout=10).text else None

    found: Invited = wait_for(chosen, timeout_s=20, interval_s=0.5)
    return found


def stored_answers(client: Client, customer_id: str) -> dict[str, Any]:
    """The answers as the responses table holds them, found by the customer's id."""
    db = client.aws("dynamodb")

    def found() -> dict[str, Any] | None:
        for item in db.scan(TableName="responses")["Items"]:
            doc = json.loads(item["doc"]["S"])
            if doc["customer"]["id"] == customer_id:
                return dict(doc["answers"])
        return None

    return dict(wait_for(found))


def boxes(page: Page, name: str) -> list[str]:
    return [box.get_attribute("value") or "" for box in page.locator(f'input[name="{name}"]:checked').all()]


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_grid_multiple_and_single_choice_are_answered_kept_in_the_draft_and_recorded(
    client: Client, open_tab: OpenTab, desk_catalogue: None, size: str
) -> None:
    invited = desk_invitation(client)
    visit = open_tab(invited.url, size=size)
    page = visit.page

    grid = page.get_by_role("group", name="How was the desk?")
    expect(grid).to_be_visible()
    expect(grid.get_by_role("group", name="Staff")).to_be_visible()
    expect(grid.get_by_role("group", name="Speed")).to_be_visible()
    expect(page.locator('input[name="topics"]')).to_have_count(3)
    assert page.locator('input[name="topics"]').first.get_attribute("type") == "checkbox"

    choose(page, "nps-8")
    choose(page, "staff-4")
    choose(page, "speed-2")
    choose(page, "topics-claim")
    choose(page, "topics-policy")
    choose(page, "visit-appointment")
    # A second tap unticks a checkbox, as people expect; the keyboard's space ticks it again.
    choose(page, "topics-policy")
    assert boxes(page, "topics") == ["claim"]
    page.locator("#topics-bill").focus()
    page.keyboard.press("Space")
    assert boxes(page, "topics") == ["claim", "bill"]

    page.reload()
    # The draft brings back every kind of answer.
    for control in ("nps-8", "staff-4", "speed-2", "topics-claim", "topics-bill", "visit-appointment"):
        expect(page.locator(f"#{control}")).to_be_checked()
    expect(page.locator("#topics-policy")).not_to_be_checked()
    visit.shoot("survey-question-kinds")

    with page.expect_navigation():
        page.get_by_role("button", name="Send answers").click()
    expect(page.locator("h1")).to_have_text("Thank you!")
    answers = stored_answers(client, invited.customer_id)
    assert answers["topics"] == ["claim", "bill"]
    assert (answers["nps"], answers["staff"], answers["speed"], answers["visit"]) == (8, 4, 2, "appointment")
    assert_clean(visit, client.base_url)
