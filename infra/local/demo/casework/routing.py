"""Step 2: how the tickets were classified (request / complaint / claim) and routed: the team
by rule, the owner by turns within the team."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from cxloop.domain.casework.sla import DEFAULT_SLA_SETTINGS, CountrySla
from cxloop.domain.organisation.hierarchy import Organisation
from infra.local.demo.casework.desk import ANALYST_RULE, Desk
from infra.local.demo.console import counted


def rule_name(explained: str) -> str:
    """`madrid_cleanliness: topics=[...] contains ...` -> `madrid_cleanliness`."""
    return explained.split(":", 1)[0] or "-"


def show_routing(desk: Desk, tickets: list[dict[str, Any]]) -> None:
    desk.say("classification and routing: type and team by rules, owner by turns within the team")
    book = desk.book
    book.tickets = len(tickets)
    book.by_type = Counter(t["ticket_type"] for t in tickets)
    routed_by = Counter(rule_name(t["routed_by"]) for t in tickets)
    book.analyst_routed = routed_by[ANALYST_RULE]
    book.team_owned = sum(str(t["owner"]).startswith("team:") for t in tickets)
    print(f"  by type     {counted(book.by_type)}")
    print(f"  team rule   {counted(routed_by)}")
    teams = Counter(str(t["team"]) for t in tickets)
    print(f"  by team     {counted(teams, top=6)}{', ...' if len(teams) > 6 else ''}")
    people = len({t["owner"] for t in tickets})
    print(
        f"  owners      {len(tickets) - book.team_owned} of {len(tickets)} tickets owned by a person "
        f"({people} people); turns in the busiest teams:"
    )
    for line in turns(desk.organisation, tickets):
        print(f"                {line}")
    print("  examples:")
    for ticket in examples(tickets):
        print_example(ticket)
    print(f"  holidays    {holiday_line(tickets, today=datetime.now(UTC).date())}")


def turns(organisation: Organisation, tickets: list[dict[str, Any]], top: int = 3) -> list[str]:
    """Tickets per member in the busiest teams: round-robin keeps them within one of each other."""
    by_team: dict[str, Counter[str]] = {}
    for ticket in tickets:
        by_team.setdefault(str(ticket["team"]), Counter())[ticket["owner"]] += 1
    busiest = sorted(by_team, key=lambda team: (-by_team[team].total(), team))[:top]
    lines = []
    for team in busiest:
        members = [person.id for person in organisation.members(team)] or list(by_team[team])
        counts = [by_team[team][member] for member in members]
        fair = "even" if max(counts) - min(counts) <= 1 else "uneven"
        spread = ", ".join(f"{member} x{n}" for member, n in zip(members, counts, strict=True))
        lines.append(f"{team}: {spread} ({fair})")
    return lines


def examples(tickets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The analyst's rule at work, a claim and a request (or whatever else there is)."""
    wanted: list[Callable[[dict[str, Any]], bool]] = [
        lambda t: rule_name(t["routed_by"]) == ANALYST_RULE,
        lambda t: t["ticket_type"] == "claim",
        lambda t: t["ticket_type"] == "request",
    ]
    chosen: list[dict[str, Any]] = []
    for test in wanted:
        found = next((t for t in tickets if test(t) and t not in chosen), None)
        if found is not None:
            chosen.append(found)
    rest = (t for t in tickets if t not in chosen)
    return chosen + [next(rest) for _ in range(min(3 - len(chosen), len(tickets) - len(chosen)))]


def print_example(ticket: dict[str, Any]) -> None:
    score = ticket["score"]
    scores = f"NPS {score.get('nps')}, CSAT {score.get('csat')}"
    topics = ", ".join(score.get("topics") or ()) or "no topic"
    print(f"    {ticket['ticket_id']} {ticket['branch']}: {scores}, {topics}")
    print(
        f"      ticket rule {ticket['rule']} ({ticket['priority']}); type {ticket['ticket_type']} "
        f"by {rule_name(ticket['classification'])}; team {ticket['team']} by {rule_name(ticket['routed_by'])}"
    )
    print(f"      owner {ticket['owner']}; due {local_time(ticket['due_at'], ticket['country'])}")


def local_time(moment: str | datetime | None, country: str | None) -> str:
    if moment is None:
        return "- (clock paused)"
    instant = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    zone = ZoneInfo(DEFAULT_SLA_SETTINGS.for_country(country).timezone)
    return instant.astimezone(zone).isoformat(timespec="minutes")


def holiday_line(tickets: list[dict[str, Any]], *, today: date) -> str:
    """A holiday one ticket's SLA clock skipped; or, when no due date crosses one (it depends on
    the day the demo runs), the next holiday each country's clock will skip."""
    for ticket in tickets:
        skipped = skipped_day_off(ticket)
        if skipped is not None:
            day, name = skipped
            due = local_time(ticket["due_at"], ticket["country"])
            where = f"{ticket['ticket_id']} ({ticket['country']})"
            return f"{where} is due {due}: its clock skipped {name}, {day:%a %d %b %Y}"
    upcoming = "; ".join(
        f"{country} {name}, {day:%a %d %b %Y}"
        for country, sla in sorted(DEFAULT_SLA_SETTINGS.countries.items())
        for day, name in [next_day_off(sla, today)]
    )
    return f"no due date crosses a holiday this time; the clocks will next skip {upcoming}"


def skipped_day_off(ticket: dict[str, Any]) -> tuple[date, str] | None:
    """The first working weekday off between the ticket's opening and its due time, locally."""
    if not ticket.get("due_at"):
        return None
    sla = DEFAULT_SLA_SETTINGS.for_country(ticket["country"])
    zone_name = ticket["customer"].get("timezone")
    zone = ZoneInfo(zone_name if zone_name and zone_name != "UTC" else sla.timezone)
    first = datetime.fromisoformat(ticket["opened_at"]).astimezone(zone).date()
    last = datetime.fromisoformat(ticket["due_at"]).astimezone(zone).date()
    for year in range(first.year, last.year + 1):
        for day, name in sla.days_off(year).items():
            if first <= day <= last and day.weekday() in sla.working_days:
                return day, name
    return None


def next_day_off(sla: CountrySla, after: date) -> tuple[date, str]:
    """The next weekday off in the calendar: there is one within a year in every country."""
    for year in (after.year, after.year + 1):
        for day, name in sla.days_off(year).items():
            if day > after and day.weekday() in sla.working_days:
                return day, name
    return after + timedelta(days=366), "none within a year"
