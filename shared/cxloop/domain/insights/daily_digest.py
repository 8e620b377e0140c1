"""The managers' daily digest: each manager's open and overdue tickets, as an SNS alert and an email.

Besides the per-ticket alerts, every branch manager, country manager and executive hears once a day
what is open in their scope. The scope is the ticket desk's (the ticket's country, region and branch,
see access.can_see), so the counts match the list the manager opens. Only ids, places, priorities,
owners and times appear: never the customer's name, contact or comment, which the desk keeps behind
its access checks. A manager with nothing open gets nothing: a digest saying "all clear" every day
teaches people to ignore digests.

Pure domain: the daily_digest function reads the tickets and sends what this module renders.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from html import escape
from zoneinfo import ZoneInfo

from cxloop.domain.casework.models import OPEN_STATUSES, Alert, Ticket, TicketStatus, is_overdue
from cxloop.domain.contact.messages import EmailMessage, digest_copy_for, digest_language
from cxloop.domain.feedback.models import Priority
from cxloop.domain.organisation.hierarchy import Organisation, Person, scope_contains

MANAGER_ROLES = ("branch_manager", "country_manager", "executive")
# Enough to act on this morning; the desk lists the rest (filter overdue=true).
OVERDUE_LISTED = 10
PRIORITIES: tuple[Priority, ...] = ("urgent", "high", "medium", "low")
# The alert attribute value for a level the manager oversees entirely (a country manager's branch).
EVERYWHERE = "all"


@dataclass(frozen=True)
class ListedTicket:
    """What a digest says about one ticket: nothing about the customer."""

    ticket_id: str
    branch: str
    priority: Priority
    owner: str
    opened_at: datetime
    due_at: datetime | None


@dataclass(frozen=True)
class Seat:
    """Where a manager sits, for the alert's filter attributes and the email's wording."""

    scope: str
    country: str
    region: str
    branch: str
    place_name: str | None  # the branch's or country's name; None for the whole company
    zone: str  # the IANA zone the email's times are written in


@dataclass(frozen=True)
class Digest:
    digest_id: str
    day: date
    now: datetime
    manager_id: str
    manager_name: str
    role: str
    language: str
    email: str | None
    seat: Seat
    by_status: dict[TicketStatus, int]
    by_priority: dict[Priority, int]
    overdue_count: int
    escalated_count: int
    oldest: ListedTicket
    overdue: tuple[ListedTicket, ...]

    @property
    def open_count(self) -> int:
        return sum(self.by_status.values())


def managers(organisation: Organisation) -> tuple[Person, ...]:
    """Everyone who gets a digest, ordered by id so runs are repeatable."""
    found = (person for person in organisation.people if person.role in MANAGER_ROLES)
    return tuple(sorted(found, key=lambda person: person.id))


def build_digests(organisation: Organisation, tickets: Iterable[Ticket], *, now: datetime) -> list[Digest]:
    """One digest per manager whose scope holds at least one open ticket."""
    open_tickets = [ticket for ticket in tickets if ticket.is_open]
    digests = (digest_for(person, organisation, open_tickets, now=now) for person in managers(organisation))
    return [digest for digest in digests if digest is not None]


def digest_for(
    manager: Person, organisation: Organisation, tickets: Iterable[Ticket], *, now: datetime
) -> Digest | None:
    seat = seat_of(manager, organisation)
    mine = [ticket for ticket in tickets if ticket.is_open and _contains(seat.scope, ticket)]
    if not mine:
        return None
    overdue = sorted((t for t in mine if is_overdue(t, now=now)), key=_most_overdue_first)
    oldest = min(mine, key=lambda ticket: (ticket.opened_at, ticket.ticket_id))
    day = now.astimezone(UTC).date()
    statuses = Counter(ticket.status for ticket in mine)
    priorities = Counter(ticket.priority for ticket in mine)
    return Digest(
        digest_id=f"digest:{manager.id}:{day.isoformat()}",
        day=day,
        now=now,
        manager_id=manager.id,
        manager_name=manager.name,
        role=manager.role,
        language=digest_language(manager.language),
        email=manager.email,
        seat=seat,
        by_status={status: statuses[status] for status in OPEN_STATUSES},
        by_priority={priority: priorities[priority] for priority in PRIORITIES},
        overdue_count=len(overdue),
        escalated_count=sum(1 for ticket in mine if ticket.escalation_level > 0),
        oldest=_listed(oldest),
        overdue=tuple(_listed(ticket) for ticket in overdue[:OVERDUE_LISTED]),
    )


def seat_of(manager: Person, organisation: Organisation) -> Seat:
    scope = organisation.scope_of(manager)
    if manager.role == "branch_manager" and manager.branch:
        place = organisation.place_of_branch(manager.branch)
        if place is not None:
            return Seat(
                scope,
                place.country.code,
                place.region.id,
                place.branch.id,
                place.branch.name,
                place.country.timezone,
            )
    if manager.role == "country_manager" and manager.country:
        country = next((c for c in organisation.countries if c.code == manager.country), None)
        if country is not None:
            return Seat(scope, country.code, EVERYWHERE, EVERYWHERE, country.name, country.timezone)
    return Seat(scope, EVERYWHERE, EVERYWHERE, EVERYWHERE, None, "UTC")


def _contains(scope: str, ticket: Ticket) -> bool:
    return scope_contains(scope, country=ticket.country, region=ticket.region, branch=ticket.branch)


def _most_overdue_first(ticket: Ticket) -> tuple[datetime, str]:
    # Only overdue tickets are sorted here, and those always have a due time.
    return ticket.due_at or ticket.opened_at, ticket.ticket_id


def _listed(ticket: Ticket) -> ListedTicket:
    return ListedTicket(
        ticket_id=ticket.ticket_id,
        branch=ticket.branch,
        priority=ticket.priority,
        owner=ticket.owner,
        opened_at=ticket.opened_at,
        due_at=ticket.due_at,
    )


# --- the SNS alert ----------------------------------------------------------------------------------


def digest_alert(digest: Digest) -> Alert:
    """The digest on the alerts topic: audience is the manager's role and recipient their id, so a
    manager's subscription can filter on either. Written in English, like the per-ticket alerts."""
    seat = digest.seat
    return Alert(
        alert_id=digest.digest_id,
        kind="digest",
        severity="warning" if digest.overdue_count else "info",
        # A digest is about many tickets: its own id fills the per-ticket fields, so a subscription
        # filtering on one ticket's id never matches it.
        ticket_id=digest.digest_id,
        correlation_id=digest.digest_id,
        subject=f"[cxloop] Daily digest {digest.day.isoformat()}: "
        f"{digest.open_count} open, {digest.overdue_count} overdue"[:100],
        message=_alert_message(digest),
        country=seat.country,
        region=seat.region,
        branch=seat.branch,
        audience=digest.role,
        level=0,
        answered_at=digest.now,
        recipient=digest.manager_id,
    )


