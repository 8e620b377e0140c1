"""DynamoDB repositories. Each item keeps its model as a JSON document (`doc`)
beside the key and index attributes; state changes are guarded by conditions."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from cxloop.adapters.aws import client, error_code, translated
from cxloop.domain.casework.models import OPEN_STATUSES, Ticket
from cxloop.domain.kernel.errors import Conflict
from cxloop.domain.kernel.events import Interaction
from cxloop.domain.surveys.models import Invitation, SurveyResponse
from cxloop.domain.surveys.scoring import Score

if TYPE_CHECKING:
    # Only the aggregate store uses the metric counters (and the erasure log its audit), and
    # each imports them where it does: every other function that stores something in
    # DynamoDB starts without loading them.
    from cxloop.domain.feedback.metrics import Counters
    from cxloop.domain.privacy.erasure import ErasureAudit

INTERACTION_RETENTION = timedelta(days=400)
# Keep answered/expired invitations a while so the link shows a friendly page.
INVITATION_GRACE = timedelta(days=30)


# The small vocabulary the other DynamoDB adapters (contacts, config, opt-outs...) share.


def string_value(value: str) -> dict[str, str]:
    """A string attribute value, as the low-level client takes it."""
    return {"S": value}


def number_value(value: int) -> dict[str, str]:
    """A number attribute value, as the low-level client takes it."""
    return {"N": str(value)}


def epoch_seconds(moment: datetime) -> int:
    """Seconds since the epoch: what DynamoDB's time to live reads."""
    return int(moment.timestamp())


def _is_conditional_failure(exc: ClientError) -> bool:
    if error_code(exc) == "ConditionalCheckFailedException":
        return True
    reasons = exc.response.get("CancellationReasons") or []
    return error_code(exc) == "TransactionCanceledException" and any(
        r.get("Code") == "ConditionalCheckFailed" for r in reasons
    )


def conditional_write(operation: str, write: Callable[[], object]) -> bool:
    """Run a conditional write; False when its condition refused it (already done)."""
    with translated(operation):
        try:
            write()
        except ClientError as exc:
            if _is_conditional_failure(exc):
                return False
            raise
    return True


class DynamoTable:
    """One table by name, and the client to reach it (the process's own unless given)."""

    def __init__(self, table_name: str, dynamodb: Any | None = None) -> None:
        self.name = table_name
        self._client = dynamodb

    @property
    def db(self) -> Any:
        return self._client or client("dynamodb")

    def put_new(self, key: str, item: dict[str, Any]) -> bool:
        """Put unless the key exists; False when it does (the step already happened)."""
        return conditional_write(
            f"put {self.name}",
            lambda: self.db.put_item(
                TableName=self.name, Item=item, ConditionExpression=f"attribute_not_exists({key})"
            ),
        )

    def get(self, key: dict[str, Any]) -> dict[str, Any] | None:
        with translated(f"get {self.name}"):
            found = self.db.get_item(TableName=self.name, Key=key, ConsistentRead=True)
        return found.get("Item")

    def set_flag(self, key: dict[str, Any], attribute: str, value: bool) -> None:
        with translated(f"update {self.name}"):
            self.db.update_item(
                TableName=self.name,
                Key=key,
                UpdateExpression="SET #a = :v",
                ExpressionAttributeNames={"#a": attribute},
                ExpressionAttributeValues={":v": {"BOOL": value}},
            )


