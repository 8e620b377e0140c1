"""One reminder after N days without an answer, under the contact policy's manners."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from cxloop.domain.contact.manners import ContactState
from cxloop.domain.contact.messages import EmailMessage, reminder_email, reminder_sms
from cxloop.domain.contact.policy import ContactMemory, ContactPolicy, SentRecord
from cxloop.domain.contact.send_reminders import days_to_look, deliver_reminder, eligible, send_reminders
from cxloop.domain.contact.sending import SendSettings
from cxloop.domain.kernel import tokens
from cxloop.domain.kernel.errors import Conflict
from cxloop.domain.kernel.events import Channel, Customer, Touchpoint
from cxloop.domain.surveys.models import Invitation

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
POLICY = ContactPolicy(reminder_after_days=3)


def invitation(days_ago: float = 3.5, **changes: Any) -> Invitation:
    sent = NOW - timedelta(days=days_ago)
    fields: dict[str, Any] = {
        "invitation_id": f"inv-{days_ago}",
        "token_hash": tokens.token_hash(tokens.new_token()),
        "interaction_id": f"int-{days_ago}",
        "correlation_id": "corr-1",
        "survey_id": "default",
        "channel": "email",
        "event_type": "claim.reported",
        "customer": Customer(id="C-1", name="Ana Pérez", email="ana@example.com", phone="+593991234567"),
        "touchpoint": Touchpoint(id="quito-norte/claims", name="Claims desk"),
        "created_at": sent,
        "expires_at": sent + timedelta(days=14),
    }
    return Invitation(**{**fields, **changes})


class Invitations:
    """The reminder side of the invitation store, with its one-claim rule."""

    def __init__(self, *items: Invitation) -> None:
        self.items = {item.token_hash: item for item in items}
        self.settled: dict[str, str] = {}
        self.aliases: dict[str, str] = {}

    def unanswered_sent_on(self, day: date, *, sent_before: datetime) -> list[Invitation]:
        return [
            i
            for i in self.items.values()
            if i.created_at.date() == day and i.created_at <= sent_before and i.token_hash not in self.settled
        ]

    def settle_reminder(self, token_hash: str, *, at: datetime, outcome: str) -> bool:
        if token_hash in self.settled or self.items[token_hash].status != "sent":
            return False
        self.settled[token_hash] = outcome
        return True

    def add_alias(self, token_hash: str, invitation: Invitation) -> None:
        self.aliases[token_hash] = invitation.token_hash


class Contacts:
    def __init__(self, memory: ContactMemory | None = None, conflicts: int = 0) -> None:
        self.state = ContactState(memory=memory or ContactMemory(customer_id="C-1"))
        self.conflicts = conflicts

    def load(self, customer_id: str) -> ContactState:
        return self.state

    def save(self, customer_id: str, state: ContactState, *, expected_version: int) -> None:
        if self.conflicts:
            self.conflicts -= 1
            raise Conflict("changed meanwhile")
        assert expected_version == self.state.version
        self.state = state.model_copy(update={"version": expected_version + 1})

    def due(self, now: datetime) -> list[str]:
        return []


def run(
    store: Invitations, contacts: Contacts, *, policy: ContactPolicy = POLICY, now: datetime = NOW
) -> Any:
    sent: list[tuple[str, Channel]] = []

    def send(chosen: Invitation, channel: Channel) -> str:
        sent.append((chosen.invitation_id, channel))
        return "msg-1"

    outcome = send_reminders(now=now, policy=policy, invitations=store, contacts=contacts, send=send)
    return outcome, sent


def test_the_policy_field_is_off_by_default_and_bounded() -> None:
    assert ContactPolicy().reminder_after_days is None
    for bad in (0, 15):
        with pytest.raises(ValidationError, match="reminder_after_days"):
            ContactPolicy(reminder_after_days=bad)


def test_the_days_looked_at_are_the_due_day_and_two_days_of_catch_up() -> None:
    assert days_to_look(NOW, 3) == [date(2026, 11, 23), date(2026, 11, 22), date(2026, 11, 21)]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, True),
        ({"status": "answered"}, False),
        ({"days_ago": 2.9}, False),
        ({"days_ago": 15}, False),  # its link expired
        ({"survey_id": "follow_up"}, False),
    ],
)
def test_eligibility(changes: dict[str, Any], expected: bool) -> None:
    days_ago = changes.pop("days_ago", 3.5)
    assert eligible(invitation(days_ago, **changes), now=NOW, after_days=3) is expected


def test_one_reminder_goes_once_and_is_remembered_against_the_cap() -> None:
    store, contacts = Invitations(invitation()), Contacts()
    outcome, sent = run(store, contacts)
    assert (outcome.sent, sent) == (1, [("inv-3.5", "email")])
    assert list(store.settled.values()) == ["sent"]
    assert [(s.kind, s.channel) for s in contacts.state.memory.sent] == [("reminder", "email")]
    assert contacts.state.decisions[-1].kind == "reminder"
    again, sent_again = run(store, contacts, now=NOW + timedelta(hours=1))
    assert (again.sent, sent_again) == (0, [])


def test_no_reminders_without_the_setting_and_none_to_an_answered_invitation() -> None:
    store = Invitations(invitation(), invitation(4, status="answered"))
    assert run(store, Contacts(), policy=ContactPolicy())[1] == []
    outcome, sent = run(store, Contacts())
    assert outcome.sent == 1 and [i for i, _ in sent] == ["inv-3.5"]


def test_an_opted_out_customer_gets_none_and_is_not_asked_again() -> None:
    store, contacts = Invitations(invitation()), Contacts(ContactMemory(customer_id="C-1", opted_out=True))
    outcome, sent = run(store, contacts)
    assert (outcome.blocked, sent) == (1, [])
    assert list(store.settled.values()) == ["blocked_opt_out"]
    assert contacts.state.decisions[-1].reason == "blocked_opt_out"


def test_the_frequency_cap_counts_and_blocks_reminders() -> None:
    recent = tuple(SentRecord(at=NOW - timedelta(days=d), channel="email", kind="survey") for d in (1, 2))
    contacts = Contacts(ContactMemory(customer_id="C-1", sent=recent))
    outcome, sent = run(
        Invitations(invitation()), contacts, policy=POLICY.model_copy(update={"cap_messages": 2})
    )
    assert (outcome.blocked, sent) == (1, [])


def test_quiet_hours_postpone_to_a_later_run_which_then_sends() -> None:
    night = ContactPolicy(reminder_after_days=3, quiet_start=time(9, 0), quiet_end=time(17, 0))
    store = Invitations(invitation())
    outcome, sent = run(store, Contacts(), policy=night)
    assert (outcome.postponed, sent, store.settled) == (1, [], {})
    later, sent_later = run(store, Contacts(), policy=night, now=NOW + timedelta(hours=3))
    assert (later.sent, len(sent_later)) == (1, 1)


def test_a_conflicting_contact_record_is_read_again() -> None:
    contacts = Contacts(conflicts=1)
    outcome, _ = run(Invitations(invitation()), contacts)
    assert outcome.sent == 1 and contacts.state.memory.sent[-1].kind == "reminder"


class Outbox:
    def __init__(self) -> None:
        self.emails: list[EmailMessage] = []
        self.texts: list[str] = []

    def send(self, **kwargs: Any) -> str:
        if "message" in kwargs:
            self.emails.append(kwargs["message"])
        else:
            self.texts.append(kwargs["text"])
        return "id-1"


def test_the_reminder_link_is_a_new_token_bound_to_the_same_invitation() -> None:
    original = invitation()
    store, outbox = Invitations(original), Outbox()
    settings = SendSettings("https://cx.example.com", "cx@example.com", link_ttl_days=14)
    deliver_reminder(
        original, "email", now=NOW, settings=settings, invitations=store, email=outbox, sms=outbox
    )
    deliver_reminder(original, "sms", now=NOW, settings=settings, invitations=store, email=outbox, sms=outbox)
    email, text = outbox.emails[0], outbox.texts[0]
    token = email.text.split("/s/")[1].split()[0]
    assert tokens.looks_like_token(token) and store.aliases == {
        tokens.token_hash(token): original.token_hash,
        tokens.token_hash(text.rsplit("/s/", 1)[1]): original.token_hash,
    }
    assert token not in text  # each reminder link is its own unguessable token
    assert email.subject == "Recordatorio: ¿cómo fue su experiencia en Claims desk?"
    assert "10 días" in email.text  # the days the link has left, not the full TTL


@pytest.mark.parametrize(
    ("language", "words"),
    [("es", "Recordatorio"), ("en", "Reminder"), ("pt", "Lembrete"), ("fr", "Rappel")],
)
def test_reminder_copy_in_every_language(language: str, words: str) -> None:
    message = reminder_email(
        language=language, customer_name="<b>Ana</b>", place="Q&A", url="https://x/s/t", days_left=3
    )
    assert message.subject.startswith(words) and "&lt;b&gt;Ana" in message.html and "Q&amp;A" in message.html
    assert reminder_sms(language=language, brand="cx", place="Quito", url="https://x/s/t").endswith(
        "https://x/s/t"
    )
