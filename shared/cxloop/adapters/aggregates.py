"""The aggregates table: the metric counters per scope and day."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from cxloop.adapters.aws import translated
from cxloop.adapters.dynamo import DynamoTable, conditional_write, number_value, string_value, transact
from cxloop.adapters.responses import score_update

if TYPE_CHECKING:
    # The metric counters load on first use: reports_api holds this store for routes its health
    # check never takes, and starts without them.
    from cxloop.domain.feedback.metrics import Counters
    from cxloop.domain.surveys.scoring import Score


class DynamoAggregateStore:
    """Counters per (scope, day), added exactly once per response in one transaction.

    One item per scope and day (`scope`, `period` = "day#YYYY-MM-DD") holds every count of
    cxloop.domain.feedback.metrics.Counters.as_dict as a number attribute (`promoters`,
    `driver#cleanliness#sum`, `topic#waiting_time#n`...) and `parent`, the scope's parent in
    the chain of the response that last counted there. A marker item `applied#<response id>`
    written in the same transaction makes a redelivered response change nothing. With
    `responses_table`, the response's score is written in that transaction too (apply_once's
    `score`): scored and counted together, in one request.
    """

    def __init__(
        self, table_name: str, dynamodb: Any | None = None, *, responses_table: str | None = None
    ) -> None:
        self.table = DynamoTable(table_name, dynamodb)
        self.responses_table = responses_table

    def apply_once(
        self,
        response_id: str,
        scopes: list[str],
        day: date,
        counters: Counters,
        *,
        parents: Mapping[str, str] | None = None,
        score: Score | None = None,
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
        if score is not None:
            if self.responses_table is None:
                raise ValueError("a score is written with the counts only when the responses table is known")
            updates.append({"Update": score_update(self.responses_table, response_id, score)})
        return conditional_write("apply aggregates", lambda: transact(self.table.db, [marker, *updates]))

    def add_once(
        self, group_id: str, day: date, counts: Mapping[str, Counters], parents: Mapping[str, str]
    ) -> int:
        """Add a group of past answers' counts to each scope's day, once per group and item: each
        item records the groups it holds (`applied`, a string set). A day without counts yet gets
        the whole item in one conditional PutItem; a day with counts, a conditional UpdateItem
        that skips an item already holding the group. No transaction: each item is exactly-once
        on its own, so a retry after a partial failure adds only what is missing (and moto, the
        local stand-in, copies every table a transaction names and parses long update
        expressions slowly: a 12-week history took a minute that way). Answers how many were added."""
        added = 0
        for scope, counters in counts.items():
            parent = parents.get(scope)
            added += self._put_new(group_id, scope, day, counters, parent) or self._add_to(
                group_id, scope, day, counters, parent
            )
        return added

    def _put_new(self, group_id: str, scope: str, day: date, counters: Counters, parent: str | None) -> bool:
        from cxloop.domain.feedback.metrics import SCALAR_FIELDS  # noqa: PLC0415 - see the imports

        item: dict[str, Any] = {
            name: number_value(value)
            for name, value in counters.as_dict().items()
            if value or name in SCALAR_FIELDS
        }
        item |= {
            "scope": string_value(scope),
            "period": string_value(f"day#{day.isoformat()}"),
            "applied": {"SS": [group_id]},
        }
        if parent is not None:
            item["parent"] = string_value(parent)
        return conditional_write(
            "add past counts",
            lambda: self.table.db.put_item(
                TableName=self.table.name,
                Item=item,
                ConditionExpression="attribute_not_exists(#scope)",
                ExpressionAttributeNames={"#scope": "scope"},
            ),
        )

    def _add_to(self, group_id: str, scope: str, day: date, counters: Counters, parent: str | None) -> bool:
        update = self._day_update(scope, day, counters, parent)
        update["UpdateExpression"] = update["UpdateExpression"].replace("ADD ", "ADD #applied :group, ", 1)
        update["ConditionExpression"] = "NOT contains(#applied, :one)"
        update["ExpressionAttributeNames"]["#applied"] = "applied"
        update["ExpressionAttributeValues"] |= {":group": {"SS": [group_id]}, ":one": string_value(group_id)}
        return conditional_write("add past counts", lambda: self.table.db.update_item(**update))

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
