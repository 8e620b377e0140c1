"""After the story: run from a terminal, the demo keeps serving what it just played so the
dashboard can be explored, and says how to sign in as each role, until Ctrl-C. Run without a
terminal (CI, scripts), it stops as soon as the story ends."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable

from cxloop.domain.organisation.hierarchy import Organisation
from infra.local.auth import ROLES


def from_a_terminal() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def sign_in_lines(base_url: str, organisation: Organisation) -> list[str]:
    """Where the dashboard is, and one person of each role to pick on its sign-in page."""
    lines = [
        "\n== explore what you just watched (Ctrl-C stops the runtime) ==",
        f"  dashboard:  {base_url}/dashboard/",
        "  sign in:    pick one of these people on the sign-in page (nobody proves who they are locally):",
    ]
    for role in ROLES:
        person = next((p for p in organisation.people if p.role == role), None)
        if person is not None:
            lines.append(f"    {role:<16} {person.name} ({person.id})")
    lines += [
        f"  API:        {base_url}/v1/tickets, with a token from `cxloop token --role executive`",
        f"  outbox:     {base_url}/_local/outbox    alerts: {base_url}/_local/alerts",
    ]
    return lines


def serve_until_interrupted(
    base_url: str,
    organisation: Organisation,
    *,
    stop: threading.Event | None = None,
    say: Callable[[str], None] = print,
) -> None:
    """Print how to explore, then wait for Ctrl-C (or `stop`, which tests set)."""
    for line in sign_in_lines(base_url, organisation):
        say(line)
    waiting = stop or threading.Event()
    try:
        while not waiting.wait(1):
            pass
    except KeyboardInterrupt:
        say("")
