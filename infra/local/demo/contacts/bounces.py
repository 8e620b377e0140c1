"""POL-9's and POL-10's addresses bounce: a real-shaped SES Bounce event is published to the
`email_events` topic (through moto, as SES would), record_suppression stores it, and
send_survey finds it on the suppression list."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

from cxloop.adapters.suppressions import address_key
from infra.local import defaults
from infra.local.analytics import lake_location
from infra.local.demo.contacts.stage import POLICY_ACTIONS, POLL_S, Stage
from infra.local.resources import clients
from infra.pipeline import EMAIL_EVENTS_TOPIC

# (customer, the decision their survey must come to) once their email bounced.
BOUNCED = {"POL-9": ("rerouted_fallback", "sms"), "POL-10": ("blocked_suppressed", None)}
BOUNCE_SAMPLE = Path(__file__).resolve().parents[4] / "events" / "ses" / "bounce_permanent.json"
SUPPRESSION_TIMEOUT_S = 10


def bounce(stage: Stage, addresses: list[str]) -> None:
    """SES reports each address's permanent bounce to the `email_events` topic; wait until
    record_suppression has put it on the suppression list."""
    endpoint, _ = lake_location(stage.http.base_url)
    started = time.monotonic()
    for address in addresses:
        publish_bounce(endpoint, address)
    stored = [wait_until_suppressed(endpoint, address) for address in addresses]
    if not all(stored):
        stage.book.problems_seen.append("a published bounce never reached the suppression list")
    print(
        f"  SES reports {len(addresses)} permanent bounces (POL-9, POL-10) -> suppression list "
        f"in {time.monotonic() - started:.1f} s",
        flush=True,
    )


def publish_bounce(endpoint: str, address: str) -> None:
    """The SES event publishing record of a permanent bounce to `address`, published as SES
    publishes it (the runtime's topic delivers it to the `suppressions` queue)."""
    record = json.loads(BOUNCE_SAMPLE.read_text(encoding="utf-8"))
    record["bounce"]["bouncedRecipients"][0]["emailAddress"] = address
    record["bounce"]["timestamp"] = datetime.now(UTC).isoformat()
    record["mail"]["destination"] = [address]
    sns = clients(endpoint, defaults.REGION)["sns"]
    topic = sns.create_topic(Name=EMAIL_EVENTS_TOPIC)["TopicArn"]  # the existing one: create is idempotent
    sns.publish(TopicArn=topic, Message=json.dumps(record))


def wait_until_suppressed(endpoint: str, address: str) -> bool:
    """The address's entry, found by its HMAC key as send_survey finds it."""
    dynamodb = clients(endpoint, defaults.REGION)["dynamodb"]
    key = {"address_key": {"S": address_key(defaults.SUPPRESSION_KEY.encode(), "email", address)}}
    deadline = time.monotonic() + SUPPRESSION_TIMEOUT_S
    while time.monotonic() < deadline:
        if dynamodb.get_item(TableName="suppressions", Key=key, ConsistentRead=True).get("Item"):
            return True
        time.sleep(POLL_S)
    return False


def check_bounced(stage: Stage) -> None:
    """POL-9's survey went to SMS around the bounced email; POL-10's was blocked."""
    for customer_id, (reason, channel) in BOUNCED.items():
        decisions = [d for c, d in stage.book.decisions if c == customer_id and d["action"] in POLICY_ACTIONS]
        if not any(d["reason"] == reason and d.get("channel") == channel for d in decisions):
            stage.book.problems_seen.append(f"{customer_id}'s bounced email did not lead to {reason}")
    channels = stage.record("POL-10").get("suppressed_channels", [])
    if [(c["channel"], c["reason"]) for c in channels] != [("email", "bounce")]:
        stage.book.problems_seen.append("POL-10's contact record does not show the bounced email")
