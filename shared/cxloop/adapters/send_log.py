"""The send log (cxloop.domain.kernel.sends) in the idempotency table, beside the steps'
idempotency records: `id` = "sent#" + the send's key, its facts as a map (written once sent, or
with the claim where claims are records), `claimed_until` (epoch seconds) while an attempt's
claim is live, `expiration` its TTL (as long as the step's own idempotency record lives, or the
alerts' suppression window).

A claim is one conditional put, refused when the record has facts (sent) or a claim that has
not lapsed; the refusal carries the record (ReturnValuesOnConditionCheckFailure), so finding an
earlier send costs no read. The claim is also the step's lock against a message delivered twice
at once. What the message needs stored (its invitation, its opt-out link: the stores'
StagedPut) rides in the claim's request, one transaction, so a send costs one write where
claims are records (the facts written with the claim), two where they lapse (a record after the
send)."""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from cxloop.adapters.aws import error_code, translated
from cxloop.adapters.dynamo import DynamoTable, StagedPut, epoch_seconds, number_value, string_value, transact
from cxloop.adapters.unconfirmed_sends import choice
from cxloop.domain.kernel.errors import Unavailable
from cxloop.domain.kernel.sends import Facts, SendInFlight, StagedWrite

# The record is all that stands between a retried step and a second message to a customer:
# try it a few more times than the SDK does (about 1.5 s in all) before the step fails.
RECORD_ATTEMPTS = 6
FIRST_PAUSE_S = 0.05
# How long an attempt holds a send it claimed: a consumer's whole timeout (infra/pipeline.py,
# FUNCTION_TIMEOUT_S), as Powertools holds its in-progress records for the invocation's
# remaining time; less than its queue's visibility timeout (six times that), so the redelivery
# of an attempt that died mid-send finds the claim lapsed.
CLAIM_FOR = timedelta(seconds=10)


