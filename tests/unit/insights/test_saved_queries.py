"""Each saved lake query, run by DuckDB over files in the layout Firehose writes, agrees with the
same figures recomputed in plain Python from the raw rows (duplicates and old ticket versions
included, as at-least-once delivery leaves them)."""

from __future__ import annotations

import json
import random
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cxloop.domain.feedback.metrics import nps as nps_estimate
from cxloop.domain.insights.lake import ResponseRow, TicketEventRow, lake_time
from infra.local.analytics import Result, connect, run, saved_queries

PLACES = [
    ("quito-norte/claims", "quito-norte", "pichincha", "EC"),
    ("quito-sur/desk", "quito-sur", "pichincha", "EC"),
    ("guayaquil/claims", "guayaquil-centro", "guayas", "EC"),
    ("madrid/phone", "madrid-centro", "madrid", "ES"),
    ("web/self-service", None, None, None),
]
TOPICS = ["waiting_time", "staff", "price", "claims_process", "communication"]
START = datetime(2026, 9, 20, 8, tzinfo=UTC)
OWNERS = {"team-a": ["P-1", "P-2"], "team-b": ["P-3"], None: ["team:unassigned"]}
RANGE = ("2026-10-01", "2026-11-15")


def close(expected: float | None, found: float | None, tolerance: float = 0.05 + 1e-9) -> bool:
    """The exact figure and the query's, rounded to one decimal: equal within that rounding."""
    if expected is None or found is None:
        return expected is found
    return abs(expected - found) <= tolerance


# --- raw rows ------------------------------------------------------------------------------


def generate_responses(rng: random.Random, count: int) -> list[ResponseRow]:
    found = []
    for i in range(count):
        touchpoint, branch, region, country = rng.choice(PLACES)
        at = START + timedelta(minutes=rng.randrange(0, 80 * 24 * 60))
        nps = rng.choice([None, *range(11), 9, 10, 2]) if i % 9 else None
        follow_up = i % 17 == 0
        found.append(
            ResponseRow(
                response_id=f"R-{i:05d}",
                interaction_id=f"I-{i:05d}",
                survey_id="follow_up" if follow_up else "default",
                event_type="claim.reported",
                submitted_at=lake_time(at),
                touchpoint=touchpoint,
                channel="branch",
                branch=branch,
                region=region,
                country=country,
                language=rng.choice(["es", "en"]),
                nps=None if follow_up else nps,
                nps_category=None if nps is None or follow_up else _category(nps),
                csat=rng.choice([None, 1, 2, 3, 4, 5]),
                ces=rng.choice([None, 2, 6]),
                sentiment=rng.choice([None, "negative", "neutral", "positive"]),
                topics=rng.sample(TOPICS, rng.choice([0, 0, 1, 2, 3])),
                callback=rng.random() < 0.2,
                dt=at.date().isoformat(),
            )
        )
    return found


def _category(nps: int) -> str:
    return "promoter" if nps >= 9 else "passive" if nps >= 7 else "detractor"


def generate_ticket_events(rng: random.Random, count: int) -> list[TicketEventRow]:
    """Each ticket's versions: open, maybe contacted, maybe resolved (late or not), maybe reopened."""
    found: list[TicketEventRow] = []
    for i in range(count):
        opened = START + timedelta(minutes=rng.randrange(0, 75 * 24 * 60))
        team = rng.choice(list(OWNERS))
        _, branch, region, country = rng.choice(PLACES[:4])
        due = opened + timedelta(hours=rng.choice([24, 48]))
        base: dict[str, Any] = {
            "ticket_id": f"CX-{i:05d}",
            "response_id": f"R-{i:05d}",
            "event_type": "claim.reported",
            "ticket_type": rng.choice(["complaint", "request"]),
            "priority": rng.choice(["high", "medium"]),
            "team": team,
            "owner": rng.choice(OWNERS[team]),
            "branch": branch,
            "region": region,
            "country": country,
            "opened_at": lake_time(opened),
            "due_at": lake_time(due) if rng.random() < 0.9 else None,
            "first_contact_at": None,
            "resolved_at": None,
            "escalation_level": 0,
            "reopen_count": 0,
            "follow_up_outcome": None,
            "nps_category": rng.choice(["detractor", "detractor", "passive"]),
        }
        found.extend(_versions(rng, base, opened, due))
    return found


