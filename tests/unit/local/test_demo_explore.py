"""After its story the demo, run from a terminal, keeps serving and says how to sign in as each
role (infra/local/demo/explore.py); without a terminal it stops at once."""

from __future__ import annotations

import threading

from cxloop.datafile import load_organisation_file
from infra.local.auth import ROLES
from infra.local.demo.casework.desk import DATA
from infra.local.demo.explore import serve_until_interrupted, sign_in_lines

ORGANISATION = load_organisation_file(DATA / "organisation.yaml")


def test_the_lines_name_the_dashboard_and_a_person_of_every_role() -> None:
    lines = sign_in_lines("http://127.0.0.1:8123", ORGANISATION)
    assert "  dashboard:  http://127.0.0.1:8123/dashboard/" in lines
    for role in ROLES:
        (line,) = [line for line in lines if line.strip().startswith(f"{role} ")]
        person = next(p for p in ORGANISATION.people if p.role == role)
        assert person.name in line and person.id in line


def test_it_serves_until_told_to_stop() -> None:
    said: list[str] = []
    stop = threading.Event()
    waiter = threading.Thread(
        target=serve_until_interrupted,
        args=("http://x", ORGANISATION),
        kwargs={"stop": stop, "say": said.append},
    )
    waiter.start()
    waiter.join(timeout=1.5)
    assert waiter.is_alive()  # still serving
    stop.set()
    waiter.join(timeout=3)
    assert not waiter.is_alive()
    assert any("Ctrl-C" in line for line in said)
