"""QR codes over HTTP through `cxloop serve`: a branch manager creates a code and prints its
card (an SVG whose code is the URL's QR code), people scan it (303 to a fresh survey link each
time), answer anonymously, the touchpoint's metrics count them, a detractor's ticket is
anonymous, and a deactivated code answers 410."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree

import pytest
import segno

from cxloop.domain.surveys import qr_codes
from infra.local.auth import mint_token
from infra.local.defaults import STAFF_TOKEN_SECRET
from tests.e2e.conftest import Client, wait_for

pytestmark = pytest.mark.e2e
SVG = "{http://www.w3.org/2000/svg}"


def painted(svg: str) -> list[list[bool]]:
    """The modules the card paints, read back from its path (the SVG is XML)."""
    group = ElementTree.fromstring(svg).find(f"{SVG}g")
    assert group is not None
    size = int(group.attrib["data-modules"])
    path = group.find(f"{SVG}path")
    assert path is not None
    module = 76.0 / (size + 2 * qr_codes.QUIET_ZONE)
    matrix = [[False] * size for _ in range(size)]
    for left, top, width in re.findall(r"M([\d.]+) ([\d.]+)h([\d.]+)v", path.attrib["d"]):
        x, y = round(float(left) / module), round(float(top) / module)
        for i in range(round(float(width) / module)):
            matrix[y][x + i] = True
    return matrix


def metrics_of(client: Client, touchpoint: str) -> dict[str, Any]:
    today = datetime.now(UTC).date().isoformat()
    answer = client.staff_get(f"/v1/metrics?scope=touchpoint:{touchpoint}&from={today}&to={today}")
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_a_printed_code_collects_anonymous_answers_for_its_touchpoint(client: Client) -> None:
    touchpoint = f"quito-norte/counter-{uuid.uuid4().hex[:8]}"
    manager = mint_token(
        STAFF_TOKEN_SECRET, role="branch_manager", scope="branch:quito-norte", user="ec-qn-manager"
    )
    auth = {"Authorization": f"Bearer {manager}"}
    body: dict[str, Any] = {
        "touchpoint": {"id": touchpoint, "name": "Mostrador", "branch": "quito-norte", "country": "EC"},
        "language": "es",
    }
    created = client.http.post(client.url("/v1/qr-codes"), json=body, headers=auth, timeout=10)
    assert created.status_code == 201, created.text
    code = created.json()
    url = code["url"]
    assert url.startswith(client.base_url + "/q/")

    card = client.http.get(client.url(code["image"]), headers=auth, timeout=10)
    assert card.status_code == 200 and card.headers["Content-Type"].startswith("image/svg+xml")
    expected = segno.make(url, error=qr_codes.ERROR_CORRECTION, micro=False)
    assert painted(card.text) == [[bool(m) for m in row] for row in expected.matrix]

    links = []
    for _ in range(3):
        scanned = client.http.get(
            url, allow_redirects=False, headers={"Accept-Language": "es-EC"}, timeout=10
        )
        assert scanned.status_code == 303 and scanned.headers["Cache-Control"] == "no-store"
        links.append(scanned.headers["Location"])
    assert len(set(links)) == 3
    page = client.http.get(links[0], timeout=10)
    assert page.status_code == 200 and 'name="nps"' in page.text and 'name="callback"' not in page.text

    answers = [{"nps": "2", "comment": "Nadie atendía el mostrador"}, {"nps": "9"}, {"nps": "10"}]
    for link, form in zip(links, answers, strict=True):
        assert client.http.post(link, data=form, timeout=10).status_code == 200

    counted = wait_for(lambda: (m := metrics_of(client, touchpoint))["responses"] == 3 and m, timeout_s=20)
    assert counted["nps"]["detractors"] == 1 and counted["nps"]["promoters"] == 2

    def anonymous_ticket() -> dict[str, Any] | None:
        listed = client.staff_get("/v1/tickets?branch=quito-norte&limit=200").json()["items"]
        return next((t for t in listed if t["touchpoint"]["id"] == touchpoint), None)

    ticket = wait_for(anonymous_ticket, timeout_s=20)
    assert ticket["customer"]["anonymous"] is True and ticket["customer"]["email"] is None
    assert ticket["customer"]["phone"] is None and ticket["callback_window"] is None

    gone = client.http.delete(client.url(f"/v1/qr-codes/{code['qr_id']}"), headers=auth, timeout=10)
    assert gone.status_code == 200 and gone.json()["active"] is False
    retired = client.http.get(url, allow_redirects=False, headers={"Accept-Language": "en"}, timeout=10)
    assert retired.status_code == 410 and "This code is no longer in use" in retired.text