def _versions(
    rng: random.Random, base: dict[str, Any], opened: datetime, due: datetime
) -> list[TicketEventRow]:
    steps: list[tuple[str, datetime, dict[str, Any]]] = [("open", opened, {"status": "new"})]
    at = opened
    if rng.random() < 0.8:
        at += timedelta(minutes=rng.randrange(10, 12 * 60))
        steps.append(("log_call", at, {"status": "in_progress", "first_contact_at": lake_time(at)}))
        if rng.random() < 0.25:
            steps.append(("escalate", at + timedelta(minutes=1), {"escalation_level": 1}))
        if rng.random() < 0.7:
            at = due + timedelta(hours=rng.choice([-20, -2, 3, 30]))
            steps.append(("resolve", at, {"status": "resolved", "resolved_at": lake_time(at)}))
            outcome = rng.choice([None, "recovered", "neutral", "unhappy"])
            if outcome:
                at += timedelta(days=2)
                reopen = {"status": "in_progress", "resolved_at": None, "reopen_count": 1}
                steps.append(
                    (
                        "follow_up",
                        at,
                        {"follow_up_outcome": outcome, **(reopen if outcome == "unhappy" else {})},
                    )
                )
    state = dict(base)
    rows = []
    for version, (action, moment, changes) in enumerate(steps, start=1):
        state |= changes
        rows.append(
            TicketEventRow(
                **state, version=version, at=lake_time(moment), action=action, dt=moment.date().isoformat()
            )
        )
    return rows


def write_lake(lake: Path, dataset: str, rows: Iterable[ResponseRow | TicketEventRow]) -> None:
    """JSON lines under <dataset>/dt=<date>/, several objects per day as Firehose's buffers make."""
    by_day: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        by_day[row.dt].append(json.dumps(row.model_dump(mode="json")) + "\n")
    for day, lines in by_day.items():
        folder = lake / dataset / f"dt={day}"
        folder.mkdir(parents=True)
        for part in range(0, len(lines), 7):
            (folder / f"{dataset}-1-{day}-{part:04d}").write_text("".join(lines[part : part + 7]))


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, list[ResponseRow], list[TicketEventRow]]:
    rng = random.Random(20261123)
    responses = generate_responses(rng, 400)
    events = generate_ticket_events(rng, 150)
    # At-least-once delivery: some rows arrive twice.
    written_responses = responses + rng.sample(responses, 40)
    written_events = events + rng.sample(events, 30)
    directory = tmp_path_factory.mktemp("lake")
    write_lake(directory, "responses", written_responses)
    write_lake(directory, "ticket_events", written_events)
    return connect(directory), responses, events


def query(connection: Any, name: str, period: tuple[str, str] | None) -> Result:
    saved = saved_queries()[name]
    if period is None:
        return run(connection, saved)
    return run(connection, saved, from_date=period[0], to_date=period[1])


def keyed(result: Result, *key: str) -> dict[tuple[Any, ...], dict[str, Any]]:
    records = result.records()
    found = {tuple(r[k] for k in key): r for r in records}
    assert len(found) == len(records), "one row per key"
    return found


def in_period(day: str, period: tuple[str, str] | None) -> bool:
    return period is None or period[0] <= day <= period[1]


PERIODS = pytest.mark.parametrize("period", [None, RANGE], ids=["everything", "from-to"])


# --- NPS by scope and period -----------------------------------------------------------------


