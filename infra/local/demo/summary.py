"""The demo's summary: scores per branch, country and overall computed from the answers the
customers submitted, tickets, alerts, the answer-to-alert time and what case management did."""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from cxloop.domain.feedback.metrics import Counters, Estimate, ces, counters_for, csat, nps
from cxloop.domain.surveys.scoring import score_answers
from infra.local.demo.answers import Answered, parsed
from infra.local.demo.casework.steps import print_casework
from infra.local.demo.console import counted
from infra.local.demo.insurer import BRANCHES, COUNTRY_NAMES
from infra.local.demo.tally import Tally, phase


def counters(forms: Iterable[dict[str, str]]) -> Counters:
    """Roll up exactly as the live aggregates do: per-answer counters, added."""
    total = Counters()
    for form in forms:
        total += counters_for(score_answers(parsed(form)))
    return total


def estimate(value: Estimate, unit: str = "", digits: int = 0) -> str:
    if value.value is None:
        return "-"
    text = f"{value.value:.{digits}f}{unit}"
    if value.low is not None and value.high is not None:
        text += f" [{value.low:.0f}, {value.high:.0f}]"
    return text


def score_row(label: str, forms: list[dict[str, str]]) -> str:
    count = counters(forms)
    score = nps(count.promoters, count.passives, count.detractors)
    satisfied = csat(count.csat_satisfied, count.csat_answers)
    effort = ces(count.ces_sum, count.ces_answers)
    easy = f"{100 * count.ces_easy / count.ces_answers:.0f} %" if count.ces_answers else "-"
    flag = " *" if score.small_sample else ""
    return (
        f"  {label:<24}{score.n:>4}  {estimate(score):<17}{estimate(satisfied, ' %'):<19}"
        f"{estimate(effort, digits=2):>5}  {easy:>5}{flag}"
    )


def print_scores(recorded: list[Answered]) -> None:
    print("scores, from the answers the customers submitted (95 % intervals; * fewer than 30 answers):")
    print(f"  {'scope':<24}{'n':>4}  {'NPS':<17}{'CSAT (4-5)':<19}{'CES':>5}  {'easy':>5}")
    print(score_row("all", [a.plan.form for a in recorded]))
    for country, name in COUNTRY_NAMES.items():
        in_country = [a for a in recorded if a.plan.event["touchpoint"]["country"] == country]
        print(score_row(f"{name} ({country})", [a.plan.form for a in in_country]))
        for branch in (b for b in BRANCHES if b.country == country):
            print(
                score_row(f"  {branch.id}", [a.plan.form for a in in_country if a.plan.branch == branch.id])
            )


def latencies_ms(tickets: list[dict[str, Any]], alerts: list[dict[str, Any]]) -> list[float]:
    """Server clocks only: ticket.answered_at (survey_page) to alert.published_at (SNS)."""
    published = {a["attributes"].get("ticket_id"): datetime.fromisoformat(a["published_at"]) for a in alerts}
    return sorted(
        (published[t["ticket_id"]] - datetime.fromisoformat(t["answered_at"])).total_seconds() * 1000
        for t in tickets
        if t["ticket_id"] in published
    )


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile of sorted values."""
    if not values:
        return float("nan")
    return values[max(0, min(len(values), math.ceil(share * len(values))) - 1)]


def print_summary(tally: Tally) -> None:
    phase(tally, "summary")
    recorded = tally.recorded
    forms = [a.plan.form for a in recorded]
    repeats = " ".join(map(str, sorted(tally.repeats.elements())))
    print(
        f"ERP events        {sum(tally.statuses.values())} posted, {tally.statuses[202]} accepted (202); "
        f"repeats -> {repeats} (same id); forged signature -> {tally.forged}"
    )
    print(f"surveys sent      {len(tally.outbox)}: {counted(Counter(m['channel'] for m in tally.outbox))}")
    print(
        f"answers           {len(recorded)} recorded of {len(tally.answered)} posted, "
        f"{tally.opened} links opened; {sum('comment' in f for f in forms)} with a comment, "
        f"{sum('praise' in f for f in forms)} with praise, "
        f"{sum(f.get('callback') == 'yes' for f in forms)} asking for a call back"
    )
    print_scores(recorded)
    print(
        f"tickets opened    {len(tally.tickets)} ({counted(Counter(t['priority'] for t in tally.tickets))}); "
        f"{tally.expected_tickets} expected from the routing rules"
    )
    print(f"by branch         {counted(Counter(t['branch'] for t in tally.tickets))}")
    severities = Counter(str(a["attributes"].get("severity")) for a in tally.alerts)
    print(f"alerts published  {len(tally.alerts)} on SNS ({counted(severities)})")
    delays = latencies_ms(tally.tickets, tally.alerts)
    print(
        f"answer -> alert   p50 {percentile(delays, 0.5):.0f} ms, p95 {percentile(delays, 0.95):.0f} ms, "
        f"max {max(delays, default=float('nan')):.0f} ms over {len(delays)} alerts"
    )
    print("                  (server clocks: the ticket's answered_at to the alert's published_at)")
    print_markup_ticket(tally.tickets)
    print_casework(tally.casebook)
    print(f"wall time         {time.monotonic() - tally.started:.1f} s (start-up included)")


def print_markup_ticket(tickets: list[dict[str, Any]]) -> None:
    ticket = next((t for t in tickets if "<b>" in (t.get("comment") or "")), None)
    if ticket is not None:
        print(f"stored as text    {ticket['ticket_id']} comment: {ticket['comment']!r}")
