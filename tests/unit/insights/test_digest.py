"""The managers' daily digest: whose tickets each manager hears about, the counts, the alert's
filter attributes, the email's language and escaping, and no customer data anywhere."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cxloop.domain.casework.models import Ticket
from cxloop.domain.contact.messages import _COPY, _DIGEST_COPY, digest_copy_for
from cxloop.domain.insights.daily_digest import (
    OVERDUE_LISTED,
    Digest,
    build_digests,
    digest_alert,
    digest_email,
    digest_for,
)
from cxloop.domain.organisation.hierarchy import Organisation
from tests.helpers import sample_ticket

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # 07:00 in Quito, 13:00 in Madrid
COMMENT = "Nadie vino a revisar el auto"


def _branch(branch_id: str, name: str, *teams: str) -> dict[str, Any]:
    return {
        "id": branch_id,
        "name": name,
        "teams": [{"id": team, "name": team, "kind": "claims"} for team in teams],
    }


def _manager(person_id: str, role: str, language: str, **seat: str | None) -> dict[str, Any]:
    return {
        "id": person_id,
        "name": f"Nombre {person_id}",
        "role": role,
        "language": language,
        "email": seat.pop("email", f"{person_id}@staff.example"),
        **seat,
    }


ORGANISATION = Organisation.model_validate(
    {
        "countries": [
            {
                "code": "EC",
                "name": "Ecuador",
                "timezone": "America/Guayaquil",
                "regions": [
                    {
                        "id": "pichincha",
                        "name": "Pichincha",
                        "branches": [
                            # An analyst's name with markup: the email must escape it.
                            _branch("quito-norte", "Quito <Norte> & Co", "qn-claims"),
                            _branch("quito-sur", "Quito Sur"),
                        ],
                    },
                    {"id": "guayas", "name": "Guayas", "branches": [_branch("guayaquil", "Guayaquil")]},
                ],
            },
            {
                "code": "ES",
                "name": "España",
                "timezone": "Europe/Madrid",
                "regions": [
                    {
                        "id": "madrid",
                        "name": "Madrid",
                        "branches": [_branch("madrid-centro", "Madrid Centro"), _branch("bcn", "Barcelona")],
                    }
                ],
            },
        ],
        "people": [
            _manager("exec-ceo", "executive", "en"),
            _manager("ec-cm", "country_manager", "es", country="EC"),
            _manager("ec-qn", "branch_manager", "fr", branch="quito-norte"),
            _manager("ec-qs", "branch_manager", "de", branch="quito-sur"),
            _manager("ec-gy", "branch_manager", "pt", branch="guayaquil", email=None),
            _manager("es-mc", "branch_manager", "es", branch="madrid-centro"),
            _manager("es-bcn", "branch_manager", "es", branch="bcn"),
            _manager("ec-qn-agent", "agent", "es", team="qn-claims"),
        ],
    }
)


def ticket(ticket_id: str, branch: str = "quito-norte", **changes: Any) -> Ticket:
    where = {
        "quito-norte": ("EC", "pichincha"),
        "quito-sur": ("EC", "pichincha"),
        "guayaquil": ("EC", "guayas"),
        "madrid-centro": ("ES", "madrid"),
    }[branch]
    fields: dict[str, Any] = {
        "ticket_id": ticket_id,
        "branch": branch,
        "country": where[0],
        "region": where[1],
        "status": "assigned",
        "comment": COMMENT,
        "opened_at": NOW - timedelta(hours=10),
        "due_at": NOW + timedelta(hours=10),
    }
    return sample_ticket(**(fields | changes))


TICKETS = [
    # Quito Norte: one overdue and escalated, one on time and the oldest, one already resolved.
    ticket("CX-QN-LATE", priority="high", due_at=NOW - timedelta(hours=2), escalation_level=1),
    ticket("CX-QN-OLD", priority="medium", status="in_progress", opened_at=NOW - timedelta(days=3)),
    ticket("CX-QN-DONE", status="resolved", due_at=NOW - timedelta(days=1), escalation_level=2),
    # Quito Sur: overdue longer than Quito Norte's.
    ticket("CX-QS-LATE", "quito-sur", priority="urgent", status="new", due_at=NOW - timedelta(hours=5)),
    # Guayaquil: on time; its manager has no email.
    ticket("CX-GY-1", "guayaquil", priority="low"),
    # Madrid: paused while waiting on the customer (no due time), never overdue.
    ticket("CX-MC-WAIT", "madrid-centro", priority="low", status="waiting_customer", due_at=None),
]
PERSONAL = ("Ana", "Pérez", "ana@example.com", "+593991234567", COMMENT, "C-1042")


def digests() -> dict[str, Digest]:
    return {digest.manager_id: digest for digest in build_digests(ORGANISATION, TICKETS, now=NOW)}


def ids(digest: Digest) -> set[str]:
    return {digest.oldest.ticket_id, *(listed.ticket_id for listed in digest.overdue)}


def test_each_manager_gets_a_digest_of_their_scope_and_empty_scopes_get_none() -> None:
    found = digests()
    # Barcelona has nothing open; an agent is not a manager.
    assert sorted(found) == ["ec-cm", "ec-gy", "ec-qn", "ec-qs", "es-mc", "exec-ceo"]
    assert {manager: d.open_count for manager, d in found.items()} == {
        "exec-ceo": 5,
        "ec-cm": 4,
        "ec-qn": 2,
        "ec-qs": 1,
        "ec-gy": 1,
        "es-mc": 1,
    }
    assert ids(found["ec-qn"]) == {"CX-QN-OLD", "CX-QN-LATE"}
    assert ids(found["es-mc"]) == {"CX-MC-WAIT"}


def test_counts_by_status_and_priority_overdue_escalated_and_the_oldest() -> None:
    quito_norte = digests()["ec-qn"]
    assert quito_norte.by_status == {"new": 0, "assigned": 1, "in_progress": 1, "waiting_customer": 0}
    assert quito_norte.by_priority == {"urgent": 0, "high": 1, "medium": 1, "low": 0}
    # The resolved ticket was overdue and escalated, but it is not open.
    assert (quito_norte.overdue_count, quito_norte.escalated_count) == (1, 1)
    assert quito_norte.oldest.ticket_id == "CX-QN-OLD"
    assert quito_norte.digest_id == "digest:ec-qn:2026-11-25"


def test_the_overdue_list_is_most_overdue_first_with_what_the_manager_needs() -> None:
    country = digests()["ec-cm"]
    assert [t.ticket_id for t in country.overdue] == ["CX-QS-LATE", "CX-QN-LATE"]
    first = country.overdue[0]
    assert (first.branch, first.priority, first.owner, first.due_at) == (
        "quito-sur",
        "urgent",
        "team:quito-norte",
        NOW - timedelta(hours=5),
    )
    # A ticket waiting on the customer has no due time and is never overdue.
    assert digests()["es-mc"].overdue_count == 0


def test_at_most_ten_overdue_are_listed_and_the_rest_are_counted() -> None:
    late = [ticket(f"CX-LATE-{n:02d}", due_at=NOW - timedelta(hours=n + 1)) for n in range(13)]
    manager = ORGANISATION.person("ec-qn")
    assert manager is not None
    digest = digest_for(manager, ORGANISATION, late, now=NOW)
    assert digest is not None and digest.overdue_count == 13
    assert [t.ticket_id for t in digest.overdue] == [f"CX-LATE-{n:02d}" for n in range(12, 2, -1)]
    assert len(digest.overdue) == OVERDUE_LISTED
    assert "And 3 more overdue." in digest_alert(digest).message
    assert "Et 3 autres tickets en retard" in digest_email(digest).text


@pytest.mark.parametrize(
    ("manager", "place", "severity"),
    [
        ("ec-qn", ("EC", "pichincha", "quito-norte"), "warning"),
        ("ec-cm", ("EC", "all", "all"), "warning"),
        ("exec-ceo", ("all", "all", "all"), "warning"),
        ("es-mc", ("ES", "madrid", "madrid-centro"), "info"),
    ],
)
def test_the_alert_targets_the_manager_by_role_id_and_place(
    manager: str, place: tuple[str, str, str], severity: str
) -> None:
    digest = digests()[manager]
    alert = digest_alert(digest)
    assert (alert.kind, alert.alert_id, alert.recipient) == (
        "digest",
        f"digest:{manager}:2026-11-25",
        manager,
    )
    assert alert.audience == ORGANISATION.person(manager).role  # type: ignore[union-attr]
    assert (alert.country, alert.region, alert.branch) == place
    assert alert.severity == severity
    assert f"for {manager} " in alert.message and f"Recipient: {manager}." in alert.message
    assert f"{digest.open_count} open, {digest.overdue_count} overdue" in alert.subject
    assert len(alert.subject) <= 100 and alert.subject.isascii()


def test_no_customer_data_in_any_alert_or_email() -> None:
    for digest in digests().values():
        alert, email = digest_alert(digest), digest_email(digest)
        written = " ".join([alert.subject, alert.message, email.subject, email.html, email.text])
        for personal in PERSONAL:
            assert personal not in written, (digest.manager_id, personal)


@pytest.mark.parametrize(
    ("manager", "language", "subject", "words"),
    [
        ("ec-qn", "fr", "Récapitulatif du 2026-11-25\u00a0: 2 ouverts, 1 en retard", "Par priorité"),
        ("ec-cm", "es", "Resumen diario 2026-11-25: 4 abiertos, 2 vencidos", "Esperando al cliente"),
        ("ec-gy", "pt", "Resumo diário 2026-11-25: 1 abertos, 0 atrasados", "Aguardando o cliente"),
        # German is not written yet: English.
        ("ec-qs", "en", "Daily digest 2026-11-25: 1 open, 1 overdue", "Waiting on the customer"),
        ("exec-ceo", "en", "Daily digest 2026-11-25: 5 open, 2 overdue", "the whole company"),
    ],
)
def test_the_email_is_in_the_managers_language_with_english_as_fallback(
    manager: str, language: str, subject: str, words: str
) -> None:
    email = digest_email(digests()[manager])
    assert email.subject == subject
    assert f'<html lang="{language}">' in email.html
    assert words in email.text and words in email.html


def test_email_times_are_in_the_managers_zone() -> None:
    quito = digest_email(digests()["ec-cm"]).text
    assert "2026-11-25 07:00 (America/Guayaquil)" in quito
    # Quito Sur's ticket was due at 07:00 UTC: 02:00 in Quito.
    assert "CX-QS-LATE | quito-sur | Urgente | team:quito-norte | 2026-11-25 02:00" in quito
    madrid = digest_email(digests()["es-mc"]).text
    assert "2026-11-25 13:00 (Europe/Madrid)" in madrid
    assert "2026-11-25 12:00 (UTC)" in digest_email(digests()["exec-ceo"]).text


def test_the_email_escapes_names_from_the_organisation() -> None:
    email = digest_email(digests()["ec-qn"])
    assert "l'agence Quito <Norte> & Co" in email.text
    assert "Quito &lt;Norte&gt; &amp; Co" in email.html
    assert "<Norte>" not in email.html


def test_a_manager_without_an_email_still_gets_the_alert() -> None:
    digest = digests()["ec-gy"]
    assert digest.email is None
    assert digest_alert(digest).recipient == "ec-gy"
    assert digests()["ec-qn"].email == "ec-qn@staff.example"


def test_every_digest_language_has_every_phrase() -> None:
    keys = set(_DIGEST_COPY["en"])
    assert {language: set(copy) for language, copy in _DIGEST_COPY.items()} == dict.fromkeys(
        _DIGEST_COPY, keys
    )
    # The same languages as the customer's emails.
    assert set(_DIGEST_COPY) == set(_COPY)
    assert digest_copy_for("it") is _DIGEST_COPY["en"]
