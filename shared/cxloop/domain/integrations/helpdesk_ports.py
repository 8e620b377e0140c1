"""What the helpdesk connectors need from the outside world: a helpdesk or CRM to keep cases in,
and a queue that can hold a message back (a vendor's Retry-After)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Protocol

from cxloop.domain.integrations.cases import CaseDraft, CaseUpdate
from cxloop.domain.integrations.connectors import Connector


class RateLimited(Exception):
    """The tool answered 429: try again after `retry_after_s` (its Retry-After)."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"rate limited; retry after {retry_after_s} s")
        self.retry_after_s = retry_after_s


class HelpdeskRefused(Exception):
    """The tool refused the request for good (4xx other than 429): retrying will not help."""


class Helpdesk(Protocol):
    def find_case(self, external_id: str) -> str | None:
        """The tool's id of the case keyed on cxloop's ticket id, or None."""
        ...

    def create_case(self, draft: CaseDraft) -> str: ...

    def update_case(self, case_id: str, update: CaseUpdate) -> None: ...


HelpdeskFor = Callable[[Connector], Helpdesk]


class LaterQueue(Protocol):
    def send_later(self, body: Mapping[str, object], *, correlation_id: str, delay_s: int) -> None:
        """Send `body`, hidden from consumers for `delay_s` seconds."""
        ...
