"""The send log (cxloop.domain.kernel.sends) in the idempotency table, beside the steps'
idempotency records: `id` = "sent#" + the send's key, its facts as a map once sent,
`claimed_until` (epoch seconds) while an attempt is sending, `expiration` its TTL (as long as
the step's own idempotency record lives, or the alerts' suppression window).

A claim is one conditional put, refused when the record has facts (sent) or a claim that has
not lapsed; the refusal carries the record (ReturnValuesOnConditionCheckFailure), so finding an
earlier send costs no read. Claim and record are the two requests a send costs, as the read
and the record cost before claims, and the claim is also the step's lock against a message
delivered twice at once."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from cxloop.adapters.aws import error_code, translated
from cxloop.adapters.dynamo import DynamoTable, epoch_seconds, number_value, string_value
from cxloop.domain.kernel.errors import Unavailable
from cxloop.domain.kernel.sends import Facts, SendInFlight

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
    def __init__(
        self,
        table_name: str,
        dynamodb: Any | None = None,
        *,
        keep_for: timedelta = timedelta(days=7),
        claim_for: timedelta = CLAIM_FOR,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        pause: Callable[[float], None] = time.sleep,
    ) -> None:
        self.table = DynamoTable(table_name, dynamodb)
        self.keep_for = keep_for
        self.claim_for = claim_for
        # The claims this thread's attempt holds (send key -> attempt), so a release gives
        # back only its own claim, never one another attempt took after it lapsed. Per thread:
        # the local runtime runs several invocations at once on threads (Lambda runs one).
        self._held = threading.local()
        self.clock = clock
        self.pause = pause

    def claim(self, key: str) -> Facts | None:
        now = self.clock()
        # Whose claim it is: the SDK retries a put whose answer was lost, and that retry must
        # find the claim its first try wrote as its own, not another attempt's.
        attempt = uuid.uuid4().hex
        item = {
            "id": string_value(_record_id(key)),
            "claimed_by": string_value(attempt),
            "claimed_until": number_value(epoch_seconds(now + self.claim_for)),
            "expiration": number_value(epoch_seconds(now + self.keep_for)),
        }
        try:
            with translated("claim a send"):
                self.table.db.put_item(
                    TableName=self.table.name,
                    Item=item,
                    ConditionExpression="attribute_not_exists(#id) OR "
                    "(attribute_not_exists(#facts) AND #until < :now)",
                    ExpressionAttributeNames={"#id": "id", "#facts": "facts", "#until": "claimed_until"},
                    ExpressionAttributeValues={":now": number_value(epoch_seconds(now))},
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )
        except Unavailable as exc:
            cause = exc.__cause__
            if not isinstance(cause, ClientError) or error_code(cause) != "ConditionalCheckFailedException":
                raise
            found: dict[str, Any] = dict(cause.response.get("Item") or {})  # type: ignore[call-overload]
            if found.get("claimed_by", {}).get("S") != attempt:
                return _facts_of(found, key)
        self._claims()[key] = attempt
        return None

    def _claims(self) -> dict[str, str]:
        if not hasattr(self._held, "claims"):
            self._held.claims = {}
        return self._held.claims  # type: ignore[no-any-return]

    def release(self, key: str) -> None:
        """Best effort: a claim that cannot be given back lapses after `claim_for`."""
        attempt = self._claims().pop(key, None)
        if attempt is None:
            return
        try:
            with translated("release a send"):
                self.table.db.delete_item(
                    TableName=self.table.name,
                    Key={"id": string_value(_record_id(key))},
                    ConditionExpression="attribute_not_exists(#facts) AND #by = :me",
                    ExpressionAttributeNames={"#facts": "facts", "#by": "claimed_by"},
                    ExpressionAttributeValues={":me": string_value(attempt)},
                )
        except Unavailable:
            pass

    def record(self, key: str, facts: Facts) -> None:
        self._claims().pop(key, None)
        item = {
            "id": string_value(_record_id(key)),
            "facts": {"M": {name: string_value(value) for name, value in facts.items()}},
            "expiration": number_value(epoch_seconds(self.clock() + self.keep_for)),
        }
        for attempt in range(RECORD_ATTEMPTS):
            try:
                with translated("record a send"):
                    self.table.db.put_item(TableName=self.table.name, Item=item)
                return
            except Unavailable:
                if attempt == RECORD_ATTEMPTS - 1:
                    raise
                self.pause(FIRST_PAUSE_S * 2**attempt)


def _record_id(key: str) -> str:
    return f"sent#{key}"


def _facts_of(item: dict[str, Any], key: str) -> Facts:
    """The earlier send's facts from the record that refused a claim; SendInFlight when it is
    another attempt's live claim (no facts yet). A record the refusal did not carry (an empty
    answer) is taken as in flight: the retry reads it again."""
    if "facts" not in item:
        raise SendInFlight(f"another attempt is making the send {key!r}")
    return {name: value["S"] for name, value in item["facts"]["M"].items()}
