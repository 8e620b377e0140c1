"""Step 1: accept an ERP event once and hand it to dispatch."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from cxloop.domain.intake.ports import InteractionStore
from cxloop.domain.kernel import signature
from cxloop.domain.kernel.events import Interaction, InteractionEvent, interaction_id_for, parse_event
from cxloop.domain.kernel.queues import MessageQueue

# How long a repeat of a stored event is handed to dispatch again: as long as send_survey's
# send log keeps its records (DynamoSendLog's keep_for, cxloop.adapters.send_log).
REPEATS_HANDED_ON_FOR = timedelta(days=7)


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
    """Verify, validate, store once, dispatch (see accept_valid_event)."""
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
    the validation, shared by the webhook, its batch form and file imports.

    The interaction is stored before it is queued, so a crash between the two is repaired by the
    ERP's retry instead of losing the event: a repeat (the event already stored) hands the stored
    interaction to dispatch again (see hands_on_again). Nothing marks the hand-off done (that
    mark cost a write per event); send_survey absorbs a second message.

    A repeat answers is_new=False (200; "duplicate" in a batch or an import) even when the attempt
    that stored the event failed before its hand-off (that attempt answered 503): the event was
    kept then, and the repeat's hand-off completes it.
    """
    interaction = Interaction(
        interaction_id=interaction_id_for(event.source, event.event_id),
        correlation_id=correlation_id,
        received_at=now,
        event=event,
    )
    is_new = interactions.add(interaction)
    if not is_new:
        interaction = interactions.get(interaction.interaction_id) or interaction
        if not hands_on_again(interaction, now):
            return Accepted(interaction.interaction_id, interaction.correlation_id, is_new=False)
    dispatch.send(interaction.model_dump(mode="json"), correlation_id=interaction.correlation_id)
    return Accepted(interaction.interaction_id, interaction.correlation_id, is_new=is_new)


def hands_on_again(stored: Interaction, now: datetime) -> bool:
    """Whether a repeat of the stored interaction is handed to dispatch again.

    Yes while it is younger than REPEATS_HANDED_ON_FOR. send_survey is idempotent on the
    interaction (functions/send_survey/handler.py): the decision it saves in the customer's
    contact record (cxloop.domain.contact.manners, dispatch) makes a later copy a repeat that
    decides, sends and saves nothing, and its send log's claim on "survey#<interaction>#"
    (cxloop.domain.kernel.sends) stops a copy handled at the same time, or after an attempt that
    sent and then failed. Both guards are bounded: the contact record keeps a customer's last
    KEPT_DECISIONS decisions, the send log its records for a week (cxloop.adapters.send_log). So
    an older repeat (a months-old extract dropped again) is taken as handed on, as the ERP's retry
    of a refused request comes within minutes, not a week: it costs nothing downstream and cannot
    survey the customer about it a second time.

    No: an erased customer's interaction (cxloop.domain.privacy.erasure) has no contact left.
    """
    if stored.event.customer.erased:
        return False
    return now - stored.received_at < REPEATS_HANDED_ON_FOR
