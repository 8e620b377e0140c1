"""The survey catalogue: the analysts' survey definitions and the rules that choose one.

Analysts publish it as the config document `surveys`: definitions, each with its own version,
and rules that choose one per touchpoint and event type. An invitation keeps the survey id,
version and catalogue version it was sent with, so a link sent before a change still shows
(and scores) the questions it promised; SurveyLibrary finds that definition again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Annotated

from pydantic import ConfigDict, StringConstraints, model_validator

from cxloop.domain.kernel.events import InteractionEvent
from cxloop.domain.kernel.modelling import DomainModel
from cxloop.domain.surveys.definitions import DEFAULT_SURVEY, FOLLOW_UP_SURVEY, SURVEYS, SurveyDefinition
from cxloop.domain.surveys.names import CASE_RESOLVED


class SelectionRule(DomainModel):
    """Which survey an event gets. Every criterion given must hold; none given matches all.

    `touchpoint` is an id or a pattern (`madrid-*`), `event_type` a prefix (`claim.`), and
    `branch` / `country` the touchpoint's. The first rule that matches wins.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    survey: str
    touchpoint: Annotated[str, StringConstraints(min_length=1, max_length=128)] | None = None
    event_type: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    branch: str | None = None
    country: str | None = None

    def matches(self, event: InteractionEvent) -> bool:
        place = event.touchpoint
        return (
            (self.touchpoint is None or fnmatchcase(place.id, self.touchpoint))
            and (self.event_type is None or event.event_type.startswith(self.event_type))
            and (self.branch is None or place.branch == self.branch)
            and (self.country is None or place.country == self.country)
        )


class SurveyCatalogue(DomainModel):
    """The config document `surveys`: the analysts' survey definitions and how one is chosen.

    A definition may be listed in several versions (keeping the older ones lets links sent
    with them resolve without reading the history); rules choose the newest version of an
    id. The built-in ids (default, follow_up) are reserved: the follow-up survey belongs to
    case work, and `default` is what every release of cxloop knows.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    surveys: tuple[SurveyDefinition, ...] = ()
    rules: tuple[SelectionRule, ...] = ()
    # The survey of an event no rule matches.
    default: str = DEFAULT_SURVEY.id

    @model_validator(mode="after")
    def _consistent(self) -> SurveyCatalogue:
        keys = [(survey.id, survey.version) for survey in self.surveys]
        repeated = sorted({f"{i} v{v}" for i, v in keys if keys.count((i, v)) > 1})
        if repeated:
            raise ValueError(f"surveys: each id and version must be unique; repeated: {', '.join(repeated)}")
        reserved = sorted({i for i, _ in keys if i in SURVEYS})
        if reserved:
            raise ValueError(f"surveys: {', '.join(reserved)} is a built-in survey id; choose another id")
        names = [rule.name for rule in self.rules]
        if len(set(names)) != len(names):
            raise ValueError("rules: rule names must be unique")
        known = {i for i, _ in keys} | {DEFAULT_SURVEY.id}
        for position, rule in enumerate(self.rules):
            if rule.survey not in known:
                raise ValueError(f"rules.{position}.survey: no survey {rule.survey!r} in this catalogue")
        if self.default not in known:
            raise ValueError(f"default: no survey {self.default!r} in this catalogue")
        return self

    def latest(self, survey_id: str) -> SurveyDefinition:
        versions = [survey for survey in self.surveys if survey.id == survey_id]
        return max(versions, key=lambda survey: survey.version) if versions else DEFAULT_SURVEY

    def find(self, survey_id: str, version: int | None) -> SurveyDefinition | None:
        """That exact definition; the built-ins answer for their own ids."""
        if survey_id in SURVEYS:
            return SURVEYS[survey_id]
        return next((s for s in self.surveys if s.id == survey_id and s.version == version), None)

    def choose(self, event: InteractionEvent) -> Chosen:
        """The survey this event gets, and the rule that chose it (None: the default)."""
        if event.event_type == CASE_RESOLVED:
            return Chosen(FOLLOW_UP_SURVEY, None)
        rule = next((rule for rule in self.rules if rule.matches(event)), None)
        return Chosen(self.latest(rule.survey if rule else self.default), rule.name if rule else None)


@dataclass(frozen=True)
class Chosen:
    survey: SurveyDefinition
    rule: str | None


DEFAULT_CATALOGUE = SurveyCatalogue()


class SurveyLibrary:
    """Finds the definition an invitation was sent with, cheaply.

    The invitation names the survey id, its version and the catalogue version it came
    from. The current catalogue (already cached by the rulebook) answers almost always;
    a link sent before a newer catalogue was published needs that older catalogue once,
    read by its version (`older`, one get) and then kept here: a published version never
    changes, so the cache needs no expiry, only a bound.
    """

    def __init__(
        self,
        current: Callable[[], tuple[int | None, SurveyCatalogue]],
        older: Callable[[int], SurveyCatalogue | None],
        kept: int = 16,
    ) -> None:
        self.current = current
        self.older = older
        self.kept = kept
        self._lock = threading.Lock()
        self._cache: OrderedDict[int, SurveyCatalogue | None] = OrderedDict()

    def find(self, survey_id: str, version: int | None, catalogue_version: int | None) -> SurveyDefinition:
        """That definition; an unknown one (say, a catalogue since deleted) gets the default."""
        if survey_id in SURVEYS:
            return SURVEYS[survey_id]
        current_version, catalogue = self.current()
        found = catalogue.find(survey_id, version)
        if found is None and catalogue_version is not None and catalogue_version != current_version:
            past = self._older(catalogue_version)
            found = past.find(survey_id, version) if past else None
        return found or DEFAULT_SURVEY

    def _older(self, catalogue_version: int) -> SurveyCatalogue | None:
        with self._lock:
            if catalogue_version in self._cache:
                self._cache.move_to_end(catalogue_version)
                return self._cache[catalogue_version]
        catalogue = self.older(catalogue_version)
        with self._lock:
            self._cache[catalogue_version] = catalogue
            while len(self._cache) > self.kept:
                self._cache.popitem(last=False)
        return catalogue


def built_in_library() -> SurveyLibrary:
    """Only the built-in surveys: for callers (and tests) without a catalogue."""
    return SurveyLibrary(lambda: (None, DEFAULT_CATALOGUE), lambda _: None)
