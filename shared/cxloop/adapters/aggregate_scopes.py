"""Which scopes have counts in a date range, with the parent stored beside them (the
periodic report, the metrics report and the metric-drop alerts all ask this)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from cxloop.adapters.aws import client, translated

if TYPE_CHECKING:  # the report module is only this function's types, and heavy to import
    from cxloop.domain.insights.report import PresentScopes, ScopesBetween


def scopes_with_counts(table_name: str, dynamodb: Any | None = None) -> ScopesBetween:
    """One Scan projecting only the scope and its parent (the table has no index by day;
    a sparse one would spare reading the once-only markers as the table grows)."""

    def between(start: date, end: date) -> PresentScopes:
        found: dict[str, str | None] = {}
        request = {
            "TableName": table_name,
            "FilterExpression": "#period BETWEEN :start AND :end",
            "ProjectionExpression": "#scope, #parent",
            "ExpressionAttributeNames": {"#scope": "scope", "#period": "period", "#parent": "parent"},
            "ExpressionAttributeValues": {
                ":start": {"S": f"day#{start.isoformat()}"},
                ":end": {"S": f"day#{end.isoformat()}"},
            },
        }
        with translated("scan aggregates"):
            for page in (dynamodb or client("dynamodb")).get_paginator("scan").paginate(**request):
                for item in page["Items"]:
                    parent = item.get("parent", {}).get("S")
                    found[item["scope"]["S"]] = parent or found.get(item["scope"]["S"])
        return found

    return between
