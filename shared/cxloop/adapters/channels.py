"""The customer channels a deployment offers, built from its validated settings at cold start."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cxloop.config import Settings
    from cxloop.domain.contact.ports import SmsSender, TemplateSender


def sms_sender(config: Settings) -> SmsSender:
    """SNS, or End User Messaging when configured (its refusals let send_survey fall back)."""
    # Imported here: adapters load boto3 lazily and only messaging functions need them.
    if config.sms_provider == "eum" and config.sms_origination_identity:
        from cxloop.adapters.end_user_messaging import EumSmsSender  # noqa: PLC0415

        return EumSmsSender(config.sms_origination_identity, configuration_set=config.sms_configuration_set)
    from cxloop.adapters.messaging import SnsSmsSender  # noqa: PLC0415

    return SnsSmsSender()


def whatsapp_sender(config: Settings) -> TemplateSender | None:
    """The WhatsApp sender, or None when this deployment does not offer WhatsApp. The
    template is validated here, at cold start."""
    if config.whatsapp_phone_number_id is None or config.whatsapp_template is None:
        return None
    from cxloop.adapters.whatsapp import WhatsAppSender, WhatsAppTemplate  # noqa: PLC0415

    template = WhatsAppTemplate.model_validate(config.whatsapp_template)
    return WhatsAppSender(config.whatsapp_phone_number_id, template)
