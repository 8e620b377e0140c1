"""The invitations table: each survey invitation by its token's hash, as its JSON document
(`doc`) beside the `status` the answer transaction flips (cxloop.adapters.responses)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from cxloop.adapters.aws import translated
from cxloop.adapters.customer_index import add_customer_keys, erase_documents
from cxloop.adapters.dynamo import (
    DynamoTable,
    StagedPut,
    conditional_write,
    epoch_seconds,
    number_value,
    string_value,
)
from cxloop.domain.surveys.models import Invitation

# Keep answered/expired invitations a while so the link shows a friendly page.
INVITATION_GRACE = timedelta(days=30)


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
        self.staged_add(invitation).apply()

    def staged_add(self, invitation: Invitation) -> StagedPut:
        """The invitation's put, made with its survey's send claim (cxloop.adapters.send_log)."""
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
        return self.table.staged_put_new("token_hash", item)

    def erase_customer(
        self, customer_id: str, alias: str, scrub: Callable[[Invitation, str], Invitation]
    ) -> int:
        return erase_documents(
            self.table,
            "token_hash",
            customer_id,
            alias,
            lambda doc: scrub(Invitation.model_validate_json(doc), alias),
        )

    def backfill_customer_keys(self) -> int:
        """One-off, for invitations stored before `customer_key` was written (see
        cxloop.adapters.interactions)."""
        return add_customer_keys(self.table, "token_hash", _invitation_keys)

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


def _invitation_keys(doc: str) -> dict[str, Any]:
    invitation = Invitation.model_validate_json(doc)
    return {
        "customer_key": string_value(invitation.customer.id),
        "created_at": string_value(invitation.created_at.astimezone(UTC).isoformat()),
    }