@PERIODS
def test_nps_by_scope_and_period_agrees_with_python(lake: Any, period: tuple[str, str] | None) -> None:
    connection, responses, _ = lake
    groups: dict[tuple[str, str, str], list[ResponseRow]] = defaultdict(list)
    for row in responses:
        if row.survey_id == "follow_up" or not in_period(row.dt, period):
            continue
        scopes = [("all", "all"), ("touchpoint", row.touchpoint)]
        scopes += [
            (level, value)
            for level, value in (("country", row.country), ("region", row.region), ("branch", row.branch))
            if value
        ]
        for level, scope in scopes:
            groups[(level, scope, row.dt[:7])].append(row)
    found = keyed(query(connection, "nps_by_scope_and_period", period), "scope_level", "scope", "period")
    assert set(found) == set(groups)
    for key, rows in groups.items():
        answered = [r.nps for r in rows if r.nps is not None]
        promoters = sum(n >= 9 for n in answered)
        detractors = sum(n <= 6 for n in answered)
        passives = len(answered) - promoters - detractors
        estimate = nps_estimate(promoters, passives, detractors)
        got = found[key]
        assert (got["responses"], got["answers"], got["promoters"], got["passives"], got["detractors"]) == (
            len(rows),
            len(answered),
            promoters,
            passives,
            detractors,
        ), key
        assert close(estimate.value, got["nps"]), key
        assert close(estimate.low, got["nps_low"]) and close(estimate.high, got["nps_high"]), key
        assert got["small_sample"] == (len(answered) < 30)


def test_a_scope_without_nps_answers_has_no_nps_not_zero(lake: Any) -> None:
    connection, _responses, _ = lake
    found = query(connection, "nps_by_scope_and_period", None).records()
    unanswered = [r for r in found if r["answers"] == 0]
    assert all(r["nps"] is None and r["nps_low"] is None for r in unanswered)
    answered_scopes = {(r["scope_level"], r["scope"], r["period"]) for r in found if r["answers"] > 0}
    assert answered_scopes, "the data has answers too"


# --- topic trends --------------------------------------------------------------------------


@PERIODS
def test_topic_trends_agree_with_python(lake: Any, period: tuple[str, str] | None) -> None:
    connection, responses, _ = lake
    mentions: dict[tuple[str, str], list[ResponseRow]] = defaultdict(list)
    with_topics: dict[str, set[str]] = defaultdict(set)
    for row in responses:
        if row.survey_id == "follow_up" or not in_period(row.dt, period):
            continue
        for topic in row.topics:
            mentions[(row.dt[:7], topic)].append(row)
            with_topics[row.dt[:7]].add(row.response_id)
    found = keyed(query(connection, "topic_trends", period), "period", "topic")
    assert set(found) == set(mentions)
    for (month, topic), rows in mentions.items():
        got = found[(month, topic)]
        negative = sum(r.sentiment == "negative" for r in rows)
        assert got["mentions"] == len(rows)
        assert got["responses_with_topics"] == len(with_topics[month])
        assert close(100 * len(rows) / len(with_topics[month]), got["share_pct"])
        assert got["negative"] == negative
        assert close(100 * negative / len(rows), got["negative_pct"])
        assert got["from_detractors"] == sum(r.nps_category == "detractor" for r in rows)


# --- tickets: SLA compliance and health -----------------------------------------------------


def newest_tickets(events: list[TicketEventRow], period: tuple[str, str] | None) -> list[TicketEventRow]:
    """Each ticket's newest version among the events read, opened within the period."""
    newest: dict[str, TicketEventRow] = {}
    for event in events:
        if period is not None and event.dt < period[0]:
            continue
        if event.ticket_id not in newest or event.version > newest[event.ticket_id].version:
            newest[event.ticket_id] = event
    return [t for t in newest.values() if in_period(t.opened_at[:10], period)]


def on_time(ticket: TicketEventRow) -> bool:
    return ticket.resolved_at is not None and (ticket.due_at is None or ticket.resolved_at <= ticket.due_at)


def share(numerator: int, denominator: int) -> float | None:
    return 100 * numerator / denominator if denominator else None


