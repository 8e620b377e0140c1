"""Channels: WhatsApp through End User Messaging Social when preferred, and the fallback
when it refuses (POL-11 and POL-12, under a second policy with no waits)."""

from __future__ import annotations

import time
from typing import Any

from infra.local.demo.contacts.stage import POLICY, POLICY_ARRIVAL_TIMEOUT_S, Stage, put_policy

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
