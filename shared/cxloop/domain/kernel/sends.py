"""Sends to the outside world made once per step, whatever SQS redelivers.

An email, an SMS or a published alert cannot be taken back, and no provider cxloop sends
through takes an idempotency token. So a step records each send right after it happens (the
send log) and checks that record before sending: a retry of a step that sent and then failed
later (a contact-state write, its idempotency record's completion) finds the send done and
does not repeat it.

The check is a claim: one conditional write that takes the send for this attempt unless an
earlier attempt recorded it, or another holds a live claim on it (a copy of the message
delivered twice at once, which SQS may do). That one write is also the step's lock, so a step
whose only effect is its send needs no Powertools idempotency record beside it (push_alert,
notify_customer). A send that fails gives its claim back, so the retry may send; an attempt
that dies mid-send leaves a claim that lapses (the adapter's `claim_for`, a consumer's timeout)
before SQS delivers the message again.

Which way each remaining case errs:
- the send call's answer is lost (the connection closed or the read timed out after the
  request went out): nobody can know whether it took effect. By default the adapters take it
  as sent, with the provider message id `unconfirmed`, and it is recorded like any send: it
  errs towards a message never delivered (a reminder, or the SLA watcher, may catch it) over
  one delivered twice. A deployment can choose the duplicate instead; the adapters'
  cxloop.adapters.unconfirmed_sends says how, and why this is the default;
- the send happened but its record could not be written: the adapter tries hard (it is one
  small write), and if it still fails the step fails and its retry sends again: a duplicate.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Protocol, TypeVar

from cxloop.domain.kernel.errors import Unavailable

Facts = Mapping[str, str]
T = TypeVar("T")


class SendLog(Protocol):
    def claim(self, key: str) -> Facts | None:
        """Take the send `key` for this attempt (None), or answer what an earlier attempt
        recorded of it. Raises SendInFlight while another attempt holds it."""
        ...

    def release(self, key: str) -> None:
        """The claimed send failed: a retry may make it."""
        ...

    def record(self, key: str, facts: Facts) -> None: ...


class SendInFlight(Unavailable):
    """Another attempt holds the send's claim: retry later (it either records or lapses)."""


def send_once(
    log: SendLog | None,
    key: str,
    send: Callable[[], T],
    *,
    facts: Callable[[T], Facts],
    earlier: Callable[[Facts], T],
) -> T:
    """`send()` unless the log holds `key`; then `earlier(facts)`, the earlier send's facts
    (its provider message id, channel...), in the caller's own type. Without a log (a test
    of something else), it just sends."""
    if log is None:
        return send()
    found = log.claim(key)
    if found is not None:
        return earlier(found)
    try:
        sent = send()
    except BaseException:
        log.release(key)
        raise
    log.record(key, facts(sent))
    return sent
