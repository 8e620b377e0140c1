"""What the integration tests share: real adapters on explicit moto clients, the
functions' real `create_app` / `create_step` and `handler`, and the API Gateway and
SQS events they receive, built from the samples in events/ (via tests.helpers)."""

from __future__ import annotations

import hashlib
import importlib
import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from moto.backends import get_backend

from cxloop.adapters.aggregates import DynamoAggregateStore
from cxloop.adapters.call_log import acting_as
from cxloop.adapters.config_store import CachedRulebook, DynamoConfigStore
from cxloop.adapters.contacts import DynamoContactStore, DynamoOpenComplaints
from cxloop.adapters.interactions import DynamoInteractionStore
from cxloop.adapters.invitations import DynamoInvitationStore
from cxloop.adapters.messaging import SesEmailSender, SnsAlertPublisher, SnsSmsSender, SqsQueue
from cxloop.adapters.responses import DynamoResponseStore
from cxloop.adapters.send_log import DynamoSendLog
from cxloop.adapters.suppressions import DynamoSuppressionList
from cxloop.adapters.tickets import DynamoTicketStore
from cxloop.consumer import consume
from cxloop.domain.configuration.documents import publish_document
from cxloop.domain.configuration.rulebook import Rulebook
from cxloop.domain.contact.sending import SendSettings
from cxloop.domain.kernel import tokens
from cxloop.domain.kernel.events import parse_event
from cxloop.domain.kernel.queues import MessageQueue
from cxloop.domain.kernel.signature import sign
from cxloop.domain.organisation.access import Caller
from cxloop.domain.surveys.models import Invitation
from functions.capture_event import handler as capture_event
from functions.open_ticket import handler as open_ticket
from functions.push_alert import handler as push_alert
from functions.score_response import handler as score_response
from functions.send_survey import handler as send_survey
from functions.survey_page import handler as survey_page
from functions.tickets_api import handler as tickets_api
from infra.local.context import LocalLambdaContext
from infra.local.defaults import ACCOUNT_ID, REGION, SENDER_ADDRESS, SUPPRESSION_KEY
from infra.pipeline import PIPELINE
from tests.conftest import LocalAws
from tests.helpers import PERMISSIVE_CONTACT_POLICY, event_bytes, load_event

SECRET = "integration-secret-current"
PREVIOUS_SECRET = "integration-secret-previous"
BASE_URL = "https://cx.segurosandinos.example"
NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
HANDLERS = {f.name: importlib.import_module(f.handler_module) for f in PIPELINE.functions}
# The business key each consumer is idempotent on, as its handler configures it.
# Email links carry 43-character tokens, SMS and WhatsApp links 22 (cxloop.domain.kernel.tokens).
_TOKEN_IN_URL = re.compile(r"/s/([A-Za-z0-9_-]{43}|[A-Za-z0-9_-]{22})(?![A-Za-z0-9_-])")


def context(function: str) -> Any:
    spec = PIPELINE.function(function)
    return LocalLambdaContext(spec.name, spec.timeout_s, spec.memory_mb)


def invoke(function: str, event: dict[str, Any]) -> dict[str, Any]:
    """The function's real Lambda entry point, as Lambda would call it."""
    with acting_as(function):
        return dict(HANDLERS[function].handler(event, context(function)))


def resolve(app: APIGatewayRestResolver, event: dict[str, Any], function: str) -> dict[str, Any]:
    with acting_as(function):
        return dict(app.resolve(event, context(function)))


# --- API Gateway events -------------------------------------------------------------


def with_headers(event: dict[str, Any], **headers: str | None) -> dict[str, Any]:
    """Set (or with None, drop) headers in both of API Gateway's header maps."""
    for name, value in headers.items():
        for field in ("headers", "multiValueHeaders"):
            event[field] = {k: v for k, v in (event.get(field) or {}).items() if k.lower() != name.lower()}
        if value is not None:
            event["headers"][name] = value
            event["multiValueHeaders"][name] = [value]
    return event


