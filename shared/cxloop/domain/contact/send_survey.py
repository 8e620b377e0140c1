"""Step 2: choose the channel, create the single-use link, render and send the survey.

Every channel sits behind one registry (`Senders`, `CARRIERS`): a message is rendered once
into the forms the channels carry (an email, an SMS text, a WhatsApp template's values)
and the chosen channel's carrier takes its form. A channel that will not carry the message
raises ChannelRefused; cxloop.domain.contact.manners then tries the next one.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, cast

from cxloop.domain.contact import messages, notices
from cxloop.domain.contact.opt_out_links import OptOutLinkStore
from cxloop.domain.contact.ports import EmailSender, SmsSender, TemplateSender
from cxloop.domain.contact.sending import (
    SendSettings,
    choose_channel,
    fresh_opt_out,
    new_link_token,
    survey_url,
)
from cxloop.domain.kernel import tokens
from cxloop.domain.kernel.errors import ChannelRefused, Unavailable
from cxloop.domain.kernel.events import Channel, Customer, Interaction
from cxloop.domain.kernel.sends import NOT_RECORDED, Outbound, SendLog, send_once
from cxloop.domain.surveys.definitions import FOLLOW_UP_SURVEY
from cxloop.domain.surveys.models import Invitation
from cxloop.domain.surveys.ports import InvitationStore
from cxloop.domain.surveys.survey_catalogue import DEFAULT_CATALOGUE, SurveyCatalogue

if TYPE_CHECKING:
    from cxloop.domain.contact.messages import EmailMessage


@dataclass(frozen=True)
class Senders:
    """Who carries each channel. Email and SMS always; WhatsApp only when configured."""

    email: EmailSender
    sms: SmsSender
    whatsapp: TemplateSender | None = None

    @property
    def offered(self) -> tuple[Channel, ...]:
        """The channels this deployment can send on (the contact policy picks among them)."""
        return ("email", "sms", "whatsapp") if self.whatsapp is not None else ("email", "sms")


@dataclass(frozen=True)
class Outgoing:
    """One message to one customer, rendered lazily into each channel's form."""

    customer: Customer
    email: Callable[[], EmailMessage]
    sms: Callable[[], str]
    template_values: Mapping[str, str]


Carrier = Callable[[Outgoing, Senders, "SendSettings"], str]


@dataclass(frozen=True)
class Sent:
    invitation: Invitation
    token: str
    channel: Channel
    provider_message_id: str

    @property
    def invitation_id(self) -> str:
        return self.invitation.invitation_id

    def facts(self) -> dict[str, str]:
        """What the send log keeps of it (cxloop.domain.kernel.sends): no link, no address."""
        return SentBefore(self.invitation_id, self.channel, self.provider_message_id).facts()


@dataclass(frozen=True)
class SentBefore:
    """A survey an earlier attempt of the step sent and recorded: not sent again."""

    invitation_id: str
    channel: Channel
    provider_message_id: str

    def facts(self) -> dict[str, str]:
        return {
            "invitation_id": self.invitation_id,
            "channel": self.channel,
            "provider_message_id": self.provider_message_id,
        }

    @classmethod
    def of(cls, facts: Mapping[str, str]) -> SentBefore:
        """From the send log: where its claim is the record, the provider's message id was
        never written (kernel/sends.py)."""
        message_id = facts.get("provider_message_id", NOT_RECORDED)
        return cls(facts["invitation_id"], cast(Channel, facts["channel"]), message_id)


def send_survey(
    interaction: Interaction,
    *,
    now: datetime,
    settings: SendSettings,
    invitations: InvitationStore,
    email: EmailSender,
    sms: SmsSender,
    whatsapp: TemplateSender | None = None,
    channel: Channel | None = None,
    optouts: OptOutLinkStore | None = None,
    catalogue: SurveyCatalogue = DEFAULT_CATALOGUE,
    catalogue_version: int | None = None,
    sends: SendLog | None = None,
    send_key: str = "",
) -> Sent | SentBefore:
    """Store the invitation, then send: a link never reaches a customer unrecorded.
    `channel` is the contact policy's choice; without one, the customer's own. With
    `optouts`, the message carries a fresh opt-out link (stored before sending, too).
    The survey is the catalogue's choice for the event; the invitation keeps its version
    and the catalogue's, so the link shows those questions whatever is published later.

    No provider takes an idempotency token: with `sends`, the send is claimed once under
    `send_key` (cxloop.domain.kernel.sends), the invitation and the opt-out link stored in
    the claim's request, and a retry finds it made (SentBefore).
    Raises ChannelRefused when the channel will not carry it (the link never left).
    """
    survey = prepared_survey(
        interaction,
        now=now,
        settings=settings,
        invitations=invitations,
        channel=channel,
        optouts=optouts,
        catalogue=catalogue,
        catalogue_version=catalogue_version,
    )

    def carry(ready: ReadySurvey) -> Sent | SentBefore:
        try:
            message_id = deliver(ready.outgoing, ready.channel, Senders(email, sms, whatsapp), settings)
        except ChannelRefused:
            # The link never left: no reminder may follow a survey the customer never got.
            invitations.settle_reminder(ready.invitation.token_hash, at=now, outcome="refused")
            raise
        except Unavailable:
            # Nor did it here: the retry sends a new link, and this one must not be reminded of.
            # Best effort: the send's own failure is what the step reports.
            with contextlib.suppress(Unavailable):
                invitations.settle_reminder(ready.invitation.token_hash, at=now, outcome="send_failed")
            raise
        return Sent(ready.invitation, ready.token, ready.channel, message_id)

    return send_once(sends, send_key, survey, carry, facts=lambda sent: sent.facts(), earlier=SentBefore.of)


