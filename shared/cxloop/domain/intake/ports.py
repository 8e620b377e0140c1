"""What intake needs from storage: the interactions, stored once each."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from cxloop.domain.kernel.events import Interaction


class InteractionStore(Protocol):
    def add(self, interaction: Interaction) -> bool:
        """Store once; False when the interaction id is already there."""

    def get(self, interaction_id: str) -> Interaction | None: ...
