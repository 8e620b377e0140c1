"""Schemathesis hooks for cxloop: the signed ERP webhook routes are signed as an ERP signs them.

Schemathesis loads this module by name (SCHEMATHESIS_HOOKS=tests.contract.hooks). The staff
routes get their bearer token from the command line (--header); the webhook routes declare
their signature as two headers (infra/openapi.py), which no generator can fill correctly, so
each positive request is signed here over the exact bytes it sends.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import requests
import schemathesis
from schemathesis.core.parameters import ParameterLocation

from cxloop.domain.kernel.zones import zone_named
from infra.local.defaults import webhook_secret
from infra.local.erp import signed_headers

WEBHOOK_PATHS = frozenset({"/v1/events", "/v1/events/batch"})
SIGNATURE_HEADERS = ("X-Cx-Timestamp", "X-Cx-Signature")


class SignedLikeAnErp(requests.auth.AuthBase):
    """Replaces the generated timestamp and signature with real ones over the body sent."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        body = request.body or b""
        raw = body.encode() if isinstance(body, str) else bytes(body)
        signed = signed_headers(raw, webhook_secret())
        for name in SIGNATURE_HEADERS:
            request.headers[name] = signed[name]
        return request


def signs(case: schemathesis.Case) -> bool:
    """A webhook request whose headers are meant to be valid: a negative case (a header left
    out or malformed on purpose) keeps what was generated, so the 401 it gets is checked too."""
    if case.operation.path not in WEBHOOK_PATHS:
        return False
    headers = {k.lower() for k in (case.headers or {})}
    if not all(name.lower() in headers for name in SIGNATURE_HEADERS):
        return False
    return not (case.meta is not None and case.meta.is_negative_at(ParameterLocation.HEADER))


@schemathesis.hook
def before_call(context: schemathesis.HookContext, case: schemathesis.Case, kwargs: dict[str, Any]) -> None:
    if signs(case):
        kwargs["auth"] = SignedLikeAnErp()


# The staff reports' periods: `from` at most 366 days before `to` (default today), never after it;
# a simulation's at most 92 days. The document says so in words (infra/openapi_contract.py); no
# JSON Schema keyword relates two dates, so a request meant to be valid is made to keep the rule.
PERIOD_DAYS = {"/v1/metrics": 366, "/v1/reports/health": 366, "/v1/contact-policy/simulate": 92}


@schemathesis.hook
def map_case(context: schemathesis.HookContext, case: schemathesis.Case) -> schemathesis.Case:
    path = case.operation.path
    if path == "/v1/tickets":
        return without_foreign_cursor(case)
    if path == "/v1/events":
        return with_known_zone(case)
    if path not in PERIOD_DAYS:
        return case
    location, values = (
        (ParameterLocation.BODY, case.body)
        if path.endswith("simulate")
        else (ParameterLocation.QUERY, case.query)
    )
    if not isinstance(values, dict) or (case.meta is not None and case.meta.is_negative_at(location)):
        return case
    kept = within_period(values, PERIOD_DAYS[path])
    if location is ParameterLocation.BODY:
        case.body = kept
    else:
        case.query = kept
    return case


def within_period(values: dict[str, Any], days: int) -> dict[str, Any]:
    start, end = _day(values.get("from")), _day(values.get("to"))
    if start is None:
        return values
    last = end or datetime.now(UTC).date()
    if last < start or (last - start).days > days:
        back = min(days, 29, (last - date.min).days)  # not before year 1
        return {**values, "from": (last - timedelta(days=back)).isoformat()}
    return values


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def without_foreign_cursor(case: schemathesis.Case) -> schemathesis.Case:
    """`cursor` is opaque: only a next_cursor this API gave is one (a 400 otherwise, as its
    description says), so a request meant to be valid pages from the start."""
    if isinstance(case.query, dict) and not _negative(case, ParameterLocation.QUERY):
        case.query = {k: v for k, v in case.query.items() if k != "cursor"}
    return case


def with_known_zone(case: schemathesis.Case) -> schemathesis.Case:
    """`customer.timezone` is an IANA zone name of the runtime's time zone database, which the
    document cannot list (it differs by machine): a valid request names a real one."""
    body = case.body
    if not isinstance(body, dict) or _negative(case, ParameterLocation.BODY):
        return case
    customer = body.get("customer")
    if isinstance(customer, dict) and "timezone" in customer and not _zone(customer["timezone"]):
        case.body = {**body, "customer": {**customer, "timezone": "America/Guayaquil"}}
    return case


def _negative(case: schemathesis.Case, location: ParameterLocation) -> bool:
    return case.meta is not None and case.meta.is_negative_at(location)


def _zone(name: Any) -> bool:
    try:
        zone_named(name)
    except (ValueError, TypeError):
        return False
    return True