@PERIODS
def test_sla_compliance_agrees_with_python(lake: Any, period: tuple[str, str] | None) -> None:
    connection, _, events = lake
    groups: dict[tuple[str, str | None, str], list[TicketEventRow]] = defaultdict(list)
    for ticket in newest_tickets(events, period):
        groups[(ticket.opened_at[:7], ticket.country, ticket.branch)].append(ticket)
    found = keyed(query(connection, "sla_compliance", period), "period", "country", "branch")
    assert set(found) == set(groups)
    for key, tickets in groups.items():
        got = found[key]
        resolved = [t for t in tickets if t.resolved_at is not None]
        punctual = sum(on_time(t) for t in resolved)
        assert (got["opened"], got["resolved"], got["resolved_on_time"]) == (
            len(tickets),
            len(resolved),
            punctual,
        )
        assert close(share(punctual, len(resolved)), got["compliance_pct"]), key
        assert got["still_open"] == sum(t.status not in ("resolved", "closed") for t in tickets)
        assert got["escalated"] == sum(t.escalation_level > 0 for t in tickets)


GROUP_KEYS: dict[str, Callable[[TicketEventRow], str | None]] = {
    "owner": lambda t: t.owner,
    "team": lambda t: t.team,
    "branch": lambda t: t.branch,
}


def hours_to_contact(ticket: TicketEventRow) -> float | None:
    if ticket.first_contact_at is None:
        return None
    elapsed = datetime.fromisoformat(ticket.first_contact_at) - datetime.fromisoformat(ticket.opened_at)
    return elapsed.total_seconds() / 3600


@PERIODS
def test_health_report_agrees_with_python(lake: Any, period: tuple[str, str] | None) -> None:
    connection, _, events = lake
    tickets = newest_tickets(events, period)
    found = keyed(query(connection, "health_report", period), "group_by", "group_key")
    expected_keys = {(group, key(t)) for group, key in GROUP_KEYS.items() for t in tickets}
    assert set(found) == expected_keys
    for group, key in GROUP_KEYS.items():
        for value in {key(t) for t in tickets}:
            members = [t for t in tickets if key(t) == value]
            got = found[(group, value)]
            hours = [h for h in map(hours_to_contact, members) if h is not None]
            resolved = [t for t in members if t.resolved_at is not None]
            followed = [t for t in members if t.nps_category == "detractor" and t.follow_up_outcome]
            recovered = sum(t.follow_up_outcome == "recovered" for t in followed)
            ever = [t for t in members if t.resolved_at is not None or t.reopen_count > 0]
            reopened = sum(t.reopen_count > 0 for t in ever)
            assert (got["opened"], got["contacted"]) == (len(members), len(hours))
            assert close(
                sum(hours) / len(hours) if hours else None, got["mean_hours_to_contact"], 0.005 + 1e-9
            )
            assert got["contacted_within_4h"] == sum(h <= 4 for h in hours)
            assert (got["resolved"], got["resolved_on_time"]) == (len(resolved), sum(map(on_time, resolved)))
            assert close(share(sum(map(on_time, resolved)), len(resolved)), got["sla_compliance_pct"])
            assert (got["follow_ups"], got["recovered"]) == (len(followed), recovered)
            assert close(share(recovered, len(followed)), got["recovery_pct"])
            assert (got["ever_resolved"], got["reopened"]) == (len(ever), reopened)
            assert close(share(reopened, len(ever)), got["reopen_pct"])
            assert got["still_open"] == sum(t.status not in ("resolved", "closed") for t in members)


# --- the saved queries themselves ----------------------------------------------------------


def test_every_saved_query_declares_its_parameters_and_runs_on_an_empty_lake(tmp_path: Path) -> None:
    queries = saved_queries()
    assert set(queries) == {"nps_by_scope_and_period", "topic_trends", "sla_compliance", "health_report"}
    empty = connect(tmp_path)
    for saved in queries.values():
        assert set(saved.parameters) <= {"from_date", "to_date"} and saved.parameters
        assert run(empty, saved).rows == ()


def test_the_date_range_prunes_partitions_by_dt(lake: Any) -> None:
    connection, responses, _ = lake
    november = query(connection, "nps_by_scope_and_period", ("2026-11-01", "2026-11-30")).records()
    (company,) = [r for r in november if r["scope_level"] == "all"]
    expected = {r.response_id for r in responses if r.dt.startswith("2026-11") and r.survey_id != "follow_up"}
    assert company["period"] == "2026-11" and company["responses"] == len(expected)
    assert date.fromisoformat(RANGE[0]) < date.fromisoformat(RANGE[1])
