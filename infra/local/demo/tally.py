"""What the demo did and saw, for the summary and the verdict."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from infra.local.demo.answers import Answered
from infra.local.demo.casework.desk import Casebook
from infra.local.demo.contacts.stage import ContactBook


@dataclass
class Tally:
    """What the demo did and saw, for the summary."""

    statuses: Counter[int] = field(default_factory=Counter)
    repeats: Counter[int] = field(default_factory=Counter)
    forged: int = 0
    second_answer: int = 0
    opened: int = 0
    answered: list[Answered] = field(default_factory=list)
    outbox: list[dict[str, Any]] = field(default_factory=list)
    tickets: list[dict[str, Any]] = field(default_factory=list)
    alerts: list[dict[str, Any]] = field(default_factory=list)
    expected_tickets: int = 0
    casebook: Casebook = field(default_factory=Casebook)
    contacts: ContactBook = field(default_factory=ContactBook)
    # What the QR code part found wrong (empty when every check held).
    qr_problems: list[str] = field(default_factory=list)
    # Where GET /v1/metrics disagreed with the answers counted directly.
    metrics_problems: list[str] = field(default_factory=list)
    # What the helpdesk part (Zendesk) found wrong.
    helpdesk_problems: list[str] = field(default_factory=list)
    # What the 12 weeks of history did not show (infra/local/demo/past.py).
    history_problems: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    @property
    def recorded(self) -> list[Answered]:
        return [a for a in self.answered if a.status == 200]


def phase(tally: Tally, title: str) -> None:
    print(f"\n== {title} ==  [{time.monotonic() - tally.started:.1f} s]", flush=True)
