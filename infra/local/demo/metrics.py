"""The demo's check of the metrics API: for the whole company, each country and each branch,
GET /v1/metrics must answer what the customers' own answers give when counted directly here
(promoters, passives, detractors, satisfied CSAT answers, CES answers and their sum), and the
NPS those counts make. Counted from the submitted forms with plain comparisons, not with the
scoring code the pipeline runs, so a mistake there shows as a disagreement."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

Form = Mapping[str, str]


@dataclass(frozen=True)
class Direct:
    """One scope's figures, counted from its forms."""

    n: int
    promoters: int
    passives: int
    detractors: int
    csat_answers: int
    csat_satisfied: int
    ces_answers: int
    ces_sum: int

    @classmethod
    def of(cls, forms: Iterable[Form]) -> Direct:
        scores = [(int(f["nps"]), f.get("csat"), f.get("ces")) for f in forms]
        csats = [int(c) for _, c, _ in scores if c]
        efforts = [int(e) for _, _, e in scores if e]
        return cls(
            n=len(scores),
            promoters=sum(nps >= 9 for nps, _, _ in scores),
            passives=sum(7 <= nps <= 8 for nps, _, _ in scores),
            detractors=sum(nps <= 6 for nps, _, _ in scores),
            csat_answers=len(csats),
            csat_satisfied=sum(c >= 4 for c in csats),
            ces_answers=len(efforts),
            ces_sum=sum(efforts),
        )

    @property
    def nps(self) -> float | None:
        return None if self.n == 0 else round(100 * (self.promoters - self.detractors) / self.n, 2)

    @property
    def ces(self) -> float | None:
        return None if self.ces_answers == 0 else round(self.ces_sum / self.ces_answers, 2)


def disagreements(scope: str, direct: Direct, answered: Mapping[str, Any]) -> list[str]:
    """What the API's answer for `scope` says differently from the direct count."""
    nps, csat, ces = answered["nps"], answered["csat"], answered["ces"]
    pairs = {
        "answers": (answered["responses"], direct.n),
        "promoters": (nps["promoters"], direct.promoters),
        "passives": (nps["passives"], direct.passives),
        "detractors": (nps["detractors"], direct.detractors),
        "NPS": (nps["value"], direct.nps),
        "CSAT answers": (csat["n"], direct.csat_answers),
        "satisfied": (csat["satisfied"], direct.csat_satisfied),
        "CES answers": (ces["n"], direct.ces_answers),
        "CES": (ces["value"], direct.ces),
    }
    return [
        f"{scope} {name}: API {api}, counted {own}" for name, (api, own) in pairs.items() if differ(api, own)
    ]


def differ(api: object, own: object) -> bool:
    """Counts must be equal; figures may differ in the last rounded digit (the API computes
    them in another order before rounding)."""
    if isinstance(api, float) and isinstance(own, float):
        return abs(api - own) > 0.011
    return api != own


def scopes_of(event: Mapping[str, Any]) -> tuple[str, ...]:
    place = event["touchpoint"]
    return ("all", f"country:{place['country']}", f"branch:{place['branch']}")


def check_metrics(
    fetch: Callable[[dict[str, str]], Mapping[str, Any]], answered: Iterable[tuple[Mapping[str, Any], Form]]
) -> tuple[list[str], int]:
    """(disagreements, scopes checked). `answered` pairs each event with its submitted form;
    `fetch` answers GET /v1/metrics for a query."""
    forms_by_scope: dict[str, list[Form]] = {}
    for event, form in answered:
        for scope in scopes_of(event):
            forms_by_scope.setdefault(scope, []).append(form)
    today = datetime.now(UTC).date()
    # Yesterday too: a demo that runs across midnight UTC counts its answers on two days.
    period = {"from": (today - timedelta(days=1)).isoformat(), "to": today.isoformat()}
    problems = []
    for scope, forms in sorted(forms_by_scope.items()):
        problems += disagreements(scope, Direct.of(forms), fetch({"scope": scope} | period))
    return problems, len(forms_by_scope)
