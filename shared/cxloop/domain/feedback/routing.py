"""Routing rules held as data: which answers open a ticket, at what priority, for whom.

A rule is `{"name", "when", "priority"}` where `when` is a condition tree of
`{"all": [...]}`, `{"any": [...]}` or a leaf `{"field", "op", "value"}` over the
response's facts (`facts_of`: every answer by its question id, plus event_type,
touchpoint, branch, region, country, channel, customer.locale, attributes.<name>
and topics). The first matching rule wins. The owner here is the touchpoint's
branch team; open_ticket assigns the person (cxloop.domain.casework.assignment).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cxloop.domain.feedback.models import Priority, RoutingDecision
from cxloop.domain.kernel.conditions import explain, matches
from cxloop.domain.surveys.models import SurveyResponse

DEFAULT_RULES: tuple[dict[str, Any], ...] = (
    {
        "name": "angry_detractor",
        "when": {
            "any": [{"field": "nps", "op": "<=", "value": 3}, {"field": "csat", "op": "==", "value": 1}]
        },
        "priority": "high",
    },
    {
        "name": "detractor_wants_call",
        "when": {
            "all": [
                {"field": "nps", "op": "<=", "value": 6},
                {"field": "callback", "op": "==", "value": True},
            ]
        },
        "priority": "high",
    },
    {"name": "detractor", "when": {"field": "nps", "op": "<=", "value": 6}, "priority": "medium"},
    {"name": "unsatisfied", "when": {"field": "csat", "op": "<=", "value": 2}, "priority": "medium"},
    # Anyone who asks for a call gets one, even a happy customer: a request, not a complaint.
    {"name": "asked_for_call", "when": {"field": "callback", "op": "==", "value": True}, "priority": "low"},
)

# Hours until the ticket is due, by priority; case management replaces this with SLAs.
DUE_HOURS: dict[Priority, int] = {"urgent": 4, "high": 24, "medium": 48, "low": 72}


def route(
    response: SurveyResponse, rules: tuple[Mapping[str, Any], ...] = DEFAULT_RULES
) -> RoutingDecision | None:
    """The first rule that matches decides; None means no ticket."""
    facts = facts_of(response)
    for rule in rules:
        if matches(rule["when"], facts):
            return RoutingDecision(
                rule=rule["name"],
                reason=explain(rule["when"], facts),
                priority=rule["priority"],
                owner=owner_for(response),
            )
    return None


def facts_of(response: SurveyResponse, **extra: object) -> dict[str, object]:
    """What a rule may test: the answers by question id, and where and to whom it happened."""
    touchpoint = response.touchpoint
    facts: dict[str, object] = {
        **response.answers,
        "event_type": response.event_type,
        "touchpoint": touchpoint.id,
        "branch": touchpoint.branch,
        "region": touchpoint.region,
        "country": touchpoint.country,
        "channel": touchpoint.channel,
        "customer.locale": response.customer.locale,
        "topics": list(response.score.topics) if response.score else [],
        "sentiment": response.score.sentiment if response.score else None,
        **{f"attributes.{name}": value for name, value in response.attributes.items()},
    }
    return facts | extra


def owner_for(response: SurveyResponse) -> str:
    touchpoint = response.touchpoint
    return f"team:{touchpoint.branch or touchpoint.id}"
