"""Service levels for cases: business-hours clocks that pause while we wait on the customer.

Each ticket type (petición / queja / reclamo) has its own SLA per country, counted only in
working hours of working days that are not days off (the country's public holidays, from
calendars.py, and the company's own), in the customer's time zone. The SLA watcher
calls `sla_clock` every few minutes for every open ticket, so the arithmetic walks whole
days (a 72-hour SLA touches about two weeks of calendar), never minutes.

A working day is `opens..closes` in local WALL time, whatever the UTC offset that day, and
the hours it contributes are real elapsed time: a window that spans a daylight-saving change
is an hour shorter or longer, exactly as the people working it experience it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import (
    AliasChoices,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from cxloop.domain.casework.calendars import calendar_days_off, calendar_problems
from cxloop.domain.casework.ticket_types import TicketType
from cxloop.domain.kernel.modelling import DomainModel
from cxloop.domain.kernel.zones import ZoneName, zone_named

DEFAULT_HOURS: dict[TicketType, float] = {"request": 24.0, "complaint": 48.0, "claim": 72.0}

# A calendar with no working time (every day a holiday, or a pause of years) would make
# `due_at` walk forever; three years is far beyond any SLA, so past it we give up loudly.
MAX_SEARCH_DAYS = 3 * 366

Pause = tuple[datetime, datetime | None]
"""A waiting-on-customer interval; end None = still waiting."""

_Span = tuple[datetime, datetime]
_HOUR = timedelta(hours=1)
# Stands in for the end of a still-open pause; only ever compared, never added to.
_FOREVER = datetime.max.replace(tzinfo=UTC)

PositiveHours = Annotated[float, Field(gt=0, allow_inf_nan=False)]


SubdivisionCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]


class CountrySla(DomainModel):
    """One country's working calendar and SLA lengths; analysts override it with data.

    Its days off are the country's public holidays from the holidays library (calendars.py),
    with its `subdivision`'s when the section names one, plus `extra_days_off` (the company's
    own), minus `working_holidays` (holidays the company works). The country is the key the
    section sits under in SlaSettings; a section made on its own (as tests do) belongs to no
    country and has only its extra days off.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    timezone: ZoneName = "UTC"  # used when the customer has no time zone
    working_days: tuple[int, ...] = (0, 1, 2, 3, 4)  # Monday=0 .. Sunday=6
    opens: time = time(9, 0)
    closes: time = time(18, 0)
    subdivision: SubdivisionCode | None = None  # ISO 3166-2 code without the country: "MD" in ES
    # Documents written before the library kept their `holidays` list: the same days off.
    extra_days_off: frozenset[date] = Field(
        default=frozenset(), validation_alias=AliasChoices("extra_days_off", "holidays")
    )
    working_holidays: frozenset[date] = frozenset()
    hours: dict[TicketType, PositiveHours] = Field(default_factory=lambda: dict(DEFAULT_HOURS))
    remind_before_hours: float = Field(default=4, ge=0, allow_inf_nan=False)

    _country: str | None = PrivateAttr(default=None)

    @field_validator("working_days")
    @classmethod
    def _real_weekdays(cls, days: tuple[int, ...]) -> tuple[int, ...]:
        if not days:
            raise ValueError("working_days must name at least one weekday")
        if any(day not in range(7) for day in days):
            raise ValueError(f"working_days are 0 (Monday) .. 6 (Sunday), got {days}")
        if len(set(days)) != len(days):
            raise ValueError(f"working_days repeat a weekday: {days}")
        return days

    @field_validator("opens", "closes")
    @classmethod
    def _wall_clock_only(cls, moment: time) -> time:
        # The window is local wall time; an offset here would contradict `timezone`.
        if moment.tzinfo is not None:
            raise ValueError("opens/closes are local wall times, without a time zone")
        return moment

    @field_validator("hours")
    @classmethod
    def _every_type_has_hours(cls, hours: dict[TicketType, float]) -> dict[TicketType, float]:
        # A country that overrides only claims keeps the default for the other types.
        return {**DEFAULT_HOURS, **hours}

    @model_validator(mode="after")
    def _opens_before_closes(self) -> CountrySla:
        if self.opens >= self.closes:
            raise ValueError(f"opens ({self.opens}) must be before closes ({self.closes})")
        return self

    @model_validator(mode="after")
    def _a_day_is_off_or_worked(self) -> CountrySla:
        both = sorted(self.extra_days_off & self.working_holidays)
        if both:
            listed = ", ".join(day.isoformat() for day in both)
            raise ValueError(
                f"extra_days_off and working_holidays both list {listed}: a day is either off or worked"
            )
        return self

    @property
    def country(self) -> str | None:
        """The country whose public holidays this calendar skips (None: none of them)."""
        return self._country

    def in_country(self, country: str) -> CountrySla:
        """This section as the calendar of `country`: the same hours, that country's holidays."""
        located = self.model_copy()
        located._country = country
        return located

    def days_off(self, year: int) -> Mapping[date, str]:
        """The year's days off besides the weekly rest (working_days), each named, in date order."""
        return calendar_days_off(
            self._country, self.subdivision, self.extra_days_off, self.working_holidays, year
        )

    def is_day_off(self, day: date) -> bool:
        return day in self.days_off(day.year)

    def day_off_test(self) -> Callable[[date], bool]:
        """`is_day_off` for a walk over many days: the calendar is read once per year, then each
        day is a dictionary lookup (reading the private country is slow in pydantic)."""
        key = (self._country, self.subdivision, self.extra_days_off, self.working_holidays)
        years: dict[int, Mapping[date, str]] = {}

        def is_off(day: date) -> bool:
            found = years.get(day.year)
            if found is None:
                found = years[day.year] = calendar_days_off(*key, day.year)
            return day in found

        return is_off


