"""Addresses we must stop writing to, read from the notifications the channels publish.

Email: SES event publishing (a configuration set with an SNS event destination) sends
one JSON record per event, `eventType` naming it; identity feedback notifications send the
same shape with `notificationType` instead (SES developer guide, "Contents of event data
that Amazon SES publishes to Amazon SNS"). We suppress on:
- Bounce with bounceType Permanent (the address does not exist or never will accept
  mail). Transient bounces (mailbox full, message too large) and Undetermined ones are
  not a reason to give up on a customer: SES retried already, the next survey may arrive.
- Complaint (the customer pressed "spam"), except complaintFeedbackType "not-spam", by
  which a provider reports the message was NOT spam.
Every other event type (Delivery, Send, Open, ...) suppresses nothing.

SMS: End User Messaging's delivery events have no opt-out event type; a customer who
replies STOP is put on the opt-out list by the service and later sends fail with
DESTINATION_PHONE_NUMBER_OPTED_OUT (adapters raise ChannelRefused(opted_out=True)). With
two-way SMS the reply itself is published to an SNS topic ("Example of a two-way SMS
message payload for Amazon SNS topics"); a reply starting with one of the required opt-out
keywords becomes a suppression here, so we stop choosing SMS before a send fails.

Notifications reach us wrapped in an SNS envelope (`Type: Notification`, the record as a
JSON string in `Message`); `from_sns` unwraps it and picks the parser by shape.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.utils import parseaddr
from typing import Any, Literal

from cxloop.domain.kernel.errors import InvalidInput

Channel = Literal["email", "sms"]
Reason = Literal["bounce", "complaint", "opt_out"]

# "Required opt-out keywords", AWS End User Messaging SMS user guide. Keywords are case
# insensitive and a message counts when it begins with one.
SMS_OPT_OUT_KEYWORDS = frozenset(
    {"ARRET", "CANCEL", "END", "OPT-OUT", "OPTOUT", "QUIT", "REMOVE", "STOP", "TD", "UNSUBSCRIBE"}
)


@dataclass(frozen=True)
class SuppressionEvent:
    address: str
    """A lower-cased email address, or the phone number as the channel reported it (E.164)."""
    channel: Channel
    reason: Reason
    at: datetime
    detail: str = ""
    """What the channel said: the bounce subtype, the complaint feedback type, the keyword."""


def from_ses(record: Mapping[str, Any]) -> list[SuppressionEvent]:
    """One SES event record (already unwrapped from SNS) as suppressions, maybe none."""
    kind = record.get("eventType") or record.get("notificationType")
    if kind == "Bounce":
        return _bounces(_section(record, "bounce"))
    if kind == "Complaint":
        return _complaints(_section(record, "complaint"))
    return []


def from_sms_reply(reply: Mapping[str, Any], *, received_at: datetime) -> list[SuppressionEvent]:
    """A two-way SMS reply; it carries no time of its own, so the caller passes the SNS
    envelope's."""
    words = str(reply.get("messageBody", "")).split()
    keyword = words[0].upper() if words else ""
    sender = str(reply.get("originationNumber", "")).strip()
    if keyword not in SMS_OPT_OUT_KEYWORDS or not sender:
        return []
    return [SuppressionEvent(sender, "sms", "opt_out", received_at, keyword)]


def from_sns(envelope: Mapping[str, Any]) -> list[SuppressionEvent]:
    """An SNS notification as SNS delivers it to HTTPS, SQS (raw delivery off) or Lambda
    (`Records[].Sns` holds the same fields)."""
    message = envelope.get("Message")
    if envelope.get("Type") != "Notification" or not isinstance(message, str):
        raise InvalidInput("not an SNS notification")
    record = json_object(message)
    if "originationNumber" in record and "messageBody" in record:
        return from_sms_reply(record, received_at=_time(envelope.get("Timestamp"), "Timestamp"))
    return from_ses(record)


def _bounces(bounce: Mapping[str, Any]) -> list[SuppressionEvent]:
    if bounce.get("bounceType") != "Permanent":
        return []
    at = _time(bounce.get("timestamp"), "bounce.timestamp")
    detail = f"Permanent/{bounce.get('bounceSubType', 'General')}"
    return [
        SuppressionEvent(address, "email", "bounce", at, detail)
        for address in _addresses(bounce.get("bouncedRecipients"), "bounce.bouncedRecipients")
    ]


def _complaints(complaint: Mapping[str, Any]) -> list[SuppressionEvent]:
    feedback = str(complaint.get("complaintFeedbackType", ""))
    if feedback == "not-spam":
        return []
    at = _time(complaint.get("timestamp"), "complaint.timestamp")
    return [
        SuppressionEvent(address, "email", "complaint", at, feedback)
        for address in _addresses(complaint.get("complainedRecipients"), "complaint.complainedRecipients")
    ]


def _addresses(recipients: object, field: str) -> list[str]:
    if not isinstance(recipients, list) or not recipients:
        raise InvalidInput(f"{field} must list at least one recipient")
    found = []
    for recipient in recipients:
        # A DSN's Final-Recipient may carry a display name; only the address matters.
        address = parseaddr(str(recipient.get("emailAddress", "")) if isinstance(recipient, dict) else "")[1]
        if "@" not in address:
            raise InvalidInput(f"{field} has a recipient without an email address")
        # Lower-cased whole: providers treat the local part case-insensitively in practice,
        # and one spelling per address keeps the suppression lookup exact.
        found.append(address.lower())
    return found


def _section(record: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    section = record.get(name)
    if not isinstance(section, dict):
        raise InvalidInput(f"SES {name} record without its {name} object")
    return section


def _time(value: object, field: str) -> datetime:
    try:
        at = datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise InvalidInput(f"{field} is not an ISO 8601 time: {value!r}") from exc
    if at.tzinfo is None:
        raise InvalidInput(f"{field} has no time zone: {value!r}")
    return at


def json_object(text: str, what: str = "the SNS message") -> dict[str, Any]:
    """`text` as a JSON object, or InvalidInput naming `what` it was."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{what} is not JSON") from exc
    if not isinstance(document, dict):
        raise InvalidInput(f"{what} is not a JSON object")
    return document


@dataclass(frozen=True)
class SuppressedChannel:
    """What staff may see of a suppression: the channel, why and since when; not the address."""

    channel: Channel
    reason: str
    since: datetime
    detail: str = ""

    def as_json(self) -> dict[str, str]:
        return {
            "channel": self.channel,
            "reason": self.reason,
            "since": self.since.isoformat(),
            "detail": self.detail,
        }
