"""Business-hours SLA clocks: weekends, holidays, zones, DST, pauses, breach levels.

Every expectation is worked out by hand in the comment next to it. Unless a case says
otherwise the calendar is PLAIN: UTC, Monday-Friday 09:00-18:00 (9 h a day), no holidays.
Reference week: Monday 2026-11-23 .. Sunday 2026-11-29; Monday 30 Nov, Wednesday 2 Dec.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

import pytest

from cxloop.domain.casework import sla as sla_module
from cxloop.domain.casework.sla import (
    DEFAULT_SLA_SETTINGS,
    CountrySla,
    Pause,
    SlaSettings,
    business_hours_between,
    due_at,
    next_breach_at,
    sla_clock,
)
from cxloop.domain.casework.ticket_types import TICKET_TYPES

GYE = ZoneInfo("America/Guayaquil")  # UTC-5 all year, no DST
MAD = ZoneInfo("Europe/Madrid")  # CET UTC+1 / CEST UTC+2

PLAIN = CountrySla()
EC = DEFAULT_SLA_SETTINGS.for_country("EC")  # Guayaquil, 08:30-17:30
ES = DEFAULT_SLA_SETTINGS.for_country("ES")  # Madrid, 09:00-18:00


def at(
    day: int, hour: int, minute: int = 0, *, month: int = 11, year: int = 2026, tz: tzinfo = UTC
) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=tz)


# ---------------------------------------------------------------- business_hours_between


@pytest.mark.parametrize(
    ("start", "end", "pauses", "expected"),
    [
        # Mon 10:00 -> Mon 12:30 inside the window = 2.5
        (at(23, 10), at(23, 12, 30), [], 2.5),
        # fractional: Mon 09:00 -> 09:45 = 0.75
        (at(23, 9), at(23, 9, 45), [], 0.75),
        # starts before opening: counts from 09:00 -> 10:00 = 1
        (at(23, 7), at(23, 10), [], 1.0),
        # starts after closing: Mon 19:00 counts nothing, Tue 09:00 -> 10:00 = 1
        (at(23, 19), at(24, 10), [], 1.0),
        # starts on Saturday: Mon 09:00 -> 11:00 = 2
        (at(28, 10), at(30, 11), [], 2.0),
        # across a weekend: Fri 16:00 -> 18:00 = 2, Mon 09:00 -> 10:00 = 1 -> 3
        (at(27, 16), at(30, 10), [], 3.0),
        # whole weekend = 0
        (at(28, 0), at(30, 0), [], 0.0),
        # two whole weeks Mon 09:00 -> Mon+14 09:00 = 10 working days x 9 = 90
        (at(23, 9), at(7, 9, month=12), [], 90.0),
        # end before start = 0 (clock skew), not an error
        (at(23, 12), at(23, 10), [], 0.0),
        # one pause Mon 10-12 in Mon 09-18: 9 - 2 = 7
        (at(23, 9), at(23, 18), [(at(23, 10), at(23, 12))], 7.0),
        # overlapping pauses 10-12 and 11-13 merge to 10-13: 9 - 3 = 6 (not 9 - 4 = 5)
        (at(23, 9), at(23, 18), [(at(23, 11), at(23, 13)), (at(23, 10), at(23, 12))], 6.0),
        # touching pauses 10-11 and 11-12: 9 - 2 = 7
        (at(23, 9), at(23, 18), [(at(23, 10), at(23, 11)), (at(23, 11), at(23, 12))], 7.0),
        # pause from before start (Mon 08-11) with start 10:00: counts 11-18 = 7
        (at(23, 10), at(23, 18), [(at(23, 8), at(23, 11))], 7.0),
        # pause past end (Mon 11 -> Tue 12) with end Mon 12: counts 09-11 = 2
        (at(23, 9), at(23, 12), [(at(23, 11), at(24, 12))], 2.0),
        # open pause from Mon 17:00 runs to end: Mon 09-17 = 8, Tue nothing
        (at(23, 9), at(24, 18), [(at(23, 17), None)], 8.0),
        # pause over the weekend only changes nothing: Fri 17-18 = 1 + Mon 09-10 = 1 -> 2
        (at(27, 17), at(30, 10), [(at(28, 0), at(30, 0))], 2.0),
        # pause entirely after end changes nothing: Mon 09-12 = 3
        (at(23, 9), at(23, 12), [(at(24, 9), at(24, 12))], 3.0),
    ],
)
def test_business_hours_on_the_plain_calendar(
    start: datetime, end: datetime, pauses: list[Pause], expected: float
) -> None:
    assert business_hours_between(PLAIN, start, end, pauses=pauses) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("sla", "start", "end", "timezone", "expected"),
    [
        # EC Carnival 2026 (Mon 16 + Tue 17 Feb are holidays): Fri 13 Feb 17:00 -> 17:30 = 0.5,
        # Wed 18 Feb 08:30 -> 09:30 = 1 -> 1.5
        (EC, at(13, 17, month=2, tz=GYE), at(18, 9, 30, month=2, tz=GYE), None, 1.5),
        # same instants in UTC (+5 h): the answer does not depend on the zone of the inputs
        (EC, at(13, 22, month=2), at(18, 14, 30, month=2), None, 1.5),
        # EC 2027: 10 Aug (Tue) moved to Mon 9 Aug, so Tue 10 Aug is worked:
        # Fri 6 Aug 17:00 -> 17:30 = 0.5 + Tue 10 Aug 08:30 -> 10:30 = 2 -> 2.5
        (EC, at(6, 17, month=8, year=2027, tz=GYE), at(10, 10, 30, month=8, year=2027, tz=GYE), None, 2.5),
        # customer zone overrides the country's: PLAIN 09-18 in Madrid (CET) = 08-17 UTC;
        # Mon 07:00 -> 10:00 UTC overlaps 08:00 -> 10:00 = 2 (1 in UTC)
        (PLAIN, at(23, 7), at(23, 10), "Europe/Madrid", 2.0),
        # ES spring DST (Sun 29 Mar 2026): Fri 27 17:00 CET -> 18:00 = 1, Mon 30 09:00 CEST -> 10:00
        # = 1 -> 2; in UTC that is Fri 16:00 -> Mon 08:00 (the Monday window starts at 07:00 UTC)
        (ES, at(27, 16, month=3), at(30, 8, month=3), None, 2.0),
        # ES autumn DST (Sun 25 Oct 2026): Fri 23 17:00 CEST -> 18:00 = 1, Mon 26 09:00 CET -> 10:00
        # = 1 -> 2; in UTC Fri 15:00 -> Mon 09:00
        (ES, at(23, 15, month=10), at(26, 9, month=10), None, 2.0),
        # ES: 8 Dec 2026 (Tue) is a holiday; Mon 7 Dec is regional, so worked:
        # Mon 7 09:00 -> Wed 9 10:00 Madrid = 9 (Mon) + 0 (Tue) + 1 (Wed) = 10
        (ES, at(7, 9, month=12, tz=MAD), at(9, 10, month=12, tz=MAD), None, 10.0),
    ],
)
def test_business_hours_across_holidays_zones_and_dst(
    sla: CountrySla, start: datetime, end: datetime, timezone: str | None, expected: float
) -> None:
    assert business_hours_between(sla, start, end, timezone=timezone) == pytest.approx(expected)


NIGHT_SHIFT = CountrySla(
    timezone="Europe/Madrid", working_days=tuple(range(7)), opens=time(1, 0), closes=time(4, 0)
)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        # 29 Mar 2026 01:00 CET = 00:00 UTC, 04:00 CEST = 02:00 UTC: the clock skips 02:00-03:00 -> 2
        (date(2026, 3, 29), 2.0),
        # 25 Oct 2026 01:00 CEST = 23:00 UTC (24th), 04:00 CET = 03:00 UTC: 02:00-03:00 twice -> 4
        (date(2026, 10, 25), 4.0),
        # an ordinary Sunday: 3
        (date(2026, 11, 29), 3.0),
    ],
)
def test_a_window_across_a_dst_change_counts_real_elapsed_time(day: date, expected: float) -> None:
    start = datetime.combine(day, time(0, 0), tzinfo=MAD)
    end = datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=MAD)
    assert business_hours_between(NIGHT_SHIFT, start, end) == pytest.approx(expected)


# ---------------------------------------------------------------- due_at


@pytest.mark.parametrize(
    ("start", "hours", "pauses", "expected"),
    [
        # Mon 10:00 + 3 = Mon 13:00
        (at(23, 10), 3, [], at(23, 13)),
        # crosses closing: Mon 16:00 + 3 = 2 on Mon + 1 on Tue -> Tue 10:00
        (at(23, 16), 3, [], at(24, 10)),
        # exactly at closing: Mon 09:00 + 9 -> Mon 18:00, not Tue 09:00
        (at(23, 9), 9, [], at(23, 18)),
        # before opening: Mon 06:00 + 1 -> Mon 10:00
        (at(23, 6), 1, [], at(23, 10)),
        # after closing: Mon 20:00 + 1 -> Tue 10:00
        (at(23, 20), 1, [], at(24, 10)),
        # on Saturday: Sat 12:00 + 2 -> Mon 11:00
        (at(28, 12), 2, [], at(30, 11)),
        # over the weekend: Fri 17:00 + 2 = 1 on Fri + 1 on Mon -> Mon 10:00
        (at(27, 17), 2, [], at(30, 10)),
        # 72 h from Mon 23 09:00: Mon-Fri = 45, Mon 30 - Wed 2 Dec = 27 -> Wed 2 Dec 18:00
        (at(23, 9), 72, [], at(2, 18, month=12)),
        # fractional: Mon 17:45 + 0.5 = 0.25 Mon + 0.25 Tue -> Tue 09:15
        (at(23, 17, 45), 0.5, [], at(24, 9, 15)),
        # zero hours: due at the start itself
        (at(23, 10), 0, [], at(23, 10)),
        # pause Mon 10-12: Mon 09-10 = 1, 12-14 = 2 -> Mon 14:00
        (at(23, 9), 3, [(at(23, 10), at(23, 12))], at(23, 14)),
        # overlapping pauses 10-12 + 11-13 = 10-13: 1 + 13-15 = 2 -> Mon 15:00
        (at(23, 9), 3, [(at(23, 10), at(23, 12)), (at(23, 11), at(23, 13))], at(23, 15)),
        # pause from before start (Mon 08-11), start 10:00, +1 -> Mon 12:00
        (at(23, 10), 1, [(at(23, 8), at(23, 11))], at(23, 12)),
        # pause Mon 17:00 -> Tue 11:00: Mon 16-17 = 1, Tue 11-12 = 1 -> Tue 12:00
        (at(23, 16), 2, [(at(23, 17), at(24, 11))], at(24, 12)),
        # open pause from Mon 10:00 before 3 h are reached (only 1 elapsed) -> no due date
        (at(23, 9), 3, [(at(23, 10), None)], None),
        # open pause from Mon 14:00 after 3 h were reached at 12:00 -> Mon 12:00
        (at(23, 9), 3, [(at(23, 14), None)], at(23, 12)),
        # a closed pause, then an open one: 09-10 = 1, paused 10-11, 11-12 = 1, open from 12 -> None
        (at(23, 9), 3, [(at(23, 10), at(23, 11)), (at(23, 12), None)], None),
        # an open pause with a closed one inside it: still waiting from Mon 10:00, 1 elapsed -> None
        (at(23, 9), 3, [(at(23, 10), None), (at(23, 11), at(23, 12))], None),
    ],
)
def test_due_at_on_the_plain_calendar(
    start: datetime, hours: float, pauses: list[Pause], expected: datetime | None
) -> None:
    assert due_at(PLAIN, start, hours, pauses=pauses) == expected


@pytest.mark.parametrize(
    ("sla", "start", "hours", "timezone", "expected"),
    [
        # EC Carnival: Fri 13 Feb 17:00 GYE + 2 = 0.5 Fri, Mon/Tue holidays, 1.5 Wed from 08:30
        # -> Wed 18 Feb 10:00 GYE = 15:00 UTC
        (EC, at(13, 17, month=2, tz=GYE), 2, None, at(18, 15, month=2)),
        # EC 72 h claim from Fri 20 Nov 2026 11:00 GYE: Fri 6.5, Mon 23-Fri 27 45 (51.5),
        # Mon 30 9 (60.5), Tue 1 Dec 9 (69.5), Wed 2 Dec 2.5 from 08:30 -> 11:00 GYE = 16:00 UTC
        (EC, at(20, 11, tz=GYE), 72, None, at(2, 16, month=12)),
        # EC New Year: 31 Dec 2027 (Fri) is the moved 1 Jan 2028 (Sat) and 24 Dec the moved
        # Christmas: Thu 23 Dec 2027 17:00 GYE + 1 = 0.5 Thu, then Mon 27 Dec 08:30 + 0.5 -> 09:00
        (EC, at(23, 17, month=12, year=2027, tz=GYE), 1, None, at(27, 14, month=12, year=2027)),
        # ES spring DST: Fri 27 Mar 17:00 CET (16:00 UTC) + 2 = 1 Fri + 1 Mon from 09:00 CEST
        # -> Mon 30 Mar 10:00 CEST = 08:00 UTC
        (ES, at(27, 16, month=3), 2, None, at(30, 8, month=3)),
        # ES autumn DST: Fri 23 Oct 17:00 CEST (15:00 UTC) + 2 -> Mon 26 Oct 10:00 CET = 09:00 UTC
        (ES, at(23, 15, month=10), 2, None, at(26, 9, month=10)),
        # customer in Guayaquil on the ES calendar: 09-18 GYE = 14-23 UTC;
        # Mon 23 Nov 13:00 UTC + 2 -> 16:00 UTC
        (ES, at(23, 13), 2, "America/Guayaquil", at(23, 16)),
    ],
)
def test_due_at_across_holidays_zones_and_dst(
    sla: CountrySla, start: datetime, hours: float, timezone: str | None, expected: datetime
) -> None:
    result = due_at(sla, start, hours, timezone=timezone)
    assert result == expected
    assert result is not None and result.tzinfo is UTC  # results are in UTC


@pytest.mark.parametrize(
    ("sla", "start", "hours"),
    [
        (PLAIN, at(23, 9, 17), 24.25),
        (EC, at(13, 17, month=2, tz=GYE), 48),
        (ES, at(26, 23, month=3), 72),
        (ES, at(20, 10, month=10), 13.5),
        (NIGHT_SHIFT, at(28, 12, month=3), 5),
    ],
)
def test_due_at_and_business_hours_agree(sla: CountrySla, start: datetime, hours: float) -> None:
    # Business time from start to the due instant is exactly the SLA, whatever the calendar.
    due = due_at(sla, start, hours)
    assert due is not None
    assert business_hours_between(sla, start, due) == pytest.approx(hours)


def test_a_72_hour_sla_walks_a_couple_of_weeks_not_minutes(monkeypatch: pytest.MonkeyPatch) -> None:
    # The watcher evaluates thousands of tickets every few minutes: count the days looked at.
    days_seen: list[date] = []
    window = sla_module._window

    def counting(
        sla: CountrySla, zone: ZoneInfo, day: date, is_off: Callable[[date], bool]
    ) -> tuple[datetime, datetime] | None:
        days_seen.append(day)
        return window(sla, zone, day, is_off)

    monkeypatch.setattr(sla_module, "_window", counting)
    # 72 h from Fri 13 Feb 17:00: Fri 0.5, Carnival Mon+Tue off, Wed-Fri 27 (27.5), Mon 23-Fri
    # 27 Feb 45 (72.5): due on Fri 27 Feb, 15 calendar days looked at.
    due = due_at(EC, at(13, 17, month=2, tz=GYE), 72)
    assert due is not None
    assert len(days_seen) <= 20


def test_a_calendar_with_no_working_time_gives_up_with_a_reason() -> None:
    # Mondays only, and every Monday for four years a holiday: no working time ever.
    first_monday = date(2026, 11, 23)
    every_monday = frozenset(first_monday + timedelta(weeks=n) for n in range(4 * 53))
    closed = CountrySla(working_days=(0,), holidays=every_monday)
    with pytest.raises(ValueError, match=r"no unpaused working time.*holidays"):
        due_at(closed, at(23, 9), 1)


# ---------------------------------------------------------------- sla_clock and breach levels

# PLAIN, but a request lasts one working day (9 h) and reminders start 4 h before the breach.
ONE_DAY = SlaSettings(default=CountrySla(hours={"request": 9}, remind_before_hours=4))
OPENED = at(23, 9)  # Monday 09:00


@pytest.mark.parametrize(
    ("now", "pauses", "expected"),
    # expected = (elapsed hours, breach level, remind, paused, due_at)
    [
        # Mon 13:00: 4 elapsed, 5 left > 4 -> no reminder yet
        (at(23, 13), [], (4, 0, False, False, at(23, 18))),
        # Mon 14:00: 5 elapsed, 4 left <= 4 -> remind
        (at(23, 14), [], (5, 0, True, False, at(23, 18))),
        # Mon 18:00: 9 elapsed = 9 -> level 1, no reminder once breached
        (at(23, 18), [], (9, 1, False, False, at(23, 18))),
        # Tue 18:00: 18 = 2 x 9 -> level 2
        (at(24, 18), [], (18, 2, False, False, at(23, 18))),
        # Wed 17:00: 26 < 27 -> still level 2
        (at(25, 17), [], (26, 2, False, False, at(23, 18))),
        # Wed 18:00: 27 = 3 x 9 -> level 3
        (at(25, 18), [], (27, 3, False, False, at(23, 18))),
        # waiting on the customer since Mon 14:00: 5 elapsed, 4 left, but paused -> no reminder,
        # and no due date while the clock is stopped
        (at(23, 16), [(at(23, 14), None)], (5, 0, False, True, None)),
        # pause Mon 10-12 closed: 7 elapsed at Mon 18:00, 2 left -> remind; due Tue 11:00
        (at(23, 18), [(at(23, 10), at(23, 12))], (7, 0, True, False, at(24, 11))),
        # open pause that began after the breach: level stays 1, due is the breach instant
        (at(24, 12), [(at(23, 18), None)], (9, 1, False, True, at(23, 18))),
        # now inside a closed pause (Mon 12-15, now 13:00): paused, 3 elapsed (09-12);
        # due: 09-12 = 3, 15-18 = 3, Tue 09-12 = 3 -> Tue 12:00
        (at(23, 13), [(at(23, 12), at(23, 15))], (3, 0, False, True, at(24, 12))),
    ],
)
def test_sla_clock_reminds_then_escalates_level_by_level(
    now: datetime, pauses: list[Pause], expected: tuple[float, int, bool, bool, datetime | None]
) -> None:
    clock = sla_clock(ONE_DAY, country=None, ticket_type="request", opened_at=OPENED, now=now, pauses=pauses)
    assert (clock.ticket_type, clock.hours) == ("request", 9)
    assert (clock.elapsed_hours, clock.breach_level, clock.remind, clock.paused, clock.due_at) == expected
    assert clock.remaining_hours == 9 - expected[0]


def test_sla_clock_reads_the_country_and_the_type() -> None:
    opened = at(20, 11, tz=GYE)  # Fri 20 Nov 2026 11:00 in Guayaquil
    now = at(23, 11, tz=GYE)  # Mon 11:00: Fri 11:00-17:30 = 6.5 + Mon 08:30-11:00 = 2.5 -> 9
    clock = sla_clock(DEFAULT_SLA_SETTINGS, country="ec", ticket_type="claim", opened_at=opened, now=now)
    assert (clock.hours, clock.elapsed_hours, clock.remaining_hours) == (72, 9, 63)
    assert clock.due_at == at(2, 16, month=12)  # worked out in the EC 72 h due_at case
    # an unknown country falls back to the default: UTC 09-18, so Fri 16:00-18:00 = 2 + Mon
    # 09:00-16:00 = 7 -> 9 as well, but a complaint lasts 48 h
    other = sla_clock(DEFAULT_SLA_SETTINGS, country="PE", ticket_type="complaint", opened_at=opened, now=now)
    assert (other.hours, other.elapsed_hours) == (48, 9)


def test_sla_clock_before_opening_time_is_a_fresh_ticket() -> None:
    # now one minute before opened_at (clock skew between Lambdas): nothing elapsed
    clock = sla_clock(ONE_DAY, country=None, ticket_type="request", opened_at=at(23, 10), now=at(23, 9, 59))
    assert (clock.elapsed_hours, clock.breach_level, clock.remind) == (0, 0, False)


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        (1, at(23, 18)),  # 9 h from Mon 09:00 -> Mon 18:00
        (2, at(24, 18)),  # 18 h -> Tue 18:00
        (3, at(25, 18)),  # 27 h -> Wed 18:00
        (6, at(30, 18)),  # 54 h -> Mon-Fri 45 + Mon 9 -> Mon 30 18:00
    ],
)
def test_next_breach_at_each_level(level: int, expected: datetime) -> None:
    result = next_breach_at(ONE_DAY, country=None, ticket_type="request", opened_at=OPENED, level=level)
    assert result == expected


def test_next_breach_at_is_none_while_waiting_and_rejects_level_zero() -> None:
    waiting = [(at(23, 12), None)]
    assert (
        next_breach_at(
            ONE_DAY, country=None, ticket_type="request", opened_at=OPENED, level=1, pauses=waiting
        )
        is None
    )
    with pytest.raises(ValueError, match="start at 1"):
        next_breach_at(ONE_DAY, country=None, ticket_type="request", opened_at=OPENED, level=0)


# ---------------------------------------------------------------- settings and validation


def test_missing_ticket_types_keep_their_default_hours() -> None:
    sla = CountrySla(hours={"claim": 96})
    assert sla.hours == {"request": 24, "complaint": 48, "claim": 96}
    assert set(CountrySla().hours) == set(TICKET_TYPES)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"opens": time(18, 0), "closes": time(9, 0)}, "opens .* must be before closes"),
        ({"opens": time(9, 0), "closes": time(9, 0)}, "opens .* must be before closes"),
        ({"working_days": (0, 7)}, "0 \\(Monday\\) .. 6"),
        ({"working_days": (-1,)}, "0 \\(Monday\\) .. 6"),
        ({"working_days": ()}, "at least one weekday"),
        ({"working_days": (1, 1)}, "repeat"),
        ({"timezone": "Mars/Olympus_Mons"}, "unknown IANA time zone"),
        ({"timezone": "../etc/passwd"}, "unknown IANA time zone"),
        ({"hours": {"claim": 0}}, "greater than 0"),
        ({"hours": {"claim": float("inf")}}, "finite"),
        ({"hours": {"incident": 5}}, "request"),
        ({"remind_before_hours": -1}, "greater than or equal to 0"),
        ({"weekend": (5, 6)}, "Extra inputs are not permitted"),
    ],
)
def test_country_sla_rejects_bad_settings(fields: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CountrySla.model_validate(fields)


def test_settings_are_frozen_and_keyed_by_iso_code() -> None:
    settings = SlaSettings(countries={"ec": CountrySla(timezone="America/Guayaquil")})
    assert settings.for_country("EC").timezone == "America/Guayaquil"
    assert settings.for_country(None) is settings.default
    with pytest.raises(ValueError, match="alpha-2"):
        SlaSettings(countries={"ECU": CountrySla()})
    with pytest.raises(ValueError, match="frozen"):
        settings.default.opens = time(7, 0)  # type: ignore[misc]


def test_settings_load_from_plain_data() -> None:
    # What analysts store: strings for times, dates and zones.
    sla = CountrySla.model_validate(
        {"timezone": "America/Bogota", "opens": "08:00", "closes": "17:00", "holidays": ["2026-12-08"]}
    )
    # Tue 8 Dec is a holiday: Mon 7 16:00 -> Wed 9 09:00 Bogotá = 1 (Mon) + 1 (Wed) = 2
    bog = ZoneInfo("America/Bogota")
    assert business_hours_between(sla, at(7, 16, month=12, tz=bog), at(9, 9, month=12, tz=bog)) == 2


NAIVE = datetime(2026, 11, 23, 10, 0)


@pytest.mark.parametrize(
    "call",
    [
        lambda: business_hours_between(PLAIN, NAIVE, at(23, 12)),
        lambda: business_hours_between(PLAIN, at(23, 9), NAIVE),
        lambda: business_hours_between(PLAIN, at(23, 9), at(23, 12), pauses=[(NAIVE, None)]),
        lambda: due_at(PLAIN, NAIVE, 3),
        lambda: due_at(PLAIN, at(23, 9), 3, pauses=[(at(23, 9), NAIVE)]),
        lambda: sla_clock(ONE_DAY, country=None, ticket_type="request", opened_at=OPENED, now=NAIVE),
    ],
)
def test_naive_datetimes_are_rejected(call: Callable[[], object]) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        call()


def test_bad_arguments_are_rejected() -> None:
    with pytest.raises(ValueError, match="unknown IANA time zone 'Nowhere/Town'"):
        due_at(PLAIN, at(23, 9), 3, timezone="Nowhere/Town")
    with pytest.raises(ValueError, match="before it starts"):
        business_hours_between(PLAIN, at(23, 9), at(23, 18), pauses=[(at(23, 12), at(23, 10))])
    with pytest.raises(ValueError, match="hours must be >= 0"):
        due_at(PLAIN, at(23, 9), -1)


# ---------------------------------------------------------------- the default calendars


def easter_sunday(year: int) -> date:
    """Anonymous Gregorian algorithm (Meeus/Jones/Butcher), to check the lists independently."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m) // 451
    month, day = divmod(h + m - 7 * n + 114, 31)
    return date(year, month, day + 1)


