"""What each route answers that its resolver cannot declare: the error statuses the typed
errors become (cxloop/http.py maps them, one place), the pages' and files' content types, and
the constraints the handlers enforce beyond the parameters' types.

infra/openapi.py applies these to the document it builds; schemathesis (tests/contract/) holds
the served runtime to every status and constraint written here.
"""

from __future__ import annotations

from typing import Any

from cxloop.domain.configuration.rulebook import DOCUMENT_NAMES
from cxloop.domain.kernel.modelling import STR_SPACE

ERROR_REF = {"$ref": "#/components/schemas/Error"}
HTML = {"text/html": {"schema": {"type": "string"}}}
JSON_ERROR = {"application/json": {"schema": ERROR_REF}}
# The pages (/s, /u, /q) answer people with HTML; a path the function's router cannot read at all
# (an id with characters no id has) is refused before any page, with the contract's JSON error.
PAGE_OR_ERROR = {**HTML, **JSON_ERROR}

# The typed errors (cxloop.domain.kernel.errors) each route can raise, beyond 400 and 401.
ROUTE_ERRORS: dict[tuple[str, str], dict[str, str]] = {
    ("get", "/v1/config/{name}"): {"404": "Unknown document, or never published: the defaults apply"},
    ("get", "/v1/config/{name}/history"): {"404": "Unknown document"},
    ("put", "/v1/config/{name}"): {
        "404": "Unknown document",
        "409": "expected_version is not the current version: someone published since",
    },
    ("get", "/v1/customers/{customer_id}/contact"): {"404": "No contact record for this customer"},
    ("delete", "/v1/customers/{customer_id}"): {
        "404": "An id with characters no customer id has",
        "409": "One of the customer's records changed meanwhile: repeat the DELETE",
    },
    ("post", "/v1/contact-policy/simulate"): {},
    ("get", "/v1/metrics"): {"404": "No such scope"},
    ("get", "/v1/reports/health"): {},
    ("get", "/v1/reports/metrics"): {"404": "No such scope"},
    ("get", "/v1/qr-codes"): {},
    ("post", "/v1/qr-codes"): {},
    ("get", "/v1/qr-codes/{qr_id}/image"): {"404": "No such QR code in your scope"},
    ("delete", "/v1/qr-codes/{qr_id}"): {"404": "No such QR code in your scope"},
    ("get", "/v1/tickets"): {},
    ("get", "/v1/tickets/{ticket_id}"): {"404": "No such ticket in your scope"},
    ("post", "/v1/tickets/{ticket_id}/actions"): {
        "404": "No such ticket in your scope",
        "409": "Not allowed in the ticket's status, or the ticket changed meanwhile: read it again",
    },
    ("post", "/v1/events"): {"413": "Body over 256 KB"},
    ("post", "/v1/events/batch"): {"413": "More than 500 events, or a body over 5 MB"},
}
FORBIDDEN = "Your role may not do this, or the object is outside your scope"

# Success bodies that are not JSON, by route: (status, description, content).
ROUTE_SUCCESSES: dict[tuple[str, str], list[tuple[str, str, dict[str, Any]]]] = {
    ("post", "/v1/qr-codes"): [
        (
            "201",
            "Created: the code's URL and image link",
            {"application/json": {"schema": {"type": "object"}}},
        )
    ],
    ("get", "/v1/qr-codes/{qr_id}/image"): [
        (
            "200",
            "The card (format=svg) or the code (format=png)",
            {
                "image/svg+xml": {"schema": {"type": "string"}},
                "image/png": {"schema": {"type": "string", "format": "binary"}},
            },
        )
    ],
    ("get", "/v1/reports/metrics"): [
        (
            "200",
            "The report as a page (format=html), a PDF (format=pdf) or its figures (format=json)",
            {
                **HTML,
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                "application/json": {"schema": {"type": "object"}},
            },
        )
    ],
    ("get", "/q/{code}"): [
        (
            "303",
            "Scanned: on to a fresh survey link (Location)",
            {"text/plain": {"schema": {"type": "string"}}},
        )
    ],
}

# The pages' statuses, all HTML but for a path no router reads (PAGE_OR_ERROR).
PAGE_STATUSES: dict[tuple[str, str], dict[str, str]] = {
    ("get", "/q/{code}"): {
        "404": "Unknown code (friendly page)",
        "410": "Deactivated code (friendly page)",
        "503": "Storage hiccup: try again (friendly page)",
    },
    ("get", "/u/{token}"): {
        "200": "Asks to confirm the opt-out",
        "404": "Unknown link (friendly page)",
        "503": "Storage hiccup: try again (friendly page)",
    },
    ("post", "/u/{token}"): {
        "200": "Opted out (again, if already)",
        "404": "Unknown link (friendly page)",
        "503": "Storage hiccup: try again (friendly page)",
    },
}

# Both are read after str.strip(), which strips STR_SPACE.
BLANK = f"[{STR_SPACE}]"
INK = f"[^{STR_SPACE}]"
# cxloop.domain.insights.report.parse_period: a month or a quarter of a year from 0001; blank is
# the default (last month).
PERIOD = (
    f"^{BLANK}*(([1-9][0-9]{{3}}|0[1-9][0-9]{{2}}|00[1-9][0-9]|000[1-9])-(0[1-9]|1[0-2]|Q[1-4]){BLANK}*)?$"
)
# cxloop.domain.insights.scope_access.parse_scope: all, or a kind and an id of 1 to 128 characters
# once surrounding whitespace is stripped.
SCOPE = f"^{BLANK}*(all|(touchpoint|branch|region|country):{BLANK}*{INK}([\\s\\S]{{0,126}}{INK})?){BLANK}*$"
# Query parameters whose values the handler checks beyond their type.
PARAMETER_CONSTRAINTS: dict[tuple[str, str, str], dict[str, Any]] = {
    ("get", "/v1/reports/metrics", "period"): {"pattern": PERIOD},
    ("get", "/v1/reports/metrics", "scope"): {"pattern": SCOPE},
    ("get", "/v1/metrics", "scope"): {"pattern": SCOPE},
}
PATH_ENUMS: dict[str, tuple[str, ...]] = {"name": DOCUMENT_NAMES}
# The periods the staff reports read, which no parameter type can say.
PERIOD_RULE = "from is at most 366 days before to (default today), and not after it"


def route_errors(path: str, method: str, *, staff: bool) -> dict[str, dict[str, Any]]:
    """The error answers of a route beyond 400 and 401: 403 on every staff route (role scoping)."""
    errors = {"403": FORBIDDEN} if staff else {}
    errors.update(ROUTE_ERRORS.get((method, path), {}))
    return {status: _error(text) for status, text in errors.items()}


def page_statuses(path: str, method: str) -> dict[str, dict[str, Any]]:
    found = PAGE_STATUSES.get((method, path), {})
    answers = {s: {"description": d, "content": HTML} for s, d in found.items()}
    if "404" in answers:
        answers["404"]["content"] = PAGE_OR_ERROR
    return answers


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": JSON_ERROR}