@dataclass(frozen=True)
class ReadySurvey:
    """A survey rendered for its channel, its invitation not stored yet."""

    invitation: Invitation
    token: str
    channel: Channel
    outgoing: Outgoing


def prepared_survey(
    interaction: Interaction,
    *,
    now: datetime,
    settings: SendSettings,
    invitations: InvitationStore,
    channel: Channel | None = None,
    optouts: OptOutLinkStore | None = None,
    catalogue: SurveyCatalogue = DEFAULT_CATALOGUE,
    catalogue_version: int | None = None,
) -> Outbound[ReadySurvey]:
    """The survey ready to leave, with its invitation's write (and its opt-out link's) staged
    for the send's claim."""
    event = interaction.event
    channel = channel or choose_channel(event.customer)
    token = new_link_token(channel)
    survey = catalogue.choose(event).survey
    invitation = Invitation(
        invitation_id=str(uuid.uuid4()),
        token_hash=tokens.token_hash(token),
        interaction_id=interaction.interaction_id,
        correlation_id=interaction.correlation_id,
        survey_id=survey.id,
        survey_version=survey.version,
        catalogue_version=catalogue_version,
        channel=channel,
        event_type=event.event_type,
        customer=event.customer,
        touchpoint=event.touchpoint,
        attributes=event.attributes,
        created_at=now,
        expires_at=now + timedelta(days=settings.link_ttl_days),
    )
    base = settings.base_url_for(channel)
    stores = [invitations.staged_add(invitation)]
    unsubscribe = None
    if optouts is not None:
        unsubscribe, link = fresh_opt_out(event.customer, now=now, base_url=base)
        stores.append(optouts.staged_add(link))
    outgoing = _rendered(invitation, _Links(survey_url(base, token), unsubscribe), settings)
    return Outbound(
        ReadySurvey(invitation, token, channel, outgoing),
        facts={"invitation_id": invitation.invitation_id, "channel": channel},
        stores=tuple(stores),
    )


def deliver(outgoing: Outgoing, channel: Channel, senders: Senders, settings: SendSettings) -> str:
    """Hand the message to the channel's carrier; the provider's message id."""
    return CARRIERS[channel](outgoing, senders, settings)


@dataclass(frozen=True)
class _Links:
    survey: str
    opt_out: str | None


def _rendered(invitation: Invitation, links: _Links, settings: SendSettings) -> Outgoing:
    """The invitation (or the follow-up about a resolved case) in every channel's form."""
    customer, language = invitation.customer, invitation.customer.language
    place = invitation.touchpoint.name or invitation.touchpoint.id
    url = links.survey
    values = {"place": place, "url": url, "brand": settings.brand, "name": _first_name(customer)}
    if invitation.survey_id == FOLLOW_UP_SURVEY.id:
        case = str(invitation.attributes.get("ticket_id", ""))
        return Outgoing(
            customer,
            email=lambda: messages.with_opt_out(
                notices.follow_up_email(language, customer.name, case, url),
                language=language,
                url=links.opt_out,
            ),
            sms=lambda: messages.sms_with_stop(
                notices.follow_up_sms(language, settings.brand, case, url), links.opt_out
            ),
            template_values=values,
        )
    return Outgoing(
        customer,
        email=lambda: messages.with_opt_out(
            messages.invitation_email(
                language=language,
                customer_name=customer.name,
                place=place,
                url=url,
                days_valid=settings.link_ttl_days,
            ),
            language=language,
            url=links.opt_out,
        ),
        sms=lambda: messages.sms_with_stop(
            messages.fitted_invitation_sms(language=language, brand=settings.brand, place=place, url=url),
            links.opt_out,
        ),
        template_values=values,
    )


def _first_name(customer: Customer) -> str:
    return (customer.name or "").split(" ")[0]


def _by_email(outgoing: Outgoing, senders: Senders, settings: SendSettings) -> str:
    to = outgoing.customer.email
    if not to:
        raise ChannelRefused("email", "no_address")
    return senders.email.send(sender=settings.sender_address, to=to, message=outgoing.email())


def _by_sms(outgoing: Outgoing, senders: Senders, settings: SendSettings) -> str:
    to = outgoing.customer.phone
    if not to:
        raise ChannelRefused("sms", "no_address")
    return senders.sms.send(to=to, text=outgoing.sms())


def _by_whatsapp(outgoing: Outgoing, senders: Senders, settings: SendSettings) -> str:
    to = outgoing.customer.phone
    if not to:
        raise ChannelRefused("whatsapp", "no_address")
    if senders.whatsapp is None:
        raise ChannelRefused("whatsapp", "not_configured")
    # Only the template's parameters leave; an empty one (no name on file) the template
    # cannot do without is a refusal, so another channel carries the survey instead.
    values = {name: value for name, value in outgoing.template_values.items() if value}
    try:
        return senders.whatsapp.send(to=to, language=outgoing.customer.language, values=values)
    except ValueError as exc:
        raise ChannelRefused("whatsapp", "template_values_missing") from exc


CARRIERS: Mapping[Channel, Carrier] = {"email": _by_email, "sms": _by_sms, "whatsapp": _by_whatsapp}