class DynamoInteractionStore:
    def __init__(self, table_name: str, dynamodb: Any | None = None) -> None:
        self.table = DynamoTable(table_name, dynamodb)

    def add(self, interaction: Interaction) -> bool:
        item = {
            "interaction_id": string_value(interaction.interaction_id),
            "doc": string_value(interaction.model_dump_json()),
            "dispatch_pending": {"BOOL": True},
            "expires_at": number_value(epoch_seconds(interaction.received_at + INTERACTION_RETENTION)),
            **_interaction_keys(interaction),
        }
        return self.table.put_new("interaction_id", item)

    def erase_customer(
        self, customer_id: str, alias: str, scrub: Callable[[Interaction, str], Interaction]
    ) -> int:
        return _erase_docs(
            self.table,
            "interaction_id",
            customer_id,
            alias,
            lambda doc: scrub(Interaction.model_validate_json(doc), alias),
        )

    def backfill_customer_keys(self) -> int:
        """One-off, for items stored before `customer_key` was written: erasure finds a
        customer's items through the `by_customer` index only, so run this once after deploying."""
        return _backfill(
            self.table, "interaction_id", lambda doc: _interaction_keys(Interaction.model_validate_json(doc))
        )

    def get(self, interaction_id: str) -> Interaction | None:
        item = self.table.get({"interaction_id": string_value(interaction_id)})
        return Interaction.model_validate_json(item["doc"]["S"]) if item else None

    def dispatch_pending(self, interaction_id: str) -> bool:
        item = self.table.get({"interaction_id": string_value(interaction_id)})
        return bool(item and item.get("dispatch_pending", {}).get("BOOL"))

    def mark_dispatched(self, interaction_id: str) -> None:
        self.table.set_flag({"interaction_id": string_value(interaction_id)}, "dispatch_pending", False)

    def received_between(self, start: datetime, end: datetime) -> list[Interaction]:
        """Every interaction received in [start, end): a full scan, for policy simulations
        (an analyst's occasional question, not a request path)."""
        found: list[Interaction] = []
        with translated(f"scan {self.table.name}"):
            for page in self.table.db.get_paginator("scan").paginate(TableName=self.table.name):
                for item in page["Items"]:
                    interaction = Interaction.model_validate_json(item["doc"]["S"])
                    if start <= interaction.received_at < end:
                        found.append(interaction)
        return found


