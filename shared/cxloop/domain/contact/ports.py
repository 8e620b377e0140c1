"""The channels that carry messages to customers: email, SMS, and template-only channels such as WhatsApp."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from cxloop.domain.contact.messages import EmailMessage


class EmailSender(Protocol):
    def send(self, *, sender: str, to: str, message: EmailMessage) -> str: ...


class SmsSender(Protocol):
    def send(self, *, to: str, text: str) -> str: ...


class TemplateSender(Protocol):
    """A channel that only carries pre-approved templates (WhatsApp outside the customer's
    24-hour window): we give the values, the template holds the words."""

    def send(self, *, to: str, language: str, values: Mapping[str, str]) -> str:
        """The provider's message id; ValueError when the template needs a value not given.
        ChannelRefused when the channel will not carry it, Unavailable when a retry may help."""