@pytest.mark.parametrize("year", [2026, 2027, 2028, 2031, 2040])
def test_moveable_feasts_follow_easter(year: int) -> None:
    # Any year, not only those someone typed in: the calendars come from the holidays library.
    easter = easter_sunday(year)
    good_friday = easter - timedelta(days=2)
    carnival = {easter - timedelta(days=48), easter - timedelta(days=47)}  # Mon+Tue before Ash Wed
    assert EC.is_day_off(good_friday) and ES.is_day_off(good_friday)
    assert all(EC.is_day_off(day) for day in carnival)
    assert not any(ES.is_day_off(day) for day in carnival)


def test_the_default_calendars() -> None:
    assert (EC.timezone, EC.opens, EC.closes, EC.working_days) == (
        "America/Guayaquil",
        time(8, 30),
        time(17, 30),
        (0, 1, 2, 3, 4),
    )
    assert (ES.timezone, ES.opens, ES.closes) == ("Europe/Madrid", time(9, 0), time(18, 0))
    # A country without a section: the default's hours and zone, and its own public holidays
    # (before the library it had none): Independence Day on a Saturday, observed on Friday 3.
    other = DEFAULT_SLA_SETTINGS.for_country("US")
    assert (other.timezone, other.opens, other.closes, other.hours) == (
        "UTC",
        time(9, 0),
        time(18, 0),
        {"request": 24, "complaint": 48, "claim": 72},
    )
    assert other.is_day_off(date(2026, 7, 3)) and not other.is_day_off(date(2026, 7, 2))
    # Ecuador rests on the day a holiday moved to: the day it moved from is worked.
    moved_from = [date(2027, 8, 10), date(2028, 5, 24), date(2028, 8, 10)]  # Tue, Wed, Thu
    moved_to = [date(2027, 8, 9), date(2028, 5, 26), date(2028, 8, 11)]  # Mon, Fri, Fri
    assert [EC.is_day_off(day) for day in moved_from] == [False, False, False]
    assert [EC.is_day_off(day) for day in moved_to] == [True, True, True]


@pytest.mark.parametrize(
    ("sla", "day", "is_holiday"),
    [
        (EC, date(2026, 5, 25), True),  # Pichincha, Sun 24 May -> Mon 25
        (EC, date(2026, 11, 2), True),  # Difuntos (Mon)
        (EC, date(2026, 11, 3), True),  # Independencia de Cuenca (Tue)
        (EC, date(2027, 4, 30), True),  # 1 May 2027 is a Saturday -> Fri 30 Apr
        (EC, date(2027, 8, 9), True),  # 10 Aug 2027 (Tue) -> Mon 9
        (EC, date(2027, 8, 10), False),  # ... so Tue 10 Aug is worked
        (EC, date(2027, 10, 8), True),  # 9 Oct 2027 (Sat) -> Fri 8
        (EC, date(2027, 11, 1), True),  # Difuntos, Tue 2 Nov 2027 -> Mon 1
        (EC, date(2027, 12, 24), True),  # Christmas 2027 (Sat) -> Fri 24
        (EC, date(2027, 12, 31), True),  # New Year 2028 (Sat) -> Fri 31 Dec 2027
        (ES, date(2026, 1, 6), True),  # Epifanía
        (ES, date(2026, 10, 12), True),  # Fiesta Nacional (Mon)
        (ES, date(2026, 11, 2), False),  # Monday after All Saints: regional only
        (ES, date(2026, 12, 8), True),  # Inmaculada (Tue)
        (ES, date(2027, 12, 6), True),  # Constitución (Mon)
        (ES, date(2026, 4, 2), False),  # Jueves Santo: not in Cataluña/Valencia, so not national
    ],
)
def test_national_holidays(sla: CountrySla, day: date, is_holiday: bool) -> None:
    assert sla.is_day_off(day) is is_holiday
