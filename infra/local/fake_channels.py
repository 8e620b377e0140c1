"""A recorded fake of AWS End User Messaging SMS (`pinpoint-sms-voice-v2`) and Social
(`socialmessaging`, WhatsApp) for the local runtime: moto implements neither.

It speaks the wire protocols botocore uses, so the real adapters run unchanged against it
(boto3 honours AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2 and AWS_ENDPOINT_URL_SOCIALMESSAGING):
- SMS, awsJson1_0: POST with `X-Amz-Target: PinpointSMSVoiceV2.SendTextMessage`, answered
  {"MessageId"}; a number on the opted-out list gets the documented ConflictException with
  Reason DESTINATION_PHONE_NUMBER_OPTED_OUT;
- WhatsApp, restJson1: POST /v1/whatsapp/send with the Cloud API message base64-encoded
  (a blob), answered {"messageId"}; a number on the refused list gets ValidationException
  (what Meta answers for a number that is not on WhatsApp), which whatsapp_refusal knows.
The signature is not checked. Every accepted message is recorded for GET /_local/channels.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.wrappers import Request, Response

from infra.local.recorder import now_iso

SMS_PATH = "/_local/eum-sms"
SOCIAL_PATH = "/_local/eum-social"
RECORD_PATH = "/_local/channels"
REFUSALS_PATH = "/_local/channels/refusals"
SEND_TEXT_MESSAGE = "PinpointSMSVoiceV2.SendTextMessage"
OPTED_OUT = "DESTINATION_PHONE_NUMBER_OPTED_OUT"
_SURVEY_URL = re.compile(r"https?://[^\s\"'<>]+/s/[A-Za-z0-9_-]+")


class FakeChannels:
    def __init__(self, *, opted_out_sms: Iterable[str] = (), refused_whatsapp: Iterable[str] = ()) -> None:
        self.sent: list[dict[str, Any]] = []
        self.refused: dict[str, set[str]] = {"sms": set(opted_out_sms), "whatsapp": set(refused_whatsapp)}
        self._lock = threading.Lock()
        # Told the whole record after each change (the runtime keeps it with a data directory),
        # one change at a time, so a later record never arrives before an earlier one.
        self.on_change: Callable[[dict[str, Any]], None] = lambda _state: None
        self._telling = threading.Lock()

    def state(self) -> dict[str, Any]:
        with self._lock:
            return {"sent": list(self.sent), "refused": {k: sorted(v) for k, v in self.refused.items()}}

    def restore(self, state: dict[str, Any]) -> None:
        with self._lock:
            self.sent = list(state["sent"])
            for channel, numbers in state["refused"].items():
                self.refused.setdefault(channel, set()).update(numbers)

    def handle(self, request: Request) -> Response | None:
        """The answer for a path this fake owns; None for any other."""
        path = request.path.rstrip("/")
        if request.method == "POST" and path == SMS_PATH:
            return self._send_text_message(request)
        if request.method == "POST" and path == f"{SOCIAL_PATH}/v1/whatsapp/send":
            return self._send_whatsapp_message(request)
        if request.method == "POST" and path == REFUSALS_PATH:
            return self._add_refusal(request)
        if request.method == "GET" and path == RECORD_PATH:
            with self._lock:
                return _json(200, list(self.sent))
        return None

    def refuse(self, channel: str, number: str) -> None:
        with self._lock:
            self.refused[channel].add(number)
        self._tell()

    def _refuses(self, channel: str, number: str) -> bool:
        with self._lock:
            return number in self.refused[channel]

    def _record(self, entry: dict[str, Any]) -> str:
        message_id = str(uuid.uuid4())
        with self._lock:
            self.sent.append({**entry, "message_id": message_id, "sent_at": now_iso()})
        self._tell()
        return message_id

    def _tell(self) -> None:
        with self._telling:
            self.on_change(self.state())

    def _send_text_message(self, request: Request) -> Response:
        if request.headers.get("X-Amz-Target") != SEND_TEXT_MESSAGE:
            return _aws_json_error(400, "UnknownOperationException", "only SendTextMessage is faked")
        body = json.loads(request.get_data() or b"{}")
        to = str(body.get("DestinationPhoneNumber", ""))
        if self._refuses("sms", to):
            return _aws_json_error(
                400,
                "ConflictException",
                "The destination phone number is opted out",
                Reason=OPTED_OUT,
                ResourceType="opt-out-list",
                ResourceId="Default",
            )
        text = str(body.get("MessageBody", ""))
        message_id = self._record(
            {
                "channel": "sms",
                "provider": "eum",
                "to": to,
                "origination": body.get("OriginationIdentity"),
                "configuration_set": body.get("ConfigurationSetName"),
                "context": body.get("Context"),
                "body": text,
                "survey_url": _survey_url(text),
            }
        )
        return _json(200, {"MessageId": message_id}, "application/x-amz-json-1.0")

    def _send_whatsapp_message(self, request: Request) -> Response:
        body = json.loads(request.get_data() or b"{}")
        message = json.loads(base64.b64decode(body.get("message", "")) or b"{}")
        to = str(message.get("to", ""))
        if self._refuses("whatsapp", to):
            return _rest_json_error(400, "ValidationException", "The recipient is not a WhatsApp user")
        template = message.get("template") or {}
        components = template.get("components") or [{}]
        parameters = [p.get("text", "") for p in components[0].get("parameters", [])]
        message_id = self._record(
            {
                "channel": "whatsapp",
                "provider": "eum-social",
                "to": to,
                "origination": body.get("originationPhoneNumberId"),
                "template": template.get("name"),
                "language": (template.get("language") or {}).get("code"),
                "parameters": parameters,
                "body": " | ".join(parameters),
                "survey_url": next(filter(None, map(_survey_url, parameters)), None),
            }
        )
        return _json(200, {"messageId": message_id})

    def _add_refusal(self, request: Request) -> Response:
        """POST /_local/channels/refusals {"channel": "sms" | "whatsapp", "to": "+593..."}."""
        asked = json.loads(request.get_data() or b"{}")
        channel, to = asked.get("channel"), asked.get("to")
        if channel not in self.refused or not isinstance(to, str) or not to:
            return _json(400, {"error": {"code": "validation_error", "message": "channel and to"}})
        self.refuse(channel, to)
        return _json(200, {"channel": channel, "refused": sorted(self.refused[channel])})


def _survey_url(text: str) -> str | None:
    found = _SURVEY_URL.search(text)
    return found.group(0) if found else None


def _aws_json_error(status: int, code: str, message: str, **fields: str) -> Response:
    # awsJson1_0: the error's shape name in __type; modeled members beside the message.
    document = {"__type": code, "Message": message, **fields}
    return _json(status, document, "application/x-amz-json-1.0")


def _rest_json_error(status: int, code: str, message: str) -> Response:
    # restJson1: the shape name in the X-Amzn-ErrorType header, members in the body.
    response = _json(status, {"message": message})
    response.headers["X-Amzn-ErrorType"] = code
    return response


def _json(status: int, document: object, mimetype: str = "application/json") -> Response:
    return Response(json.dumps(document, ensure_ascii=False), status=status, mimetype=mimetype)
