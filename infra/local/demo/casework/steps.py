"""Steps 2 to 6 in order, the health report per branch and the acknowledgements customers
got (step 6), and the summary's case-management lines."""

from __future__ import annotations

from collections import Counter
from typing import Any

from infra.local.demo.casework.desk import ANALYST_RULE, TICKET_ID, Casebook, Desk, all_tickets, wait_for
from infra.local.demo.casework.follow_ups import follow_ups
from infra.local.demo.casework.routing import show_routing
from infra.local.demo.casework.staff import manager_reassigns, show_refusals, work_tickets
from infra.local.demo.casework.watch import daily_digest, show_alerts, watch_later
from infra.local.demo.console import counted

ACKNOWLEDGED_TYPES = ("complaint", "claim")


def health_report(desk: Desk) -> None:
    desk.say("the health report per branch (GET /v1/reports/health?group=branch, executive token)")
    answer = desk.get("/v1/reports/health", desk.executive, params={"group": "branch"})
    if not answer.ok:
        desk.book.problems_seen.append(f"the health report answered {answer.status_code}")
        return
    report = answer.json()
    desk.book.health_rows = len(report["rows"])
    print(f"  tickets opened {report['from']} to {report['to']}; rates as numerator/denominator")
    print(
        f"  {'branch':<20}{'opened':>6}  {'first contact':<20}{'SLA on time':<13}"
        f"{'recovered':<11}{'reopened':<10}backlog"
    )
    for row in [*report["rows"], report["total"]]:
        print(health_line(row))


def health_line(row: dict[str, Any]) -> str:
    contact = row["first_contact"]
    median = contact["median_hours"]
    first = f"{median:.2f} h, {rate(contact['within_target'])}" if median is not None else "-"
    backlog = row["backlog"]
    return (
        f"  {row['key'] or 'all':<20}{row['opened']:>6}  {first:<20}{rate(row['sla']['on_time']):<13}"
        f"{rate(row['recovery']):<11}{rate(row['reopen']):<10}"
        f"{backlog['open']} open, {row['sla']['open_overdue']} overdue"
    )


def rate(value: dict[str, Any]) -> str:
    return f"{value['numerator']}/{value['denominator']}" if value["denominator"] else "-"


def acknowledgements(desk: Desk, tickets: list[dict[str, Any]]) -> None:
    """Complaints and claims: the customer was told the case number and when to expect a call."""
    due = {t["ticket_id"] for t in tickets if t["ticket_type"] in ACKNOWLEDGED_TYPES}
    desk.book.acknowledgements_due = len(due)

    def read() -> dict[str, str]:
        sent = {}
        for message in desk.http.json("/_local/outbox"):
            found = TICKET_ID.search(f"{message.get('subject') or ''} {message.get('body') or ''}")
            if found and not message.get("survey_url") and message["to"] in desk.contacts:
                sent[found.group()] = message["channel"]
        return sent

    sent = wait_for(read, lambda found: due <= set(found))
    desk.book.acknowledgements = len(due & set(sent))
    channels = Counter(channel for ticket_id, channel in sent.items() if ticket_id in due)
    print(
        f"  acknowledgements sent: {desk.book.acknowledgements} of {len(due)} complaints and claims "
        f"({counted(channels)})"
    )


# --- the whole of it ------------------------------------------------------------------------


def work_the_cases(desk: Desk) -> None:
    """Steps 2-6, once the tickets have settled."""
    tickets = all_tickets(desk)
    show_routing(desk, tickets)
    plans = work_tickets(desk, tickets)
    manager_reassigns(desk, plans)
    show_refusals(desk, plans)
    follow_ups(desk, plans)
    last = watch_later(desk)
    daily_digest(desk, last)
    show_alerts(desk)
    health_report(desk)
    acknowledgements(desk, tickets)


def print_casework(book: Casebook) -> None:
    """The summary's case-management lines."""
    versions = ", ".join(f"{name} v{version}" for name, version in book.published.items()) or "none"
    worked = book.worked
    print(f"config published  {versions}; {book.analyst_routed} ticket(s) routed by {ANALYST_RULE}")
    print(f"tickets by type   {counted(book.by_type)}; owned by a person: {book.tickets - book.team_owned}")
    print(
        f"tickets worked    {worked['resolved']} resolved, {worked['call-back']} call-backs, "
        f"{worked['untouched']} untouched; reassigned -> {book.reassigned}, resolved twice -> "
        f"{book.illegal}, other branch's ticket -> {book.out_of_scope}"
    )
    answers = book.follow_up_answers
    print(
        f"follow-ups        {book.follow_ups_sent} sent, {sum(answers.values())} answered: "
        f"{answers['recovered']} recovered, {answers['unhappy']} unhappy -> {book.reopened} reopened"
    )
    print(
        f"SLA watcher       {book.reminded} reminders, {book.escalated} escalations; "
        f"{book.alerts['sla_breach']} breach alerts"
    )
    print(f"daily digest      {book.alerts['digest']} digest alerts")
    print(f"acknowledgements  {book.acknowledgements} of {book.acknowledgements_due} complaints and claims")
