"""Alerts in a chat channel (Slack or Microsoft Teams through AWS Chatbot, an opt-in deploy
setting): which alerts go there, and how they read there.

The channel gets the alerts its filter accepts: the same attributes and the same "any of these
values" rule as the managers' SNS subscription filter policies (country, region, branch,
severity, kind, audience). An empty filter accepts every alert. The message is Chatbot's custom
notification format (version 1.0, source "custom"), threaded per ticket so a detractor alert,
its SLA reminders and its escalations read as one conversation. Like every alert, it carries no
customer contact data: managers open the ticket for that.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cxloop.domain.casework.models import Alert

FILTERED_ATTRIBUTES = ("country", "region", "branch", "severity", "kind", "audience")
_EMOJI = {"critical": ":rotating_light:", "warning": ":warning:", "info": ":information_source:"}


class ChatFilter:
    """Which alerts a chat channel takes: attribute -> the values it accepts."""

    def __init__(self, accepted: Mapping[str, Sequence[str]] | None = None) -> None:
        accepted = dict(accepted or {})
        unknown = sorted(set(accepted) - set(FILTERED_ATTRIBUTES))
        if unknown:
            raise ValueError(f"chat alert filter: {', '.join(unknown)} is no alert attribute")
        if any(isinstance(values, str) or not values for values in accepted.values()):
            raise ValueError("chat alert filter: each attribute takes a non-empty list of values")
        self.accepted = {name: frozenset(str(v) for v in values) for name, values in accepted.items()}

    def accepts(self, alert: Alert) -> bool:
        return all(str(getattr(alert, name)) in values for name, values in self.accepted.items())


def chat_notification(alert: Alert) -> dict[str, Any]:
    """The alert in Chatbot's custom notification format."""
    emoji = _EMOJI.get(alert.severity, ":bell:")
    return {
        "version": "1.0",
        "source": "custom",
        "id": alert.alert_id,
        "content": {
            "textType": "client-markdown",
            "title": f"{emoji} {alert.subject.removeprefix('[cxloop] ')}",
            "description": alert.message.strip(),
            "nextSteps": [
                f"Open ticket *{alert.ticket_id}* in the cxloop dashboard and act before it is due."
            ],
            "keywords": [
                f"Severity:{alert.severity}",
                f"Kind:{alert.kind}",
                f"Branch:{alert.branch}",
                f"Country:{alert.country}",
            ],
        },
        "metadata": {
            "threadId": alert.ticket_id,
            "summary": alert.subject,
            "eventType": f"cxloop.{alert.kind}",
            "additionalContext": {"ticket_id": alert.ticket_id, "level": str(alert.level)},
        },
    }