class DynamoInvitationStore:
    """Invitations by their token's hash.

    `sent_day` (the UTC day it was sent) feeds the sparse index `by_sent_day` that
    send_reminders reads; it is removed once the reminder question is settled (sent or
    blocked), so each invitation is considered until then and never after. A reminder's
    link is an alias item: a new token's hash pointing at the invitation's own item, so
    either link reads (and answering closes) the one invitation.
    """

    def __init__(self, table_name: str, dynamodb: Any | None = None) -> None:
        self.table = DynamoTable(table_name, dynamodb)

    def add(self, invitation: Invitation) -> None:
        item = {
            "token_hash": string_value(invitation.token_hash),
            "invitation_id": string_value(invitation.invitation_id),
            "status": string_value(invitation.status),
            "doc": string_value(invitation.model_dump_json()),
            "expires_at": number_value(epoch_seconds(invitation.expires_at + INVITATION_GRACE)),
            "sent_day": string_value(invitation.created_at.astimezone(UTC).date().isoformat()),
            "created_at": string_value(invitation.created_at.astimezone(UTC).isoformat()),
            # The customer index erasure reads (created_at is its sort key).
            "customer_key": string_value(invitation.customer.id),
        }
        if not self.table.put_new("token_hash", item):
            raise RuntimeError("token hash collision: refusing to overwrite an invitation")

    def erase_customer(
        self, customer_id: str, alias: str, scrub: Callable[[Invitation, str], Invitation]
    ) -> int:
        return _erase_docs(
            self.table,
            "token_hash",
            customer_id,
            alias,
            lambda doc: scrub(Invitation.model_validate_json(doc), alias),
        )

    def backfill_customer_keys(self) -> int:
        """One-off, for invitations stored before `customer_key` was written (see interactions)."""
        return _backfill(self.table, "token_hash", _invitation_keys)

    def get(self, token_hash: str) -> Invitation | None:
        item = self.table.get({"token_hash": string_value(token_hash)})
        if item and "alias_of" in item:
            item = self.table.get({"token_hash": item["alias_of"]})
        if not item:
            return None
        invitation = Invitation.model_validate_json(item["doc"]["S"])
        # status is the attribute the answer transaction flips; the doc keeps the original.
        return invitation.model_copy(update={"status": item["status"]["S"]})

    def add_alias(self, token_hash: str, invitation: Invitation) -> None:
        """A second link to the same invitation (a reminder's), living as long as the first."""
        item = {
            "token_hash": string_value(token_hash),
            "alias_of": string_value(invitation.token_hash),
            "invitation_id": string_value(invitation.invitation_id),
            "expires_at": number_value(epoch_seconds(invitation.expires_at + INVITATION_GRACE)),
        }
        if not self.table.put_new("token_hash", item):
            raise RuntimeError("token hash collision: refusing to overwrite an invitation")

    def unanswered_sent_on(self, day: date, *, sent_before: datetime) -> list[Invitation]:
        """Invitations sent on `day` (UTC), before `sent_before`, still open and not yet reminded."""
        with translated("find invitations to remind"):
            pages = self.table.db.get_paginator("query").paginate(
                TableName=self.table.name,
                IndexName="by_sent_day",
                KeyConditionExpression="sent_day = :day AND created_at <= :before",
                FilterExpression="#s = :sent",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={
                    ":day": string_value(day.isoformat()),
                    ":before": string_value(sent_before.astimezone(UTC).isoformat()),
                    ":sent": string_value("sent"),
                },
            )
            items = [item for page in pages for item in page["Items"]]
        return [Invitation.model_validate_json(item["doc"]["S"]) for item in items]

    def settle_reminder(self, token_hash: str, *, at: datetime, outcome: str) -> bool:
        """Claim the invitation's one reminder ("sent" or why not): True for the first caller
        only, and only while the invitation is unanswered. It then leaves the index."""
        return conditional_write(
            "settle reminder",
            lambda: self.table.db.update_item(
                TableName=self.table.name,
                Key={"token_hash": string_value(token_hash)},
                UpdateExpression="SET reminder = :outcome, reminder_at = :at REMOVE sent_day",
                ConditionExpression="#s = :sent AND attribute_not_exists(reminder)",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={
                    ":outcome": string_value(outcome),
                    ":at": string_value(at.astimezone(UTC).isoformat()),
                    ":sent": string_value("sent"),
                },
            ),
        )


class DynamoResponseStore:
    def __init__(
        self, responses_table: str, invitations_table: str | None = None, dynamodb: Any | None = None
    ) -> None:
        self.table = DynamoTable(responses_table, dynamodb)
        self.invitations_table = invitations_table

    def record(self, response: SurveyResponse, token_hash: str) -> bool:
        """One transaction: close the invitation (if still open) and store the answers."""
        assert self.invitations_table, "recording answers needs the invitations table"
        close_invitation = {
            "Update": {
                "TableName": self.invitations_table,
                "Key": {"token_hash": string_value(token_hash)},
                "UpdateExpression": "SET #s = :answered",
                "ConditionExpression": "#s = :sent",
                "ExpressionAttributeNames": {"#s": "status"},
                "ExpressionAttributeValues": {
                    ":answered": string_value("answered"),
                    ":sent": string_value("sent"),
                },
            }
        }
        store_answers = {
            "Put": {
                "TableName": self.table.name,
                "Item": {
                    "response_id": string_value(response.response_id),
                    "doc": string_value(response.model_dump_json()),
                    "enqueue_pending": {"BOOL": True},
                    **_response_keys(response),
                },
                "ConditionExpression": "attribute_not_exists(response_id)",
            }
        }
        return conditional_write(
            "record response",
            lambda: self.table.db.transact_write_items(TransactItems=[close_invitation, store_answers]),
        )

    def get(self, response_id: str) -> SurveyResponse | None:
        item = self.table.get({"response_id": string_value(response_id)})
        if not item:
            return None
        response = SurveyResponse.model_validate_json(item["doc"]["S"])
        if "score" in item:
            response = response.model_copy(update={"score": Score.model_validate_json(item["score"]["S"])})
        return response

    def erase_customer(
        self, customer_id: str, alias: str, scrub: Callable[[SurveyResponse, str], SurveyResponse]
    ) -> int:
        # The score attribute stays as it is: it holds no personal data.
        return _erase_docs(
            self.table,
            "response_id",
            customer_id,
            alias,
            lambda doc: scrub(SurveyResponse.model_validate_json(doc), alias),
        )

    def backfill_customer_keys(self) -> int:
        """One-off, for responses stored before `customer_key` was written (see interactions)."""
        return _backfill(
            self.table, "response_id", lambda doc: _response_keys(SurveyResponse.model_validate_json(doc))
        )

    def enqueue_pending(self, response_id: str) -> bool:
        item = self.table.get({"response_id": string_value(response_id)})
        return bool(item and item.get("enqueue_pending", {}).get("BOOL"))

    def mark_enqueued(self, response_id: str) -> None:
        self.table.set_flag({"response_id": string_value(response_id)}, "enqueue_pending", False)

    def save_score(self, response_id: str, score: Score) -> None:
        with translated("save score"):
            self.table.db.update_item(
                TableName=self.table.name,
                Key={"response_id": string_value(response_id)},
                UpdateExpression="SET #score = :score",
                ExpressionAttributeNames={"#score": "score"},
                ExpressionAttributeValues={":score": string_value(score.model_dump_json())},
            )


