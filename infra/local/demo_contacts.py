"""The last step of `cxloop demo`: the contact policy makes every one of its decisions.

Once the day's summary is collected, an analyst publishes a contact policy (quiet hours,
a day's gap, a cap of two surveys a month, a two-hour group window, no survey during an
open complaint) and eight dedicated customers, POL-1 to POL-8, meet it:

  POL-1 email only                     group_opened, then send when released
  POL-2 prefers WhatsApp (not offered) rerouted_preference to SMS
  POL-3 phone only                     rerouted_fallback to SMS
  POL-4 two visits within the window   group_opened + grouped, released as ONE survey
  POL-5 lives where it is 06:xx now    postponed_quiet_hours when released
  POL-6 opts out through /u/{token}    blocked_opt_out
  POL-7 answers as a detractor         blocked_open_complaint; the resolved case's
                                       follow-up gets postponed_min_gap
  POL-8 three visits                   blocked_frequency_cap on the third
  POL-9 email and phone; email bounced rerouted_fallback to SMS when released
  POL-10 email only, which bounced     blocked_suppressed
  POL-11 prefers WhatsApp              send on WhatsApp (the End User Messaging fake records it)
  POL-12 prefers WhatsApp, refused     rerouted_fallback to SMS, naming WhatsApp's refusal

POL-11 and POL-12 come last, under a second policy with WhatsApp first in its order and
no waits (show_channels).

POL-9's and POL-10's addresses bounce first: a real-shaped SES Bounce event is published to
the `email_events` topic (through moto, as SES would), record_suppression stores it, and
send_survey finds it on the suppression list.

With a group window every new survey opens a group, so send and the reroutes show when
release_contacts releases the groups (a release skips the window and the gap, not the rest).
Time zones are fixed-offset `Etc/GMT±N` zones picked from the real UTC clock, so the same
decisions come out whatever the time of day.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cxloop.adapters.suppressions import address_key
from cxloop.domain.contact.policy import RECOMMENDED
from infra.local import defaults
from infra.local.analytics import lake_location
from infra.local.cli import webhook_secret
from infra.local.demo_casework import ROOT_CAUSES, bearer, customer_of
from infra.local.erp import signed_headers
from infra.local.resources import clients
from infra.pipeline import EMAIL_EVENTS_TOPIC

if TYPE_CHECKING:
    import requests

    from infra.local.demo import Http
    from infra.local.demo_casework import Desk

# A two-hour window: long enough that a customer at 06:xx now is still in quiet hours
# when the group is released, while the release itself (06:xx + 2 h) is not.
POLICY: dict[str, Any] = {
    "quiet_start": "21:00",
    "quiet_end": "08:00",
    "min_gap_hours": 24,
    "cap_messages": 2,
    "cap_days": 30,
    "group_window_minutes": 120,
    "block_on_open_complaint": True,
    "channels": ["email", "sms"],
}
AWAKE_HOUR = 12
QUIET_HOUR = 6
EXPECTED_REASONS = (
    "send",
    "rerouted_preference",
    "rerouted_fallback",
    "group_opened",
    "grouped",
    "postponed_min_gap",
    "postponed_quiet_hours",
    "blocked_frequency_cap",
    "blocked_open_complaint",
    "blocked_opt_out",
    "blocked_suppressed",
)
# (customer, the decision their survey must come to) once their email bounced.
BOUNCED = {"POL-9": ("rerouted_fallback", "sms"), "POL-10": ("blocked_suppressed", None)}
BOUNCE_SAMPLE = Path(__file__).resolve().parents[2] / "events" / "ses" / "bounce_permanent.json"
SUPPRESSION_TIMEOUT_S = 10
POLICY_ACTIONS = frozenset({"send", "postpone", "group", "block"})
BRANCH = "madrid-centro"
# send_survey reads the policy again at most once a minute (CachedRulebook).
POLICY_ARRIVAL_TIMEOUT_S = 70
DECISION_TIMEOUT_S = 20
POLL_S = 0.2
OPT_OUT_LINK = re.compile(r"https?://[^\s\"'<>]+/u/[^\s\"'<>]+")
COMPLAINT = "Me hicieron volver tres veces para entregar el mismo papel."


@dataclass
class ContactBook:
    """What the step saw, for its table and the demo's verdict."""

    decisions: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    released: list[int] = field(default_factory=list)
    journey_messages: int = -1
    simulation: dict[str, Any] = field(default_factory=dict)
    problems_seen: list[str] = field(default_factory=list)

    @property
    def reasons(self) -> Counter[str]:
        return Counter(str(d["reason"]) for _, d in self.decisions)

    def problems(self) -> list[str]:
        missing = [reason for reason in EXPECTED_REASONS if reason not in self.reasons]
        found = [f"contact decisions never seen: {', '.join(missing)}"] if missing else []
        if self.journey_messages != 1:
            found.append(f"the grouped journey went out as {self.journey_messages} messages, not 1")
        return found + self.problems_seen