def with_query(event: dict[str, Any], **params: str) -> dict[str, Any]:
    event["queryStringParameters"] = dict(params) or None
    event["multiValueQueryStringParameters"] = {k: [v] for k, v in params.items()} or None
    return event


def signed_post(
    body: bytes,
    *,
    secret: str = SECRET,
    timestamp: int | None = None,
    correlation_id: str | None = None,
) -> dict[str, Any]:
    """POST /v1/events as API Gateway hands it over, signed the way the ERP signs."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    event = load_event("apigw/post_event")
    event["body"] = body.decode("utf-8")
    return with_headers(
        event,
        **{
            "X-Cx-Timestamp": stamp,
            "X-Cx-Signature": sign(secret, stamp, body),
            "X-Correlation-Id": correlation_id,
        },
    )


def claim(**changes: Any) -> bytes:
    return event_bytes("erp/claim_reported", **changes)


def survey_request(token: str, sample: str = "apigw/survey_get", body: str | None = None) -> dict[str, Any]:
    """GET or POST /s/{token}: survey_get, survey_post (form) or survey_post_json."""
    event = load_event(sample)
    event["path"] = f"/s/{token}"
    event["pathParameters"] = {"token": token}
    event["requestContext"]["path"] = f"/prod/s/{token}"
    if body is not None:
        event["body"] = body
    return event


def json_answers(**answers: object) -> str:
    return json.dumps({"answers": answers}, ensure_ascii=False)


def tickets_request(*, ticket_id: str | None = None, **query: str) -> dict[str, Any]:
    """GET /v1/tickets (with the query given) or GET /v1/tickets/{ticket_id}, with the
    sample's claims (Quito Norte's branch manager)."""
    if ticket_id is None:
        return with_query(load_event("apigw/tickets_list"), **query)
    event = load_event("apigw/ticket_get")
    event["path"] = f"/v1/tickets/{ticket_id}"
    event["pathParameters"] = {"ticket_id": ticket_id}
    event["requestContext"]["path"] = f"/prod/v1/tickets/{ticket_id}"
    return event


def action_request(ticket_id: str, action: dict[str, Any] | str) -> dict[str, Any]:
    """POST /v1/tickets/{ticket_id}/actions with the sample's claims."""
    event = load_event("apigw/ticket_action")
    event["path"] = f"/v1/tickets/{ticket_id}/actions"
    event["pathParameters"] = {"ticket_id": ticket_id}
    event["requestContext"]["path"] = f"/prod/v1/tickets/{ticket_id}/actions"
    event["body"] = action if isinstance(action, str) else json.dumps(action)
    return event


def as_caller(event: dict[str, Any], role: str, scope: str = "all", user: str = "u-1") -> dict[str, Any]:
    """The same request from someone else: Cognito's claims for that role and scope."""
    event["requestContext"]["authorizer"] = {
        "claims": {"sub": user, "custom:role": role, "custom:scope": scope, "token_use": "id"}
    }
    return event


def header_of(answer: dict[str, Any], name: str) -> str | None:
    for field, pick in (("headers", lambda v: v), ("multiValueHeaders", lambda v: v[0])):
        for key, value in (answer.get(field) or {}).items():
            if key.lower() == name.lower():
                return str(pick(value))
    return None


def body_of(answer: dict[str, Any]) -> Any:
    return json.loads(answer["body"])


# --- SQS events -----------------------------------------------------------------------


def as_sqs(*messages: dict[str, Any], queue: str = "dispatch") -> dict[str, Any]:
    """Messages received from a queue, presented as Lambda's event source mapping does."""
    template = load_event("sqs/one_record")["Records"][0]
    return {"Records": [_record(template, message, queue) for message in messages]}