class DynamoAggregateStore:
    """Counters per (scope, day), added exactly once per response in one transaction.

    One item per scope and day (`scope`, `period` = "day#YYYY-MM-DD") holds every count of
    cxloop.domain.feedback.metrics.Counters.as_dict as a number attribute (`promoters`,
    `driver#cleanliness#sum`, `topic#waiting_time#n`...) and `parent`, the scope's parent in
    the chain of the response that last counted there. A marker item `applied#<response id>`
    written in the same transaction makes a redelivered response change nothing.
    """

    def __init__(self, table_name: str, dynamodb: Any | None = None) -> None:
        self.table = DynamoTable(table_name, dynamodb)

    def apply_once(
        self,
        response_id: str,
        scopes: list[str],
        day: date,
        counters: Counters,
        *,
        parents: Mapping[str, str] | None = None,
    ) -> bool:
        marker = {
            "Put": {
                "TableName": self.table.name,
                "Item": {"scope": string_value(f"applied#{response_id}"), "period": string_value("-")},
                "ConditionExpression": "attribute_not_exists(#scope)",
                "ExpressionAttributeNames": {"#scope": "scope"},
            }
        }
        updates = [
            {"Update": self._day_update(scope, day, counters, (parents or {}).get(scope))} for scope in scopes
        ]
        return conditional_write(
            "apply aggregates", lambda: self.table.db.transact_write_items(TransactItems=[marker, *updates])
        )

    def _day_update(self, scope: str, day: date, counters: Counters, parent: str | None) -> dict[str, Any]:
        # Attribute names like driver#cleanliness#sum are not valid in an expression: each
        # count gets a placeholder. Zero counts of drivers and topics are not written.
        from cxloop.domain.feedback.metrics import SCALAR_FIELDS  # noqa: PLC0415 - see the imports

        values = {name: value for name, value in counters.as_dict().items() if value or name in SCALAR_FIELDS}
        names = {f"#c{i}": name for i, name in enumerate(values)}
        numbers = {f":c{i}": number_value(value) for i, value in enumerate(values.values())}
        expression = "ADD " + ", ".join(f"#c{i} :c{i}" for i in range(len(values)))
        if parent is not None:
            expression += " SET #parent = :parent"
            names["#parent"] = "parent"
            numbers[":parent"] = string_value(parent)
        return {
            "TableName": self.table.name,
            "Key": {"scope": string_value(scope), "period": string_value(f"day#{day.isoformat()}")},
            "UpdateExpression": expression,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": numbers,
        }

    def read(self, scope: str) -> Counters:
        from cxloop.domain.feedback.metrics import Counters  # noqa: PLC0415 - see the imports

        total = Counters()
        for item in self._query(scope, "begins_with(period, :day)", {":day": string_value("day#")}):
            total = total + _counters_of(item)
        return total

    def read_days(self, scope: str, start: date, end: date) -> dict[date, Counters]:
        """The scope's counters per day, start and end included (a Query on the sort key)."""
        between = {
            ":start": string_value(f"day#{start.isoformat()}"),
            ":end": string_value(f"day#{end.isoformat()}"),
        }
        return {
            date.fromisoformat(item["period"]["S"].removeprefix("day#")): _counters_of(item)
            for item in self._query(scope, "period BETWEEN :start AND :end", between)
        }

    def parent_of(self, scope: str) -> str | None:
        """The parent stored on the scope's latest day that has one."""
        request = {
            "TableName": self.table.name,
            "KeyConditionExpression": "#scope = :scope AND begins_with(period, :day)",
            "FilterExpression": "attribute_exists(#parent)",
            "ProjectionExpression": "#parent",
            "ExpressionAttributeNames": {"#scope": "scope", "#parent": "parent"},
            "ExpressionAttributeValues": {":scope": string_value(scope), ":day": string_value("day#")},
            "ScanIndexForward": False,
        }
        with translated("read aggregates"):
            for page in self.table.db.get_paginator("query").paginate(**request):
                for item in page["Items"]:
                    return str(item["parent"]["S"])
        return None

    def _query(self, scope: str, period_condition: str, values: dict[str, Any]) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        with translated("read aggregates"):
            pages = self.table.db.get_paginator("query").paginate(
                TableName=self.table.name,
                KeyConditionExpression=f"#scope = :scope AND {period_condition}",
                ExpressionAttributeNames={"#scope": "scope"},
                ExpressionAttributeValues={":scope": string_value(scope)} | values,
                ConsistentRead=True,
            )
            for page in pages:
                items.extend(page["Items"])
        return items


