"""Seguros Andinos, the insurer the demo plays: its branches in Ecuador and Spain, its
customer moments (touchpoints) and the customers' profiles (names, locales, contacts)."""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

VISIT = "branch.visit_completed"


@dataclass(frozen=True)
class Branch:
    id: str
    name: str
    region: str
    country: str
    timezone: str
    # Shift of this branch's customers' answers: negative is a worse experience.
    mood: float


BRANCHES = (
    Branch("quito-norte", "Quito Norte", "pichincha", "EC", "America/Guayaquil", +0.8),
    Branch("quito-sur", "Quito Sur", "pichincha", "EC", "America/Guayaquil", -3.2),
    Branch("guayaquil-centro", "Guayaquil Centro", "guayas", "EC", "America/Guayaquil", 0.0),
    Branch("madrid-centro", "Madrid Centro", "madrid", "ES", "Europe/Madrid", +0.6),
    Branch("barcelona-eixample", "Barcelona Eixample", "cataluna", "ES", "Europe/Madrid", -0.6),
)
COUNTRY_NAMES = {"EC": "Ecuador", "ES": "España"}


@dataclass(frozen=True)
class Touchpoint:
    event_type: str
    source: str
    prefix: str
    suffix: str
    name: str
    channel: str
    weight: float
    # Shift of the effort score: roadside assistance is the hardest moment.
    effort: float


TOUCHPOINTS = (
    Touchpoint("claim.reported", "erp-claims", "CLM", "claims", "Siniestros", "branch", 0.25, -0.5),
    Touchpoint(
        "branch.visit_completed", "erp-branches", "VIS", "counter", "Atención al cliente", "branch", 0.35, 0.3
    ),
    Touchpoint(
        "call.closed", "contact-center", "CALL", "contact-center", "Centro de contacto", "phone", 0.3, 0.0
    ),
    Touchpoint(
        "roadside.assistance_completed", "roadside", "RSA", "roadside", "Asistencia vial", "field", 0.1, -1
    ),
)


def names(text: str) -> tuple[str, ...]:
    return tuple(text.split(", "))


# locale -> (first names, last names); Spanish speakers get two surnames.
PEOPLE: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "es-EC": (
        names("María José, Ana, Luis, Carlos, Verónica, Jorge, Gabriela, Andrés, Diana, Xavier, Paola"),
        names("Pérez, Quishpe, Andrade, Zambrano, Cevallos, Guamán, Vera, Castro, Mosquera, Villacís"),
    ),
    "es-ES": (
        names("Lucía, Javier, Carmen, Pablo, Marta, Sergio, Laia, Jordi, Nuria, Álvaro, Elena, Iñaki"),
        names("García, Fernández, Martínez, López, Sánchez, Puig, Ferrer, Navarro, Romero, Vidal"),
    ),
    "en-US": (
        names("John, Emily, Michael, Sarah, David, Ashley, Kevin, Megan"),
        names("Johnson, Miller, Davis, Wilson, Anderson, Moore, Clark"),
    ),
    "en-GB": (
        names("Oliver, Amelia, Harry, Charlotte, George, Emily, Thomas, Sophie"),
        names("Thompson, Evans, Hughes, Wright, Roberts, Walker, Hall"),
    ),
}
ENGLISH_SHARE = 0.15
EMAIL_DOMAINS = ("example.com", "example.net", "example.org")


def make_customer(number: int, rng: random.Random, branch: Branch, contacts: set[str]) -> dict[str, Any]:
    locale = pick_locale(branch, rng)
    first_names, last_names = PEOPLE[locale]
    first = rng.choice(first_names)
    # Two surnames in Ecuador and Spain, one in the US and the UK.
    last = " ".join(rng.sample(last_names, 2 if locale.startswith("es") else 1))
    customer: dict[str, Any] = {
        "id": f"C-{104000 + number}",
        "name": f"{first} {last}",
        "locale": locale,
        "timezone": branch.timezone,
    }
    roll = rng.random()
    if roll < 0.85:  # most customers gave an email; 15 % only a phone number
        customer["email"] = unique(
            contacts, lambda: email_for(first, last, rng), f"cliente{number}@example.com"
        )
    if roll >= 0.10:  # 10 % gave only an email
        customer["phone"] = unique(contacts, lambda: phone_for(locale, rng), f"+59399{number:07d}")
    if "phone" in customer and "email" in customer:
        customer["preferred_channel"] = "sms" if rng.random() < 0.2 else "email"
    elif "phone" in customer:
        customer["preferred_channel"] = "sms"
    return customer


def pick_locale(branch: Branch, rng: random.Random) -> str:
    if rng.random() < ENGLISH_SHARE:
        return "en-US" if branch.country == "EC" else "en-GB"
    return f"es-{branch.country}"


def email_for(first: str, last: str, rng: random.Random) -> str:
    plain = (
        unicodedata.normalize("NFKD", f"{first}.{last.split(maxsplit=1)[0]}")
        .encode("ascii", "ignore")
        .decode()
    )
    local = plain.lower().replace(" ", "")
    style = rng.random()
    if style < 0.3:
        local = f"{local}{rng.randint(1, 99)}"
    elif style < 0.5:
        local = f"{local[0]}{local.split('.', 1)[1]}"
    return f"{local}@{rng.choice(EMAIL_DOMAINS)}"


def phone_for(locale: str, rng: random.Random) -> str:
    """E.164 mobiles; the US and UK ones from the ranges reserved for fiction."""
    if locale == "es-EC":
        return f"+5939{rng.randint(10_000_000, 99_999_999)}"
    if locale == "es-ES":
        return f"+34{rng.choice('67')}{rng.randint(10_000_000, 99_999_999)}"
    if locale == "en-US":
        return f"+1{rng.choice(('202', '312', '415', '617', '305'))}55501{rng.randint(0, 99):02d}"
    return f"+447700900{rng.randint(0, 999):03d}"


def unique(taken: set[str], make: Callable[[], str], fallback: str) -> str:
    """Contacts stay unique so each outbox message maps back to one event."""
    candidate = make()
    for _ in range(20):
        if candidate not in taken:
            break
        candidate = make()
    else:
        candidate = fallback
    taken.add(candidate)
    return candidate


def contact_of(event: dict[str, Any]) -> str:
    """Where send_survey sends: the phone for SMS lovers and customers without email."""
    customer = event["customer"]
    if customer.get("phone") and (customer.get("preferred_channel") == "sms" or not customer.get("email")):
        return str(customer["phone"])
    return str(customer["email"])
