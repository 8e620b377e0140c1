"""The insurer's ERP: the day's events, one customer each, signed and posted to the webhook;
then the contract at work (repeats are idempotent, forgeries are refused)."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from infra.local.defaults import webhook_secret
from infra.local.demo.console import run_all
from infra.local.demo.http import Http
from infra.local.demo.insurer import BRANCHES, TOUCHPOINTS, Touchpoint, make_customer
from infra.local.demo.tally import Tally, phase
from infra.local.erp import event_body, post_event

ROADSIDE_PROVIDERS = ("Grúas del Pacífico", "Auxilio Vial Andino", "Asistencia Iberia", "GruasMed")


def make_events(count: int, rng: random.Random) -> list[dict[str, Any]]:
    """The ERP's events of the last hours, oldest first, one customer each."""
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=2 * count + 5)
    contacts: set[str] = set()
    events = []
    for number in range(1, count + 1):
        occurred = start + timedelta(minutes=2 * number + rng.randint(0, 1))
        events.append(make_event(number, rng, occurred, contacts))
    return events


def make_event(number: int, rng: random.Random, occurred: datetime, contacts: set[str]) -> dict[str, Any]:
    branch = rng.choice(BRANCHES)
    touchpoint = rng.choices(TOUCHPOINTS, weights=[t.weight for t in TOUCHPOINTS])[0]
    return {
        "event_id": f"{touchpoint.prefix}-2026-{number:06d}",
        "source": touchpoint.source,
        "event_type": touchpoint.event_type,
        "occurred_at": occurred.isoformat().replace("+00:00", "Z"),
        "customer": make_customer(number, rng, branch, contacts),
        "touchpoint": {
            "id": f"{branch.id}/{touchpoint.suffix}",
            "name": f"{touchpoint.name} · {branch.name}",
            "channel": touchpoint.channel,
            "branch": branch.id,
            "region": branch.region,
            "country": branch.country,
        },
        "attributes": attributes_for(touchpoint, rng),
    }


def attributes_for(touchpoint: Touchpoint, rng: random.Random) -> dict[str, str | int]:
    line = rng.choice(("AUTO", "AUTO", "HOGAR", "VIDA", "SALUD"))
    found: dict[str, str | int] = {"policy": f"{line}-{rng.randint(10000, 99999)}"}
    if touchpoint.event_type == "roadside.assistance_completed":
        found |= {
            "provider": rng.choice(ROADSIDE_PROVIDERS),
            "service": rng.choice(("towing", "battery", "tyre")),
        }
    else:
        found["agent_id"] = f"A-{rng.randint(1, 60):03d}"
    if touchpoint.event_type == "claim.reported":
        found["claim_number"] = f"SIN-{rng.randint(100000, 999999)}"
    if touchpoint.event_type == "call.closed":
        found["handle_time_s"] = rng.randint(90, 1500)
    return found


def send_events(http: Http, events: list[dict[str, Any]], tally: Tally) -> None:
    phase(tally, f"Seguros Andinos' ERP reports {len(events)} customer moments (signed POST /v1/events)")
    kinds = Counter(e["event_type"] for e in events)
    print("  " + ", ".join(f"{n} {kind}" for kind, n in kinds.most_common()), flush=True)
    secret = webhook_secret()
    statuses = run_all(
        "events posted",
        events,
        lambda e: post_event(http.base_url, event_body(e), secret, http.session).status_code,
    )
    tally.statuses.update(statuses)
    print(
        f"  answered: {', '.join(f'{n} x {code}' for code, n in sorted(tally.statuses.items()))}", flush=True
    )


def show_contract(http: Http, events: list[dict[str, Any]], tally: Tally) -> None:
    phase(tally, "the webhook contract: repeats are idempotent, forgeries are refused")
    for event in events[:3]:
        answer = post_event(http.base_url, event_body(event), webhook_secret(), http.session)
        tally.repeats[answer.status_code] += 1
        print(f"  repeat of {event['event_id']}: {answer.status_code} {answer.json().get('interaction_id')}")
    forged = post_event(http.base_url, event_body(events[0]), "a-guessed-secret", http.session)
    tally.forged = forged.status_code
    code = forged.json().get("error", {}).get("code")
    print(f"  same event signed with a wrong secret: {forged.status_code} {code}", flush=True)