def _counters_of(item: dict[str, Any]) -> Counters:
    from cxloop.domain.feedback.metrics import Counters  # noqa: PLC0415 - see the imports

    return Counters.from_dict({name: int(value["N"]) for name, value in item.items() if "N" in value})


class DynamoTicketStore:
    """Tickets with their history in one document; every change is conditioned on the
    version read, so two people acting at once never overwrite each other."""

    # A list reads at most this many tickets of the caller's partition before filtering.
    MAX_READ = 5000

    def __init__(self, table_name: str, dynamodb: Any | None = None) -> None:
        self.table = DynamoTable(table_name, dynamodb)

    def add(self, ticket: Ticket) -> bool:
        return self.table.put_new("ticket_id", _ticket_item(ticket))

    def get(self, ticket_id: str) -> Ticket | None:
        item = self.table.get({"ticket_id": string_value(ticket_id)})
        return Ticket.model_validate_json(item["doc"]["S"]) if item else None

    def save(self, ticket: Ticket, *, expected_version: int) -> Ticket:
        """Store the changed ticket as version expected+1; Conflict if someone saved first."""
        saved = ticket.model_copy(update={"version": expected_version + 1})
        stored = conditional_write(
            f"update {self.table.name}",
            lambda: self.table.db.put_item(
                TableName=self.table.name,
                Item=_ticket_item(saved),
                ConditionExpression="#v = :expected",
                ExpressionAttributeNames={"#v": "version"},
                ExpressionAttributeValues={":expected": number_value(expected_version)},
            ),
        )
        if not stored:
            raise Conflict(f"ticket {ticket.ticket_id} changed meanwhile; read it again and retry")
        return saved

    def find(self, *, partition: tuple[str, str] | None, status: str | None = None) -> list[Ticket]:
        """Every ticket of one partition (owner, branch, region or country), or of one
        status, or all; newest first, at most MAX_READ."""
        request: dict[str, Any] = {"TableName": self.table.name}
        if partition is not None:
            attribute, value = partition
            request |= _index_query(attribute, value)
        elif status is not None:
            request |= _index_query("status", status)
        operation = "query" if "IndexName" in request else "scan"
        items = self._collect(request, operation=operation, limit=self.MAX_READ)
        return [Ticket.model_validate_json(item["doc"]["S"]) for item in items]

    def of_customer(self, customer_id: str) -> list[Ticket]:
        """Every ticket of one customer (the `by_customer` index), newest first."""
        request = {"TableName": self.table.name} | _index_query("customer_key", customer_id)
        return [
            Ticket.model_validate_json(item["doc"]["S"])
            for item in self._collect(request, operation="query", limit=self.MAX_READ)
        ]

    def open_tickets(self) -> list[Ticket]:
        """Every ticket still being worked, for the SLA watcher and the digest: all of them,
        not the newest MAX_READ, since the oldest are the likeliest to be overdue."""
        found: list[Ticket] = []
        for status in OPEN_STATUSES:
            request = {"TableName": self.table.name} | _index_query("status", status)
            items = self._collect(request, operation="query", limit=None)
            found.extend(Ticket.model_validate_json(item["doc"]["S"]) for item in items)
        return found

    def _collect(self, request: dict[str, Any], *, operation: str, limit: int | None) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        with translated(f"{operation} {self.table.name}"):
            for page in self.table.db.get_paginator(operation).paginate(**request):
                items.extend(page["Items"])
                if limit is not None and len(items) >= limit:
                    return items[:limit]
        return items


