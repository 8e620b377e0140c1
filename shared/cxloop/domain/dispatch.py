"""Step 2: choose the channel, create the single-use link, render and send the survey."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from cxloop.domain import messages, notices, tokens
from cxloop.domain.events import Channel, Customer, Interaction
from cxloop.domain.models import Invitation
from cxloop.domain.ports import EmailSender, InvitationStore, SmsSender
from cxloop.domain.surveys import FOLLOW_UP_SURVEY, survey_for_event


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
) -> Sent:
    """Store the invitation first, then send: a link never reaches a customer unrecorded.
    `channel` is the contact policy's choice; without one, the customer's own.

    SES has no idempotency token, so a crash after sending and before the step is
    marked done resends on retry: we err towards a duplicate message over none.
    """
    event = interaction.event
    token = tokens.new_token()
    channel = channel or choose_channel(event.customer)
    invitation = Invitation(
        invitation_id=str(uuid.uuid4()),
        token_hash=tokens.token_hash(token),
        interaction_id=interaction.interaction_id,
        correlation_id=interaction.correlation_id,
        survey_id=survey_for_event(event.event_type).id,
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
    message_id = _deliver(invitation, url, settings, email, sms)
    return Sent(invitation, token, channel, message_id)


def _deliver(
    invitation: Invitation, url: str, settings: SendSettings, email: EmailSender, sms: SmsSender
) -> str:
    customer = invitation.customer
    place = invitation.touchpoint.name or invitation.touchpoint.id
    if invitation.survey_id == FOLLOW_UP_SURVEY.id:
        return _deliver_follow_up(invitation, url, settings, email, sms)
    if invitation.channel == "sms" and customer.phone:
        text = messages.invitation_sms(language=customer.language, brand=settings.brand, place=place, url=url)
        return sms.send(to=customer.phone, text=text)
    assert customer.email, "choose_channel picks email only when there is one"
    message = messages.invitation_email(
        language=customer.language,
        customer_name=customer.name,
        place=place,
        url=url,
        days_valid=settings.link_ttl_days,
    )
    return email.send(sender=settings.sender_address, to=customer.email, message=message)


def _deliver_follow_up(
    invitation: Invitation, url: str, settings: SendSettings, email: EmailSender, sms: SmsSender
) -> str:
    customer = invitation.customer
    case = str(invitation.attributes.get("ticket_id", ""))
    if invitation.channel == "sms" and customer.phone:
        return sms.send(
            to=customer.phone, text=notices.follow_up_sms(customer.language, settings.brand, case, url)
        )
    assert customer.email, "choose_channel picks email only when there is one"
    message = notices.follow_up_email(customer.language, customer.name, case, url)
    return email.send(sender=settings.sender_address, to=customer.email, message=message)
