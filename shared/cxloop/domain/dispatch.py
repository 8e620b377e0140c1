"""Step 2: choose the channel, create the single-use link, render and send the survey."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from cxloop.domain import messages, notices, opting_out, tokens
from cxloop.domain.events import Channel, Customer, Interaction
from cxloop.domain.models import Invitation
from cxloop.domain.ports import EmailSender, InvitationStore, SmsSender
from cxloop.domain.surveys import DEFAULT_CATALOGUE, FOLLOW_UP_SURVEY, SurveyCatalogue


@dataclass(frozen=True)
class SendSettings:
    public_base_url: str
    sender_address: str
    link_ttl_days: int
    brand: str = "cxloop"


@dataclass(frozen=True)
class Sent:
    invitation: Invitation
    token: str
    channel: Channel
    provider_message_id: str


def choose_channel(customer: Customer) -> Channel:
    """Email unless the customer prefers a phone channel or has no email.

    WhatsApp falls back to SMS until the WhatsApp adapter exists.
    """
    wants_phone = customer.preferred_channel in ("sms", "whatsapp")
    if customer.phone and (wants_phone or not customer.email):
        return "sms"
    return "email"


def survey_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/s/{token}"


def send_survey(
    interaction: Interaction,
    *,
    now: datetime,
    settings: SendSettings,
    invitations: InvitationStore,
    email: EmailSender,
    sms: SmsSender,
    channel: Channel | None = None,
    optouts: opting_out.OptOutLinkStore | None = None,
    catalogue: SurveyCatalogue = DEFAULT_CATALOGUE,
    catalogue_version: int | None = None,
) -> Sent:
    """Store the invitation first, then send: a link never reaches a customer unrecorded.
    `channel` is the contact policy's choice; without one, the customer's own. With
    `optouts`, the message carries a fresh opt-out link (stored before sending, too).
    The survey is the catalogue's choice for the event; the invitation keeps its version
    and the catalogue's, so the link shows those questions whatever is published later.

    SES has no idempotency token, so a crash after sending and before the step is
    marked done resends on retry: we err towards a duplicate message over none.
    """
    event = interaction.event
    token = tokens.new_token()
    channel = channel or choose_channel(event.customer)
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
    invitations.add(invitation)
    url = survey_url(settings.public_base_url, token)
    opt_out_url = opt_out_link(event.customer, now=now, settings=settings, optouts=optouts)
    message_id = _deliver(invitation, _Links(url, opt_out_url), settings, email, sms)
    return Sent(invitation, token, channel, message_id)


def opt_out_link(
    customer: Customer, *, now: datetime, settings: SendSettings, optouts: opting_out.OptOutLinkStore | None
) -> str | None:
    """A fresh opt-out URL bound to this customer, or None when the caller keeps no links."""
    if optouts is None:
        return None
    return opting_out.new_link(
        customer.id, language=customer.language, now=now, base_url=settings.public_base_url, links=optouts
    )


@dataclass(frozen=True)
class _Links:
    survey: str
    opt_out: str | None


def _deliver(
    invitation: Invitation, links: _Links, settings: SendSettings, email: EmailSender, sms: SmsSender
) -> str:
    customer = invitation.customer
    place = invitation.touchpoint.name or invitation.touchpoint.id
    url = links.survey
    if invitation.survey_id == FOLLOW_UP_SURVEY.id:
        return _deliver_follow_up(invitation, links, settings, email, sms)
    if invitation.channel == "sms" and customer.phone:
        text = messages.invitation_sms(language=customer.language, brand=settings.brand, place=place, url=url)
        return sms.send(to=customer.phone, text=messages.sms_with_stop(text, links.opt_out))
    assert customer.email, "choose_channel picks email only when there is one"
    message = messages.invitation_email(
        language=customer.language,
        customer_name=customer.name,
        place=place,
        url=url,
        days_valid=settings.link_ttl_days,
    )
    message = messages.with_opt_out(message, language=customer.language, url=links.opt_out)
    return email.send(sender=settings.sender_address, to=customer.email, message=message)


def _deliver_follow_up(
    invitation: Invitation, links: _Links, settings: SendSettings, email: EmailSender, sms: SmsSender
) -> str:
    customer = invitation.customer
    case = str(invitation.attributes.get("ticket_id", ""))
    if invitation.channel == "sms" and customer.phone:
        text = notices.follow_up_sms(customer.language, settings.brand, case, links.survey)
        return sms.send(to=customer.phone, text=messages.sms_with_stop(text, links.opt_out))
    assert customer.email, "choose_channel picks email only when there is one"
    message = notices.follow_up_email(customer.language, customer.name, case, links.survey)
    message = messages.with_opt_out(message, language=customer.language, url=links.opt_out)
    return email.send(sender=settings.sender_address, to=customer.email, message=message)