class DynamoSendLog:
    """`claims_are_records`: each claim is the send's record, written with its facts; it is
    live for `claim_for` and then stands as sent (the default choice for sends whose answer was
    lost, cxloop.adapters.unconfirmed_sends, and `message_send_log`). Otherwise a claim lapses
    unless recorded after the send."""

    def __init__(
        self,
        table_name: str,
        dynamodb: Any | None = None,
        *,
        keep_for: timedelta = timedelta(days=7),
        claim_for: timedelta = CLAIM_FOR,
        claims_are_records: bool = False,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        pause: Callable[[float], None] = time.sleep,
    ) -> None:
        self.table = DynamoTable(table_name, dynamodb)
        self.keep_for = keep_for
        self.claim_for = claim_for
        self.claims_are_records = claims_are_records
        # The claims this thread's attempt holds (send key -> attempt), so a release gives
        # back only its own claim, never one another attempt took after it lapsed. Per thread:
        # the local runtime runs several invocations at once on threads (Lambda runs one).
        self._held = threading.local()
        self.clock = clock
        self.pause = pause

    def claim(
        self, key: str, *, facts: Facts | None = None, along: Sequence[StagedWrite] = ()
    ) -> Facts | None:
        now = self.clock()
        # Whose claim it is: the SDK retries a put whose answer was lost, and that retry must
        # find the claim its first try wrote as its own, not another attempt's.
        attempt = uuid.uuid4().hex
        put = {
            "TableName": self.table.name,
            "Item": self._claim_item(key, attempt, now, facts or {}),
            "ConditionExpression": "attribute_not_exists(#id) OR "
            "(attribute_not_exists(#facts) AND #until < :now)",
            "ExpressionAttributeNames": {"#id": "id", "#facts": "facts", "#until": "claimed_until"},
            "ExpressionAttributeValues": {":now": number_value(epoch_seconds(now))},
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        riders = [_request_of(write) for write in along]
        try:
            with translated("claim a send"):
                if riders:
                    transact(self.table.db, [*riders, {"Put": put}])
                else:
                    self.table.db.put_item(**put)
        except Unavailable as exc:
            found = _refusing_claim(exc, position=len(riders))
            if found.get("claimed_by", {}).get("S") != attempt:
                return _facts_of(found, key, now=epoch_seconds(now))
        self._claims()[key] = attempt
        return None

    def _claim_item(self, key: str, attempt: str, now: datetime, facts: Facts) -> dict[str, Any]:
        item = {
            "id": string_value(_record_id(key)),
            "claimed_by": string_value(attempt),
            # Live until then: a copy of the message that comes meanwhile waits (SendInFlight),
            # for this attempt may still fail its send and give the claim back.
            "claimed_until": number_value(epoch_seconds(now + self.claim_for)),
            "expiration": number_value(epoch_seconds(now + self.keep_for)),
        }
        if self.claims_are_records:
            item["facts"] = _facts_value(facts)
        return item

    def _claims(self) -> dict[str, str]:
        if not hasattr(self._held, "claims"):
            self._held.claims = {}
        return self._held.claims  # type: ignore[no-any-return]

    def release(self, key: str) -> None:
        """Where claims lapse, best effort: a claim that cannot be given back lapses after
        `claim_for`. Where a claim is the record, tried as hard as a record: a claim not given
        back is a message never sent."""
        attempt = self._claims().pop(key, None)
        if attempt is None:
            return
        condition = "#by = :me" if self.claims_are_records else "attribute_not_exists(#facts) AND #by = :me"
        names = {"#by": "claimed_by"} if self.claims_are_records else {"#facts": "facts", "#by": "claimed_by"}

        def give_back() -> None:
            with translated("release a send"):
                self.table.db.delete_item(
                    TableName=self.table.name,
                    Key={"id": string_value(_record_id(key))},
                    ConditionExpression=condition,
                    ExpressionAttributeNames=names,
                    ExpressionAttributeValues={":me": string_value(attempt)},
                )

        with contextlib.suppress(Unavailable):
            self._persist(give_back, attempts=RECORD_ATTEMPTS if self.claims_are_records else 1)

    def record(self, key: str, facts: Facts) -> None:
        self._claims().pop(key, None)
        if self.claims_are_records:
            return
        item = {
            "id": string_value(_record_id(key)),
            "facts": _facts_value(facts),
            "expiration": number_value(epoch_seconds(self.clock() + self.keep_for)),
        }

        def write() -> None:
            with translated("record a send"):
                self.table.db.put_item(TableName=self.table.name, Item=item)

        self._persist(write, attempts=RECORD_ATTEMPTS)

    def _persist(self, write: Callable[[], None], *, attempts: int) -> None:
        """One small write tried a few more times than the SDK does before the step fails."""
        for attempt in range(attempts):
            try:
                write()
                return
            except Unavailable:
                if attempt == attempts - 1:
                    raise
                self.pause(FIRST_PAUSE_S * 2**attempt)


def message_send_log(table_name: str, *, keep_for: timedelta = timedelta(days=7)) -> DynamoSendLog:
    """The send log of the steps that message customers and managers (send_survey,
    notify_customer, push_alert): its claims are records unless the deployment chose to resend
    sends whose answer was lost (cxloop.adapters.unconfirmed_sends)."""
    return DynamoSendLog(table_name, keep_for=keep_for, claims_are_records=choice() == "assume_sent")


def _request_of(write: StagedWrite) -> dict[str, Any]:
    if not isinstance(write, StagedPut):
        raise TypeError(f"the send log makes only its own stores' staged puts, not {write!r}")
    return write.request()


def _refusing_claim(exc: Unavailable, *, position: int) -> dict[str, Any]:
    """The record that refused the claim (its put, or the transaction's item at `position`);
    re-raises anything else: a throttle, or a rider refused (a token hash collision)."""
    cause = exc.__cause__
    if not isinstance(cause, ClientError):
        raise exc
    code = error_code(cause)
    if code == "ConditionalCheckFailedException":
        return dict(cause.response.get("Item") or {})  # type: ignore[call-overload]
    reasons = cause.response.get("CancellationReasons") or []  # type: ignore[typeddict-item]
    if code != "TransactionCanceledException" or len(reasons) <= position:
        raise exc
    if any(r.get("Code") == "ConditionalCheckFailed" for r in reasons[:position]):
        raise RuntimeError("a staged put collided with an existing item: refusing to overwrite it") from cause
    if reasons[position].get("Code") != "ConditionalCheckFailed":
        raise exc
    return dict(reasons[position].get("Item") or {})


def _facts_value(facts: Facts) -> dict[str, Any]:
    return {"M": {name: string_value(value) for name, value in facts.items()}}


def _record_id(key: str) -> str:
    return f"sent#{key}"


def _facts_of(item: dict[str, Any], key: str, *, now: int) -> Facts:
    """The earlier send's facts from the record that refused a claim; SendInFlight when it is
    another attempt's claim not lapsed yet (without facts, or with them where claims are
    records: that attempt may still give it back), or a claim without facts. A record the
    refusal did not carry (an empty answer) is taken as in flight: the retry reads it again."""
    live = int(item.get("claimed_until", {}).get("N", "0")) >= now
    if "facts" not in item or live:
        raise SendInFlight(f"another attempt is making the send {key!r}")
    return {name: value["S"] for name, value in item["facts"]["M"].items()}
