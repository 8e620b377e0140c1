"""The qr_codes table: one item per printed QR code, keyed by the id derived from its code
(cxloop.domain.surveys.qr_codes.qr_id_for), with the branch index staff listings read."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from cxloop.adapters.aws import translated
from cxloop.adapters.dynamo import DynamoTable, conditional_write, string_value
from cxloop.domain.surveys.qr_codes import QrCode


class DynamoQrCodeStore:
    def __init__(self, table_name: str, dynamodb: Any | None = None) -> None:
        self.table = DynamoTable(table_name, dynamodb)

    def add(self, code: QrCode) -> bool:
        return self.table.put_new("qr_id", _item(code))

    def get(self, qr_id: str) -> QrCode | None:
        item = self.table.get({"qr_id": string_value(qr_id)})
        return _code_of(item) if item else None

    def deactivate(self, qr_id: str, *, at: datetime, by: str) -> bool:
        """Conditioned on the code being active, so the first deactivation's who and when stay."""
        found = self.get(qr_id)
        if found is None or not found.active:
            return False
        changed = found.model_copy(update={"active": False, "deactivated_at": at, "deactivated_by": by})
        return conditional_write(
            "deactivate QR code",
            lambda: self.table.db.update_item(
                TableName=self.table.name,
                Key={"qr_id": string_value(qr_id)},
                UpdateExpression="SET active = :off, doc = :doc",
                ConditionExpression="active = :on",
                ExpressionAttributeValues={
                    ":off": {"BOOL": False},
                    ":on": {"BOOL": True},
                    ":doc": string_value(changed.model_dump_json()),
                },
            ),
        )

    def of_branch(self, branch: str) -> list[QrCode]:
        return self._collect(
            {
                "IndexName": "by_branch",
                "KeyConditionExpression": "branch = :b",
                "ExpressionAttributeValues": {":b": string_value(branch)},
            },
            "query",
        )

    def everything(self) -> list[QrCode]:
        """Every code: a company prints hundreds or a few thousand, one scan of small items."""
        return self._collect({}, "scan")

    def _collect(self, request: dict[str, Any], operation: str) -> list[QrCode]:
        with translated(f"{operation} {self.table.name}"):
            pages = self.table.db.get_paginator(operation).paginate(TableName=self.table.name, **request)
            return [_code_of(item) for page in pages for item in page["Items"]]


def _item(code: QrCode) -> dict[str, Any]:
    return {
        "qr_id": string_value(code.qr_id),
        "branch": string_value(code.branch),
        "created_at": string_value(code.created_at.astimezone(UTC).isoformat()),
        "active": {"BOOL": code.active},
        "doc": string_value(code.model_dump_json()),
    }


def _code_of(item: dict[str, Any]) -> QrCode:
    return QrCode.model_validate_json(item["doc"]["S"])
