"""SMS through AWS End User Messaging (`pinpoint-sms-voice-v2`), the service Pinpoint's
SMS API continues as. moto does not implement it; tests use a botocore Stubber against
the service model botocore ships.

Errors are split by what the dispatcher should do next:
- the customer opted out (ConflictException, reason DESTINATION_PHONE_NUMBER_OPTED_OUT):
  ChannelRefused(opted_out=True): suppress the number, try another channel;
- the destination or the channel cannot take it and a retry will not change that
  (other Conflict reasons such as a blocked country, ValidationException, a spend
  limit reached): ChannelRefused: try another channel;
- anything a retry may fix, or a misconfiguration someone must repair before a redrive
  (throttling, internal errors, access denied, an unknown pool): Unavailable, via
  `translated`, so SQS retries and then parks the message in the DLQ.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import ClientError

from cxloop.adapters.aws import client, error_code, translated
from cxloop.adapters.unconfirmed_sends import message_id_of
from cxloop.domain.kernel.errors import ChannelRefused

OPTED_OUT = "DESTINATION_PHONE_NUMBER_OPTED_OUT"
_SMS_REFUSALS = frozenset({"ConflictException", "ValidationException", "ServiceQuotaExceededException"})

Refusal = Callable[[ClientError], ChannelRefused | None]


@contextmanager
def refusals_translated(refusal: Refusal) -> Iterator[None]:
    """ClientErrors that `refusal` recognises become ChannelRefused; the rest go on to
    `translated` (Unavailable)."""
    try:
        yield
    except ClientError as exc:
        refused = refusal(exc)
        if refused is None:
            raise
        raise refused from exc


def sms_refusal(exc: ClientError) -> ChannelRefused | None:
    code = error_code(exc)
    if code not in _SMS_REFUSALS:
        return None
    # Modeled error fields (Reason) sit at the top level of the parsed error response.
    reason = str(exc.response.get("Reason") or code)
    return ChannelRefused("sms", reason, opted_out=reason == OPTED_OUT)


class EumSmsSender:
    """Implements SmsSender. `origination_identity` is a phone pool id (recommended: the
    service picks a number fit for the destination) or a sender id / phone number id."""

    def __init__(
        self,
        origination_identity: str,
        *,
        configuration_set: str | None = None,
        sms: Any | None = None,
    ) -> None:
        self.origination_identity = origination_identity
        self.configuration_set = configuration_set
        self._client = sms

    def send(self, *, to: str, text: str, correlation_id: str | None = None) -> str:
        request: dict[str, Any] = {
            "DestinationPhoneNumber": to,
            "OriginationIdentity": self.origination_identity,
            "MessageBody": text,
            "MessageType": "TRANSACTIONAL",
            # DryRun is the service's test mode: the message is validated, never delivered.
            "DryRun": False,
        }
        if self.configuration_set:
            request["ConfigurationSetName"] = self.configuration_set
        if correlation_id:
            # Context comes back in every delivery event, so events join the customer's trail.
            request["Context"] = {"correlation_id": correlation_id}
        with translated("sms send_text_message"), refusals_translated(sms_refusal):
            return message_id_of(
                lambda: (self._client or client("pinpoint-sms-voice-v2")).send_text_message(**request)
            )