# --- the customers -------------------------------------------------------------------------


def zone_at(local_hour: int, now: datetime) -> str:
    """A fixed-offset zone where it is `local_hour` o'clock now (Etc/GMT signs are inverted)."""
    east = (local_hour - now.hour) % 24
    east = east - 24 if east > 14 else east
    return "Etc/GMT" if east == 0 else f"Etc/GMT{-east:+d}"


def customers(now: datetime) -> dict[str, dict[str, Any]]:
    awake, asleep = zone_at(AWAKE_HOUR, now), zone_at(QUIET_HOUR, now)

    def person(number: int, zone: str = awake, **contact: str) -> dict[str, Any]:
        found = {"id": f"POL-{number}", "name": f"Cliente Política {number}", "locale": "es-ES"}
        return found | {"timezone": zone} | (contact or {"email": f"pol{number}@example.com"})

    return {
        "POL-1": person(1),
        "POL-2": person(2, email="pol2@example.com", phone="+34699000002", preferred_channel="whatsapp"),
        "POL-3": person(3, phone="+34699000003"),
        "POL-4": person(4),
        "POL-5": person(5, asleep),
        "POL-6": person(6),
        "POL-7": person(7),
        "POL-8": person(8),
        "POL-9": person(9, email="pol9@example.com", phone="+34699000009"),
        "POL-10": person(10),
    }


def visit(customer: dict[str, Any], number: int) -> dict[str, Any]:
    return {
        "event_id": f"VIS-{customer['id']}-{number}",
        "source": "erp-branches",
        "event_type": "branch.visit_completed",
        "occurred_at": datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "customer": customer,
        "touchpoint": {
            "id": f"{BRANCH}/counter",
            "name": "Atención al cliente · Madrid Centro",
            "channel": "branch",
            "branch": BRANCH,
            "region": "madrid",
            "country": "ES",
        },
        "attributes": {"policy": f"HOGAR-{number:05d}", "agent_id": "A-007"},
    }


# --- the step ------------------------------------------------------------------------------


@dataclass
class Stage:
    desk: Desk
    people: dict[str, dict[str, Any]]
    book: ContactBook
    visits: Counter[str] = field(default_factory=Counter)

    @property
    def http(self) -> Http:
        return self.desk.http

    def post_visit(self, customer_id: str) -> None:
        self.visits[customer_id] += 1
        body = json.dumps(visit(self.people[customer_id], self.visits[customer_id]), ensure_ascii=False)
        answer = self.http.post(
            "/v1/events", data=body.encode(), headers=signed_headers(body.encode(), webhook_secret())
        )
        if answer.status_code != 202:
            self.book.problems_seen.append(f"{customer_id}'s event answered {answer.status_code}")

    def record(self, customer_id: str) -> dict[str, Any]:
        answer = self.http.get(f"/v1/customers/{customer_id}/contact", headers=bearer(self.desk.executive))
        return answer.json() if answer.status_code == 200 else {"decisions": [], "pending": []}

    def decisions(self, customer_id: str) -> list[dict[str, Any]]:
        """Oldest first (the API answers newest first)."""
        return list(reversed(self.record(customer_id)["decisions"]))

    def wait_for(self, customer_id: str, count: int) -> dict[str, Any] | None:
        """The customer's `count`th decision, once send_survey has taken it."""
        deadline = time.monotonic() + DECISION_TIMEOUT_S
        while time.monotonic() < deadline:
            # Only the policy's own decisions: not acknowledgements, not the opt-out itself.
            survey_decisions = [d for d in self.decisions(customer_id) if d["action"] in POLICY_ACTIONS]
            if len(survey_decisions) >= count:
                return survey_decisions[count - 1]
            time.sleep(POLL_S)
        self.book.problems_seen.append(f"{customer_id}'s decision {count} never came")
        return None

    def release(self, customer_ids: list[str]) -> None:
        """release_contacts as of the latest of these customers' due times."""
        due = [datetime.fromisoformat(p["due_at"]) for c in customer_ids for p in self.record(c)["pending"]]
        at = max(due, default=datetime.now(UTC)) + timedelta(seconds=1)
        answer = self.http.post("/_local/schedules/release_contacts", params={"at": at.isoformat()})
        released = int(answer.json().get("released", 0)) if answer.status_code == 200 else -1
        self.book.released.append(released)
        print(f"  release_contacts as of {at:%Y-%m-%d %H:%M} UTC: {released} sends released", flush=True)

    def outbox_to(self, address: str) -> list[dict[str, Any]]:
        return [m for m in self.http.json("/_local/outbox") if m["to"] == address]


