"""DynamoDB repositories. Each item keeps its model as a JSON document (`doc`)
beside the key and index attributes; state changes are guarded by conditions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from cxloop.adapters.aws import client, error_code, translated
from cxloop.domain.errors import Conflict
from cxloop.domain.events import Interaction
from cxloop.domain.metrics import Counters
from cxloop.domain.models import Invitation, SurveyResponse, Ticket
from cxloop.domain.scoring import Score

INTERACTION_RETENTION = timedelta(days=400)
# Keep answered/expired invitations a while so the link shows a friendly page.
INVITATION_GRACE = timedelta(days=30)


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _n(value: int) -> dict[str, str]:
    return {"N": str(value)}


def _epoch(moment: datetime) -> int:
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


class _Table:
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
        self.table = _Table(table_name, dynamodb)

    def add(self, interaction: Interaction) -> bool:
        item = {
            "interaction_id": _s(interaction.interaction_id),
            "doc": _s(interaction.model_dump_json()),
            "dispatch_pending": {"BOOL": True},
            "expires_at": _n(_epoch(interaction.received_at + INTERACTION_RETENTION)),
        }
        return self.table.put_new("interaction_id", item)

    def get(self, interaction_id: str) -> Interaction | None:
        item = self.table.get({"interaction_id": _s(interaction_id)})
        return Interaction.model_validate_json(item["doc"]["S"]) if item else None

    def dispatch_pending(self, interaction_id: str) -> bool:
        item = self.table.get({"interaction_id": _s(interaction_id)})
        return bool(item and item.get("dispatch_pending", {}).get("BOOL"))

    def mark_dispatched(self, interaction_id: str) -> None:
        self.table.set_flag({"interaction_id": _s(interaction_id)}, "dispatch_pending", False)


class DynamoInvitationStore:
    def __init__(self, table_name: str, dynamodb: Any | None = None) -> None:
        self.table = _Table(table_name, dynamodb)

    def add(self, invitation: Invitation) -> None:
        item = {
            "token_hash": _s(invitation.token_hash),
            "invitation_id": _s(invitation.invitation_id),
            "status": _s(invitation.status),
            "doc": _s(invitation.model_dump_json()),
            "expires_at": _n(_epoch(invitation.expires_at + INVITATION_GRACE)),
        }
        if not self.table.put_new("token_hash", item):
            raise RuntimeError("token hash collision: refusing to overwrite an invitation")

    def get(self, token_hash: str) -> Invitation | None:
        item = self.table.get({"token_hash": _s(token_hash)})
        if not item:
            return None
        invitation = Invitation.model_validate_json(item["doc"]["S"])
        # status is the attribute the answer transaction flips; the doc keeps the original.
        return invitation.model_copy(update={"status": item["status"]["S"]})


class DynamoResponseStore:
    def __init__(
        self, responses_table: str, invitations_table: str | None = None, dynamodb: Any | None = None
    ) -> None:
        self.table = _Table(responses_table, dynamodb)
        self.invitations_table = invitations_table

    def record(self, response: SurveyResponse, token_hash: str) -> bool:
        """One transaction: close the invitation (if still open) and store the answers."""
        assert self.invitations_table, "recording answers needs the invitations table"
        close_invitation = {
            "Update": {
                "TableName": self.invitations_table,
                "Key": {"token_hash": _s(token_hash)},
                "UpdateExpression": "SET #s = :answered",
                "ConditionExpression": "#s = :sent",
                "ExpressionAttributeNames": {"#s": "status"},
                "ExpressionAttributeValues": {":answered": _s("answered"), ":sent": _s("sent")},
            }
        }
        store_answers = {
            "Put": {
                "TableName": self.table.name,
                "Item": {
                    "response_id": _s(response.response_id),
                    "doc": _s(response.model_dump_json()),
                    "enqueue_pending": {"BOOL": True},
                },
                "ConditionExpression": "attribute_not_exists(response_id)",
            }
        }
        return conditional_write(
            "record response",
            lambda: self.table.db.transact_write_items(TransactItems=[close_invitation, store_answers]),
        )

    def get(self, response_id: str) -> SurveyResponse | None:
        item = self.table.get({"response_id": _s(response_id)})
        if not item:
            return None
        response = SurveyResponse.model_validate_json(item["doc"]["S"])
        if "score" in item:
            response = response.model_copy(update={"score": Score.model_validate_json(item["score"]["S"])})
        return response

    def enqueue_pending(self, response_id: str) -> bool:
        item = self.table.get({"response_id": _s(response_id)})
        return bool(item and item.get("enqueue_pending", {}).get("BOOL"))

    def mark_enqueued(self, response_id: str) -> None:
        self.table.set_flag({"response_id": _s(response_id)}, "enqueue_pending", False)

    def save_score(self, response_id: str, score: Score) -> None:
        with translated("save score"):
            self.table.db.update_item(
                TableName=self.table.name,
                Key={"response_id": _s(response_id)},
                UpdateExpression="SET #score = :score",
                ExpressionAttributeNames={"#score": "score"},
                ExpressionAttributeValues={":score": _s(score.model_dump_json())},
            )


class DynamoAggregateStore:
    """Counters per (scope, day), added exactly once per response in one transaction."""

    def __init__(self, table_name: str, dynamodb: Any | None = None) -> None:
        self.table = _Table(table_name, dynamodb)

    def apply_once(self, response_id: str, scopes: list[str], day: date, counters: Counters) -> bool:
        marker = {
            "Put": {
                "TableName": self.table.name,
                "Item": {"scope": _s(f"applied#{response_id}"), "period": _s("-")},
                "ConditionExpression": "attribute_not_exists(#scope)",
                "ExpressionAttributeNames": {"#scope": "scope"},
            }
        }
        values = counters.as_dict()
        adds = ", ".join(f"#{name} :{name}" for name in values)
        updates = [
            {
                "Update": {
                    "TableName": self.table.name,
                    "Key": {"scope": _s(scope), "period": _s(f"day#{day.isoformat()}")},
                    "UpdateExpression": f"ADD {adds}",
                    "ExpressionAttributeNames": {f"#{name}": name for name in values},
                    "ExpressionAttributeValues": {f":{name}": _n(value) for name, value in values.items()},
                }
            }
            for scope in scopes
        ]
        return conditional_write(
            "apply aggregates", lambda: self.table.db.transact_write_items(TransactItems=[marker, *updates])
        )

    def read(self, scope: str) -> Counters:
        total = Counters()
        with translated("read aggregates"):
            pages = self.table.db.get_paginator("query").paginate(
                TableName=self.table.name,
                KeyConditionExpression="#scope = :scope AND begins_with(period, :day)",
                ExpressionAttributeNames={"#scope": "scope"},
                ExpressionAttributeValues={":scope": _s(scope), ":day": _s("day#")},
            )
            for page in pages:
                for item in page["Items"]:
                    total = total + Counters(
                        **{
                            name: int(item[name]["N"])
                            for name in Counters.__dataclass_fields__
                            if name in item
                        }
                    )
        return total


class DynamoTicketStore:
    """Tickets with their history in one document; every change is conditioned on the
    version read, so two people acting at once never overwrite each other."""

    # A list reads at most this many tickets of the caller's partition before filtering.
    MAX_READ = 5000

    def __init__(self, table_name: str, dynamodb: Any | None = None) -> None:
        self.table = _Table(table_name, dynamodb)

    def add(self, ticket: Ticket) -> bool:
        return self.table.put_new("ticket_id", _ticket_item(ticket))

    def get(self, ticket_id: str) -> Ticket | None:
        item = self.table.get({"ticket_id": _s(ticket_id)})
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
                ExpressionAttributeValues={":expected": _n(expected_version)},
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
        items = self._collect(request, operation=operation)
        return [Ticket.model_validate_json(item["doc"]["S"]) for item in items]

    def open_tickets(self) -> list[Ticket]:
        """Every ticket still being worked, for the SLA watcher."""
        found: list[Ticket] = []
        for status in ("new", "assigned", "in_progress", "waiting_customer"):
            found.extend(self.find(partition=None, status=status))
        return found

    def _collect(self, request: dict[str, Any], *, operation: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        with translated(f"{operation} {self.table.name}"):
            for page in self.table.db.get_paginator(operation).paginate(**request):
                items.extend(page["Items"])
                if len(items) >= self.MAX_READ:
                    break
        return items[: self.MAX_READ]


# The ticket attributes each index is keyed on; the sort key is always opened_at.
TICKET_INDEXES = {
    "status": "by_status",
    "branch": "by_branch",
    "region": "by_region",
    "country": "by_country",
    "owner": "by_owner",
}


def _index_query(attribute: str, value: str) -> dict[str, Any]:
    return {
        "IndexName": TICKET_INDEXES[attribute],
        "KeyConditionExpression": "#k = :v",
        "ExpressionAttributeNames": {"#k": attribute},
        "ExpressionAttributeValues": {":v": _s(value)},
        "ScanIndexForward": False,
    }


def _ticket_item(ticket: Ticket) -> dict[str, Any]:
    item = {
        "ticket_id": _s(ticket.ticket_id),
        "status": _s(ticket.status),
        "branch": _s(ticket.branch),
        "owner": _s(ticket.owner),
        "opened_at": _s(ticket.opened_at.isoformat()),
        "version": _n(ticket.version),
        "doc": _s(ticket.model_dump_json()),
    }
    # Sparse indexes: a ticket without a country or region is simply not in those.
    for name, value in (("country", ticket.country), ("region", ticket.region)):
        if value:
            item[name] = _s(value)
    return item
