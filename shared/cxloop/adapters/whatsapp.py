"""WhatsApp through AWS End User Messaging Social (`socialmessaging`).

Outside a 24-hour window opened by the customer, WhatsApp delivers only message templates
Meta has approved, so a survey invitation is always a template: its name, the language
it was approved in, and body parameters in the order the template numbers them ({{1}},
{{2}}). The message itself is the WhatsApp Cloud API JSON, passed through as bytes.
moto does not implement the service; tests use a botocore Stubber.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal

from botocore.exceptions import ClientError
from pydantic import ConfigDict, Field, model_validator

from cxloop.adapters.aws import client, error_code, translated
from cxloop.adapters.end_user_messaging import refusals_translated
from cxloop.adapters.unconfirmed_sends import message_id_of
from cxloop.domain.kernel.errors import ChannelRefused
from cxloop.domain.kernel.modelling import DomainModel

# Meta rejects what it cannot send (a template not approved in that language, a bad
# parameter count): resending the same request will not help, another channel may.
_WHATSAPP_REFUSALS = frozenset({"ValidationException", "InvalidParametersException"})

Parameter = Literal["place", "url", "brand", "name"]


class WhatsAppTemplate(DomainModel):
    """An approved template. `languages` maps our language (es, en, pt, fr) to the code
    the template was approved under in WhatsApp Manager (es_EC, en_US, pt_BR, fr...)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9_]{1,512}$")
    languages: dict[str, str] = Field(min_length=1)
    parameters: tuple[Parameter, ...] = Field(min_length=1)
    fallback_language: str = "en"

    @model_validator(mode="after")
    def _consistent(self) -> WhatsAppTemplate:
        if len(set(self.parameters)) != len(self.parameters):
            raise ValueError("each parameter appears once in the template body")
        if self.fallback_language not in self.languages:
            raise ValueError(f"fallback language {self.fallback_language!r} has no approved template")
        return self

    def language_code(self, language: str) -> str:
        return self.languages.get(language, self.languages[self.fallback_language])

    def message(self, *, to: str, language: str, values: Mapping[str, str]) -> dict[str, Any]:
        """The Cloud API message object for this template (type "template")."""
        missing = [name for name in self.parameters if not values.get(name)]
        if missing:
            raise ValueError(f"template {self.name} needs values for {', '.join(missing)}")
        body = [{"type": "text", "text": values[name]} for name in self.parameters]
        return {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to,
            "type": "template",
            "template": {
                "name": self.name,
                "language": {"code": self.language_code(language)},
                "components": [{"type": "body", "parameters": body}],
            },
        }


def whatsapp_refusal(exc: ClientError) -> ChannelRefused | None:
    code = error_code(exc)
    return ChannelRefused("whatsapp", code) if code in _WHATSAPP_REFUSALS else None


class WhatsAppSender:
    """Sends an approved template; `phone_number_id` is the End User Messaging Social id
    of our WhatsApp number (phone-number-id-...), not the number itself."""

    def __init__(
        self,
        phone_number_id: str,
        template: WhatsAppTemplate,
        *,
        meta_api_version: str = "v20.0",
        social: Any | None = None,
    ) -> None:
        self.phone_number_id = phone_number_id
        self.template = template
        self.meta_api_version = meta_api_version
        self._client = social

    def send(self, *, to: str, language: str, values: Mapping[str, str]) -> str:
        message = self.template.message(to=to, language=language, values=values)
        with translated("whatsapp send_whatsapp_message"), refusals_translated(whatsapp_refusal):
            return message_id_of(
                lambda: (self._client or client("socialmessaging")).send_whatsapp_message(
                    originationPhoneNumberId=self.phone_number_id,
                    message=json.dumps(message, ensure_ascii=False).encode("utf-8"),
                    metaApiVersion=self.meta_api_version,
                ),
                field="messageId",
            )
