"""A QR code at a counter: Quito Norte's manager prints one, three people scan it and answer
anonymously, and the answers count for the touchpoint."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from infra.local.auth import mint_token
from infra.local.defaults import staff_secret
from infra.local.demo.http import HTTP_TIMEOUT_S, Http
from infra.local.demo.tally import Tally, phase

QR_TOUCHPOINT = {"id": "quito-norte/qr-counter", "name": "Mostrador Quito Norte", "branch": "quito-norte"}
QR_ANSWERS = (
    {"nps": "3", "comment": "Nadie en el mostrador durante veinte minutos"},
    {"nps": "9"},
    {"nps": "10"},
)
QR_CARD = Path(".cxloop/qr-quito-norte-counter.svg")
QR_TIMEOUT_S = 20


def show_qr_code(http: Http, tally: Tally) -> list[str]:
    """Quito Norte's manager prints a code for the counter; three people scan it and answer
    anonymously (one detractor). Answers what went wrong, for the verdict."""
    phase(tally, "a QR code at Quito Norte's counter: anonymous answers that belong to the touchpoint")
    token = mint_token(
        staff_secret(), role="branch_manager", scope="branch:quito-norte", user="ec-qn-manager"
    )
    manager = {"Authorization": f"Bearer {token}"}
    created = http.post("/v1/qr-codes", json={"touchpoint": QR_TOUCHPOINT}, headers=manager)
    if created.status_code != 201:
        return [f"creating a QR code answered {created.status_code}"]
    code = created.json()
    QR_CARD.parent.mkdir(exist_ok=True)
    QR_CARD.write_text(http.get(code["image"], headers=manager).text, encoding="utf-8")
    print(f"  {code['qr_id']} for {QR_TOUCHPOINT['id']}: printable card saved to {QR_CARD}", flush=True)
    for form in QR_ANSWERS:
        scanned = http.session.get(code["url"], allow_redirects=False, timeout=HTTP_TIMEOUT_S)
        if scanned.status_code != 303:
            return [f"a QR scan answered {scanned.status_code}"]
        http.post(scanned.headers["Location"], data=form)
    print(f"  {len(QR_ANSWERS)} scans, each a fresh survey link (303), answered anonymously", flush=True)
    return qr_outcome(http, mint_token(staff_secret(), role="executive", user="demo-executive"))


def qr_outcome(http: Http, token: str) -> list[str]:
    headers = {"Authorization": f"Bearer {token}"}
    today = datetime.now(UTC).date().isoformat()
    query = {"scope": f"touchpoint:{QR_TOUCHPOINT['id']}", "from": today, "to": today}
    deadline = time.monotonic() + QR_TIMEOUT_S
    scores: dict[str, Any] = {}
    ticket: dict[str, Any] | None = None
    while time.monotonic() < deadline and (scores.get("responses") != len(QR_ANSWERS) or ticket is None):
        scores = http.json("/v1/metrics", params=query, headers=headers)
        listed = http.json("/v1/tickets", params={"branch": "quito-norte", "limit": 200}, headers=headers)
        ticket = next((t for t in listed["items"] if t["touchpoint"]["id"] == QR_TOUCHPOINT["id"]), None)
        time.sleep(0.25)
    nps = scores.get("nps", {})
    print(
        f"  GET /v1/metrics scope=touchpoint:{QR_TOUCHPOINT['id']}: {scores.get('responses')} answers, "
        f"NPS {nps.get('value')} ({nps.get('promoters')} promoters, {nps.get('detractors')} detractor)",
        flush=True,
    )
    if ticket is not None:
        anonymous = ticket["customer"].get("anonymous")
        print(
            f"  the detractor's ticket {ticket['ticket_id']}: anonymous={anonymous}, no call back", flush=True
        )
    problems = []
    if scores.get("responses") != len(QR_ANSWERS):
        problems.append(f"the QR touchpoint counts {scores.get('responses')} of {len(QR_ANSWERS)} answers")
    if ticket is None or not ticket["customer"].get("anonymous"):
        problems.append("the QR detractor's anonymous ticket is missing")
    return problems