class SlaSettings(DomainModel):
    """The `sla` document: a default section, and one section per country that needs its own.

    A country without a section gets the default's hours with its own public holidays.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    default: CountrySla = CountrySla()
    countries: dict[str, CountrySla] = Field(default_factory=dict)  # ISO codes: "EC", "ES"

    # The default section placed in each country asked for, so the watcher's thousands of
    # lookups a run reuse one calendar per country (rebuilt if `default` is ever swapped).
    _defaults_in: dict[str, tuple[CountrySla, CountrySla]] = PrivateAttr(default_factory=dict)

    @field_validator("countries")
    @classmethod
    def _iso_codes(cls, countries: dict[str, CountrySla]) -> dict[str, CountrySla]:
        normalised = {code.strip().upper(): sla for code, sla in countries.items()}
        bad = sorted(code for code in normalised if len(code) != 2 or not code.isalpha())
        if bad:
            raise ValueError(f"country keys are ISO 3166 alpha-2 codes, got {bad}")
        return {code: sla.in_country(code) for code, sla in normalised.items()}

    @model_validator(mode="after")
    def _calendars_the_library_knows(self) -> SlaSettings:
        problems = calendar_problems(self.default, self.countries)
        if problems:
            raise ValidationError.from_exception_data(type(self).__name__, problems)
        return self

    def for_country(self, country: str | None) -> CountrySla:
        if country is None:
            return self.default
        code = country.strip().upper()
        own = self.countries.get(code)
        if own is not None:
            return own
        cached = self._defaults_in.get(code)
        if cached is None or cached[0] is not self.default:
            cached = self._defaults_in[code] = (self.default, self.default.in_country(code))
        return cached[1]


# --- the arithmetic ----------------------------------------------------------------------


def business_hours_between(
    sla: CountrySla,
    start: datetime,
    end: datetime,
    *,
    timezone: str | None = None,
    pauses: Sequence[Pause] = (),
) -> float:
    """Working time in [start, end) net of pauses (an open pause runs until `end`).

    An `end` at or before `start` gives 0: a watcher whose `now` lags a ticket's opening
    by clock skew sees a fresh ticket, not an error.
    """
    return _business_time(sla, start, end, timezone=timezone, pauses=pauses) / _HOUR


def due_at(
    sla: CountrySla,
    start: datetime,
    hours: float,
    *,
    timezone: str | None = None,
    pauses: Sequence[Pause] = (),
) -> datetime | None:
    """The UTC instant when `hours` of working time, net of pauses, have run since `start`.

    None while a pause is still open and the clock had not reached `hours` before it: a
    stopped clock has no due date. Reaching the total exactly at closing time gives the
    closing instant, not the next opening.
    """
    start = _as_utc(start, "start")
    if hours < 0:
        raise ValueError(f"hours must be >= 0, got {hours}")
    left = timedelta(hours=hours)
    if not left:
        return start
    spans = _merged(pauses)
    stops_at = spans[-1][0] if spans and spans[-1][1] == _FOREVER else _FOREVER
    for opens, closes in _windows_from(sla, _resolve_zone(sla, timezone), start):
        if max(opens, start) >= stops_at:
            return None
        for lo, hi in _unpaused(max(opens, start), min(closes, stops_at), spans):
            if hi - lo >= left:
                return lo + left
            left -= hi - lo
    raise AssertionError("unreachable: _windows_from raises when it runs out")  # pragma: no cover


@dataclass(frozen=True)
class SlaClock:
    ticket_type: TicketType
    hours: float  # the SLA length for this type in this country
    elapsed_hours: float  # business hours elapsed, net of pauses, at `now`
    remaining_hours: float  # hours - elapsed (negative once breached)
    due_at: datetime | None  # first breach instant (None while paused before it)
    breach_level: int  # 0 within SLA; 1 once elapsed >= hours; 2 once elapsed >= 2*hours; ...
    paused: bool  # an open pause now
    remind: bool  # breach_level == 0 and not paused and remaining_hours <= remind_before_hours


def sla_clock(
    settings: SlaSettings,
    *,
    country: str | None,
    ticket_type: TicketType,
    opened_at: datetime,
    now: datetime,
    timezone: str | None = None,
    pauses: Sequence[Pause] = (),
) -> SlaClock:
    """Where one ticket stands at `now`: what the watcher reminds about or escalates."""
    sla = settings.for_country(country)
    hours = sla.hours[ticket_type]
    elapsed = _business_time(sla, opened_at, now, timezone=timezone, pauses=pauses)
    # Levels compare timedeltas (whole microseconds), so 48 h is level 2 for a 24 h SLA
    # exactly, with no float rounding leaving it at 1.999.
    breach_level = elapsed // timedelta(hours=hours)
    remaining_hours = hours - elapsed / _HOUR
    paused = _paused_at(_as_utc(now, "now"), pauses)
    return SlaClock(
        ticket_type=ticket_type,
        hours=hours,
        elapsed_hours=elapsed / _HOUR,
        remaining_hours=remaining_hours,
        due_at=due_at(sla, opened_at, hours, timezone=timezone, pauses=pauses),
        breach_level=breach_level,
        paused=paused,
        remind=breach_level == 0 and not paused and remaining_hours <= sla.remind_before_hours,
    )


def next_breach_at(
    settings: SlaSettings,
    *,
    country: str | None,
    ticket_type: TicketType,
    opened_at: datetime,
    level: int,
    timezone: str | None = None,
    pauses: Sequence[Pause] = (),
) -> datetime | None:
    """When the ticket reaches breach `level` (elapsed = level x SLA), so the watcher can
    escalate again at each further level; None while the clock is stopped before it."""
    if level < 1:
        raise ValueError(f"breach levels start at 1, got {level}")
    sla = settings.for_country(country)
    return due_at(sla, opened_at, level * sla.hours[ticket_type], timezone=timezone, pauses=pauses)


# --- helpers -----------------------------------------------------------------------------


def _as_utc(moment: datetime, name: str) -> datetime:
    # A naive datetime has no instant: guessing its zone would shift SLAs by hours.
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {moment.isoformat()}")
    return moment.astimezone(UTC)


def _resolve_zone(sla: CountrySla, timezone: str | None) -> ZoneInfo:
    return zone_named(timezone or sla.timezone)


def _business_time(
    sla: CountrySla,
    start: datetime,
    end: datetime,
    *,
    timezone: str | None,
    pauses: Sequence[Pause],
) -> timedelta:
    start, end = _as_utc(start, "start"), _as_utc(end, "end")
    spans = _merged(pauses)
    total = timedelta()
    if end <= start:
        return total
    zone = _resolve_zone(sla, timezone)
    is_off = sla.day_off_test()
    # A day's window lies inside that local date, so only the dates of start..end matter.
    day, last = start.astimezone(zone).date(), end.astimezone(zone).date()
    while day <= last:
        window = _window(sla, zone, day, is_off)
        if window is not None:
            for lo, hi in _unpaused(max(window[0], start), min(window[1], end), spans):
                total += hi - lo
        day += timedelta(days=1)
    return total


def _window(sla: CountrySla, zone: ZoneInfo, day: date, is_off: Callable[[date], bool]) -> _Span | None:
    """The day's working hours in UTC, or None for a weekend or a day off."""
    if day.weekday() not in sla.working_days or is_off(day):
        return None
    # Wall time in the local zone, then UTC: on a DST day 09:00 keeps meaning 09:00 there.
    opens = datetime.combine(day, sla.opens, tzinfo=zone).astimezone(UTC)
    closes = datetime.combine(day, sla.closes, tzinfo=zone).astimezone(UTC)
    return (opens, closes) if opens < closes else None


