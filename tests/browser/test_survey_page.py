"""The survey page as a customer uses it: headless Chromium at phone and desktop sizes,
against the local runtime, from the link the customer was sent."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Invited, Visit, invite
from tests.e2e.conftest import Client

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

OpenTab = Callable[..., Visit]

# language -> (email subject start, nps question start, h1, submit button, thank-you title)
SPEAKS = {
    "es": (
        "¿Cómo fue su experiencia",
        "¿Qué tan probable es que nos recomiende",
        "Enviar respuestas",
        "¡Gracias!",
    ),
    "en": ("How was your experience", "How likely are you to recommend us", "Send answers", "Thank you!"),
    "pt": (
        "Como foi sua experiência",
        "Qual é a probabilidade de você nos recomendar",
        "Enviar respostas",
        "Obrigado!",
    ),
    "fr": (
        "Comment s'est passée votre expérience",
        "Quelle est la probabilité que vous nous recommandiez",
        "Envoyer mes réponses",
        "Merci\u00a0!",
    ),
}
FOLLOW_UPS = ("comment", "callback", "callback_time", "praise")


def choose(page: Page, control_id: str) -> None:
    """Tap the option as a person does: on its label, not by setting the input."""
    page.locator(f"label.opt:has(#{control_id})").click()


def question(page: Page, question_id: str) -> object:
    return page.locator(f"#q-{question_id}")


def assert_clean(visit: Visit, base_url: str, *, answered_with: tuple[int, ...] = ()) -> None:
    """No console errors, nothing fetched from elsewhere, no sideways scroll on a phone.

    Chromium logs a page served with 4xx as a console error; `answered_with` names the
    statuses the test itself asserted (400 for a form to fix, 409 for an answered link).
    """
    expected = {
        f"Failed to load resource: the server responded with a status of {code}" for code in answered_with
    }
    errors = [e for e in visit.errors if not any(e.startswith(prefix) for prefix in expected)]
    assert errors == [], errors  # a CSP refusal of our script would show here
    assert visit.foreign_requests(base_url) == []
    if visit.size == "phone":
        assert visit.horizontal_overflow() <= 0, "the page scrolls sideways on a phone"


@pytest.mark.parametrize("size", ["phone", "desktop"])
@pytest.mark.parametrize("language", ["es", "en", "pt", "fr"])
def test_the_customer_reads_the_survey_in_their_language(
    client: Client, open_tab: OpenTab, language: str, size: str
) -> None:
    subject, nps_question, submit, _ = SPEAKS[language]
    invited = invite(client, language)
    assert invited.subject.startswith(subject)
    visit = open_tab(invited.url, size=size)
    page = visit.page

    assert page.locator("html").get_attribute("lang") == language
    expect(page.locator("h1")).to_have_text("Claims desk")
    expect(page.locator("#q-nps legend")).to_contain_text(nps_question)
    expect(page.get_by_role("button", name=submit)).to_be_visible()
    # With JavaScript, the follow-ups wait for the score and the no-script notes are gone.
    for follow_up in FOLLOW_UPS:
        expect(page.locator(f"#q-{follow_up}")).to_be_hidden()
    expect(page.locator(".draft-note")).to_be_visible()
    if size == "phone":
        for box in (page.locator("#q-nps label.opt").nth(i).bounding_box() for i in range(11)):
            assert box is not None and box["width"] >= 44 and box["height"] >= 44
    visit.shoot(f"survey-{language}")
    assert_clean(visit, client.base_url)


def test_a_low_score_reveals_the_detractor_questions_and_a_high_one_the_praise(
    client: Client, open_tab: OpenTab
) -> None:
    visit = open_tab(invite(client, "en").url, size="phone")
    page = visit.page

    choose(page, "nps-3")
    expect(page.locator("#q-comment label")).to_contain_text("What went wrong")
    expect(page.locator("#q-callback")).to_be_visible()
    expect(page.locator("#q-callback_time")).to_be_hidden()
    expect(page.locator("#q-praise")).to_be_hidden()
    choose(page, "callback-yes")
    expect(page.locator("#q-callback_time")).to_be_visible()
    visit.shoot("detractor-follow-ups")
    # The narrowest phones we design for: every question shown, still no sideways scroll.
    page.set_viewport_size({"width": 360, "height": 740})
    assert visit.horizontal_overflow() <= 0
    assert all(
        (box := label.bounding_box()) and box["width"] >= 44 for label in page.locator("label.opt").all()
    )

    choose(page, "nps-9")
    expect(page.locator("#q-praise")).to_be_visible()
    expect(page.locator("#q-praise .hint")).to_have_text("Thank you for the great score!")
    for hidden in ("comment", "callback", "callback_time"):
        expect(page.locator(f"#q-{hidden}")).to_be_hidden()
    # Hidden questions are disabled too, so the browser does not even send them.
    assert page.locator("#callback-yes").is_disabled()
    choose(page, "nps-7")
    # A passive may comment and ask for a call (a request ticket).
    expect(page.locator("#q-comment")).to_be_visible()
    expect(page.locator("#q-callback")).to_be_visible()
    assert_clean(visit, client.base_url)


def test_the_survey_can_be_completed_with_the_keyboard_alone(client: Client, open_tab: OpenTab) -> None:
    visit = open_tab(invite(client, "es").url, size="desktop")
    page, keys = visit.page, visit.page.keyboard

    keys.press("Tab")  # into the score: the first option takes the focus
    assert page.evaluate("document.activeElement.id") == "nps-0"
    focus_ring = page.evaluate("getComputedStyle(document.activeElement.nextElementSibling).outlineStyle")
    assert focus_ring == "solid", "the focused option must show a visible focus ring"
    keys.press("ArrowRight")
    keys.press("ArrowRight")  # 2: a detractor
    keys.press("Tab")
    keys.press("Space")  # csat 1
    keys.press("Tab")
    keys.press("ArrowRight")  # ces 2
    keys.press("Tab")
    assert page.evaluate("document.activeElement.id") == "comment"
    keys.type("Nadie me llamó")
    keys.press("Tab")
    keys.press("Space")  # callback: Sí
    keys.press("Tab")
    keys.press("ArrowDown")  # callback_time: from "mañana" to "tarde"
    assert page.evaluate("document.activeElement.id") == "callback_time-afternoon"
    keys.press("Tab")
    assert page.evaluate("document.activeElement.tagName") == "BUTTON"
    with page.expect_navigation():
        keys.press("Enter")

    expect(page.locator("h1")).to_have_text("¡Gracias!")
    expect(page.locator("main")).to_contain_text("lo contactará pronto")
    expect(page.locator("main")).to_contain_text("por la tarde")
    visit.shoot("keyboard-thanks")
    assert_clean(visit, client.base_url)


def test_partial_answers_survive_a_reload_and_are_forgotten_once_sent(
    client: Client, open_tab: OpenTab
) -> None:
    invited = invite(client, "pt")
    visit = open_tab(invited.url, size="phone")
    page = visit.page
    choose(page, "nps-4")
    page.locator("#comment").fill("Demorou demais")
    choose(page, "callback-yes")

    page.reload()
    expect(page.locator("#nps-4")).to_be_checked()
    expect(page.locator("#comment")).to_have_value("Demorou demais")
    expect(page.locator("#callback-yes")).to_be_checked()
    expect(page.locator("#q-callback_time")).to_be_visible()
    token = invited.url.rsplit("/", 1)[-1]
    stored = page.evaluate("Object.keys(localStorage).map(k => [k, localStorage.getItem(k)])")
    assert len(stored) == 1
    key, value = stored[0]
    assert key.startswith("cxloop:draft:") and token not in key and token not in value
    assert '"comment":"Demorou demais"' in value

    with page.expect_navigation():
        page.get_by_role("button", name="Enviar respostas").click()
    expect(page.locator("h1")).to_have_text("Obrigado!")
    assert page.evaluate("localStorage.length") == 0
    assert_clean(visit, client.base_url)


def test_answers_are_recorded_once_and_a_second_post_is_told_so(client: Client, open_tab: OpenTab) -> None:
    # The same link open in two tabs: the second send must not record twice.
    invited: Invited = invite(client, "en")
    first = open_tab(invited.url, size="desktop")
    second = open_tab(invited.url, size="phone")

    choose(first.page, "nps-10")
    first.page.locator("#praise").fill("Quick and kind")
    with first.page.expect_response(invited.url) as sent:
        first.page.get_by_role("button", name="Send answers").click()
    assert sent.value.status == 200
    expect(first.page.locator("h1")).to_have_text("Thank you so much!")
    first.shoot("promoter-thanks")

    choose(second.page, "nps-2")
    with second.page.expect_response(invited.url) as again:
        second.page.get_by_role("button", name="Send answers").click()
    assert again.value.status == 409
    expect(second.page.locator("h1")).to_have_text("Survey already answered")
    assert client.http.get(invited.url, timeout=10).status_code == 409
    assert_clean(first, client.base_url)
    assert_clean(second, client.base_url, answered_with=(409,))


def test_without_javascript_every_question_shows_and_the_server_decides(
    client: Client, open_tab: OpenTab
) -> None:
    visit = open_tab(invite(client, "fr").url, size="phone", javascript=False)
    page = visit.page
    for follow_up in FOLLOW_UPS:
        expect(page.locator(f"#q-{follow_up}")).to_be_visible()
    expect(page.locator("#q-callback .if-note")).to_have_text("Répondez si votre note était de 0 à 8.")
    expect(page.locator(".draft-note")).to_be_hidden()
    visit.shoot("no-script-form")

    with page.expect_response(page.url) as refused:
        page.get_by_role("button", name="Envoyer mes réponses").click()
    assert refused.value.status == 400
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("Veuillez répondre à cette question.")
    expect(summary.locator("a")).to_have_attribute("href", "#nps-0")
    visit.shoot("no-script-error")

    choose(page, "nps-2")
    choose(page, "callback-yes")
    choose(page, "callback_time-evening")
    page.locator("#praise").fill("Rien")  # a promoter's question: the server drops it
    with page.expect_response(page.url) as sent:
        page.get_by_role("button", name="Envoyer mes réponses").click()
    assert sent.value.status == 200
    expect(page.locator("main")).to_contain_text("Un membre de notre équipe vous contactera bientôt.")
    expect(page.locator("main")).to_contain_text("en soirée")
    assert_clean(visit, client.base_url, answered_with=(400,))


def test_an_invalid_send_puts_the_focus_on_the_error_summary(client: Client, open_tab: OpenTab) -> None:
    visit = open_tab(invite(client, "es").url, size="phone")
    page = visit.page
    choose(page, "csat-4")
    with page.expect_response(page.url) as refused:
        page.get_by_role("button", name="Enviar respuestas").click()
    assert refused.value.status == 400
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert page.title().startswith("Error:")
    expect(page.locator("#csat-4")).to_be_checked()  # the answer given is not lost
    page.locator("#error-summary a").click()
    assert page.url.endswith("#nps-0")
    expect(page.locator("#q-nps .error")).to_contain_text("Responda esta pregunta.")
    visit.shoot("error-summary")
    assert_clean(visit, client.base_url, answered_with=(400,))
