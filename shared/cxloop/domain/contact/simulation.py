"""What a proposed contact policy would have decided for a past period's events.

Events are replayed in the order they arrived, each customer's memory starting empty and
growing as the policy would have made it grow (a postponed survey counts as sent when it
was due; a group sends once, at its release). Open complaints are not replayed: the
simulation shows the policy's own manners, not the tickets of the period.

The policy replayed is a proposed one (no version: `policy_version` None) or the one in
force, named as send_survey names it: its published version, or `default` until one is.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from cxloop.domain.contact.manners import DecisionRecord, grouped, kind_of
from cxloop.domain.contact.policy import (
    ContactMemory,
    ContactPolicy,
    Decision,
    MessageKind,
    PolicyVersion,
    decide,
    remember_sent,
)
from cxloop.domain.kernel.events import Interaction

SAMPLE_SIZE = 50


@dataclass
class Simulation:
    policy_version: PolicyVersion | None = None
    events: int = 0
    customers: int = 0
    by_reason: Counter[str] = field(default_factory=Counter)
    by_action: Counter[str] = field(default_factory=Counter)
    sample: list[DecisionRecord] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "policy_version": self.policy_version,
            "events": self.events,
            "customers": self.customers,
            "by_action": dict(self.by_action),
            "by_reason": dict(self.by_reason),
            "sample": [record.model_dump(mode="json") for record in self.sample],
        }


def simulate(
    interactions: Iterable[Interaction], policy: ContactPolicy, *, policy_version: PolicyVersion | None
) -> Simulation:
    result = Simulation(policy_version=policy_version)
    memories: dict[str, ContactMemory] = {}
    for interaction in sorted(interactions, key=lambda i: i.received_at):
        customer = interaction.event.customer
        memory = memories.get(customer.id) or ContactMemory(customer_id=customer.id)
        kind = kind_of(interaction)
        now = interaction.received_at
        decision = decide(customer, kind=kind, now=now, memory=memory, policy=policy)
        memories[customer.id] = _grown(memory, decision, interaction, kind)
        result.events += 1
        result.by_reason[decision.reason] += 1
        result.by_action[decision.action] += 1
        if len(result.sample) < SAMPLE_SIZE:
            record = DecisionRecord.of(decision, interaction, kind, now, policy_version=policy_version)
            result.sample.append(record)
    result.customers = len(memories)
    return result


def _grown(
    memory: ContactMemory, decision: Decision, interaction: Interaction, kind: MessageKind
) -> ContactMemory:
    """The memory after the decision, as if its sends had happened when due."""
    channel, at = decision.channel, decision.at or interaction.received_at
    memory = grouped(memory, interaction, decision, interaction.received_at)
    if channel is None or decision.action == "block" or decision.reason == "grouped":
        return memory
    return remember_sent(memory, at=at, channel=channel, kind=kind)