# The ticket attributes each index is keyed on; the sort key is always opened_at.
TICKET_INDEXES = {
    "status": "by_status",
    "branch": "by_branch",
    "region": "by_region",
    "country": "by_country",
    "owner": "by_owner",
    "customer_key": "by_customer",
}


def _index_query(attribute: str, value: str) -> dict[str, Any]:
    return {
        "IndexName": TICKET_INDEXES[attribute],
        "KeyConditionExpression": "#k = :v",
        "ExpressionAttributeNames": {"#k": attribute},
        "ExpressionAttributeValues": {":v": string_value(value)},
        "ScanIndexForward": False,
    }


def _ticket_item(ticket: Ticket) -> dict[str, Any]:
    item = {
        "ticket_id": string_value(ticket.ticket_id),
        "status": string_value(ticket.status),
        "branch": string_value(ticket.branch),
        "owner": string_value(ticket.owner),
        "opened_at": string_value(ticket.opened_at.isoformat()),
        "version": number_value(ticket.version),
        # The customer's id (the ERP's, pseudonymous): the contact policy asks for open complaints.
        "customer_key": string_value(ticket.customer.id),
        "doc": string_value(ticket.model_dump_json()),
    }
    # Sparse indexes: a ticket without a country or region is simply not in those.
    for name, value in (("country", ticket.country), ("region", ticket.region)):
        if value:
            item[name] = string_value(value)
    return item


# --- the customer index erasure reads (cxloop.domain.privacy.erasure) --------------------------


def _interaction_keys(interaction: Interaction) -> dict[str, Any]:
    return {
        "customer_key": string_value(interaction.event.customer.id),
        "received_at": string_value(interaction.received_at.astimezone(UTC).isoformat()),
    }


def _invitation_keys(doc: str) -> dict[str, Any]:
    invitation = Invitation.model_validate_json(doc)
    return {
        "customer_key": string_value(invitation.customer.id),
        "created_at": string_value(invitation.created_at.astimezone(UTC).isoformat()),
    }


def _response_keys(response: SurveyResponse) -> dict[str, Any]:
    return {
        "customer_key": string_value(response.customer.id),
        "submitted_at": string_value(response.submitted_at.astimezone(UTC).isoformat()),
    }


