"""The one place tests load sample payloads from events/ (DESIGN rule 10)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

EVENTS = Path(__file__).resolve().parent.parent / "events"


def load_event(name: str) -> dict[str, Any]:
    """events/<name>.json as a fresh dict, e.g. load_event("erp/claim_reported")."""
    return copy.deepcopy(json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8")))


def event_bytes(name: str, **changes: Any) -> bytes:
    """The event's JSON body, with top-level fields replaced."""
    document = load_event(name)
    document.update(changes)
    return json.dumps(document, ensure_ascii=False).encode("utf-8")
