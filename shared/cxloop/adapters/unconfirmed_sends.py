"""Sends whose answer was lost: an email, an SMS, a WhatsApp message or an alert that went out
to AWS and whose answer never came back (the connection closed, or the read timed out).

AWS may or may not have sent it, and none of these APIs takes an idempotency token or lets us
ask afterwards. botocore would send it again on its own, and so would SQS's redelivery of the
step: a customer surveyed twice, a manager alerted twice. cxloop's default is to assume it was
sent (CXLOOP_UNCONFIRMED_SENDS=assume_sent): the step takes the send as made (its provider
message id reads `unconfirmed`; the send log's claim is its record, adapters/send_log.py) and
carries on, so it errs towards a message never delivered over one delivered twice.
What catches the first case:
- a survey nobody received goes unanswered; where the contact policy sends reminders
  (reminder_after_days), its reminder goes out as for any unanswered survey
  (cxloop.domain.contact.send_reminders); a lost survey is one answer fewer, a doubled one
  is the contact the policy exists to prevent;
- an alert nobody received leaves its ticket on the desk under the SLA watcher, which reminds
  and escalates (cxloop.domain.casework.sla_watcher);
- a case notice is informative: the ticket, not the notice, carries the work.
A company that prefers the duplicate sets CXLOOP_UNCONFIRMED_SENDS=resend (the CDK context
`unconfirmedSends`, `cxloop serve --unconfirmed-sends`). README "Faults and duplicate sends"
gives the figures of both under the fault benchmark.

A request that never left (no connection, a connect timeout) or that AWS refused (throttling,
5xx) is retried as before: it cannot have been sent.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any, Literal, cast

from botocore.exceptions import ConnectionClosedError, ReadTimeoutError

UNCONFIRMED = "unconfirmed"
Choice = Literal["assume_sent", "resend"]
CHOICES: tuple[Choice, ...] = ("assume_sent", "resend")
ENV = "CXLOOP_UNCONFIRMED_SENDS"
# botocore's event names: needs-retry.<service id, hyphenised>.<operation>.
SEND_OPERATIONS = (
    "sesv2.SendEmail",
    "sns.Publish",
    "pinpoint-sms-voice-v2.SendTextMessage",
    "socialmessaging.SendWhatsAppMessage",
)
# The request was written and its answer lost: sent or not, nobody can tell.
ANSWER_LOST = (ConnectionClosedError, ReadTimeoutError)


class SendUnconfirmed(Exception):
    """A send whose answer was lost, not to be repeated (see the module's docstring)."""


def choice() -> Choice:
    found = os.environ.get(ENV, "assume_sent")
    if found not in CHOICES:
        raise ValueError(f"{ENV} must be one of {', '.join(CHOICES)}, not {found!r}")
    return cast(Choice, found)


def hold_unconfirmed_sends(events: Any) -> None:
    """On a session's or a client's event emitter: a send whose answer was lost raises
    SendUnconfirmed instead of being retried by botocore. Nothing is registered under `resend`."""
    if choice() == "resend":
        return
    for operation in SEND_OPERATIONS:
        events.register_first(f"needs-retry.{operation}", _refuse_blind_retry)


def _refuse_blind_retry(caught_exception: Exception | None = None, **_: Any) -> None:
    # Raising from a needs-retry handler ends botocore's retries and reaches the caller;
    # returning None leaves the decision to botocore's own retry handler.
    if isinstance(caught_exception, ANSWER_LOST):
        raise SendUnconfirmed(type(caught_exception).__name__) from caught_exception


def message_id_of(send: Callable[[], Mapping[str, Any]], field: str = "MessageId") -> str:
    """The provider's message id of `send()`'s answer, or UNCONFIRMED when its answer was lost."""
    try:
        answer = send()
    except SendUnconfirmed as lost:
        # Imported here: this module loads with every client (cxloop.adapters.aws), also in
        # tools that never set up the functions' logger; only a lost answer needs it.
        from aws_lambda_powertools.metrics import MetricUnit  # noqa: PLC0415

        from cxloop.observability import logger, metrics  # noqa: PLC0415

        metrics.add_metric(name="SendsUnconfirmed", unit=MetricUnit.Count, value=1)
        logger.warning("send unconfirmed, assumed sent", extra={"error": str(lost)})
        return UNCONFIRMED
    return str(answer[field])
