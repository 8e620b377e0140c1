"""unsubscribe_page: GET /u/{token} asks (never changes state: mail scanners open links);
POST /u/{token} (the page's button, or RFC 8058 one-click) records the opt-out once."""

from __future__ import annotations

from cxloop.startup import built_once

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response

from cxloop.adapters.contacts import DynamoContactStore
from cxloop.adapters.optouts import DynamoOptOutLinkStore
from cxloop.adapters.webhooks import announcer_for
from cxloop.config import settings
from cxloop.domain.contact import unsubscribe_page
from cxloop.domain.contact.manners import ContactStore
from cxloop.domain.contact.opt_out import opt_out, via_of
from cxloop.domain.contact.opt_out_links import OptOutLinkStore, look_up
from cxloop.domain.integrations.announcements import Announcer
from cxloop.domain.integrations.customer_events import customer_opted_out
from cxloop.domain.kernel.errors import Unavailable
from cxloop.domain.surveys.page_document import CONTENT_SECURITY_POLICY
from cxloop.domain.surveys.theme import DEFAULT_THEME, Theme
from cxloop.http import make_resolver
from cxloop.observability import MetricUnit, logger, metrics

# The token is in the URL: never leak it through Referer, caches or frames.
_PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}


@dataclass(frozen=True)
class Deps:
    links: OptOutLinkStore
    contacts: ContactStore
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    theme: Theme = DEFAULT_THEME
    # Outbound webhooks' customer.opted_out; None: nobody is told.
    announcer: Announcer | None = None


def html(status: int, body: str) -> Response[str]:
    return Response(status, "text/html; charset=utf-8", body, headers=_PAGE_HEADERS)


def create_app(deps: Deps) -> APIGatewayRestResolver:
    app = make_resolver()

    @app.get("/u/<token>")
    def ask(token: str) -> Response[str]:
        try:
            link = look_up(token, now=deps.clock(), links=deps.links)
        except Unavailable:
            return unavailable(deps)
        if link is None:
            return html(404, unsubscribe_page.unknown_page(theme=deps.theme))
        return html(200, unsubscribe_page.ask_page(language=link.language, theme=deps.theme))

    @app.post("/u/<token>")
    def confirm(token: str) -> Response[str]:
        via = via_of(app.current_event.body or "")
        now = deps.clock()
        try:
            done = opt_out(token, now=now, via=via, links=deps.links, contacts=deps.contacts)
            if done is not None and deps.announcer:
                # Also on a repeat (one webhook-id per customer): the first may have failed to queue.
                opted_out = customer_opted_out(done.link.customer_id, via=via, at=now)
                deps.announcer.announce(opted_out, correlation_id=opted_out.message_id)
        except Unavailable:
            return unavailable(deps)
        if done is None:
            return html(404, unsubscribe_page.unknown_page(theme=deps.theme))
        if not done.already:
            metrics.add_metric(name="OptedOut", unit=MetricUnit.Count, value=1)
        # The customer id is the ERP's pseudonymous key, not personal data.
        logger.info("opted out", extra={"via": via, "already": done.already})
        return html(200, unsubscribe_page.done_page(language=done.link.language, theme=deps.theme))

    return app


def unavailable(deps: Deps) -> Response[str]:
    """A storage hiccup: ask to try again, never a stack trace."""
    return html(503, unsubscribe_page.unavailable_page(theme=deps.theme))


@built_once
def _app() -> APIGatewayRestResolver:
    config = settings()
    return create_app(
        Deps(
            links=DynamoOptOutLinkStore(config.table("optouts")),
            contacts=DynamoContactStore(config.table("contacts")),
            announcer=announcer_for(
                config.table("webhooks"), config.queue_url("webhooks"), ttl_s=config.webhook_cache_ttl_s
            ),
        )
    )


@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _app().resolve(event, context)
