"""Sends to the outside world made once per step, whatever SQS redelivers.

An email, an SMS or a published alert cannot be taken back, and no provider cxloop sends
through takes an idempotency token. So a step claims each send before making it (the send
log): one conditional write on the send's business key, refused when an earlier attempt
sent it, or while another holds a live claim on it (a copy of the message delivered twice at
once, which SQS may do). That one write is also the step's lock, so a step whose only effect
is its send needs no Powertools idempotency record beside it (push_alert, notify_customer).

What the message needs stored before it leaves (a survey's invitation, an opt-out link) rides
in the claim's own request (`Outbound.stores`): a link never reaches a customer unrecorded,
a refused claim leaves no stray invitation, and the send costs one write, not three.

What a claim means depends on the deployment's choice for sends whose answer was lost
(cxloop.adapters.unconfirmed_sends):
- `assume_sent` (the default): the claim is the send's record, holding the facts known
  before it leaves. A send that fails (refused, throttled) gives its claim back, so the retry
  may send; a copy of the message handled while the claim is live waits for its own retry,
  since the send may yet fail and the claim come back; an attempt that dies mid-send (a Lambda
  timeout, the answer lost) leaves the claim standing, and once it lapses the send is taken as
  made: it errs towards a message never delivered (a reminder, or the SLA watcher, may catch
  it) over one delivered twice;
- `resend`: a claim lapses (the adapter's `claim_for`) unless the send is recorded right after
  it happens; an attempt that dies mid-send is retried once the claim lapsed, and errs towards
  a duplicate over none. The record is a second write.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from cxloop.domain.kernel.errors import Unavailable

Facts = Mapping[str, str]
# The provider message id of a send whose claim is its record: it left after the claim was written.
NOT_RECORDED = "not-recorded"
T = TypeVar("T")
M = TypeVar("M")


class StagedWrite(Protocol):
    """A store's write, made with a send's claim in one request (the send log's adapter knows
    its own stores' writes) or, with no send log, on its own."""

    def apply(self) -> None: ...


@dataclass(frozen=True)
class Outbound(Generic[M]):
    """A send ready to leave: what its carrier takes, what is known of it before it leaves
    (kept with the claim, for a retry to find), and what must be stored before it does."""

    message: M
    facts: Facts = field(default_factory=dict)
    stores: tuple[StagedWrite, ...] = ()


class SendLog(Protocol):
    def claim(
        self, key: str, *, facts: Facts | None = None, along: Sequence[StagedWrite] = ()
    ) -> Facts | None:
        """Take the send `key` for this attempt, storing `along` in the same request (None),
        or answer what an earlier attempt recorded of it (and store nothing). Raises
        SendInFlight while another attempt holds it."""
        ...

    def release(self, key: str) -> None:
        """The claimed send failed: a retry may make it."""
        ...

    def record(self, key: str, facts: Facts) -> None:
        """The send left, with these facts (a no-op where the claim is the record)."""
        ...


class SendInFlight(Unavailable):
    """Another attempt holds the send's claim: retry later (it either records or lapses)."""


def send_once(
    log: SendLog | None,
    key: str,
    outbound: Outbound[M],
    deliver: Callable[[M], T],
    *,
    facts: Callable[[T], Facts],
    earlier: Callable[[Facts], T],
) -> T:
    """`deliver(outbound.message)` unless the log holds `key`; then `earlier(facts)`, the
    earlier send's facts (those known before it left, and its provider message id where it was
    recorded), in the caller's own type. Without a log (a test of something else), it stores
    what the send needs and sends."""
    if log is None:
        for write in outbound.stores:
            write.apply()
        return deliver(outbound.message)
    found = log.claim(key, facts=outbound.facts, along=outbound.stores)
    if found is not None:
        return earlier(found)
    try:
        sent = deliver(outbound.message)
    except BaseException:
        log.release(key)
        raise
    log.record(key, facts(sent))
    return sent