def _alert_message(digest: Digest) -> str:
    statuses = ", ".join(f"{status} {count}" for status, count in digest.by_status.items())
    priorities = ", ".join(f"{priority} {count}" for priority, count in digest.by_priority.items())
    oldest = digest.oldest
    lines = [
        f"Daily digest {digest.day.isoformat()} for {digest.manager_id} "
        f"({digest.role}, scope {digest.seat.scope}).",
        f"Open: {digest.open_count} ({statuses}).",
        f"By priority: {priorities}.",
        f"Overdue: {digest.overdue_count}. Escalated: {digest.escalated_count}.",
        f"Oldest open: {oldest.ticket_id} ({oldest.branch}), opened {_utc(oldest.opened_at)}.",
    ]
    if digest.overdue:
        lines.append("Overdue tickets, most overdue first:")
        lines.extend(
            f"- {t.ticket_id} {t.branch} {t.priority} owner {t.owner} due {_utc(t.due_at)}"
            for t in digest.overdue
        )
    unlisted = digest.overdue_count - len(digest.overdue)
    if unlisted:
        lines.append(f"And {unlisted} more overdue.")
    lines.append(f"Recipient: {digest.manager_id}.")
    return "\n".join(lines) + "\n"


def _utc(moment: datetime | None) -> str:
    return moment.astimezone(UTC).isoformat() if moment else "-"


# --- the email --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Paragraph:
    text: str
    small: bool = False


@dataclass(frozen=True)
class _Table:
    title: str | None
    header: list[str]
    rows: list[list[str]]


_Block = _Paragraph | _Table