def _record(template: dict[str, Any], message: dict[str, Any], queue: str) -> dict[str, Any]:
    record = json.loads(json.dumps(template))
    record["messageId"] = message["MessageId"]
    record["receiptHandle"] = message.get("ReceiptHandle", record["receiptHandle"])
    record["body"] = message["Body"]
    record["md5OfBody"] = hashlib.md5(message["Body"].encode(), usedforsecurity=False).hexdigest()
    record["eventSourceARN"] = f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{queue}"
    correlation = (message.get("MessageAttributes") or {}).get("correlation_id")
    if correlation:
        record["messageAttributes"]["correlation_id"]["stringValue"] = correlation["StringValue"]
    else:
        record["messageAttributes"] = {}
    return record


def redelivered(message: dict[str, Any]) -> dict[str, Any]:
    """The same message delivered again after its visibility timeout: a new receipt, same id."""
    return dict(message, ReceiptHandle=f"{message.get('ReceiptHandle', '')}-again")


def lapse_claims(aws: LocalAws) -> None:
    """The minute SQS takes to redeliver a message (its visibility timeout) has passed: every
    send's claim in the send log has lapsed (cxloop.adapters.send_log)."""
    table = aws.table("idempotency")
    for item in aws.clients["dynamodb"].scan(TableName=table, ConsistentRead=True)["Items"]:
        if "claimed_until" in item:
            aws.clients["dynamodb"].update_item(
                TableName=table,
                Key={"id": item["id"]},
                UpdateExpression="SET claimed_until = :past",
                ExpressionAttributeValues={":past": {"N": "0"}},
            )


def one(items: Iterable[Any]) -> Any:
    found = list(items)
    assert len(found) == 1, f"expected exactly one, got {len(found)}: {found!r}"
    return found[0]


# --- what moto saw ------------------------------------------------------------------


def emails() -> list[Any]:
    return list(get_backend("ses")[ACCOUNT_ID][REGION].sent_messages)


def text_messages() -> list[tuple[str, str]]:
    return list(get_backend("sns")[ACCOUNT_ID][REGION].sms_messages.values())


def notifications(aws: LocalAws) -> list[Any]:
    return list(get_backend("sns")[ACCOUNT_ID][REGION].topics[aws.topic_arn("alerts")].sent_notifications)


def scan(aws: LocalAws, table: str) -> list[dict[str, Any]]:
    return list(aws.clients["dynamodb"].scan(TableName=aws.table(table), ConsistentRead=True)["Items"])


def token_in(text: str) -> str:
    found = _TOKEN_IN_URL.search(text)
    assert found, "no survey link in the message"
    return found.group(1)


# --- ports and steps on explicit clients ------------------------------------------------