def _windows_from(sla: CountrySla, zone: ZoneInfo, start: datetime) -> Iterator[_Span]:
    """Working windows that end after `start`, in order; gives up after MAX_SEARCH_DAYS."""
    first = start.astimezone(zone).date()
    is_off = sla.day_off_test()
    for offset in range(MAX_SEARCH_DAYS):
        window = _window(sla, zone, first + timedelta(days=offset), is_off)
        if window is not None and window[1] > start:
            yield window
    raise ValueError(
        f"the SLA clock found no unpaused working time in the {MAX_SEARCH_DAYS} days after "
        f"{start.isoformat()}: check working_days and the days off (is every working day one of "
        "the holidays or extra_days_off?) and the pauses"
    )


def _merged(pauses: Sequence[Pause]) -> list[_Span]:
    """Pauses in UTC, sorted, overlapping or touching ones joined; open ones end _FOREVER."""
    spans: list[_Span] = []
    for begins, ends in pauses:
        lo = _as_utc(begins, "pause start")
        hi = _FOREVER if ends is None else _as_utc(ends, "pause end")
        if hi < lo:
            raise ValueError(f"pause ends ({hi.isoformat()}) before it starts ({lo.isoformat()})")
        spans.append((lo, hi))
    merged: list[_Span] = []
    for lo, hi in sorted(spans):
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