def digest_email(digest: Digest) -> EmailMessage:
    """The digest in the manager's language (English when we lack theirs), times in their zone.

    The content is localized once as blocks, then written out as text and as HTML, so the two
    parts cannot disagree."""
    copy = digest_copy_for(digest.language)
    subject = copy["subject"].format(
        date=digest.day.isoformat(), open=digest.open_count, overdue=digest.overdue_count
    )
    blocks = _email_blocks(digest, copy)
    return EmailMessage(subject=subject, html=_as_html(digest.language, blocks), text=_as_text(blocks))


def _email_blocks(digest: Digest, copy: dict[str, str]) -> list[_Block]:
    zone = ZoneInfo(digest.seat.zone)
    scope = _scope_words(copy, digest.seat)
    oldest = digest.oldest
    blocks: list[_Block] = [
        _Paragraph(copy["greeting"].format(name=digest.manager_name.split(" ")[0])),
        _Paragraph(copy["intro"].format(scope=scope, moment=_local(digest.now, zone), zone=digest.seat.zone)),
        _counts(None, [(copy[key], value) for key, value in _totals(digest)]),
        _counts(copy["by_status"], [(copy[f"status.{s}"], n) for s, n in digest.by_status.items()]),
        _counts(copy["by_priority"], [(copy[f"priority.{p}"], n) for p, n in digest.by_priority.items()]),
        _Paragraph(
            copy["oldest"].format(
                ticket_id=oldest.ticket_id, branch=oldest.branch, opened_at=_local(oldest.opened_at, zone)
            )
        ),
    ]
    if digest.overdue:
        header = [copy[f"column.{name}"] for name in ("ticket", "branch", "priority", "owner", "due")]
        rows = [_overdue_row(ticket, copy, zone) for ticket in digest.overdue]
        blocks.append(_Table(copy["overdue_list"], header, rows))
    unlisted = digest.overdue_count - len(digest.overdue)
    if unlisted:
        blocks.append(_Paragraph(copy["more"].format(count=unlisted)))
    blocks.append(_Paragraph(copy["footer"].format(scope=scope), small=True))
    return blocks


def _totals(digest: Digest) -> list[tuple[str, int]]:
    return [
        ("open", digest.open_count),
        ("overdue", digest.overdue_count),
        ("escalated", digest.escalated_count),
    ]


def _counts(title: str | None, counts: list[tuple[str, int]]) -> _Table:
    return _Table(title, [label for label, _ in counts], [[str(count) for _, count in counts]])


def _scope_words(copy: dict[str, str], seat: Seat) -> str:
    if seat.place_name is None:
        return copy["scope_all"]
    kind = "scope_branch" if seat.branch != EVERYWHERE else "scope_country"
    return copy[kind].format(name=seat.place_name)


def _local(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _overdue_row(ticket: ListedTicket, copy: dict[str, str], zone: ZoneInfo) -> list[str]:
    due = _local(ticket.due_at, zone) if ticket.due_at else "-"
    return [ticket.ticket_id, ticket.branch, copy[f"priority.{ticket.priority}"], ticket.owner, due]


def _as_text(blocks: list[_Block]) -> str:
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, _Paragraph):
            lines += [block.text, ""]
            continue
        if block.title:
            lines.append(block.title)
        lines += [" | ".join(row) for row in (block.header, *block.rows)]
        lines.append("")
    return "\n".join(lines)


_CELL = 'style="padding:4px 8px;border-bottom:1px solid #ddd;text-align:left"'


def _as_html(language: str, blocks: list[_Block]) -> str:
    """Every value is escaped: ids, names and places come from data analysts edit."""
    parts = [_html_block(block) for block in blocks]
    return (
        f'<!doctype html><html lang="{escape(language)}"><body style="font-family:sans-serif;color:#1a1a1a">'
        + "".join(parts)
        + "</body></html>"
    )


def _html_block(block: _Block) -> str:
    if isinstance(block, _Paragraph):
        style = ' style="color:#555;font-size:13px"' if block.small else ""
        return f"<p{style}>{escape(block.text)}</p>"
    title = f"<h3>{escape(block.title)}</h3>" if block.title else ""
    head = "".join(f"<th {_CELL}>{escape(cell)}</th>" for cell in block.header)
    body = "".join(
        "<tr>" + "".join(f"<td {_CELL}>{escape(cell)}</td>" for cell in row) + "</tr>" for row in block.rows
    )
    return (
        f'{title}<table style="border-collapse:collapse;margin-bottom:12px">'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )
