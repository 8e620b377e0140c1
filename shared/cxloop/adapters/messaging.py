"""SQS, SES v2 and SNS adapters."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cxloop.adapters.aws import client, to_json, translated
from cxloop.domain.messages import EmailMessage
from cxloop.domain.models import Alert


class SqsQueue:
    """A queue the next step consumes; the correlation id rides as a message attribute."""

    def __init__(self, queue_url: str, sqs: Any | None = None) -> None:
        self.queue_url = queue_url
        self._client = sqs

    def send(self, body: Mapping[str, object], *, correlation_id: str) -> None:
        with translated("sqs send"):
            (self._client or client("sqs")).send_message(
                QueueUrl=self.queue_url,
                MessageBody=to_json(body),
                MessageAttributes={"correlation_id": {"DataType": "String", "StringValue": correlation_id}},
            )


class SesEmailSender:
    def __init__(self, sesv2: Any | None = None) -> None:
        self._client = sesv2

    def send(self, *, sender: str, to: str, message: EmailMessage) -> str:
        with translated("ses send_email"):
            answer = (self._client or client("sesv2")).send_email(
                FromEmailAddress=sender,
                Destination={"ToAddresses": [to]},
                Content={
                    "Simple": {
                        "Subject": {"Data": message.subject, "Charset": "UTF-8"},
                        "Body": {
                            "Text": {"Data": message.text, "Charset": "UTF-8"},
                            "Html": {"Data": message.html, "Charset": "UTF-8"},
                        },
                    }
                },
            )
        return str(answer["MessageId"])


class SnsSmsSender:
    """SMS through SNS; AWS End User Messaging arrives with the channels issue."""

    def __init__(self, sns: Any | None = None) -> None:
        self._client = sns

    def send(self, *, to: str, text: str) -> str:
        with translated("sns sms"):
            answer = (self._client or client("sns")).publish(
                PhoneNumber=to,
                Message=text,
                MessageAttributes={
                    "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}
                },
            )
        return str(answer["MessageId"])


class SnsAlertPublisher:
    """Alerts with attributes managers filter on (country, region, branch, severity, kind,
    audience, and recipient when the alert is for one person)."""

    def __init__(self, topic_arn: str, sns: Any | None = None) -> None:
        self.topic_arn = topic_arn
        self._client = sns

    def publish(self, alert: Alert) -> str:
        attributes = {
            name: {"DataType": "String", "StringValue": str(getattr(alert, name))}
            for name in ("country", "region", "branch", "severity", "kind", "audience")
        }
        attributes["level"] = {"DataType": "Number", "StringValue": str(alert.level)}
        attributes["ticket_id"] = {"DataType": "String", "StringValue": alert.ticket_id}
        if alert.recipient:
            attributes["recipient"] = {"DataType": "String", "StringValue": alert.recipient}
        with translated("sns publish"):
            answer = (self._client or client("sns")).publish(
                TopicArn=self.topic_arn,
                Subject=alert.subject,
                Message=alert.message,
                MessageAttributes=attributes,
            )
        return str(answer["MessageId"])