def show_contact_policy(desk: Desk) -> ContactBook:
    desk.say("the contact policy decides every survey (PUT /v1/config/contact_policy, POL-1..POL-8)")
    book = ContactBook()
    stage = Stage(desk, customers(datetime.now(UTC)), book)
    if not publish_policy(stage):
        return book
    bounce(stage, [stage.people[c]["email"] for c in BOUNCED])
    first_visits(stage)
    stage.release(list(stage.people))
    released_sends(stage)
    opt_out(stage)
    open_complaint(stage)
    frequency_cap(stage)
    collect(stage)
    check_bounced(stage)
    show_channels(stage)
    print_contact_decisions(book)
    simulate_recommended(stage)
    return book


def put_policy(stage: Stage, document: dict[str, Any], note: str) -> int | None:
    """PUT /v1/config/contact_policy as the executive; the version, or None (a problem noted)."""
    answer = stage.http.session.put(
        f"{stage.http.base_url}/v1/config/contact_policy",
        json={"document": document, "note": note},
        headers=bearer(stage.desk.executive),
        timeout=10,
    )
    if answer.status_code != 200:
        stage.book.problems_seen.append(f"publishing contact_policy ({note}) answered {answer.status_code}")
        return None
    return int(answer.json()["version"])


def publish_policy(stage: Stage) -> bool:
    version = put_policy(stage, POLICY, "demo: every contact decision")
    if version is None:
        return False
    print(f"  contact_policy version {version}: {json.dumps(POLICY)}", flush=True)
    return wait_for_policy(stage)


def wait_for_policy(stage: Stage) -> bool:
    """send_survey caches the rulebook for a minute: probe customers until one's survey opens
    a group (the published policy), then the story starts."""
    started = time.monotonic()
    probe = 0
    while time.monotonic() - started < POLICY_ARRIVAL_TIMEOUT_S:
        probe += 1
        customer_id = f"POL-PROBE-{probe}"
        stage.people[customer_id] = stage.people["POL-1"] | {
            "id": customer_id,
            "email": f"probe{probe}@example.com",
        }
        stage.post_visit(customer_id)
        decision = stage.wait_for(customer_id, 1)
        if decision is not None and decision["reason"] == "group_opened":
            print(
                f"  send_survey applies it after {time.monotonic() - started:.1f} s ({probe} probes)",
                flush=True,
            )
            return True
        time.sleep(2)
    stage.book.problems_seen.append("the published contact policy never reached send_survey")
    return False


def first_visits(stage: Stage) -> None:
    """Every customer's first survey opens a group; POL-4's second visit joins it."""
    story = [c for c in stage.people if not c.startswith("POL-PROBE")]
    for customer_id in story:
        stage.post_visit(customer_id)
    for customer_id in story:
        stage.wait_for(customer_id, 1)
    stage.post_visit("POL-4")
    stage.wait_for("POL-4", 2)


def released_sends(stage: Stage) -> None:
    """The released groups: send, the reroutes, quiet hours, and POL-4's journey as one."""
    for customer_id, count in {
        c: 2 for c in ("POL-1", "POL-2", "POL-3", "POL-5", "POL-6", "POL-7", "POL-8", "POL-9")
    }.items():
        stage.wait_for(customer_id, count)
    stage.wait_for("POL-4", 3)
    journey = stage.outbox_to(stage.people["POL-4"]["email"])
    stage.book.journey_messages = len(journey)
    print(f"  POL-4's two visits went out as {len(journey)} survey", flush=True)


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


def opt_out(stage: Stage) -> None:
    message = next(iter(stage.outbox_to(stage.people["POL-6"]["email"])), None)
    link = OPT_OUT_LINK.search(message["body"]) if message else None
    if link is None:
        stage.book.problems_seen.append("POL-6's survey had no opt-out link")
        return
    answer = stage.http.post(link.group(0), data={})
    print(f"  POL-6 opts out: POST {link.group(0).split('/u/')[0]}/u/... -> {answer.status_code}", flush=True)
    stage.post_visit("POL-6")
    stage.wait_for("POL-6", 3)


