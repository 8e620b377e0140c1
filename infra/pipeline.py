"""The one description of the cxloop pipeline.

Which function runs on which route, queue or schedule, and which tables, queues
and topics it may touch, is written here once. The CDK app turns it into
CloudFormation (grants included) and the local runtime turns it into moto
resources, an HTTP gateway and queue pollers, so the two cannot drift apart.

Environment variable names a function sees are derived here too
(`env_name_for`), and `cxloop.config` reads exactly those names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Access = Literal["read", "write", "read_write"]


@dataclass(frozen=True)
class Table:
    name: str
    partition_key: str
    sort_key: str | None = None
    ttl_attribute: str | None = None
    # (index name, partition key, sort key) for each global secondary index.
    indexes: tuple[tuple[str, str, str], ...] = ()
    # A DynamoDB stream of each item's new image, for change data capture (StreamTrigger).
    stream: bool = False


@dataclass(frozen=True)
class Queue:
    name: str
    # Lambda's recommendation: visibility >= 6 x the consumer's timeout; the
    # CDK app checks it against the consumer and refuses to synth otherwise.
    visibility_timeout_s: int
    max_receive_count: int = 5
    # How long its oldest message may wait before the Backlog alarm; None: the stack's default.
    # A queue of deliberately delayed messages (webhook retries, up to SQS's 15 minutes) needs more.
    backlog_alarm_s: int | None = None


@dataclass(frozen=True)
class Topic:
    name: str
    # Queues the topic delivers every message to (SNS -> SQS, raw delivery off: each body is
    # the SNS envelope, with the topic and the message id).
    subscribed_queues: tuple[str, ...] = ()
    # AWS services that publish to the topic (SES event publishing, End User Messaging two-way
    # SMS). An encrypted topic they publish to needs a customer managed key that lets them use it.
    published_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class DeliveryStream:
    """A Firehose delivery stream into the data lake; `name` is the lake dataset (and the
    Glue table) it fills, e.g. responses/dt=2026-11-23/..."""

    name: str

    @property
    def prefix(self) -> str:
        """Where Firehose writes: one folder per UTC date, taken from each row's `dt` (dynamic
        partitioning), the layout Glue's partition projection and DuckDB's hive reading expect."""
        return f"{self.name}/dt=!{{partitionKeyFromQuery:dt}}/"

    @property
    def error_prefix(self) -> str:
        # Firehose requires the error output type in the error prefix once partitioning is on.
        return f"errors/{self.name}/!{{firehose:error-output-type}}/!{{timestamp:yyyy/MM/dd}}/"


@dataclass(frozen=True)
class Bucket:
    """An S3 bucket the pipeline owns: encrypted, private, TLS-only and versioned on AWS.
    `expire_after_days` is (prefix, days) per lifecycle rule: what is kept, and for how long."""

    name: str
    expire_after_days: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class BucketAccess:
    """What a function may do with the objects under one prefix of one bucket (least privilege:
    a prefix, never the whole bucket)."""

    bucket: str
    prefix: str
    access: Access


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    # "staff" routes need a bearer token (Cognito on AWS, a local JWT locally).
    auth: Literal["none", "signature", "staff"] = "none"


@dataclass(frozen=True)
class QueueTrigger:
    queue: str
    batch_size: int = 10
    max_batching_window_s: int = 0


@dataclass(frozen=True)
class Schedule:
    rate_minutes: int


@dataclass(frozen=True)
class StreamTrigger:
    """A table's DynamoDB stream, read in order as Lambda's event source mapping does:
    batches, partial batch failures, bisect on error, bounded retries, then the DLQ."""

    table: str
    batch_size: int = 100
    max_batching_window_s: int = 1
    retry_attempts: int = 5


@dataclass(frozen=True)
class ObjectCreated:
    """An object created under a bucket's prefix: an S3 event notification invokes the function
    (asynchronously: two retries, then the on-failure queue); locally a poller lists the prefix."""

    bucket: str
    prefix: str


Trigger = Route | QueueTrigger | Schedule | StreamTrigger | ObjectCreated


@dataclass(frozen=True)
class Function:
    name: str
    description: str
    triggers: tuple[Trigger, ...]
    tables: dict[str, Access] = field(default_factory=dict)
    sends_to: tuple[str, ...] = ()
    publishes_to: tuple[str, ...] = ()
    # Firehose delivery streams it puts records to.
    delivers_to: tuple[str, ...] = ()
    # Objects it reads or writes, one bucket prefix each.
    objects: tuple[BucketAccess, ...] = ()
    sends_email: bool = False
    sends_sms: bool = False
    # Sends the approved WhatsApp invitation template when the deployment offers WhatsApp.
    sends_whatsapp: bool = False
    # Reads comments' tone: with Amazon Comprehend when the deployment chooses it.
    reads_comments: bool = False
    # The webhook secret lives in Secrets Manager on AWS; locally in env.
    reads_webhook_secret: bool = False
    # The HMAC key of the suppression list (Secrets Manager on AWS, an env var locally).
    reads_suppression_key: bool = False
    # Queues whose dead-letter queue it writes to itself: a step that gives up on purpose
    # (deliver_webhook after its last retry) rather than by SQS's max receive count.
    dead_letters_to: tuple[str, ...] = ()
    # The helpdesk connectors' credentials and signing keys: Secrets Manager secrets named under
    # cxloop/connectors/ (cxloop.domain.integrations.connectors.SECRET_PREFIX), on AWS as locally.
    reads_connector_secrets: bool = False
    timeout_s: int = 10
    memory_mb: int = 512

    @property
    def routes(self) -> tuple[Route, ...]:
        return tuple(t for t in self.triggers if isinstance(t, Route))

    @property
    def queue_triggers(self) -> tuple[QueueTrigger, ...]:
        return tuple(t for t in self.triggers if isinstance(t, QueueTrigger))

    @property
    def schedules(self) -> tuple[Schedule, ...]:
        return tuple(t for t in self.triggers if isinstance(t, Schedule))

    @property
    def stream_triggers(self) -> tuple[StreamTrigger, ...]:
        return tuple(t for t in self.triggers if isinstance(t, StreamTrigger))

    @property
    def object_triggers(self) -> tuple[ObjectCreated, ...]:
        return tuple(t for t in self.triggers if isinstance(t, ObjectCreated))

    @property
    def handler_module(self) -> str:
        """Module path locally; on Lambda the asset is functions/<name>, handler.handler."""
        return f"functions.{self.name}.handler"


@dataclass(frozen=True)
class Pipeline:
    tables: tuple[Table, ...]
    queues: tuple[Queue, ...]
    topics: tuple[Topic, ...]
    functions: tuple[Function, ...]
    delivery_streams: tuple[DeliveryStream, ...] = ()
    buckets: tuple[Bucket, ...] = ()

    def table(self, name: str) -> Table:
        return next(t for t in self.tables if t.name == name)

    def queue(self, name: str) -> Queue:
        return next(q for q in self.queues if q.name == name)

    def function(self, name: str) -> Function:
        return next(f for f in self.functions if f.name == name)

    def topic(self, name: str) -> Topic:
        return next(t for t in self.topics if t.name == name)

    def consumer_of(self, queue_name: str) -> Function:
        return next(f for f in self.functions if any(t.queue == queue_name for t in f.queue_triggers))


def dead_letters_name(queue: str) -> str:
    """The name a queue's dead-letter queue goes by in env_name_for ("webhooks_dead_letters")."""
    return f"{queue}_dead_letters"


