"""The queue every step hands work on with: the one port all contexts share."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol


class MessageQueue(Protocol):
    def send(self, body: Mapping[str, object], *, correlation_id: str) -> None: ...