def open_complaint(stage: Stage) -> None:
    """A detractor's ticket blocks the next survey; resolving it sends a follow-up, which
    the minimum gap holds (the survey went out minutes ago)."""
    message = next(iter(stage.outbox_to(stage.people["POL-7"]["email"])), None)
    if message is None or not message.get("survey_url"):
        stage.book.problems_seen.append("POL-7 got no survey")
        return
    form = {"nps": "1", "csat": "1", "comment": COMPLAINT, "callback": "no"}
    stage.http.post(message["survey_url"], data=form)
    ticket = wait_until(lambda: ticket_of(stage, "POL-7"))
    if ticket is None:
        stage.book.problems_seen.append("POL-7's answer opened no ticket")
        return
    print(f"  POL-7 answers NPS 1 -> {ticket['ticket_type']} {ticket['ticket_id']} (owner {ticket['owner']})")
    stage.post_visit("POL-7")
    stage.wait_for("POL-7", 3)
    cause, action_taken = ROOT_CAUSES["branch."][0]
    token = stage.desk.token_for(ticket["owner"])
    for action in (
        {"action": "log_call", "outcome": "reached", "note": "Listened and apologised"},
        {"action": "resolve", "root_cause": cause, "action_taken": action_taken},
    ):
        stage.desk.act(ticket["ticket_id"], action, token)
    stage.wait_for("POL-7", 4)


def ticket_of(stage: Stage, customer_id: str) -> dict[str, Any] | None:
    listed = stage.http.json(
        "/v1/tickets", params={"branch": BRANCH, "limit": 200}, headers=bearer(stage.desk.executive)
    )
    return next((t for t in listed["items"] if customer_of(t) == customer_id), None)


def wait_until(find: Callable[[], dict[str, Any] | None]) -> dict[str, Any] | None:
    deadline = time.monotonic() + DECISION_TIMEOUT_S
    while time.monotonic() < deadline:
        found = find()
        if found is not None:
            return found
        time.sleep(POLL_S * 2)
    return None


def frequency_cap(stage: Stage) -> None:
    """POL-8's second survey (a new group, released) reaches the cap of two; a third is blocked."""
    stage.post_visit("POL-8")
    stage.wait_for("POL-8", 3)
    stage.release(["POL-8"])
    stage.wait_for("POL-8", 4)
    stage.post_visit("POL-8")
    stage.wait_for("POL-8", 5)


def collect(stage: Stage) -> None:
    stage.book.decisions = [
        (customer_id, decision)
        for customer_id in stage.people
        if not customer_id.startswith("POL-PROBE")
        for decision in stage.decisions(customer_id)
    ]


# --- what it shows -------------------------------------------------------------------------


def print_contact_decisions(book: ContactBook) -> None:
    print(f"  {'decision':<9}{'reason':<24}{'customer':<9}{'kind':<16}{'channel':<9}detail")
    for customer_id, d in book.decisions:
        due = f"due {d['due_at'][:16]}" if d.get("due_at") else ""
        detail = "; ".join(part for part in (d.get("detail"), due) if part)
        line = (
            f"  {d['action']:<9}{d['reason']:<24}{customer_id:<9}{d['kind']:<16}{d.get('channel') or '-':<9}"
        )
        print(f"{line}{detail}".rstrip())
    missing = [reason for reason in EXPECTED_REASONS if reason not in book.reasons]
    print(
        f"  {len(EXPECTED_REASONS) - len(missing)} of {len(EXPECTED_REASONS)} decisions seen"
        + (f"; missing: {', '.join(missing)}" if missing else ""),
        flush=True,
    )


def simulate_recommended(stage: Stage) -> None:
    today = datetime.now(UTC).date().isoformat()
    answer: requests.Response = stage.http.post(
        "/v1/contact-policy/simulate",
        json={"policy": RECOMMENDED.model_dump(mode="json"), "from": today, "to": today},
        headers=bearer(stage.desk.executive),
    )
    if answer.status_code != 200:
        stage.book.problems_seen.append(f"the policy simulation answered {answer.status_code}")
        return
    outcome = stage.book.simulation = answer.json()
    reasons = ", ".join(f"{n} {reason}" for reason, n in Counter(outcome["by_reason"]).most_common())
    print(
        f"  today's {outcome['events']} events replayed under RECOMMENDED (/v1/contact-policy/simulate): "
        f"{reasons}",
        flush=True,
    )