def env_name_for(kind: Literal["table", "queue", "topic", "firehose", "bucket"], name: str) -> str:
    """TABLE_TICKETS, QUEUE_DISPATCH_URL, TOPIC_ALERTS_ARN, FIREHOSE_RESPONSES_NAME,
    BUCKET_INTAKE_NAME: the env var a function reads."""
    suffix = {"table": "", "queue": "_URL", "topic": "_ARN", "firehose": "_NAME", "bucket": "_NAME"}[kind]
    return f"{kind.upper()}_{name.upper()}{suffix}"


FUNCTION_TIMEOUT_S = 10
# The intake bucket's prefixes: files arrive in incoming/, each import's report goes to reports/.
INTAKE_INCOMING = "incoming/"
INTAKE_REPORTS = "reports/"
# The reports bucket's one prefix (cxloop.domain.insights.report.REPORTS_PREFIX): one HTML page per
# scope, period and language, kept 13 months so a year can be compared with the last.
REPORTS_PREFIX = "reports/"
REPORTS_KEPT_DAYS = 400
# The topic SES's configuration set publishes bounces and complaints to, and the one End User
# Messaging publishes two-way SMS replies to; both feed the suppression list.
EMAIL_EVENTS_TOPIC = "email_events"
SMS_REPLIES_TOPIC = "sms_replies"
SES_PRINCIPAL = "ses.amazonaws.com"
SMS_VOICE_PRINCIPAL = "sms-voice.amazonaws.com"
# A webhook retry may wait SQS's longest delay (15 minutes) before anyone can receive it.
WEBHOOK_BACKLOG_ALARM_S = 15 * 60 + 5 * 60
# 6 x the consumer timeout, as Lambda's SQS event source mapping guidance asks.
QUEUE_VISIBILITY_S = 6 * FUNCTION_TIMEOUT_S
# A helpdesk call may take seconds (cxloop.adapters.helpdesks.TIMEOUT_S); a case takes up to three.
SYNC_CASES_TIMEOUT_S = 30

