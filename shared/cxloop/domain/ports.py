"""The collaborators the domain needs, as protocols. Adapters implement them with
boto3; tests pass moto-backed adapters or fakes (DESIGN rule 7)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # the protocols name these types only in annotations; importers need not load them
    from cxloop.domain.events import Interaction
    from cxloop.domain.messages import EmailMessage
    from cxloop.domain.metrics import Counters
    from cxloop.domain.models import Alert, Invitation, SurveyResponse, Ticket
    from cxloop.domain.scoring import Score


class InteractionStore(Protocol):
    def add(self, interaction: Interaction) -> bool:
        """Store once; False when the interaction id is already there."""

    def get(self, interaction_id: str) -> Interaction | None: ...

    def dispatch_pending(self, interaction_id: str) -> bool:
        """True while the interaction was stored but not yet handed to dispatch."""

    def mark_dispatched(self, interaction_id: str) -> None: ...


class MessageQueue(Protocol):
    def send(self, body: Mapping[str, object], *, correlation_id: str) -> None: ...


class InvitationStore(Protocol):
    def add(self, invitation: Invitation) -> None: ...

    def get(self, token_hash: str) -> Invitation | None: ...

    def settle_reminder(self, token_hash: str, *, at: datetime, outcome: str) -> bool:
        """Settle the invitation's one reminder ("sent", or why not); True for the first caller."""
        ...


class ResponseStore(Protocol):
    def record(self, response: SurveyResponse, token_hash: str) -> bool:
        """Store the answers and close the invitation atomically; False if already answered."""

    def get(self, response_id: str) -> SurveyResponse | None: ...

    def enqueue_pending(self, response_id: str) -> bool:
        """True while the recorded response was not yet handed to scoring."""

    def mark_enqueued(self, response_id: str) -> None: ...

    def save_score(self, response_id: str, score: Score) -> None: ...


class AggregateStore(Protocol):
    def apply_once(
        self,
        response_id: str,
        scopes: list[str],
        day: date,
        counters: Counters,
        *,
        parents: Mapping[str, str] | None = None,
    ) -> bool:
        """Add counters to every scope's day exactly once per response; False on repeat.
        `parents` names each scope's parent (cxloop.domain.assessing.parents_of)."""

    def read(self, scope: str) -> Counters:
        """Every day of the scope, added up."""

    def read_days(self, scope: str, start: date, end: date) -> dict[date, Counters]:
        """The scope's counters of each day from start to end, both included; days
        without a response are absent."""

    def parent_of(self, scope: str) -> str | None:
        """The parent stored with the scope's latest counts; None for `all` or no counts."""


class TicketStore(Protocol):
    def add(self, ticket: Ticket) -> bool: ...

    def get(self, ticket_id: str) -> Ticket | None: ...

    def save(self, ticket: Ticket, *, expected_version: int) -> Ticket:
        """Store a changed ticket; raises Conflict when another change landed first."""

    def find(self, *, partition: tuple[str, str] | None, status: str | None = None) -> list[Ticket]:
        """Every ticket of one (attribute, value) partition, or of one status, or all."""

    def open_tickets(self) -> list[Ticket]: ...


class EmailSender(Protocol):
    def send(self, *, sender: str, to: str, message: EmailMessage) -> str: ...


class SmsSender(Protocol):
    def send(self, *, to: str, text: str) -> str: ...


class TemplateSender(Protocol):
    """A channel that only carries pre-approved templates (WhatsApp outside the customer's
    24-hour window): we give the values, the template holds the words."""

    def send(self, *, to: str, language: str, values: Mapping[str, str]) -> str:
        """The provider's message id; ValueError when the template needs a value not given.
        ChannelRefused when the channel will not carry it, Unavailable when a retry may help."""


class AlertPublisher(Protocol):
    def publish(self, alert: Alert) -> str: ...