# --- channels: WhatsApp through End User Messaging Social, and the fallback when it refuses ---

# The same manners without the waits, and WhatsApp first in the order: surveys go out at once.
CHANNEL_POLICY: dict[str, Any] = POLICY | {
    "quiet_start": None,
    "quiet_end": None,
    "min_gap_hours": 0,
    "group_window_minutes": 0,
    "channels": ["whatsapp", "sms", "email"],
}
# (customer, phone) who prefer WhatsApp; the fake refuses the second one's number.
ON_WHATSAPP = ("POL-11", "+34699000011")
NOT_ON_WHATSAPP = ("POL-12", "+34699000012")


def show_channels(stage: Stage) -> None:
    """POL-11 gets the survey as the approved WhatsApp template (the fake's record shows it);
    WhatsApp refuses POL-12's number, so the survey falls back to SMS, the refusal's reason
    code on the decision."""
    stage.desk.say("channels: WhatsApp when preferred, the next channel when one refuses")
    if not publish_channel_policy(stage):
        return
    stage.http.session.post(
        f"{stage.http.base_url}/_local/channels/refusals",
        json={"channel": "whatsapp", "to": NOT_ON_WHATSAPP[1]},
        timeout=10,
    )
    for customer_id, phone in (ON_WHATSAPP, NOT_ON_WHATSAPP):
        stage.people[customer_id] = stage.people["POL-1"] | {
            "id": customer_id,
            "email": f"{customer_id.lower().replace('-', '')}@example.com",
            "phone": phone,
            "preferred_channel": "whatsapp",
        }
        stage.post_visit(customer_id)
    check_channel_decisions(stage)


def publish_channel_policy(stage: Stage) -> bool:
    if put_policy(stage, CHANNEL_POLICY, "demo: WhatsApp first, no waits") is None:
        return False
    # Probes until send_survey sends at once (the earlier policy grouped every survey).
    deadline = time.monotonic() + POLICY_ARRIVAL_TIMEOUT_S
    probe = 0
    while time.monotonic() < deadline:
        probe += 1
        customer_id = f"POL-PROBE-WA-{probe}"
        stage.people[customer_id] = stage.people["POL-1"] | {
            "id": customer_id,
            "email": f"wa{probe}@example.com",
        }
        stage.post_visit(customer_id)
        decision = stage.wait_for(customer_id, 1)
        if decision is not None and decision["action"] == "send":
            return True
        time.sleep(1)
    stage.book.problems_seen.append("the channel policy never reached send_survey")
    return False


def check_channel_decisions(stage: Stage) -> None:
    """Each customer's decision as the contact record keeps it, then what the fake recorded."""
    expected = {ON_WHATSAPP[0]: ("send", "whatsapp"), NOT_ON_WHATSAPP[0]: ("rerouted_fallback", "sms")}
    for customer_id, wanted in expected.items():
        decision = stage.wait_for(customer_id, 1) or {}
        if decision:
            stage.book.decisions.append((customer_id, decision))
        reason, channel = decision.get("reason"), decision.get("channel")
        detail = f" ({decision['detail']})" if decision.get("detail") else ""
        print(f"  {customer_id} prefers WhatsApp -> {reason} on {channel}{detail}", flush=True)
        if (reason, channel) != wanted:
            stage.book.problems_seen.append(f"{customer_id}'s survey came to {reason} on {channel}")
    recorded = stage.http.json("/_local/channels")
    whatsapp = [m for m in recorded if m["to"] == ON_WHATSAPP[1] and m["channel"] == "whatsapp"]
    for message in whatsapp:
        print(
            f"  WhatsApp template {message['template']} ({message['language']}) to POL-11: "
            f"{' | '.join(message['parameters'])}",
            flush=True,
        )
    if not whatsapp:
        stage.book.problems_seen.append("POL-11's WhatsApp message is not in /_local/channels")
    refused = stage.record(NOT_ON_WHATSAPP[0])["decisions"]
    if not any(d.get("detail") == "whatsapp refused: ValidationException" for d in refused):
        stage.book.problems_seen.append("POL-12's fallback decision does not name WhatsApp's refusal")
    if not stage.outbox_to(NOT_ON_WHATSAPP[1]):
        stage.book.problems_seen.append("POL-12's fallback SMS is not in the outbox")
