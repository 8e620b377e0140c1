"""The responses table: each survey's answers as its JSON document (`doc`), stored in the same
transaction that closes the invitation, and the `score` once it is known (written by
score_response; until then a repeated POST hands the response to scoring again:
cxloop.domain.surveys.survey_page)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from typing import Any

from cxloop.adapters.aws import translated
from cxloop.adapters.customer_index import add_customer_keys, erase_documents
from cxloop.adapters.dynamo import DynamoTable, conditional_write, string_value, transact
from cxloop.domain.surveys.models import SurveyResponse
from cxloop.domain.surveys.scoring import Score


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
                    **_response_keys(response),
                },
                "ConditionExpression": "attribute_not_exists(response_id)",
            }
        }
        return conditional_write(
            "record response",
            lambda: transact(self.table.db, [close_invitation, store_answers]),
        )

    def record_past(self, response: SurveyResponse, score: Score, *, group: str) -> str:
        """A past answer from a history file, already scored (cxloop.domain.feedback.past_responses):
        no invitation to close and nothing to enqueue. Answers the import group it was first stored
        by: `group` when new (or stored by this group's earlier attempt), another when a repeat."""
        item = {
            "response_id": string_value(response.response_id),
            "doc": string_value(response.model_dump_json()),
            "score": string_value(score.model_dump_json()),
            "history_group": string_value(group),
            **_response_keys(response),
        }
        if conditional_write(
            "record past response",
            lambda: self.table.db.put_item(
                TableName=self.table.name, Item=item, ConditionExpression="attribute_not_exists(response_id)"
            ),
        ):
            return group
        stored = self.table.get({"response_id": string_value(response.response_id)})
        return str((stored or {}).get("history_group", {}).get("S", ""))

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
        return erase_documents(
            self.table,
            "response_id",
            customer_id,
            alias,
            lambda doc: scrub(SurveyResponse.model_validate_json(doc), alias),
        )

    def backfill_customer_keys(self) -> int:
        """One-off, for responses stored before `customer_key` was written (see
        cxloop.adapters.interactions)."""
        return add_customer_keys(
            self.table, "response_id", lambda doc: _response_keys(SurveyResponse.model_validate_json(doc))
        )

    def save_score(self, response_id: str, score: Score) -> None:
        with translated("save score"):
            self.table.db.update_item(**score_update(self.table.name, response_id, score))


def score_update(table_name: str, response_id: str, score: Score) -> dict[str, Any]:
    """The write of a response's score: alone (save_score) or in the aggregates' transaction
    (cxloop.adapters.aggregates, apply_once)."""
    return {
        "TableName": table_name,
        "Key": {"response_id": string_value(response_id)},
        "UpdateExpression": "SET #score = :score",
        "ExpressionAttributeNames": {"#score": "score"},
        "ExpressionAttributeValues": {":score": string_value(score.model_dump_json())},
    }


def _response_keys(response: SurveyResponse) -> dict[str, Any]:
    return {
        "customer_key": string_value(response.customer.id),
        "submitted_at": string_value(response.submitted_at.astimezone(UTC).isoformat()),
    }
