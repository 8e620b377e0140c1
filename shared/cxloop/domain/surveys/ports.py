"""What surveys need from storage: invitations (by token hash) and responses, each recorded once."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from cxloop.domain.kernel.sends import StagedWrite
    from cxloop.domain.surveys.models import Invitation, SurveyResponse
    from cxloop.domain.surveys.scoring import Score


class InvitationStore(Protocol):
    def add(self, invitation: Invitation) -> None: ...

    def staged_add(self, invitation: Invitation) -> StagedWrite:
        """The invitation's write, made with its survey's send claim (kernel/sends.py)."""
        ...

    def get(self, token_hash: str) -> Invitation | None: ...

    def settle_reminder(self, token_hash: str, *, at: datetime, outcome: str) -> bool:
        """Settle the invitation's one reminder ("sent", or why not); True for the first caller."""
        ...


class ResponseStore(Protocol):
    def record(self, response: SurveyResponse, token_hash: str) -> bool:
        """Store the answers and close the invitation atomically; False if already answered."""

    def get(self, response_id: str) -> SurveyResponse | None:
        """The response with its score once score_response has written it."""

    def save_score(self, response_id: str, score: Score) -> None: ...
