"""Step 5: the SLA watcher as of later business days in each country (reminders, then
escalations up the organisation), the daily digest, and the alerts read back."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from cxloop.domain.casework.sla import DEFAULT_SLA_SETTINGS, due_at
from infra.local.demo.casework.desk import Desk, all_tickets, wait_for

# The watcher runs as of these business hours after the tickets opened, in each country:
# requests (24 h) near breach, complaints (48 h) near breach, then everything late.
WATCH_HOURS = (22.5, 45.0, 99.0)


def watch_later(desk: Desk) -> datetime:
    """Run the watcher as of later business days in each country; answers the last instant."""
    desk.say("the SLA watcher, as of later times (POST /_local/schedules/sla_watcher?at=...)")
    instants = watch_instants(datetime.now(UTC))
    for at, label in instants:
        answer = desk.http.post("/_local/schedules/sla_watcher", params={"at": at.isoformat()})
        summary = answer.json() if answer.ok else {}
        desk.book.reminded += int(summary.get("reminded", 0))
        desk.book.escalated += int(summary.get("escalated", 0))
        print(
            f"  {at.isoformat(timespec='minutes')} {label}: {answer.status_code}, checked "
            f"{summary.get('checked')}, reminded {summary.get('reminded')}, "
            f"escalated {summary.get('escalated')}"
        )
    return instants[-1][0]


def watch_instants(start: datetime) -> list[tuple[datetime, str]]:
    """WATCH_HOURS business hours after `start` in each country's own calendar, in order."""
    found = []
    for country, sla in sorted(DEFAULT_SLA_SETTINGS.countries.items()):
        zone = ZoneInfo(sla.timezone)
        day_hours = (
            datetime.combine(date.min, sla.closes) - datetime.combine(date.min, sla.opens)
        ) / timedelta(hours=1)
        for hours in WATCH_HOURS:
            at = due_at(sla, start, hours, timezone=sla.timezone)
            assert at is not None, "no pause: the clock always reaches a due time"
            found.append((at.astimezone(zone), f"+{hours / day_hours:g} business days in {country}"))
    return sorted(found)


def daily_digest(desk: Desk, at: datetime) -> None:
    answer = desk.http.post("/_local/schedules/daily_digest", params={"at": at.isoformat()})
    desk.book.digest = answer.json() if answer.ok else {"status": answer.status_code}
    digest = desk.book.digest
    print(
        f"  daily digest as of {at.isoformat(timespec='minutes')}: {answer.status_code}, "
        f"{digest.get('digests')} managers with open tickets, {digest.get('alerts')} alerts, "
        f"{digest.get('emails')} emails"
    )


def show_alerts(desk: Desk) -> None:
    """Every alert so far, read back from SNS, once the watcher's and digest's have landed:
    one reminder per reminded ticket, one breach alert per level a ticket escalated through,
    one digest per manager."""
    book = desk.book
    book.breach_levels = sum(int(t["escalation_level"]) for t in all_tickets(desk))
    expected = {
        "sla_reminder": book.reminded,
        "sla_breach": book.breach_levels,
        "digest": int(book.digest.get("alerts") or 0),
    }

    def read() -> list[dict[str, Any]]:
        return list(desk.http.json("/_local/alerts"))

    def landed(alerts: list[dict[str, Any]]) -> bool:
        kinds = Counter(a["attributes"].get("kind") for a in alerts)
        return all(kinds[kind] >= count for kind, count in expected.items())

    alerts = wait_for(read, landed)
    book.alerts = Counter(str(a["attributes"].get("kind")) for a in alerts)
    print(f"  alerts on SNS (/_local/alerts): {len(alerts)}, by kind and audience:")
    groups = Counter(alert_group(a["attributes"]) for a in alerts)
    for (kind, audience), n in sorted(groups.items()):
        print(f"    {kind:<22}{audience:<17}{n:>4}")


def alert_group(attributes: dict[str, Any]) -> tuple[str, str]:
    kind = str(attributes.get("kind"))
    if kind == "sla_breach":
        kind = f"sla_breach level {attributes.get('level')}"
    return kind, str(attributes.get("audience"))
