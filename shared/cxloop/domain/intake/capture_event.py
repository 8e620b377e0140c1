"""Step 1: accept an ERP event once and hand it to dispatch."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from cxloop.domain.intake.ports import InteractionStore
from cxloop.domain.kernel import signature
from cxloop.domain.kernel.events import Interaction, InteractionEvent, interaction_id_for, parse_event
from cxloop.domain.kernel.queues import MessageQueue


@dataclass(frozen=True)
class Accepted:
    interaction_id: str
    correlation_id: str
    is_new: bool


@dataclass(frozen=True)
class SignedRequest:
    body: bytes
    timestamp: str | None
    signature: str | None
    correlation_id: str


def accept_event(
    request: SignedRequest,
    *,
    secrets: Iterable[str],
    now: datetime,
    interactions: InteractionStore,
    dispatch: MessageQueue,
) -> Accepted:
    """Verify, validate, store once, dispatch.

    The interaction is stored before it is queued and marked dispatched after, so a
    crash between the two is repaired by the ERP's retry instead of losing the event.
    """
    signature.verify(
        timestamp=request.timestamp,
        signature=request.signature,
        body=request.body,
        secrets=secrets,
        now=now.timestamp(),
    )
    event = parse_event(request.body)
    return accept_valid_event(
        event, correlation_id=request.correlation_id, now=now, interactions=interactions, dispatch=dispatch
    )


def accept_valid_event(
    event: InteractionEvent,
    *,
    correlation_id: str,
    now: datetime,
    interactions: InteractionStore,
    dispatch: MessageQueue,
) -> Accepted:
    """Store once, dispatch: the part of accepting an event that comes after the signature and
    the validation, shared by the webhook, its batch form and file imports."""
    interaction = Interaction(
        interaction_id=interaction_id_for(event.source, event.event_id),
        correlation_id=correlation_id,
        received_at=now,
        event=event,
    )
    is_new = interactions.add(interaction)
    if not is_new:
        stored = interactions.get(interaction.interaction_id)
        interaction = stored or interaction
        if not interactions.dispatch_pending(interaction.interaction_id):
            return Accepted(interaction.interaction_id, interaction.correlation_id, is_new=False)
    dispatch.send(interaction.model_dump(mode="json"), correlation_id=interaction.correlation_id)
    interactions.mark_dispatched(interaction.interaction_id)
    # New to the ERP even when stored before: the attempt that stored it was answered 503,
    # so this retry is the acceptance (202, counted once in EventsAccepted).
    return Accepted(interaction.interaction_id, interaction.correlation_id, is_new=True)
