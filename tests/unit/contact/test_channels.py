"""Every channel behind one registry: the carrier per channel, SMS fitted to one part with
a short link, WhatsApp as its approved template's values, and the fallback to the next
channel when one refuses (cxloop.domain.contact.manners)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from cxloop.domain.contact.manners import ContactState, Standing, dispatch
from cxloop.domain.contact.messages import EmailMessage, invitation_sms
from cxloop.domain.contact.policy import ContactMemory, ContactPolicy
from cxloop.domain.contact.send_survey import Senders, send_survey
from cxloop.domain.contact.sending import SendSettings, survey_url
from cxloop.domain.contact.sms_text import measure
from cxloop.domain.kernel import tokens
from cxloop.domain.kernel.errors import ChannelRefused, Unavailable
from cxloop.domain.kernel.events import Channel, Customer, Interaction, InteractionEvent
from cxloop.domain.surveys.models import Invitation
from tests.helpers import load_event

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
LONG_BASE = "https://api.segurosandinos.example.com/prod"
SHORT_BASE = "https://cx.example"
SETTINGS = SendSettings(LONG_BASE, "surveys@example.com", 14, short_base_url=SHORT_BASE)
PHONE, EMAIL = "+593991234567", "ana@example.com"


class Outbox:
    """Records what each channel was handed; refuses or fails on demand."""

    def __init__(self, failures: Mapping[str, Exception] | None = None) -> None:
        self.sent: list[tuple[str, str, Any]] = []
        self.failures = dict(failures or {})

    def _take(self, channel: str, to: str, what: Any) -> str:
        if channel in self.failures:
            raise self.failures[channel]
        self.sent.append((channel, to, what))
        return f"{channel}-{len(self.sent)}"

    def email(self) -> Any:
        outbox = self

        class Email:
            def send(self, *, sender: str, to: str, message: EmailMessage) -> str:
                return outbox._take("email", to, message)

        return Email()

    def sms(self) -> Any:
        outbox = self

        class Sms:
            def send(self, *, to: str, text: str) -> str:
                return outbox._take("sms", to, text)

        return Sms()

    def whatsapp(self) -> Any:
        outbox = self

        class WhatsApp:
            def send(self, *, to: str, language: str, values: Mapping[str, str]) -> str:
                return outbox._take("whatsapp", to, (language, dict(values)))

        return WhatsApp()

    def senders(self, *, whatsapp: bool = True) -> Senders:
        return Senders(self.email(), self.sms(), self.whatsapp() if whatsapp else None)


@dataclass(frozen=True)
class StoredLater:
    """A staged write kept in memory (cxloop.domain.kernel.sends.StagedWrite)."""

    write: Callable[[], None]

    def apply(self) -> None:
        self.write()


class Invitations:
    def __init__(self) -> None:
        self.added: list[Invitation] = []
        self.settled: dict[str, str] = {}

    def add(self, invitation: Invitation) -> None:
        self.added.append(invitation)

    def staged_add(self, invitation: Invitation) -> StoredLater:
        return StoredLater(lambda: self.add(invitation))

    def get(self, token_hash: str) -> Invitation | None:
        return next((i for i in self.added if i.token_hash == token_hash), None)

    def settle_reminder(self, token_hash: str, *, at: datetime, outcome: str) -> bool:
        first = token_hash not in self.settled
        self.settled.setdefault(token_hash, outcome)
        return first


class Contacts:
    def __init__(self, memory: ContactMemory | None = None) -> None:
        self.state = ContactState(memory=memory or ContactMemory(customer_id="C-1042"))

    def load(self, customer_id: str) -> ContactState:
        return self.state

    def standing(self, customer: Customer) -> Standing:
        return Standing(self.load(customer.id))

    def save(self, customer_id: str, state: ContactState, *, expected_version: int) -> None:
        self.state = state.model_copy(update={"version": expected_version + 1})

    def due(self, now: datetime) -> list[str]:
        return []


def interaction(interaction_id: str = "i-1", **customer: Any) -> Interaction:
    raw = load_event("erp/claim_reported")
    raw["customer"] = {**raw["customer"], **customer}
    event = InteractionEvent.model_validate(raw)
    return Interaction(interaction_id=interaction_id, correlation_id="corr-1", received_at=NOW, event=event)


def sent_by(outbox: Outbox, chosen: Interaction, channel: Channel) -> Any:
    senders = outbox.senders()
    return send_survey(
        chosen,
        now=NOW,
        settings=SETTINGS,
        invitations=Invitations(),
        email=senders.email,
        sms=senders.sms,
        whatsapp=senders.whatsapp,
        channel=channel,
    )


# --- the registry -------------------------------------------------------------------------


def test_whatsapp_is_offered_only_when_a_sender_is_configured() -> None:
    outbox = Outbox()
    assert outbox.senders().offered == ("email", "sms", "whatsapp")
    assert outbox.senders(whatsapp=False).offered == ("email", "sms")


def test_whatsapp_carries_the_template_values_with_a_short_link() -> None:
    outbox = Outbox()
    sent = sent_by(outbox, interaction(preferred_channel="whatsapp"), "whatsapp")
    channel, to, (language, values) = outbox.sent[0]
    assert (channel, to, language) == ("whatsapp", PHONE, "es")
    assert values["place"] == "Claims desk" and values["name"] == "Ana"
    assert values["url"] == survey_url(SHORT_BASE, sent.token) and len(sent.token) == 22
    assert sent.invitation.channel == "whatsapp"
    assert sent.invitation.token_hash == tokens.token_hash(sent.token)


def test_email_keeps_the_long_token_and_the_public_base_url() -> None:
    outbox = Outbox()
    sent = sent_by(outbox, interaction(), "email")
    _, to, message = outbox.sent[0]
    assert to == EMAIL and len(sent.token) == 43
    assert survey_url(LONG_BASE, sent.token) in message.text


def test_without_a_whatsapp_sender_the_channel_refuses_instead_of_failing() -> None:
    outbox = Outbox()
    with pytest.raises(ChannelRefused) as refused:
        send_survey(
            interaction(),
            now=NOW,
            settings=SETTINGS,
            invitations=Invitations(),
            email=outbox.email(),
            sms=outbox.sms(),
            channel="whatsapp",
        )
    assert (refused.value.channel, refused.value.reason) == ("whatsapp", "not_configured")
    assert outbox.sent == []


def test_an_sms_invitation_fits_one_part_shortening_the_place_never_the_link() -> None:
    outbox = Outbox()
    long_place = "Centro de Servicio al Cliente Quito Norte, Avenida de los Shyris y Naciones Unidas"
    raw = load_event("erp/claim_reported")
    raw["touchpoint"]["name"] = long_place
    event = InteractionEvent.model_validate(raw)
    chosen = Interaction(interaction_id="i-2", correlation_id="c", received_at=NOW, event=event)
    sent = sent_by(outbox, chosen, "sms")
    _, to, text = outbox.sent[0]
    assert to == PHONE
    assert text.endswith(survey_url(SHORT_BASE, sent.token))
    assert measure(text).segments == 1
    assert "Centro de Servicio" in text and long_place not in text


@pytest.mark.parametrize("language", ["es", "pt"])
def test_the_short_link_brings_a_typical_invitation_down_to_one_segment(language: str) -> None:
    place = "Agencia Quito Norte"
    before = invitation_sms(
        language=language,
        brand="Seguros Andinos",
        place=place,
        url=survey_url(LONG_BASE, tokens.new_token()),
    )
    after = invitation_sms(
        language=language,
        brand="Seguros Andinos",
        place=place,
        url=survey_url(SHORT_BASE, tokens.new_short_token()),
    )
    print(f"{language}: {measure(before)} -> {measure(after)}")
    assert measure(before).segments == 2
    assert measure(after).segments == 1
    assert measure(before).units - measure(after).units == len(LONG_BASE) - len(SHORT_BASE) + 21


# --- fallback when a channel refuses ------------------------------------------------------

POLICY = ContactPolicy(channels=("whatsapp", "sms", "email"))


def run(
    outbox: Outbox,
    chosen: Interaction,
    contacts: Contacts,
    *,
    whatsapp: bool = True,
    invitations: Invitations | None = None,
) -> Any:
    senders = outbox.senders(whatsapp=whatsapp)
    store = invitations or Invitations()

    def send(it: Interaction, channel: Channel) -> Any:
        return send_survey(
            it,
            now=NOW,
            settings=SETTINGS,
            invitations=store,
            email=senders.email,
            sms=senders.sms,
            whatsapp=senders.whatsapp,
            channel=channel,
        )

    return dispatch(
        chosen,
        now=NOW,
        released=False,
        policy=POLICY,
        policy_version=1,
        contacts=contacts,
        open_complaints=lambda _: (),
        send=send,
        offered=senders.offered,
    )


def test_the_preferred_whatsapp_is_used_when_it_is_offered() -> None:
    outbox, contacts = Outbox(), Contacts()
    outcome = run(outbox, interaction(preferred_channel="whatsapp"), contacts)
    assert (outcome.decision.reason, outcome.decision.channel) == ("send", "whatsapp")
    assert [c for c, _, _ in outbox.sent] == ["whatsapp"]


def test_whatsapp_not_offered_is_never_picked() -> None:
    outbox, contacts = Outbox(), Contacts()
    outcome = run(outbox, interaction(preferred_channel="whatsapp"), contacts, whatsapp=False)
    assert (outcome.decision.reason, outcome.decision.channel) == ("rerouted_preference", "sms")
    assert [c for c, _, _ in outbox.sent] == ["sms"]


def test_a_refused_channel_falls_back_to_the_next_with_the_reason_and_no_number() -> None:
    outbox = Outbox({"whatsapp": ChannelRefused("whatsapp", "ValidationException")})
    contacts = Contacts()
    outcome = run(outbox, interaction(preferred_channel="whatsapp"), contacts)
    assert (outcome.decision.action, outcome.decision.reason) == ("send", "rerouted_fallback")
    assert outcome.decision.channel == "sms" and outcome.sent is not None
    assert [c for c, _, _ in outbox.sent] == ["sms"]
    record = contacts.state.decisions[-1]
    assert (record.reason, record.channel) == ("rerouted_fallback", "sms")
    assert record.detail == "whatsapp refused: ValidationException" and PHONE not in record.detail
    assert contacts.state.memory.suppressed == frozenset()  # a refusal is not an opt-out
    assert contacts.state.memory.sent[-1].channel == "sms"


def test_an_opted_out_number_is_suppressed_so_the_next_message_skips_it() -> None:
    outbox = Outbox({"sms": ChannelRefused("sms", "DESTINATION_PHONE_NUMBER_OPTED_OUT", opted_out=True)})
    contacts = Contacts()
    outcome = run(outbox, interaction(preferred_channel="sms"), contacts, whatsapp=False)
    assert (outcome.decision.reason, outcome.decision.channel) == ("rerouted_fallback", "email")
    assert outcome.decision.detail == "sms refused: DESTINATION_PHONE_NUMBER_OPTED_OUT"
    assert contacts.state.memory.suppressed == frozenset({PHONE})
    # The next survey goes straight to email: the number is never tried again.
    second = Outbox({"sms": AssertionError("the suppressed number was tried")})
    again = run(second, interaction("i-2", preferred_channel="sms"), contacts, whatsapp=False)
    assert (again.decision.reason, again.decision.channel) == ("rerouted_preference", "email")


def test_when_every_channel_refuses_the_message_is_blocked_and_settled() -> None:
    outbox = Outbox(
        {
            "whatsapp": ChannelRefused("whatsapp", "ValidationException"),
            "sms": ChannelRefused("sms", "DESTINATION_COUNTRY_BLOCKED"),
            "email": ChannelRefused("email", "MessageRejected"),
        }
    )
    contacts = Contacts()
    outcome = run(outbox, interaction(preferred_channel="whatsapp"), contacts)
    assert (outcome.decision.action, outcome.decision.reason, outcome.sent) == (
        "block",
        "blocked_suppressed",
        None,
    )
    assert outcome.decision.detail == (
        "whatsapp refused: ValidationException; sms refused: DESTINATION_COUNTRY_BLOCKED; "
        "email refused: MessageRejected"
    )
    assert contacts.state.decisions[-1].reason == "blocked_suppressed"
    assert contacts.state.memory.sent == ()


def test_a_phone_only_customer_whose_phone_channels_refuse_has_no_channel_left() -> None:
    outbox = Outbox(
        {
            "whatsapp": ChannelRefused("whatsapp", "ValidationException"),
            "sms": ChannelRefused("sms", "DESTINATION_PHONE_NUMBER_OPTED_OUT", opted_out=True),
        }
    )
    contacts = Contacts()
    outcome = run(outbox, interaction(preferred_channel="whatsapp", email=None), contacts)
    assert (outcome.decision.action, outcome.decision.reason) == ("block", "blocked_suppressed")
    assert contacts.state.memory.suppressed == frozenset({PHONE})


def test_a_channel_that_is_only_unavailable_raises_so_sqs_retries() -> None:
    outbox = Outbox(
        {"whatsapp": Unavailable("whatsapp send_whatsapp_message failed: ThrottledRequestException")}
    )
    contacts, invitations = Contacts(), Invitations()
    with pytest.raises(Unavailable):
        run(outbox, interaction(preferred_channel="whatsapp"), contacts, invitations=invitations)
    assert contacts.state.decisions == () and outbox.sent == []
    # Its link never left: the retry sends a new one, and this one is never reminded of.
    (invitation,) = invitations.added
    assert invitations.settled == {invitation.token_hash: "send_failed"}
