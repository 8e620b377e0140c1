"""Browser tests: the local runtime started as tests/e2e starts it, and Debian's headless
Chromium (/usr/bin/chromium, installed by `make browser`) driven by Playwright.

Playwright's own browser downloads are never used (`playwright install` is not run): the
browser is the distribution's, passed as executable_path.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.e2e.conftest import REPO, Client, Served, start_runtime
from tests.helpers import load_event

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = REPO / ".cxloop" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
SIZES = {"phone": PHONE, "desktop": DESKTOP}
LOCALES = {"es": "es-EC", "en": "en-US", "pt": "pt-BR", "fr": "fr-FR"}


@pytest.fixture(scope="session")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    served = start_runtime(tmp_path_factory.mktemp("browser-runtime"))
    yield served
    served.stop()


@pytest.fixture
def client(runtime: Served) -> Client:
    return Client(runtime.base_url, runtime.log_file)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (Debian's chromium package)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield browser
        browser.close()


@dataclass
class Visit:
    """One tab, with everything it logged and every address it asked for."""

    page: Page
    size: str
    errors: list[str] = field(default_factory=list)
    requested: list[str] = field(default_factory=list)
    # "404 http://...": the responses behind Chromium's bare "Failed to load resource" errors.
    refused: list[str] = field(default_factory=list)

    def foreign_requests(self, base_url: str) -> list[str]:
        """Requests to anything but the local runtime (inline data: images are not requests out)."""
        home = urlsplit(base_url).netloc
        return [
            url
            for url in self.requested
            if not url.startswith(("data:", "about:")) and urlsplit(url).netloc != home
        ]

    def horizontal_overflow(self) -> int:
        return int(self.page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))

    def shoot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}-{self.size}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def open_tab(chromium: Browser) -> Iterator[Callable[..., Visit]]:
    """open_tab(url, size="phone", javascript=True): a fresh browser profile per call."""
    contexts: list[BrowserContext] = []

    def open_(url: str, *, size: str = "phone", javascript: bool = True) -> Visit:
        context = chromium.new_context(
            viewport=SIZES[size],  # type: ignore[arg-type]
            is_mobile=size == "phone",
            has_touch=size == "phone",
            java_script_enabled=javascript,
        )
        contexts.append(context)
        visit = Visit(context.new_page(), size)
        visit.page.on("console", lambda m: visit.errors.append(m.text) if m.type == "error" else None)
        visit.page.on("pageerror", lambda exc: visit.errors.append(str(exc)))
        context.on("request", lambda request: visit.requested.append(request.url))
        context.on(
            "response",
            lambda answer: (
                visit.refused.append(f"{answer.status} {answer.url}") if answer.status >= 400 else None
            ),
        )
        visit.page.goto(url)
        return visit

    yield open_
    for context in contexts:
        context.close()


@dataclass(frozen=True)
class Invited:
    url: str
    subject: str
    customer_id: str


def invite(client: Client, language: str, touchpoint: dict[str, str] | None = None) -> Invited:
    """A signed ERP event for a customer speaking `language` (at `touchpoint`, if given: the
    published catalogue may choose another survey there); their survey link from the outbox."""
    event = load_event("erp/claim_reported")
    event["touchpoint"].update(touchpoint or {})
    tag = uuid.uuid4().hex[:10]
    event["event_id"] = f"browser-{language}-{tag}"
    # A customer of their own: the contact policy holds surveys for one with an open complaint.
    event["customer"].update(
        id=f"B-{tag}", locale=LOCALES[language], email=f"b-{tag}@example.com", preferred_channel="email"
    )
    accepted = client.post_event(json.dumps(event, ensure_ascii=False).encode("utf-8"))
    assert accepted.status_code == 202, accepted.text
    message = client.message_to(event["customer"]["email"])
    return Invited(url=message["survey_url"], subject=message["subject"], customer_id=event["customer"]["id"])