@dataclass(frozen=True)
class Ports:
    """Real adapters, each given its moto client explicitly (no process-wide client)."""

    aws: LocalAws

    @property
    def db(self) -> Any:
        return self.aws.clients["dynamodb"]

    def interactions(self) -> DynamoInteractionStore:
        return DynamoInteractionStore(self.aws.table("interactions"), self.db)

    def invitations(self) -> DynamoInvitationStore:
        return DynamoInvitationStore(self.aws.table("invitations"), self.db)

    def responses(self) -> DynamoResponseStore:
        return DynamoResponseStore(self.aws.table("responses"), self.aws.table("invitations"), self.db)

    def aggregates(self) -> DynamoAggregateStore:
        return DynamoAggregateStore(
            self.aws.table("aggregates"), self.db, responses_table=self.aws.table("responses")
        )

    def tickets(self) -> DynamoTicketStore:
        """As open_ticket stores them: each new ticket marks its customer in the contacts table."""
        return DynamoTicketStore(self.aws.table("tickets"), self.db, case_marks=self.aws.table("contacts"))

    def queue(self, name: str) -> SqsQueue:
        return SqsQueue(self.aws.queue_url(name), self.aws.clients["sqs"])

    def capture_app(
        self, *, clock: Callable[[], datetime] = lambda: NOW, dispatch: MessageQueue | None = None
    ) -> APIGatewayRestResolver:
        deps = capture_event.Deps(
            interactions=self.interactions(),
            dispatch=dispatch or self.queue("dispatch"),
            secrets=lambda: [SECRET, PREVIOUS_SECRET],
            clock=clock,
        )
        return capture_event.create_app(deps)

    def send_step(self, *, clock: Callable[[], datetime] = lambda: NOW, **overrides: Any) -> Any:
        deps = send_survey.Deps(
            invitations=self.invitations(),
            email=SesEmailSender(self.aws.clients["sesv2"]),
            sms=SnsSmsSender(self.aws.clients["sns"]),
            send_settings=SendSettings(BASE_URL, SENDER_ADDRESS, link_ttl_days=14),
            # As the handler wires it: the records read with the suppression list.
            contacts=self.contacts(suppressions=self.suppressions()),
            open_complaints=DynamoOpenComplaints(self.aws.table("tickets"), self.db),
            rulebook=self.rulebook,
            clock=clock,
            # The handler's send log (the idempotency table); `sends=None` is the control.
            sends=DynamoSendLog(self.aws.table("idempotency"), self.db),
        )
        return send_survey.create_step(replace(deps, **overrides))

    def contacts(self, *, suppressions: DynamoSuppressionList | None = None) -> DynamoContactStore:
        return DynamoContactStore(self.aws.table("contacts"), self.db, suppressions=suppressions)

    def suppressions(self) -> DynamoSuppressionList:
        """The suppression list under the local runtime's key (infra/local/defaults.py)."""
        return DynamoSuppressionList(
            self.aws.table("suppressions"), key=SUPPRESSION_KEY.encode, dynamodb=self.db
        )

    def survey_app(
        self, *, clock: Callable[[], datetime] = lambda: NOW, scoring: MessageQueue | None = None
    ) -> APIGatewayRestResolver:
        deps = survey_page.Deps(
            invitations=self.invitations(),
            responses=self.responses(),
            scoring=scoring or self.queue("responses"),
            clock=clock,
        )
        return survey_page.create_app(deps)

    def score_step(self) -> Any:
        deps = score_response.Deps(
            responses=self.responses(), aggregates=self.aggregates(), tickets=self.queue("tickets")
        )
        return score_response.create_step(deps)

    def config(self) -> DynamoConfigStore:
        return DynamoConfigStore(self.aws.table("config"), self.db)

    def rulebook(self) -> Rulebook:
        return CachedRulebook(self.config(), ttl_s=0)()

    def publish_contact_policy(self, document: dict[str, Any] = PERMISSIVE_CONTACT_POLICY) -> int:
        """Publish a contact_policy as an analyst does through the config API (validated, the
        next version); its version. By default the permissive one (tests.helpers says why)."""
        analyst = Caller(user="analyst", role="executive", scope="all")
        stored = publish_document(
            "contact_policy",
            document,
            caller=analyst,
            expected_version=None,
            note="the tests' company: surveys at once",
            now=NOW,
            store=self.config(),
        )
        return int(stored["version"])

    def ticket_step(self, *, clock: Callable[[], datetime] = lambda: NOW) -> Any:
        deps = open_ticket.Deps(
            tickets=self.tickets(),
            alerts=self.queue("alerts"),
            notices=self.queue("notices"),
            next_turn=self.config().next_turn,
            rulebook=self.rulebook,
            clock=clock,
        )
        return open_ticket.create_step(deps)

    def alert_step(self, *, clock: Callable[[], datetime] = lambda: NOW, sends: Any = None) -> Any:
        """push_alert's step with its send log (the idempotency table), as the handler builds it."""
        publisher = SnsAlertPublisher(self.aws.topic_arn("alerts"), self.aws.clients["sns"])
        log = sends or DynamoSendLog(self.aws.table("idempotency"), self.db, keep_for=timedelta(days=1))
        return push_alert.create_step(push_alert.Deps(publisher=publisher, clock=clock, sends=log))

    def tickets_app(self, *, clock: Callable[[], datetime] = lambda: NOW) -> APIGatewayRestResolver:
        deps = tickets_api.Deps(
            tickets=self.tickets(), follow_ups=self.queue("dispatch"), rulebook=self.rulebook, clock=clock
        )
        return tickets_api.create_app(deps)

    def consumer(self, function: str, step: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
        """The step as its handler runs it: partial batches. The loop's steps keep no Powertools
        idempotency record: their conditional writes on the business key are the guard."""
        return lambda event: consume(event, context(function), step)


def invitation_for(
    sample: str = "erp/claim_reported",
    *,
    created_at: datetime = NOW,
    ttl: timedelta = timedelta(days=14),
    correlation_id: str = "corr-seeded-invitation",
) -> tuple[str, Invitation]:
    """A fresh token and the invitation send_survey would store for the sample event."""
    event = parse_event(event_bytes(sample))
    token = tokens.new_token()
    invitation = Invitation(
        invitation_id=f"inv-{token[:12]}",
        token_hash=tokens.token_hash(token),
        interaction_id=f"int-{token[:12]}",
        correlation_id=correlation_id,
        survey_id="default",
        channel="email" if event.customer.email else "sms",
        event_type=event.event_type,
        customer=event.customer,
        touchpoint=event.touchpoint,
        created_at=created_at,
        expires_at=created_at + ttl,
    )
    return token, invitation


def seed_invitation(ports: Ports, sample: str = "erp/claim_reported", **options: Any) -> str:
    """Store an invitation through the real adapter; answers its token."""
    token, invitation = invitation_for(sample, **options)
    ports.invitations().add(invitation)
    return token


def answered(ports: Ports, **answers: object) -> dict[str, Any]:
    """Ana's response recorded by survey_page, as the message it queued for score_response."""
    token = seed_invitation(ports)
    posted = resolve(
        ports.survey_app(),
        survey_request(token, "apigw/survey_post_json", json_answers(**answers)),
        "survey_page",
    )
    assert posted["statusCode"] == 201, posted
    return dict(one(ports.aws.drain("responses")))


def scored(ports: Ports, **answers: object) -> dict[str, Any]:
    """The ticket request score_response queued for these answers."""
    response = answered(ports, **answers)
    ports.score_step()(json.loads(response["Body"]))
    return dict(one(ports.aws.drain("tickets")))


def reports_request(**query: str) -> dict[str, Any]:
    """GET /v1/reports/health with the query given (`from` is a Python keyword: pass
    **{"from": ...}), with the sample's claims (Quito Norte's branch manager)."""
    event = with_query(load_event("apigw/tickets_list"), **query)
    event["resource"] = event["path"] = "/v1/reports/health"
    event["requestContext"]["resourcePath"] = "/v1/reports/health"
    event["requestContext"]["path"] = "/prod/v1/reports/health"
    return event


# --- opt-out links (/u/{token}) ---------------------------------------------------------

_OPT_OUT_IN_URL = re.compile(r"/u/([A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])")


def opt_out_token_in(text: str) -> str:
    found = _OPT_OUT_IN_URL.search(text)
    assert found, "no opt-out link in the message"
    return found.group(1)


def opt_out_request(token: str, method: str = "GET", body: str | None = None) -> dict[str, Any]:
    """GET or POST /u/{token}, shaped like the survey page's API Gateway samples."""
    event = load_event("apigw/survey_get" if method == "GET" else "apigw/survey_post")
    event["resource"] = "/u/{token}"
    event["path"] = f"/u/{token}"
    event["pathParameters"] = {"token": token}
    event["requestContext"]["path"] = f"/prod/u/{token}"
    event["requestContext"]["resourcePath"] = "/u/{token}"
    event["body"] = body
    return event
