"""IANA time zone names: one check for every document that names a zone (a customer in an
event, a country's SLA calendar, a country of the organisation) and for the code that turns
a name into a zone."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator


def zone_named(name: str) -> ZoneInfo:
    """The IANA zone, or ValueError naming it (ZoneInfo raises ZoneInfoNotFoundError, or
    ValueError for a name that is not a key at all, such as a path)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown IANA time zone {name!r}, e.g. America/Guayaquil") from exc


def _known_zone_name(name: str) -> str:
    zone_named(name)
    return name


# A str in documents and JSON, refused with the message above when no such zone exists.
ZoneName = Annotated[str, AfterValidator(_known_zone_name)]
