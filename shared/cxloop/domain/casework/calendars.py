"""The public holidays an SLA clock skips, from the holidays library (python-holidays).

The library knows every ISO 3166 country, its subdivisions (Spain's autonomous communities,
the states of Mexico...) and each country's observed-day rules, for any year, as pure Python
data. This module asks it for one country (and subdivision) and one year at a time, and keeps
the answer: the SLA watcher evaluates every open ticket every few minutes, and after the first
ticket of a country a year's holidays cost a dictionary lookup.

Two readings of the library's answer make it the days people actually rest:

- **Observed days are days off.** A holiday on a Sunday observed on the Monday gives the Monday.
- **A moved holiday leaves its weekday.** Where the law moves the rest (Ecuador moves a Tuesday
  holiday to the Monday before it; its working week keeps the Tuesday), the library lists the
  holiday on its date and the rest on its observed date. A holiday that falls on a weekday of
  the library's working week and is observed on another day has moved, so its own date is
  worked. Where an observed day only makes up for a weekend (the United Kingdom, the United
  States) the holiday was on a weekend, which this rule leaves alone.

The library is imported on first use, not with this module: importing it costs tens of
milliseconds, and most functions that import the casework models never count business hours.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from functools import lru_cache
from types import MappingProxyType
from typing import TYPE_CHECKING, Protocol

from pydantic_core import InitErrorDetails, PydanticCustomError

if TYPE_CHECKING:
    from holidays import HolidayBase

NO_HOLIDAYS: Mapping[date, str] = MappingProxyType({})
COMPANY_DAY_OFF = "company day off"

# Observed-day rules move a holiday within its week (Tuesday to Monday, Saturday to Friday...).
_MOVE_REACH = timedelta(days=7)


@lru_cache(maxsize=4096)
def calendar_days_off(
    country: str | None,
    subdivision: str | None,
    extra_days_off: frozenset[date],
    working_holidays: frozenset[date],
    year: int,
) -> Mapping[date, str]:
    """One SLA section's days off in `year`: public holidays (none without a country) less the
    working holidays, plus the company's extra days off; each with its name, in date order."""
    public = NO_HOLIDAYS if country is None else public_days_off(country, subdivision, year)
    days = {day: name for day, name in public.items() if day not in working_holidays}
    for day in extra_days_off:
        if day.year == year:
            days.setdefault(day, COMPANY_DAY_OFF)
    return MappingProxyType(dict(sorted(days.items())))


@lru_cache(maxsize=1024)
def public_days_off(country: str, subdivision: str | None, year: int) -> Mapping[date, str]:
    """The year's public days off in the country (and subdivision), each with its name(s).

    Names are in the country's own language (the library's default for it), whatever the
    machine's locale. A country the library does not know has none.
    """
    calendar = _library_calendar(country, subdivision, year)
    if calendar is None:
        return NO_HOLIDAYS
    names = {day: calendar.get_list(day) for day in sorted(calendar)}
    observed_label = getattr(calendar, "observed_label", None)
    if observed_label and "%s" in observed_label:
        label = calendar.tr(observed_label)
        for day, moved in _moved_away(names, label, weekend=calendar.weekend):
            names[day] = [name for name in names[day] if name not in moved]
    return MappingProxyType({day: ", ".join(found) for day, found in names.items() if found})


def subdivision_problem(country: str, subdivision: str) -> str | None:
    """Why the library cannot give the country's subdivision holidays, or None if it can."""
    import holidays  # noqa: PLC0415 - see the module docstring: imported on first use

    try:
        holidays.country_holidays(country, subdiv=subdivision, years=())
    except NotImplementedError:
        known = _subdivisions(country)
        if known is None:
            return f"the holidays library has no calendar for country {country!r}"
        return f"{country} has no subdivision {subdivision!r}; the holidays library knows {', '.join(known)}"
    return None


def _library_calendar(country: str, subdivision: str | None, year: int) -> HolidayBase | None:
    import holidays  # noqa: PLC0415 - see the module docstring: imported on first use

    try:
        # The country's default language, chosen here: left to itself the library would read
        # the machine's locale, and the names would change from one machine to another.
        language = holidays.country_holidays(country, subdiv=subdivision, years=()).default_language
        return holidays.country_holidays(
            country, subdiv=subdivision, years=year, observed=True, language=language
        )
    except NotImplementedError:
        return None


def _subdivisions(country: str) -> tuple[str, ...] | None:
    import holidays  # noqa: PLC0415 - see the module docstring: imported on first use

    try:
        return tuple(holidays.country_holidays(country, years=()).subdivisions)
    except NotImplementedError:
        return None


def _moved_away(
    names: dict[date, list[str]], label: str, *, weekend: set[int]
) -> list[tuple[date, set[str]]]:
    """Weekday holidays whose rest the library observes on another day: (date, their names)."""
    observed_on: dict[str, list[date]] = {}
    for day, found in names.items():
        for name in found:
            observed_on.setdefault(name, []).append(day)
    moved: list[tuple[date, set[str]]] = []
    for day, found in names.items():
        if day.weekday() in weekend:
            continue
        gone = {
            name
            for name in found
            if any(
                other != day and abs(other - day) <= _MOVE_REACH
                for other in observed_on.get(label % name, ())
            )
        }
        if gone:
            moved.append((day, gone))
    return moved


# --- what the sla document may say ---------------------------------------------------------------


class CalendarSection(Protocol):
    """What the checks read of an SLA section (sla.CountrySla), named here to keep sla.py the
    only one of the two modules that imports the other."""

    @property
    def subdivision(self) -> str | None: ...

    @property
    def working_holidays(self) -> frozenset[date]: ...


def calendar_problems(
    default: CalendarSection, countries: Mapping[str, CalendarSection]
) -> list[InitErrorDetails]:
    """Everything in the sections' calendars the library contradicts, each at its field's path.

    A subdivision must be one the library knows for that country, and a working holiday must be
    one of that country's public days off (a typo would otherwise change nothing, silently).
    The default section serves many countries, so neither belongs there.
    """
    problems: list[InitErrorDetails] = []

    def add(loc: tuple[str, ...], problem: str, value: object) -> None:
        error = PydanticCustomError("sla_calendar", "{problem}", {"problem": problem})
        problems.append(InitErrorDetails(type=error, loc=loc, input=value))

    if default.subdivision is not None:
        add(
            ("default", "subdivision"),
            "the default section serves every country without its own; name a subdivision in "
            "its country's section (countries.<code>.subdivision)",
            default.subdivision,
        )
    if default.working_holidays:
        add(
            ("default", "working_holidays"),
            "the default section serves every country without its own; list the holidays worked "
            "in their country's section (countries.<code>.working_holidays)",
            sorted(day.isoformat() for day in default.working_holidays),
        )
    for code, section in countries.items():
        subdivision = section.subdivision
        if subdivision is not None and (problem := subdivision_problem(code, subdivision)):
            add(("countries", code, "subdivision"), problem, subdivision)
            subdivision = None
        if section.working_holidays:
            not_off = sorted(
                day
                for day in section.working_holidays
                if day not in public_days_off(code, subdivision, day.year)
            )
            if not_off:
                where = f"{code}-{subdivision}" if subdivision else code
                listed = ", ".join(day.isoformat() for day in not_off)
                add(
                    ("countries", code, "working_holidays"),
                    f"{listed}: not a public holiday in {where} (the holidays library, with its "
                    "observed days), so there is none to work",
                    listed,
                )
    return problems
