"""survey_page: GET /s/{token} renders (never changes state); POST records once
(docs/ARCHITECTURE.md, The public contract)."""

from __future__ import annotations

from cxloop.startup import built_once

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types

from cxloop.adapters.config_store import CachedRulebook, DynamoConfigStore, survey_library
from cxloop.adapters.invitations import DynamoInvitationStore
from cxloop.adapters.messaging import SqsQueue
from cxloop.adapters.responses import DynamoResponseStore
from cxloop.config import settings
from cxloop.domain.kernel.errors import CxloopError, FieldProblem, InvalidInput, Unavailable
from cxloop.domain.kernel.queues import MessageQueue
from cxloop.domain.surveys import page_document, pages
from cxloop.domain.surveys.ports import InvitationStore, ResponseStore
from cxloop.domain.surveys.survey_catalogue import SurveyLibrary, built_in_library
from cxloop.domain.surveys.survey_page import Link, Recorded, look_up, record_answers, survey_for
from cxloop.domain.surveys.theme import DEFAULT_THEME, Theme
from cxloop.http import error_response, header, make_resolver
from cxloop.observability import MetricUnit, logger, metrics, set_correlation_id

MAX_FORM_BYTES = 64 * 1024
_STATUS_OF_STATE = {"open": 200, "answered": 409, "expired": 410, "unknown": 404, "unavailable": 503}
# The token is in the URL: never leak it through Referer, caches or frames.
_PAGE_HEADERS = {
    "Content-Security-Policy": page_document.CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}


@dataclass(frozen=True)
class Deps:
    invitations: InvitationStore
    responses: ResponseStore
    scoring: MessageQueue
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    # One brand for now; choosing it per touchpoint from data comes with the theming issue.
    theme: Theme = DEFAULT_THEME
    # Finds the definition (id, version, catalogue version) each invitation was sent with.
    library: SurveyLibrary = field(default_factory=built_in_library)


def html(status: int, body: str) -> Response[str]:
    return Response(status, "text/html; charset=utf-8", body, headers=_PAGE_HEADERS)


def place_of(link: Link) -> str:
    touchpoint = link.invitation.touchpoint if link.invitation else None
    return (touchpoint.name or touchpoint.id) if touchpoint else ""


def create_app(deps: Deps) -> APIGatewayRestResolver:
    app = make_resolver()

    @app.get("/s/<token>")
    def show(token: str) -> Response[str]:
        link = look_up(token, now=deps.clock(), invitations=deps.invitations)
        if link.state != "open" or link.invitation is None:
            return dead_end(deps, link.state, link.language)
        set_correlation_id(link.invitation.correlation_id)
        return html(200, form_page(deps, token, link))

    @app.post("/s/<token>")
    def submit(token: str) -> Response[Any]:
        wants_json = "json" in (header(app.current_event.headers, "Content-Type") or "")
        raw = submitted_answers(app.current_event.body or "", wants_json=wants_json)
        try:
            recorded = record_answers(
                token,
                raw,
                now=deps.clock(),
                invitations=deps.invitations,
                responses=deps.responses,
                scoring=deps.scoring,
                library=deps.library,
            )
        except (InvalidInput, Unavailable) as problem:
            if wants_json:
                raise
            return form_problem(deps, token, raw, problem)
        return answered(deps, recorded, wants_json=wants_json)

    return app


def dead_end(deps: Deps, state: str, language: str) -> Response[str]:
    page = page_document.dead_end_page(state, language=language, theme=deps.theme)
    return html(_STATUS_OF_STATE[state], page)


def form_page(
    deps: Deps,
    token: str,
    link: Link,
    raw: dict[str, object] | None = None,
    problem: InvalidInput | None = None,
) -> str:
    assert link.invitation is not None, "only an open link shows the form"
    return pages.survey_page(
        survey_for(link.invitation, deps.library),
        language=link.language,
        place=place_of(link),
        answers=raw,
        problems=problem.details if problem else None,
        theme=deps.theme,
        draft=pages.draft_key(token),
    )


def form_problem(deps: Deps, token: str, raw: dict[str, object], problem: CxloopError) -> Response[str]:
    """A form post that failed: show the form again with the problem, or ask to retry.

    On Unavailable the answers may already be stored; the customer's resubmission
    then finds them and re-queues them for scoring, so nothing is lost.
    """
    if isinstance(problem, Unavailable):
        return dead_end(deps, "unavailable", _language_of(deps, token))
    assert isinstance(problem, InvalidInput)
    link = look_up(token, now=deps.clock(), invitations=deps.invitations)
    return html(400, form_page(deps, token, link, raw, problem))


def _language_of(deps: Deps, token: str) -> str:
    try:
        return look_up(token, now=deps.clock(), invitations=deps.invitations).language
    except Unavailable:
        return "es"


def answered(deps: Deps, recorded: Recorded, *, wants_json: bool) -> Response[Any]:
    state = recorded.link.state
    if recorded.response is None:
        if not wants_json:
            return dead_end(deps, state, recorded.link.language)
        code = {"answered": "already_answered", "expired": "expired", "unknown": "not_found"}[state]
        return error_response(_STATUS_OF_STATE[state], code, f"this survey link is {state}")
    response = recorded.response
    set_correlation_id(response.correlation_id)
    logger.info("answers recorded", extra={"response_id": response.response_id})
    metrics.add_metric(name="AnswersRecorded", unit=MetricUnit.Count, value=1)
    if wants_json:
        body = {"response_id": response.response_id, "status": "recorded"}
        return Response(201, content_types.APPLICATION_JSON, body)
    page = pages.thanks_page(language=recorded.link.language, answers=response.answers, theme=deps.theme)
    return html(200, page)


def submitted_answers(body: str, *, wants_json: bool) -> dict[str, object]:
    """Form fields, or JSON {"answers": {...}}; anything else is a 400 naming the body."""
    if len(body.encode("utf-8")) > MAX_FORM_BYTES:
        raise InvalidInput("the answers are too large", [FieldProblem("body", "too large")])
    if not wants_json:
        # A multiple-choice question posts one field per ticked box: those stay a list.
        return {
            key: values[-1] if len(values) == 1 else values
            for key, values in parse_qs(body, keep_blank_values=True).items()
        }
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as exc:
        # RecursionError: deeply nested brackets from anyone on the internet must be a 400, not a 500.
        raise InvalidInput("body is not valid JSON", [FieldProblem("body", str(exc))]) from exc
    answers = document.get("answers") if isinstance(document, dict) else None
    if not isinstance(answers, dict):
        raise InvalidInput('expected {"answers": {...}}', [FieldProblem("answers", "must be an object")])
    return answers


@built_once
def _app() -> APIGatewayRestResolver:
    config = settings()
    store = DynamoConfigStore(config.table("config"))
    return create_app(
        Deps(
            invitations=DynamoInvitationStore(config.table("invitations")),
            responses=DynamoResponseStore(config.table("responses"), config.table("invitations")),
            scoring=SqsQueue(config.queue_url("responses")),
            library=survey_library(store, CachedRulebook(store, reads=("surveys",))),
        )
    )


@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _app().resolve(event, context)