def _items_of_customer(table: DynamoTable, customer_id: str) -> list[dict[str, Any]]:
    with translated(f"query {table.name}"):
        pages = table.db.get_paginator("query").paginate(
            TableName=table.name,
            IndexName="by_customer",
            KeyConditionExpression="customer_key = :c",
            ExpressionAttributeValues={":c": string_value(customer_id)},
        )
        return [item for page in pages for item in page["Items"]]


def _erase_docs(
    table: DynamoTable, key_name: str, customer_id: str, alias: str, scrub: Callable[[str], Any]
) -> int:
    """Rewrite each of the customer's documents scrubbed, keyed on the pseudonym from then on
    (so a second erasure finds none). Each write is conditioned on the item still being the
    customer's: an item changed meanwhile by another erasure is not counted twice.

    The index is eventually consistent: an item stored a moment before may be missed, and the
    next erasure of the same customer finds it."""
    erased = 0
    for item in _items_of_customer(table, customer_id):
        update = {
            "TableName": table.name,
            "Key": {key_name: item[key_name]},
            "UpdateExpression": "SET doc = :doc, customer_key = :alias",
            "ConditionExpression": "customer_key = :c",
            "ExpressionAttributeValues": {
                ":doc": string_value(scrub(item["doc"]["S"]).model_dump_json()),
                ":alias": string_value(alias),
                ":c": string_value(customer_id),
            },
        }
        erased += _update_once(table, f"erase in {table.name}", update)
    return erased


def _update_once(table: DynamoTable, operation: str, update: dict[str, Any]) -> bool:
    return conditional_write(operation, lambda: table.db.update_item(**update))


def _backfill(table: DynamoTable, key_name: str, keys_of: Callable[[str], dict[str, Any]]) -> int:
    """Add the index attributes to every document item without `customer_key`."""
    with translated(f"scan {table.name}"):
        pages = table.db.get_paginator("scan").paginate(
            TableName=table.name,
            FilterExpression="attribute_exists(doc) AND attribute_not_exists(customer_key)",
        )
        items = [item for page in pages for item in page["Items"]]
    added = 0
    for item in items:
        values = keys_of(item["doc"]["S"])
        update = {
            "TableName": table.name,
            "Key": {key_name: item[key_name]},
            "UpdateExpression": "SET " + ", ".join(f"#a{i} = :a{i}" for i in range(len(values))),
            "ConditionExpression": "attribute_not_exists(customer_key)",
            "ExpressionAttributeNames": {f"#a{i}": name for i, name in enumerate(values)},
            "ExpressionAttributeValues": {f":a{i}": value for i, value in enumerate(values.values())},
        }
        added += _update_once(table, f"backfill {table.name}", update)
    return added


class DynamoErasureLog:
    """The erasures table: one item per erasure (the ERP's customer id, when, by whom, the
    counts), never the personal data, never the pseudonym. Keyed `customer_id`, not
    `customer_key`: the audit is not one of the items an erasure finds and rewrites."""

    def __init__(self, table_name: str, dynamodb: Any | None = None) -> None:
        self.table = DynamoTable(table_name, dynamodb)

    def record(self, audit: ErasureAudit) -> None:
        with translated(f"put {self.table.name}"):
            self.table.db.put_item(
                TableName=self.table.name,
                Item={
                    "customer_id": string_value(audit.customer_id),
                    "at": string_value(audit.at.astimezone(UTC).isoformat()),
                    "by": string_value(audit.by),
                    "doc": string_value(audit.model_dump_json()),
                },
            )

    def of_customer(self, customer_id: str) -> list[ErasureAudit]:
        from cxloop.domain.privacy.erasure import ErasureAudit  # noqa: PLC0415 - see the imports

        with translated(f"query {self.table.name}"):
            pages = self.table.db.get_paginator("query").paginate(
                TableName=self.table.name,
                KeyConditionExpression="customer_id = :c",
                ExpressionAttributeValues={":c": string_value(customer_id)},
                ConsistentRead=True,
            )
            return [ErasureAudit.model_validate_json(i["doc"]["S"]) for page in pages for i in page["Items"]]
