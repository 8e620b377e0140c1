"""SLA calendars from the holidays library: any country, any year, subdivisions, the sla
document's own days off and worked holidays, and the cache that keeps the watcher cheap.

Every due date is worked out by hand in the comment next to it. Countries without a section
of their own use the default section: 09:00-18:00, Monday to Friday, in the customer's zone.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from cxloop.domain.casework import calendars
from cxloop.domain.casework.sla import (
    DEFAULT_SLA_SETTINGS,
    CountrySla,
    SlaSettings,
    TicketType,
    business_hours_between,
    due_at,
    sla_clock,
)

BOG = ZoneInfo("America/Bogota")  # UTC-5, no DST
LIM = ZoneInfo("America/Lima")  # UTC-5, no DST
GYE = ZoneInfo("America/Guayaquil")  # UTC-5, no DST
MAD = ZoneInfo("Europe/Madrid")  # CET UTC+1 / CEST UTC+2


def local(year: int, month: int, day: int, hour: int, minute: int = 0, *, tz: ZoneInfo) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=tz)


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def clock_due(
    settings: SlaSettings, country: str, ticket_type: TicketType, opened: datetime, zone: ZoneInfo
) -> datetime | None:
    """The due date the SLA watcher sees for a ticket of that country and customer zone."""
    clock = sla_clock(
        settings,
        country=country,
        ticket_type=ticket_type,
        opened_at=opened,
        now=opened,
        timezone=str(zone),
    )
    return clock.due_at


def settings_from(document: dict[str, Any]) -> SlaSettings:
    """The sla document as analysts store it: plain data, strings for dates."""
    return SlaSettings.model_validate(document)


# ---------------------------------------------------------------- countries and years


def test_a_colombian_ticket_falls_due_after_a_holiday_moved_to_monday() -> None:
    # Colombia has no section: the default calendar with Colombia's holidays. Epiphany (Tue 6
    # Jan 2026) moves to Monday 12 Jan. A request (24 h) opened Fri 9 Jan 16:00 Bogotá:
    # Fri 16-18 = 2, Mon 12 off, Tue 13 = 9 (11), Wed 14 = 9 (20), Thu 15 09:00 + 4 -> 13:00
    # Bogotá = 18:00 UTC. Counting the Monday it would be Wed 14 13:00.
    opened = local(2026, 1, 9, 16, tz=BOG)
    assert clock_due(DEFAULT_SLA_SETTINGS, "CO", "request", opened, BOG) == utc(2026, 1, 15, 18)
    colombia = DEFAULT_SLA_SETTINGS.for_country("co")
    assert colombia.is_day_off(date(2026, 1, 12)) and not colombia.is_day_off(date(2026, 1, 6))
    assert "Reyes Magos" in colombia.days_off(2026)[date(2026, 1, 12)]


def test_a_country_without_a_section_has_its_public_holidays_and_the_default_hours() -> None:
    # Peru: Tue 28 and Wed 29 Jul 2026 (Independence). A complaint (48 h) opened Mon 27 Jul 09:00
    # Lima: Mon 9, Thu 30 9 (18), Fri 31 9 (27), Mon 3 Aug 9 (36), Tue 4 9 (45), Wed 5 09:00 + 3
    # -> 12:00 Lima = 17:00 UTC.
    assert "PE" not in DEFAULT_SLA_SETTINGS.countries
    opened = local(2026, 7, 27, 9, tz=LIM)
    assert clock_due(DEFAULT_SLA_SETTINGS, "PE", "complaint", opened, LIM) == utc(2026, 8, 5, 17)
    peru = DEFAULT_SLA_SETTINGS.for_country("PE")
    assert peru.hours == DEFAULT_SLA_SETTINGS.default.hours
    assert peru.country == "PE" and DEFAULT_SLA_SETTINGS.default.country is None


@pytest.mark.parametrize(
    ("country", "opened", "hours", "expected"),
    [
        # Ecuador 2028: Batalla de Pichincha (Wed 24 May) rests on Fri 26. Thu 25 May 17:00 GYE
        # + 1 = 0.5 Thu, Fri off, Mon 29 08:30 + 0.5 -> 09:00 GYE = 14:00 UTC.
        ("EC", local(2028, 5, 25, 17, tz=GYE), 1, utc(2028, 5, 29, 14)),
        # ... and Wed 24 itself is worked: Tue 23 17:00 + 1 = 0.5 Tue + Wed 08:30 + 0.5 -> 09:00.
        ("EC", local(2028, 5, 23, 17, tz=GYE), 1, utc(2028, 5, 24, 14)),
        # Ecuador 2030: Christmas (Wed 25 Dec) is not moved: Tue 24 17:00 + 1 = 0.5 Tue, Wed off,
        # Thu 26 08:30 + 0.5 -> 09:00 GYE = 14:00 UTC.
        ("EC", local(2030, 12, 24, 17, tz=GYE), 1, utc(2030, 12, 26, 14)),
        # Spain 2028: Fiesta Nacional (Thu 12 Oct). Wed 11 Oct 17:00 CEST + 2 = 1 Wed, Thu off,
        # Fri 13 09:00 + 1 -> 10:00 CEST = 08:00 UTC.
        ("ES", local(2028, 10, 11, 17, tz=MAD), 2, utc(2028, 10, 13, 8)),
        # Spain 2029: Good Friday 30 Mar and Easter Monday is regional only, so worked:
        # Thu 29 Mar 17:00 CEST + 2 = 1 Thu, Fri off, Mon 2 Apr 09:00 + 1 -> 10:00 CEST = 08:00 UTC.
        ("ES", local(2029, 3, 29, 17, tz=MAD), 2, utc(2029, 4, 2, 8)),
    ],
)
def test_ecuador_and_spain_from_2028_on(
    country: str, opened: datetime, hours: float, expected: datetime
) -> None:
    sla = DEFAULT_SLA_SETTINGS.for_country(country)
    assert due_at(sla, opened, hours) == expected


def test_ecuador_november_2027_is_the_librarys_and_the_document_can_correct_it() -> None:
    # The calendar these clocks used before the library rested Mon 1 + Tue 2 Nov 2027 (Ecuador
    # keeps 2 and 3 November together). The library moves Difuntos (Tue 2) to Mon 1 and leaves
    # Cuenca on Wed 3: Mon 1 + Wed 3. Analysts who follow the official calendar say so in the
    # document, which is what extra_days_off and working_holidays are for.
    ecuador = DEFAULT_SLA_SETTINGS.for_country("EC")
    november = [date(2027, 11, day) for day in (1, 2, 3)]
    assert [ecuador.is_day_off(day) for day in november] == [True, False, True]
    corrected = settings_from(
        {"countries": {"EC": {"extra_days_off": ["2027-11-02"], "working_holidays": ["2027-11-03"]}}}
    ).for_country("EC")
    assert [corrected.is_day_off(day) for day in november] == [True, True, False]


def test_a_holiday_on_a_weekend_stays_and_its_observed_day_is_off_too() -> None:
    # Where an observed day makes up for a weekend (the United States), the holiday keeps its
    # date: a company that works Saturdays still rests on Sat 4 Jul 2026, and on Fri 3.
    united_states = DEFAULT_SLA_SETTINGS.for_country("US")
    assert united_states.is_day_off(date(2026, 7, 4)) and united_states.is_day_off(date(2026, 7, 3))


def test_a_section_on_its_own_belongs_to_no_country_and_skips_only_its_extra_days() -> None:
    plain = CountrySla(extra_days_off=frozenset({date(2026, 12, 24)}))
    assert plain.country is None
    assert dict(plain.days_off(2026)) == {date(2026, 12, 24): calendars.COMPANY_DAY_OFF}
    # One section under two keys is two calendars.
    shared = CountrySla(timezone="America/Bogota")
    settings = SlaSettings(countries={"CO": shared, "PE": shared})
    assert (settings.for_country("CO").country, settings.for_country("PE").country) == ("CO", "PE")
    assert settings.for_country("CO").is_day_off(date(2026, 1, 12))
    assert not settings.for_country("PE").is_day_off(date(2026, 1, 12))


# ---------------------------------------------------------------- subdivisions


def test_a_subdivision_adds_its_own_holidays() -> None:
    # Catalonia's Diada, Fri 11 Sep 2026, is not a national holiday. Thu 10 Sep 17:00 CEST + 2:
    # in Catalonia 1 Thu, Fri off, Mon 14 09:00 + 1 -> 10:00 CEST = 08:00 UTC; nationally
    # Fri 11 10:00 CEST = 08:00 UTC.
    catalonia = settings_from({"countries": {"ES": {"timezone": "Europe/Madrid", "subdivision": "CT"}}})
    opened = local(2026, 9, 10, 17, tz=MAD)
    assert due_at(catalonia.for_country("ES"), opened, 2) == utc(2026, 9, 14, 8)
    assert due_at(DEFAULT_SLA_SETTINGS.for_country("ES"), opened, 2) == utc(2026, 9, 11, 8)
    # Madrid's own day (Tue 2 May 2028) and Maundy Thursday (13 Apr 2028), which is regional.
    madrid = settings_from({"countries": {"ES": {"subdivision": "MD"}}}).for_country("ES")
    assert madrid.days_off(2028)[date(2028, 5, 2)] == "Fiesta de la Comunidad de Madrid"
    assert madrid.is_day_off(date(2028, 4, 13))
    assert not DEFAULT_SLA_SETTINGS.for_country("ES").is_day_off(date(2028, 5, 2))


# ---------------------------------------------------------------- the document's own days


def test_the_document_adds_company_days_off_and_works_a_holiday() -> None:
    settings = settings_from(
        {
            "countries": {
                "ES": {
                    "timezone": "Europe/Madrid",
                    "extra_days_off": ["2026-12-24"],
                    "working_holidays": ["2026-12-08"],
                }
            }
        }
    )
    spain = settings.for_country("ES")
    # Tue 8 Dec 2026 (Inmaculada) worked: Mon 7 17:00 CET + 2 = 1 Mon + Tue 09:00 + 1 -> 10:00
    # CET = 09:00 UTC; on the default calendar Tue is off -> Wed 9 09:00 UTC.
    monday = local(2026, 12, 7, 17, tz=MAD)
    assert due_at(spain, monday, 2) == utc(2026, 12, 8, 9)
    assert due_at(DEFAULT_SLA_SETTINGS.for_country("ES"), monday, 2) == utc(2026, 12, 9, 9)
    # Thu 24 Dec off for the company and Fri 25 Christmas: Wed 23 17:00 + 2 = 1 Wed + Mon 28
    # 09:00 + 1 -> 10:00 CET = 09:00 UTC.
    assert due_at(spain, local(2026, 12, 23, 17, tz=MAD), 2) == utc(2026, 12, 28, 9)
    december = {day: name for day, name in spain.days_off(2026).items() if day.month == 12}
    assert december == {date(2026, 12, 24): "company day off", date(2026, 12, 25): "Natividad del Señor"}
    # business hours agree: Mon 7 09:00 -> Wed 9 09:00 Madrid = 18 h (Tue worked)
    assert business_hours_between(spain, local(2026, 12, 7, 9, tz=MAD), local(2026, 12, 9, 9, tz=MAD)) == 18


def test_the_former_holidays_field_still_lists_days_off() -> None:
    sla = CountrySla.model_validate({"holidays": ["2026-12-08"]})
    assert sla.extra_days_off == frozenset({date(2026, 12, 8)})


@pytest.mark.parametrize(
    ("document", "loc", "message"),
    [
        (
            {"countries": {"ES": {"subdivision": "XX"}}},
            ("countries", "ES", "subdivision"),
            r"ES has no subdivision 'XX'; the holidays library knows AN, AR, .*MD",
        ),
        (
            # Tue 10 Aug 2027 is worked already: the holiday rests on Mon 9.
            {"countries": {"EC": {"working_holidays": ["2027-08-10", "2027-08-09"]}}},
            ("countries", "EC", "working_holidays"),
            r"^2027-08-10: not a public holiday in EC",
        ),
        (
            # Madrid's day is no holiday in Spain as a whole.
            {"countries": {"ES": {"working_holidays": ["2028-05-02"]}}},
            ("countries", "ES", "working_holidays"),
            r"2028-05-02: not a public holiday in ES \(",
        ),
        (
            {"default": {"subdivision": "MD"}},
            ("default", "subdivision"),
            r"serves every country .*\(countries.<code>.subdivision\)",
        ),
        (
            {"default": {"working_holidays": ["2026-12-08"]}},
            ("default", "working_holidays"),
            r"countries.<code>.working_holidays",
        ),
        (
            {"countries": {"ES": {"extra_days_off": ["2026-12-08"], "working_holidays": ["2026-12-08"]}}},
            ("countries", "ES"),
            r"both list 2026-12-08: a day is either off or worked",
        ),
        (
            {"countries": {"ES": {"extra_days_off": ["24/12/2026"]}}},
            ("countries", "ES", "extra_days_off", 0),
            r"valid date",
        ),
    ],
)
def test_the_document_is_refused_at_the_field_that_is_wrong(
    document: dict[str, Any], loc: tuple[str | int, ...], message: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        settings_from(document)
    (error,) = refused.value.errors()
    assert error["loc"] == loc
    assert re.search(message, error["msg"]), error["msg"]


def test_a_subdivision_holiday_may_be_worked_where_the_subdivision_is_named() -> None:
    spain = settings_from(
        {"countries": {"ES": {"subdivision": "MD", "working_holidays": ["2028-05-02"]}}}
    ).for_country("ES")
    assert not spain.is_day_off(date(2028, 5, 2)) and spain.is_day_off(date(2028, 5, 1))


# ---------------------------------------------------------------- cost and determinism


def test_each_country_year_is_built_once_however_many_tickets(monkeypatch: pytest.MonkeyPatch) -> None:
    # The watcher evaluates every open ticket every few minutes: the library is asked once per
    # country and year, then every lookup is a dictionary's.
    built: list[tuple[str, str | None, int]] = []
    library_calendar = calendars._library_calendar

    def counting(country: str, subdivision: str | None, year: int) -> Any:
        built.append((country, subdivision, year))
        return library_calendar(country, subdivision, year)

    calendars.public_days_off.cache_clear()
    calendars.calendar_days_off.cache_clear()
    monkeypatch.setattr(calendars, "_library_calendar", counting)
    opened = [local(2026, month, day, 10, tz=GYE) for month in (1, 6, 12) for day in (1, 10, 20)]
    for _ in range(20):
        for country in ("EC", "ES", "CO"):
            for start in opened:
                sla_clock(
                    DEFAULT_SLA_SETTINGS,
                    country=country,
                    ticket_type="claim",
                    opened_at=start,
                    now=utc(2027, 1, 15, 12),
                )
    # December tickets run into January 2027: two years per country.
    assert sorted(built) == [(c, None, y) for c in ("CO", "EC", "ES") for y in (2026, 2027)]


def test_holiday_names_do_not_depend_on_the_machines_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    # Left to itself the library reads LANGUAGE/LANG; Ecuador has a Ukrainian translation.
    monkeypatch.setenv("LANGUAGE", "uk")
    calendars.public_days_off.cache_clear()
    calendars.calendar_days_off.cache_clear()
    try:
        names = DEFAULT_SLA_SETTINGS.for_country("EC").days_off(2026)
        assert names[date(2026, 2, 16)] == "Carnaval"
        assert names[date(2026, 5, 25)] == "Batalla de Pichincha (observado)"
    finally:
        calendars.public_days_off.cache_clear()
        calendars.calendar_days_off.cache_clear()
