"""The live aggregates: each scope's daily counters, added to once per response."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from cxloop.domain.feedback.metrics import Counters
    from cxloop.domain.surveys.models import SurveyResponse
    from cxloop.domain.surveys.scoring import Score


class AggregateStore(Protocol):
    def apply_once(
        self,
        response_id: str,
        scopes: list[str],
        day: date,
        counters: Counters,
        *,
        parents: Mapping[str, str] | None = None,
        score: Score | None = None,
    ) -> bool:
        """Add counters to every scope's day exactly once per response; False on repeat.
        `parents` names each scope's parent (cxloop.domain.feedback.score_response.parents_of).
        `score`, when given, is kept on the response in the same write: a response is scored
        and counted together or not at all."""

    def read(self, scope: str) -> Counters:
        """Every day of the scope, added up."""

    def read_days(self, scope: str, start: date, end: date) -> dict[date, Counters]:
        """The scope's counters of each day from start to end, both included; days
        without a response are absent."""

    def parent_of(self, scope: str) -> str | None:
        """The parent stored with the scope's latest counts; None for `all` or no counts."""


class PastResponseStore(Protocol):
    def record_past(self, response: SurveyResponse, score: Score, *, group: str) -> str:
        """Store a past answer with its score, once per response id; answers the import group
        that first stored it (`group` itself unless another import did)."""


class PastCounts(Protocol):
    def add_once(
        self, group_id: str, day: date, counts: Mapping[str, Counters], parents: Mapping[str, str]
    ) -> int:
        """Add each scope's counters to its day once per group; answers how many were added."""