def _unpaused(lo: datetime, hi: datetime, spans: list[_Span]) -> Iterator[_Span]:
    """The parts of [lo, hi) that no pause covers; `spans` sorted and disjoint."""
    for pause_lo, pause_hi in spans:
        if lo >= hi or pause_lo >= hi:
            break
        if pause_hi <= lo:
            continue
        if pause_lo > lo:
            yield lo, pause_lo
        lo = max(lo, pause_hi)
    if lo < hi:
        yield lo, hi


def _paused_at(now: datetime, pauses: Sequence[Pause]) -> bool:
    return any(
        _as_utc(begins, "pause start") <= now and (ends is None or now < _as_utc(ends, "pause end"))
        for begins, ends in pauses
    )


# --- the default calendars ----------------------------------------------------------------
#
# Working hours only: each country's days off come from the holidays library (calendars.py),
# for every year. A country without a section here has the default section's hours and its own
# public holidays all the same.

DEFAULT_SLA_SETTINGS = SlaSettings(
    default=CountrySla(),
    countries={
        "EC": CountrySla(timezone="America/Guayaquil", opens=time(8, 30), closes=time(17, 30)),
        "ES": CountrySla(timezone="Europe/Madrid", opens=time(9, 0), closes=time(18, 0)),
    },
)
