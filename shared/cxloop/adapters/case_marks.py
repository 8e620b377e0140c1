"""Case marks in the contacts table: "cases#" + a customer's id, for every customer who ever had
a case opened, written by open_ticket in the ticket's own transaction (cxloop.adapters.tickets)
and read with the contact record (cxloop.adapters.contacts, `standing`). A customer without one
cannot have an open complaint, so send_survey's dispatch skips the tickets index query for them.

A module of its own, with no domain import (only the DynamoDB vocabulary): the stores that write
tickets do not load the contact context to start. The mark holds only the ERP's pseudonymous id
(as the contact record's own key does) and when the last case was opened, and stays after an
erasure, as that record does.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cxloop.adapters.dynamo import string_value


def case_mark_key(customer_id: str) -> str:
    return f"cases#{customer_id}"


def case_mark_put(table_name: str, customer_id: str, opened_at: datetime) -> dict[str, Any]:
    """The transaction item that marks the customer as having had a case."""
    item = {
        "customer_key": string_value(case_mark_key(customer_id)),
        "last_opened_at": string_value(opened_at.isoformat()),
    }
    return {"Put": {"TableName": table_name, "Item": item}}
