"""SQS, SES v2 and SNS adapters."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from cxloop.adapters.aws import client, to_json, translated
from cxloop.adapters.unconfirmed_sends import message_id_of

if TYPE_CHECKING:  # annotations only: a function sending to a queue need not load messages and models
    from cxloop.domain.casework.models import Alert
    from cxloop.domain.contact.messages import EmailMessage


class SqsQueue:
    """A queue the next step consumes; the correlation id rides as a message attribute."""

    def __init__(self, queue_url: str, sqs: Any | None = None) -> None:
        self.queue_url = queue_url
        self._client = sqs

    def send(self, body: Mapping[str, object], *, correlation_id: str, delay_s: int = 0) -> None:
        """`delay_s` (at most 900, SQS's limit) keeps the message out of sight that long."""
        with translated("sqs send"):
            (self._client or client("sqs")).send_message(
                QueueUrl=self.queue_url,
                MessageBody=to_json(body),
                DelaySeconds=delay_s,
                MessageAttributes={"correlation_id": {"DataType": "String", "StringValue": correlation_id}},
            )

    def send_later(self, body: Mapping[str, object], *, correlation_id: str, delay_s: int) -> None:
        """Send, hidden from the consumer for `delay_s` seconds (SQS allows up to 900)."""
        with translated("sqs send"):
            (self._client or client("sqs")).send_message(
                QueueUrl=self.queue_url,
                MessageBody=to_json(body),
                DelaySeconds=delay_s,
                MessageAttributes={"correlation_id": {"DataType": "String", "StringValue": correlation_id}},
            )


class SesEmailSender:
    """SES v2 simple email. With `configuration_set`, SES publishes the message's bounce
    and complaint events to that set's destinations (which feed the suppression list)."""

    def __init__(self, sesv2: Any | None = None, *, configuration_set: str | None = None) -> None:
        self._client = sesv2
        self.configuration_set = configuration_set

    def send(self, *, sender: str, to: str, message: EmailMessage) -> str:
        simple: dict[str, Any] = {
            "Subject": {"Data": message.subject, "Charset": "UTF-8"},
            "Body": {
                "Text": {"Data": message.text, "Charset": "UTF-8"},
                "Html": {"Data": message.html, "Charset": "UTF-8"},
            },
        }
        if message.unsubscribe_url:
            simple["Headers"] = unsubscribe_headers(message.unsubscribe_url)
        request: dict[str, Any] = {
            "FromEmailAddress": sender,
            "Destination": {"ToAddresses": [to]},
            "Content": {"Simple": simple},
        }
        if self.configuration_set:
            request["ConfigurationSetName"] = self.configuration_set
        with translated("ses send_email"):
            return message_id_of(lambda: (self._client or client("sesv2")).send_email(**request))


def unsubscribe_headers(url: str) -> list[dict[str, str]]:
    """RFC 2369 List-Unsubscribe, plus RFC 8058's List-Unsubscribe-Post, which tells mail
    providers a bare POST to the URL unsubscribes (the one-click button Gmail and Yahoo
    require of bulk senders). RFC 8058 allows it only for an HTTPS URI, so a plain-http
    URL (the local runtime) keeps the link without the one-click promise."""
    if not url.isascii() or any(char in url for char in "<>\r\n"):
        raise ValueError("an unsubscribe URL must be plain ASCII without <, >, CR or LF")
    headers = [{"Name": "List-Unsubscribe", "Value": f"<{url}>"}]
    if url.startswith("https://"):
        headers.append({"Name": "List-Unsubscribe-Post", "Value": "List-Unsubscribe=One-Click"})
    return headers


class SnsSmsSender:
    """SMS through SNS; AWS End User Messaging arrives with the channels issue."""

    def __init__(self, sns: Any | None = None) -> None:
        self._client = sns

    def send(self, *, to: str, text: str) -> str:
        sms_type = {"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}}
        with translated("sns sms"):
            return message_id_of(
                lambda: (self._client or client("sns")).publish(
                    PhoneNumber=to, Message=text, MessageAttributes=sms_type
                )
            )


class SnsAlertPublisher:
    """Alerts with attributes managers filter on (country, region, branch, severity, kind,
    audience, and recipient when the alert is for one person)."""

    def __init__(self, topic_arn: str, sns: Any | None = None) -> None:
        self.topic_arn = topic_arn
        self._client = sns

    def publish(self, alert: Alert) -> str:
        with translated("sns publish"):
            return message_id_of(
                lambda: (self._client or client("sns")).publish(
                    TopicArn=self.topic_arn,
                    Subject=alert.subject,
                    Message=alert.message,
                    MessageAttributes=alert_attributes(alert),
                )
            )


class SnsChatPublisher:
    """Alerts for a chat channel: the topic AWS Chatbot delivers to Slack or Teams, the body in
    Chatbot's custom notification format (cxloop.domain.casework.chat_alerts), with the same
    attributes as the managers' alerts so a subscription can filter on them too."""

    def __init__(self, topic_arn: str, sns: Any | None = None) -> None:
        self.topic_arn = topic_arn
        self._client = sns

    def publish(self, alert: Alert) -> str:
        # Imported here: only push_alert, and only with chat alerts on, renders them.
        from cxloop.domain.casework.chat_alerts import chat_notification  # noqa: PLC0415

        with translated("sns publish to chat"):
            return message_id_of(
                lambda: (self._client or client("sns")).publish(
                    TopicArn=self.topic_arn,
                    Message=to_json(chat_notification(alert)),
                    MessageAttributes=alert_attributes(alert),
                )
            )


def alert_attributes(alert: Alert) -> dict[str, dict[str, str]]:
    attributes = {
        name: {"DataType": "String", "StringValue": str(getattr(alert, name))}
        for name in ("country", "region", "branch", "severity", "kind", "audience")
    }
    attributes["level"] = {"DataType": "Number", "StringValue": str(alert.level)}
    attributes["ticket_id"] = {"DataType": "String", "StringValue": alert.ticket_id}
    if alert.recipient:
        attributes["recipient"] = {"DataType": "String", "StringValue": alert.recipient}
    return attributes
