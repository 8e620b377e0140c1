"""What the ticket rules decide about an answer: open a ticket, at what priority, for whom."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict

from cxloop.domain.kernel.modelling import DomainModel

Priority = Literal["low", "medium", "high", "urgent"]


class RoutingDecision(DomainModel):
    model_config = ConfigDict(frozen=True)

    rule: str
    reason: str
    priority: Priority
    owner: str