PIPELINE = Pipeline(
    tables=(
        # by_customer (here, on invitations and responses): erasure finds a customer's items.
        Table(
            "interactions",
            partition_key="interaction_id",
            ttl_attribute="expires_at",
            indexes=(("by_customer", "customer_key", "received_at"),),
        ),
        # by_sent_day is sparse: an invitation leaves it once its one reminder is settled.
        Table(
            "invitations",
            partition_key="token_hash",
            ttl_attribute="expires_at",
            indexes=(
                ("by_sent_day", "sent_day", "created_at"),
                ("by_customer", "customer_key", "created_at"),
            ),
        ),
        Table(
            "responses",
            partition_key="response_id",
            stream=True,
            indexes=(("by_customer", "customer_key", "submitted_at"),),
        ),
        Table(
            "tickets",
            partition_key="ticket_id",
            stream=True,
            indexes=(
                ("by_status", "status", "opened_at"),
                ("by_branch", "branch", "opened_at"),
                ("by_region", "region", "opened_at"),
                ("by_country", "country", "opened_at"),
                ("by_owner", "owner", "opened_at"),
                ("by_customer", "customer_key", "opened_at"),
            ),
        ),
        Table("aggregates", partition_key="scope", sort_key="period"),
        # Analysts' documents (organisation, SLAs, rules), versioned, and the teams' turn counters.
        Table("config", partition_key="name"),
        # Each customer's contact record: what was sent, what waits, every decision and why.
        Table("contacts", partition_key="customer_key", indexes=(("by_due", "has_pending", "next_due"),)),
        Table("idempotency", partition_key="id", ttl_attribute="expiration"),
        # One item per opt-out link sent (/u/{token}): its token's hash and the customer it binds.
        Table(
            "optouts",
            partition_key="link_hash",
            ttl_attribute="expires_at",
            indexes=(("by_customer", "customer_key", "created_at"),),
        ),
        # One item per erasure of a customer's personal data: who, when, how many items; no personal data.
        Table("erasures", partition_key="customer_id", sort_key="at"),
        # One item per printed QR code (keyed by an id derived from the code), by branch for listings.
        Table("qr_codes", partition_key="qr_id", indexes=(("by_branch", "branch", "created_at"),)),
        # Addresses that bounced, complained or replied STOP, keyed by an HMAC of channel and
        # address (never the address: a leaked table must not list customers' addresses).
        # Kept through erasure on purpose: an erased customer's bounced address stays suppressed.
        Table("suppressions", partition_key="address_key"),
        # Outbound webhook subscriptions (what producers read to decide whether to announce),
        # their signing secrets apart (only the webhooks API and deliver_webhook read them), and
        # each subscription's deliveries with every attempt, kept 30 days.
        Table("webhooks", partition_key="webhook_id"),
        # Keys named apart (each table is known by its partition key), their values webhook ids.
        Table("webhook_secrets", partition_key="secret_of"),
        Table(
            "webhook_deliveries",
            partition_key="delivery_of",
            sort_key="delivery_id",
            ttl_attribute="expires_at",
        ),
    ),
    queues=(
        Queue("dispatch", visibility_timeout_s=QUEUE_VISIBILITY_S),
        Queue("responses", visibility_timeout_s=QUEUE_VISIBILITY_S),
        Queue("tickets", visibility_timeout_s=QUEUE_VISIBILITY_S),
        Queue("alerts", visibility_timeout_s=QUEUE_VISIBILITY_S),
        Queue("notices", visibility_timeout_s=QUEUE_VISIBILITY_S),
        # SES bounce and complaint events and SMS STOP replies, as SNS envelopes.
        Queue("suppressions", visibility_timeout_s=QUEUE_VISIBILITY_S),
        # Announced events to fan out, and each webhook delivery attempt (delayed for retries).
        Queue("webhooks", visibility_timeout_s=QUEUE_VISIBILITY_S, backlog_alarm_s=WEBHOOK_BACKLOG_ALARM_S),
        # Cases to create or update in a connected team's helpdesk (sync_cases, SYNC_CASES_TIMEOUT_S).
        Queue("cases", visibility_timeout_s=6 * SYNC_CASES_TIMEOUT_S),
    ),
    topics=(
        Topic("alerts"),
        # Alerts for a chat channel (Slack or Teams through AWS Chatbot, the chatAlerts setting).
        Topic("chat_alerts"),
        Topic(EMAIL_EVENTS_TOPIC, subscribed_queues=("suppressions",), published_by=(SES_PRINCIPAL,)),
        Topic(SMS_REPLIES_TOPIC, subscribed_queues=("suppressions",), published_by=(SMS_VOICE_PRINCIPAL,)),
    ),
    # The data lake's datasets: every scored response and every ticket change (archive_to_lake).
    delivery_streams=(DeliveryStream("responses"), DeliveryStream("ticket_events")),
    # Daily extracts dropped by ERPs (incoming/), and the report of each import (reports/).
    buckets=(
        Bucket("intake", expire_after_days=((INTAKE_INCOMING, 90), (INTAKE_REPORTS, 180))),
        # The periodic reports publish_reports writes and mails to managers as links.
        Bucket("reports", expire_after_days=((REPORTS_PREFIX, REPORTS_KEPT_DAYS),)),
    ),
    functions=(
        Function(
            "capture_event",
            "Verify the ERP webhook signature, validate, store the interaction once, hand it to dispatch.",
            triggers=(
                Route("POST", "/v1/events", auth="signature"),
                Route("POST", "/v1/events/batch", auth="signature"),
            ),
            tables={"interactions": "read_write"},
            sends_to=("dispatch",),
            reads_webhook_secret=True,
            # A batch of 500 events takes seconds; API Gateway answers 504 after 29 s.
            timeout_s=28,
        ),
        Function(
            "import_events",
            "Import a CSV or XLSX extract as events (or past answers), once per file; report bad rows.",
            triggers=(ObjectCreated("intake", INTAKE_INCOMING),),
            # A history file (incoming/history/) stores past answers and counts them on their
            # days (cxloop.domain.feedback.past_responses), against the published surveys (config);
            # responses read: a repeated answer's first import is read back to tell a retry from it.
            tables={
                "interactions": "read_write",
                "idempotency": "read_write",
                "responses": "read_write",
                "aggregates": "write",
                "config": "read",
            },
            sends_to=("dispatch",),
            objects=(
                BucketAccess("intake", INTAKE_INCOMING, "read"),
                BucketAccess("intake", INTAKE_REPORTS, "write"),
            ),
            # 100,000 rows at a few hundred a second; Lambda's maximum.
            timeout_s=900,
            memory_mb=1024,
        ),
        Function(
            "send_survey",
            "Apply the contact policy, create the single-use survey link, render and send the message.",
            triggers=(QueueTrigger("dispatch"),),
            tables={
                "invitations": "write",
                "idempotency": "read_write",
                "contacts": "read_write",
                # Open complaints block a new survey; the contact policy is a config document.
                "tickets": "read",
                "config": "read",
                # Every survey carries an opt-out link, stored before it is sent.
                "optouts": "write",
                # Addresses that bounced, complained or replied STOP are not written to again.
                "suppressions": "read",
            },
            sends_email=True,
            sends_sms=True,
            # The invitation is the one approved WhatsApp template (acknowledgements are not).
            sends_whatsapp=True,
            # Suppressed addresses are looked up by their HMAC keys.
            reads_suppression_key=True,
        ),
        Function(
            "customers_api",
            "Staff API over customers: contact records, policy simulations, erasure of personal data.",
            triggers=(
                Route("GET", "/v1/customers/{customer_id}/contact", auth="staff"),
                Route("POST", "/v1/contact-policy/simulate", auth="staff"),
                Route("DELETE", "/v1/customers/{customer_id}", auth="staff"),
            ),
            # read_write: erasure rewrites the customer's items in each table (and deletes their
            # opt-out links), and records itself in erasures; it never reads the erasures back.
            tables={
                "contacts": "read_write",
                "interactions": "read_write",
                "invitations": "read_write",
                "responses": "read_write",
                "tickets": "read_write",
                "optouts": "read_write",
                "erasures": "write",
                "config": "read",
                # Which of the customer's channels are suppressed, and why (never the address).
                "suppressions": "read",
                # Which event types webhook subscribers want (customer.erased).
                "webhooks": "read",
            },
            sends_to=("webhooks",),
            reads_suppression_key=True,
            # An erasure rewrites every item of one customer, one by one.
            timeout_s=28,
        ),
        Function(
            "release_contacts",
            "Send the surveys the contact policy postponed or grouped, when they are due.",
            triggers=(Schedule(rate_minutes=5),),
            tables={"contacts": "read_write"},
            sends_to=("dispatch",),
            timeout_s=60,
        ),
        Function(
            "send_reminders",
            "Send one reminder for each survey still unanswered N days on, under the contact policy.",
            # Hourly, not daily: a reminder postponed by quiet hours (in the customer's zone)
            # must find a run after they end; the claim on each invitation makes reruns harmless.
            triggers=(Schedule(rate_minutes=60),),
            # suppressions: an address that bounced since the survey gets no reminder.
            tables={
                "invitations": "read_write",
                "contacts": "read_write",
                "config": "read",
                "suppressions": "read",
            },
            sends_email=True,
            sends_sms=True,
            reads_suppression_key=True,
            timeout_s=300,
        ),
        Function(
            "survey_page",
            "Render the survey (GET never changes state) and record the answers once (POST).",
            triggers=(Route("GET", "/s/{token}"), Route("POST", "/s/{token}")),
            # config: the published survey catalogue (and its older versions, for older links).
            tables={"invitations": "read_write", "responses": "read_write", "config": "read"},
            sends_to=("responses",),
        ),
        Function(
            "unsubscribe_page",
            "Ask before opting out (GET never changes state); record the opt-out (POST, RFC 8058 one-click).",
            # Its own function, not survey_page's: it writes contact records, which survey_page
            # must not touch, and it reads no invitations or responses (least privilege).
            triggers=(Route("GET", "/u/{token}"), Route("POST", "/u/{token}")),
            tables={"optouts": "read", "contacts": "read_write", "webhooks": "read"},
            # customer.opted_out, when a webhook subscription wants it.
            sends_to=("webhooks",),
        ),
        Function(
            "scan_qr",
            "Start an anonymous survey for a printed QR code's touchpoint: a fresh link, then 303 to it.",
            # GET creates the invitation (a scan must get a token); no-store keeps caches from
            # replaying one scan's link to the next person.
            triggers=(Route("GET", "/q/{code}"),),
            # config: the survey catalogue chooses the survey for the touchpoint and event type.
            tables={"qr_codes": "read", "invitations": "write", "config": "read"},
        ),
        Function(
            "qr_codes_api",
            "Staff API over QR codes: create one per touchpoint, list, print (SVG card or PNG), deactivate.",
            triggers=(
                Route("POST", "/v1/qr-codes", auth="staff"),
                Route("GET", "/v1/qr-codes", auth="staff"),
                Route("GET", "/v1/qr-codes/{qr_id}/image", auth="staff"),
                Route("DELETE", "/v1/qr-codes/{qr_id}", auth="staff"),
            ),
            # config: the organisation places a branch in its region and country.
            tables={"qr_codes": "read_write", "config": "read"},
        ),
        Function(
            "score_response",
            "Score the answers, update live aggregates exactly once, decide whether a ticket is needed.",
            triggers=(QueueTrigger("responses"),),
            tables={
                "responses": "read_write",
                "aggregates": "read_write",
                "config": "read",
                # Which event types someone subscribes to (response.recorded), never their secrets.
                "webhooks": "read",
            },
            sends_to=("tickets", "webhooks"),
            reads_comments=True,
        ),
        Function(
            "open_ticket",
            "Open the case once per response: classify it, route it to a team and a person, start its SLA.",
            triggers=(QueueTrigger("tickets"),),
            # config: read the rules, and turn the team's round-robin counter.
            # webhooks: whether anyone subscribes to ticket.opened.
            # contacts: a new ticket marks its customer as having had a case, in the same
            # transaction (adapters/contacts.py, the case mark send_survey reads).
            tables={
                "tickets": "read_write",
                "config": "read_write",
                "webhooks": "read",
                "contacts": "write",
            },
            sends_to=("alerts", "notices", "webhooks", "cases"),
            # cases: a connected team's new ticket is created in its helpdesk too (sync_cases).
        ),
        Function(
            "sync_cases",
            "Create a connected team's case once in its helpdesk or CRM and push cxloop's changes to it.",
            # One case at a time: each is a few calls to a rate-limited vendor API.
            triggers=(QueueTrigger("cases", batch_size=1),),
            # idempotency: the send log of the changes pushed; config: the connectors document.
            tables={"tickets": "read", "config": "read", "idempotency": "read_write"},
            # cases: a change the vendor throttled goes back, held for its Retry-After.
            sends_to=("cases",),
            reads_connector_secrets=True,
            timeout_s=SYNC_CASES_TIMEOUT_S,
        ),
        Function(
            "push_alert",
            "Publish the alert to SNS with attributes managers filter on.",
            triggers=(QueueTrigger("alerts"),),
            tables={"idempotency": "read_write", "webhooks": "read"},
            # alert.published, when a webhook subscription wants it.
            sends_to=("webhooks",),
            publishes_to=("alerts", "chat_alerts"),
        ),
        Function(
            "notify_customer",
            "Tell the customer their case number and when they will be contacted, on their channel.",
            triggers=(QueueTrigger("notices"),),
            # optouts: the notice carries an opt-out link like every message.
            tables={"idempotency": "read_write", "optouts": "write"},
            sends_email=True,
            sends_sms=True,
        ),
        Function(
            "record_suppression",
            "Put each bounced, complained-about or STOP-replying address on the suppression list, once.",
            triggers=(QueueTrigger("suppressions"),),
            # write only: a conditional UpdateItem needs no read permission.
            tables={"suppressions": "write", "webhooks": "read"},
            # customer.opted_out (the address, for personal-data subscriptions only).
            sends_to=("webhooks",),
            reads_suppression_key=True,
        ),
        Function(
            "tickets_api",
            "Staff API over tickets: list, read and work them within the caller's scope.",
            triggers=(
                Route("GET", "/v1/tickets", auth="staff"),
                Route("GET", "/v1/tickets/{ticket_id}", auth="staff"),
                Route("POST", "/v1/tickets/{ticket_id}/actions", auth="staff"),
            ),
            tables={"tickets": "read_write", "config": "read", "webhooks": "read"},
            # A resolved ticket's follow-up survey goes out like any survey; ticket.* webhooks; a
            # connected team's change goes to its helpdesk (sync_cases).
            sends_to=("dispatch", "webhooks", "cases"),
        ),
        Function(
            "connector_events",
            "Apply the changes a helpdesk reports (solved, reopened, a comment) to the cxloop ticket.",
            # Signed with the vendor's own signing, verified by the function (not the ERP's scheme).
            triggers=(Route("POST", "/v1/connectors/{name}/events", auth="signature"),),
            tables={"tickets": "read_write", "config": "read"},
            # A resolution there sends the follow-up survey, as one in cxloop does.
            sends_to=("dispatch",),
            reads_connector_secrets=True,
        ),
        Function(
            "config_api",
            "Staff API over the analysts' documents: organisation, SLAs and rules, versioned and audited.",
            triggers=(
                Route("GET", "/v1/config/{name}", auth="staff"),
                Route("PUT", "/v1/config/{name}", auth="staff"),
                Route("GET", "/v1/config/{name}/history", auth="staff"),
            ),
            tables={"config": "read_write"},
        ),
        Function(
            "sla_watcher",
            "Remind owners of tickets close to breach; escalate breached tickets one level up.",
            triggers=(Schedule(rate_minutes=5),),
            tables={"tickets": "read_write", "config": "read", "webhooks": "read"},
            # ticket.escalated, beside each escalation's alert.
            sends_to=("alerts", "webhooks"),
            timeout_s=60,
        ),
        Function(
            "reports_api",
            "Staff API for the case-management health report and the periodic report of a scope.",
            triggers=(
                Route("GET", "/v1/reports/health", auth="staff"),
                Route("GET", "/v1/reports/metrics", auth="staff"),
            ),
            tables={"tickets": "read", "config": "read", "aggregates": "read"},
            # A report reads a scope's and its children's days; API Gateway answers 504 after 29 s.
            timeout_s=28,
        ),
        Function(
            "metrics_api",
            "Staff API over the live aggregates: scores, trend, benchmark, drivers, topics and detractors.",
            triggers=(Route("GET", "/v1/metrics", auth="staff"),),
            tables={"aggregates": "read", "tickets": "read", "config": "read"},
        ),
        Function(
            "daily_digest",
            "Each morning, tell every manager their open and overdue tickets (SNS and email).",
            triggers=(Schedule(rate_minutes=24 * 60),),
            tables={"tickets": "read", "config": "read"},
            publishes_to=("alerts",),
            sends_email=True,
            timeout_s=120,
        ),
        Function(
            "publish_reports",
            "On a period's first day, store each manager's report of the last period and mail them a link.",
            # Daily: the function acts on the first day of a month (or quarter) only.
            triggers=(Schedule(rate_minutes=24 * 60),),
            tables={"aggregates": "read", "config": "read"},
            # read: a presigned GET link grants only what the signing role may read.
            objects=(BucketAccess("reports", REPORTS_PREFIX, "read_write"),),
            sends_email=True,
            timeout_s=300,
        ),
        Function(
            "metric_alerts",
            "Each day, alert when a touchpoint's or branch's NPS dropped significantly below its baseline.",
            triggers=(Schedule(rate_minutes=24 * 60),),
            # idempotency: one claim per alert id, so a repeated run does not alert twice.
            tables={"aggregates": "read", "config": "read", "idempotency": "read_write"},
            publishes_to=("alerts",),
            timeout_s=300,
        ),
        Function(
            "archive_to_lake",
            "Copy each scored response and each ticket change, without personal data, to the data lake.",
            triggers=(StreamTrigger("responses"), StreamTrigger("tickets")),
            delivers_to=("responses", "ticket_events"),
            timeout_s=60,
        ),
        Function(
            "webhooks_api",
            "Staff API over outbound webhook subscriptions: subscribe, list, rotate, deliveries, replay.",
            triggers=(
                Route("POST", "/v1/webhooks", auth="staff"),
                Route("GET", "/v1/webhooks", auth="staff"),
                Route("GET", "/v1/webhooks/{webhook_id}", auth="staff"),
                Route("DELETE", "/v1/webhooks/{webhook_id}", auth="staff"),
                Route("POST", "/v1/webhooks/{webhook_id}/rotate", auth="staff"),
                Route("GET", "/v1/webhooks/{webhook_id}/deliveries", auth="staff"),
                Route("POST", "/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/replay", auth="staff"),
            ),
            # Deliveries read only: a replay is queued for deliver_webhook, which records it.
            tables={"webhooks": "read_write", "webhook_secrets": "read_write", "webhook_deliveries": "read"},
            sends_to=("webhooks",),
        ),
        Function(
            "deliver_webhook",
            "Fan announced events out to their subscribers; send each delivery signed, retry, give up.",
            # One delivery per invocation: each POST may take its whole timeout.
            triggers=(QueueTrigger("webhooks", batch_size=1),),
            tables={"webhooks": "read_write", "webhook_secrets": "read", "webhook_deliveries": "read_write"},
            sends_to=("webhooks",),
            dead_letters_to=("webhooks",),
        ),
        Function(
            "api_docs",
            "Serve the OpenAPI document of the public API.",
            triggers=(Route("GET", "/v1/openapi.json"),),
            memory_mb=128,
        ),
    ),
)
