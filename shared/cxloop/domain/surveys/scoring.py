"""Scores of one response (docs/ARCHITECTURE.md, Metric definitions): NPS category, CSAT
top-2-box, CES easy share."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import ConfigDict

from cxloop.domain.kernel.modelling import DomainModel

if TYPE_CHECKING:
    from cxloop.domain.surveys.definitions import SurveyDefinition

NpsCategory = Literal["promoter", "passive", "detractor"]

# Direction of each scale, stored with the score so readers never guess.
SCALES = {
    "nps": {"min": 0, "max": 10, "higher_is_better": True},
    "csat": {"min": 1, "max": 5, "higher_is_better": True},
    "ces": {"min": 1, "max": 7, "higher_is_better": True},  # "the company made it easy"
}


class Score(DomainModel):
    model_config = ConfigDict(frozen=True)

    nps: int | None = None
    nps_category: NpsCategory | None = None
    csat: int | None = None
    csat_satisfied: bool | None = None
    ces: int | None = None
    ces_easy: bool | None = None
    callback_requested: bool = False
    has_comment: bool = False
    # From the comment, when there is one (cxloop.domain.feedback.comments): what it is about and its tone.
    sentiment: Literal["negative", "neutral", "positive"] | None = None
    topics: tuple[str, ...] = ()
    # The survey's custom weighted indexes by id; None where an answer a formula needs is missing.
    indexes: dict[str, float | None] = {}


def nps_category(value: int) -> NpsCategory:
    if value >= 9:
        return "promoter"
    if value >= 7:
        return "passive"
    return "detractor"


def score_answers(answers: dict[str, object], survey: SurveyDefinition | None = None) -> Score:
    """The headline scores, and the survey's weighted indexes when the survey is given."""
    nps = _int_or_none(answers.get("nps"))
    csat = _int_or_none(answers.get("csat"))
    ces = _int_or_none(answers.get("ces"))
    comment = answers.get("comment")
    return Score(
        nps=nps,
        nps_category=nps_category(nps) if nps is not None else None,
        csat=csat,
        csat_satisfied=csat >= 4 if csat is not None else None,
        ces=ces,
        ces_easy=ces >= 5 if ces is not None else None,
        callback_requested=answers.get("callback") is True,
        has_comment=isinstance(comment, str) and bool(comment.strip()),
        indexes=survey.index_values(answers) if survey is not None else {},
    )


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
