"""The deploy-time choices read from CDK context (cdk.json, or `-c key=value`), checked
before any resource exists so a typo fails the synth with a sentence, not a stack trace."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from constructs import Node

# Powertools for AWS Lambda (Python) v3, public layer for python3.14/arm64. Layer 36
# carries Powertools 3.31.1; pick the layer that matches pyproject's pin with
#   aws ssm get-parameter --name /aws/service/powertools/python/arm64/python3.14/<semver>
DEFAULT_POWERTOOLS_LAYER_VERSION = "36"
# The ADOT Python layer as <release>:<layer version>, the end of its ARN: release 1.29.0 is
# published as version 1 of aws-otel-python-arm64-ver-1-29-0 in every region that has it
# (the ARNs aws-cdk-lib 2.275's region facts list). Newer releases: README "OpenTelemetry".
DEFAULT_OPEN_TELEMETRY_LAYER_VERSION = "1-29-0:1"
_ADOT_LAYER_VERSION = re.compile(r"^\d+(-\d+){2,3}:\d+$")
# As cxloop.domain.integrations.connectors.ConnectorName.
_CONNECTOR_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
DEFAULTS = {
    "stage": "dev",
    "senderAddress": "surveys@example.com",
    "publicBaseUrl": "",
    "powertoolsLayerVersion": DEFAULT_POWERTOOLS_LAYER_VERSION,
    # Who reads comments' tone: "lexicon" (no cloud service) or "comprehend" (Amazon Comprehend).
    "commentSentiment": "lexicon",
    # Lambda SnapStart for every function (README "SnapStart (optional)"): billed, so opt-in.
    "snapStart": "false",
    # OpenTelemetry through the ADOT Lambda layer (README "OpenTelemetry (optional)"): opt-in.
    "openTelemetry": "false",
    "openTelemetryLayerVersion": DEFAULT_OPEN_TELEMETRY_LAYER_VERSION,
    # A send whose answer was lost: taken as sent, or sent again (cxloop.adapters.unconfirmed_sends).
    "unconfirmedSends": "assume_sent",
}
UNCONFIRMED_SENDS = ("assume_sent", "resend")
COMMENT_SENTIMENT_READERS = ("lexicon", "comprehend")
# API Gateway stage names: letters, digits, hyphens and underscores, up to 128.
_STAGE = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


# End User Messaging ids as the consoles show them (a pool id, a WhatsApp phone number id).
_POOL_ID = re.compile(r"^pool-[A-Za-z0-9]{1,64}$")
_WHATSAPP_NUMBER_ID = re.compile(r"^phone-number-id-[A-Za-z0-9]{1,64}$")
_CONFIGURATION_SET = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass(frozen=True)
class ChannelContext:
    """Customer channels beyond SES and SNS, all off unless the context names them:
    smsProvider ("sns" | "eum"), smsPoolId, smsConfigurationSet, whatsappPhoneNumberId,
    whatsappTemplate (WhatsAppTemplate's fields, an object in cdk.json or JSON text with -c)
    and shortBaseUrl (a shorter https host pointed at the same API, for links on phones)."""

    sms_provider: str = "sns"
    sms_pool_id: str = ""
    sms_configuration_set: str = ""
    whatsapp_phone_number_id: str = ""
    whatsapp_template: str = ""
    short_base_url: str = ""

    def __post_init__(self) -> None:
        problems = [message for failed, message in self._checks() if failed]
        if problems:
            raise ValueError("; ".join(problems))

    @property
    def eum_sms(self) -> bool:
        return self.sms_provider == "eum"

    @property
    def whatsapp(self) -> bool:
        return bool(self.whatsapp_phone_number_id)

    def _checks(self) -> list[tuple[bool, str]]:
        number, template = self.whatsapp_phone_number_id, self.whatsapp_template
        return [
            (self.sms_provider not in ("sns", "eum"), f"smsProvider {self.sms_provider!r}: sns or eum"),
            (
                self.eum_sms and not _POOL_ID.match(self.sms_pool_id),
                f"smsPoolId {self.sms_pool_id!r}: smsProvider eum needs a pool id (pool-...)",
            ),
            (
                bool(self.sms_configuration_set) and not _CONFIGURATION_SET.match(self.sms_configuration_set),
                f"smsConfigurationSet {self.sms_configuration_set!r} is no configuration set name",
            ),
            (
                bool(number) and not _WHATSAPP_NUMBER_ID.match(number),
                f"whatsappPhoneNumberId {number!r}: a phone-number-id-... id",
            ),
            (bool(number) != bool(template), "whatsappPhoneNumberId and whatsappTemplate go together"),
            (
                bool(self.short_base_url) and not self.short_base_url.startswith("https://"),
                f"shortBaseUrl {self.short_base_url!r}: https only",
            ),
        ]

    @classmethod
    def from_node(cls, node: Node) -> ChannelContext:
        def value(key: str) -> str:
            found = node.try_get_context(key)
            return "" if found is None else str(found).strip()

        return cls(
            sms_provider=value("smsProvider") or "sns",
            sms_pool_id=value("smsPoolId"),
            sms_configuration_set=value("smsConfigurationSet"),
            whatsapp_phone_number_id=value("whatsappPhoneNumberId"),
            whatsapp_template=_template_text(node.try_get_context("whatsappTemplate")),
            short_base_url=value("shortBaseUrl").rstrip("/"),
        )


def _template_text(found: Any) -> str:
    """The template as the JSON text functions read (CXLOOP_WHATSAPP_TEMPLATE); its fields
    are validated by WhatsAppTemplate at the function's cold start."""
    if found is None or found == "":
        return ""
    document = json.loads(found) if isinstance(found, str) else found
    if not isinstance(document, dict):
        raise ValueError("whatsappTemplate: an object with name, languages and parameters")
    return json.dumps(document, separators=(",", ":"), sort_keys=True)


_SLACK_ID = re.compile(r"^[A-Z0-9]{1,256}$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_TEAMS_CHANNEL = re.compile(r"^[A-Za-z0-9:@._-]{1,256}$")
_CHAT_FIELDS = {"slack": ("workspaceId", "channelId"), "teams": ("teamId", "tenantId", "channelId")}


@dataclass(frozen=True)
class ChatContext:
    """Alerts in a chat channel through AWS Chatbot (README "Alerts in chat"), off unless
    `chatAlerts` names one: {"slack": {"workspaceId", "channelId"}} or {"teams": {"teamId",
    "tenantId", "channelId"}}, and an optional "filter" on the alerts' attributes."""

    app: str = ""
    ids: tuple[tuple[str, str], ...] = ()
    filter: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def enabled(self) -> bool:
        return bool(self.app)

    def id(self, name: str) -> str:
        return dict(self.ids)[name]

    @property
    def filter_json(self) -> str:
        """What push_alert reads (CXLOOP_CHAT_ALERT_FILTER): attribute -> accepted values."""
        return json.dumps({name: list(values) for name, values in self.filter}, sort_keys=True)

    @classmethod
    def from_node(cls, node: Node) -> ChatContext:
        found = node.try_get_context("chatAlerts")
        if found is None or found == "":
            return cls()
        document = json.loads(found) if isinstance(found, str) else found
        apps = [app for app in _CHAT_FIELDS if isinstance(document, dict) and app in document]
        if len(apps) != 1:
            raise ValueError(
                'chatAlerts: an object with either "slack" or "teams" (and an optional "filter")'
            )
        app = apps[0]
        ids = tuple((name, str(document[app].get(name, "")).strip()) for name in _CHAT_FIELDS[app])
        chosen = cls(app=app, ids=ids, filter=_chat_filter(document.get("filter") or {}))
        chosen.check()
        return chosen

    def check(self) -> None:
        ids = dict(self.ids)
        patterns = {"workspaceId": _SLACK_ID, "teamId": _UUID, "tenantId": _UUID}
        if self.app == "slack":
            patterns["channelId"] = _SLACK_ID
        else:
            patterns["channelId"] = _TEAMS_CHANNEL
        wrong = [name for name, value in ids.items() if not patterns[name].match(value)]
        if wrong:
            raise ValueError(f"chatAlerts.{self.app}: {', '.join(wrong)} missing or malformed")


def _chat_filter(found: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The filter as push_alert's ChatFilter will read it; checked here so a typo fails the synth."""
    from cxloop.domain.casework.chat_alerts import ChatFilter  # noqa: PLC0415 - only with chat on

    if not isinstance(found, dict):
        raise ValueError("chatAlerts.filter: an object of attribute -> list of values")
    try:
        ChatFilter(found)
    except ValueError as problem:
        raise ValueError(f"chatAlerts.filter: {problem}") from problem
    return tuple((name, tuple(str(v) for v in found[name])) for name in sorted(found))


@dataclass(frozen=True)
class DeployContext:
    stage: str
    sender_address: str
    # Empty: survey links use the API's own execute-api URL.
    public_base_url: str
    powertools_layer_version: str
    channels: ChannelContext = field(default_factory=ChannelContext)
    comment_sentiment: str = "lexicon"
    # Functions start from a snapshot of their published version; triggers invoke the `live` alias.
    snap_start: bool = False
    # Each function runs under the ADOT layer's wrapper, which sends OpenTelemetry spans to X-Ray.
    open_telemetry: bool = False
    open_telemetry_layer_version: str = DEFAULT_OPEN_TELEMETRY_LAYER_VERSION
    chat: ChatContext = field(default_factory=ChatContext)
    # Helpdesk connectors whose credentials secret the stack creates (README "Helpdesk connectors").
    helpdesk_connectors: tuple[str, ...] = ()
    unconfirmed_sends: str = "assume_sent"

    def __post_init__(self) -> None:
        problems = [message for failed, message in self._checks() if failed]
        if problems:
            raise ValueError("; ".join(problems))

    def _checks(self) -> list[tuple[bool, str]]:
        base_url = self.public_base_url
        return [
            (not _STAGE.match(self.stage), f"stage {self.stage!r}: use letters, digits, '-' or '_'"),
            # "local" is the local runtime's: it lets webhooks go to http://127.0.0.1 (cxloop.config).
            (self.stage == "local", "stage 'local' is reserved for `cxloop serve`"),
            (not _EMAIL.match(self.sender_address), f"senderAddress {self.sender_address!r} is no email"),
            (
                bool(base_url) and not base_url.startswith("https://"),
                f"publicBaseUrl {base_url!r}: https only",
            ),
            (
                not self.powertools_layer_version.isdigit(),
                f"powertoolsLayerVersion {self.powertools_layer_version!r} is not a layer version number",
            ),
            (
                self.comment_sentiment not in COMMENT_SENTIMENT_READERS,
                f"commentSentiment {self.comment_sentiment!r}: lexicon or comprehend",
            ),
            (
                not _ADOT_LAYER_VERSION.match(self.open_telemetry_layer_version),
                f"openTelemetryLayerVersion {self.open_telemetry_layer_version!r}: "
                "<release>:<layer version> as in the layer's ARN, such as 1-29-0:1",
            ),
            (
                self.unconfirmed_sends not in UNCONFIRMED_SENDS,
                f"unconfirmedSends {self.unconfirmed_sends!r}: assume_sent or resend",
            ),
            *(
                (not _CONNECTOR_NAME.match(name), f"helpdeskConnectors {name!r}: a connector's name")
                for name in self.helpdesk_connectors
            ),
        ]

    @classmethod
    def from_node(cls, node: Node) -> DeployContext:
        def value(key: str) -> str:
            found = node.try_get_context(key)
            return DEFAULTS[key] if found is None else str(found).strip()

        return cls(
            stage=value("stage"),
            sender_address=value("senderAddress"),
            public_base_url=value("publicBaseUrl").rstrip("/"),
            powertools_layer_version=value("powertoolsLayerVersion"),
            channels=ChannelContext.from_node(node),
            comment_sentiment=value("commentSentiment"),
            snap_start=_switch(node, "snapStart"),
            open_telemetry=_switch(node, "openTelemetry"),
            open_telemetry_layer_version=value("openTelemetryLayerVersion"),
            chat=ChatContext.from_node(node),
            helpdesk_connectors=_names(node.try_get_context("helpdeskConnectors")),
            unconfirmed_sends=value("unconfirmedSends"),
        )


def _names(found: Any) -> tuple[str, ...]:
    """A list in cdk.json, or comma-separated text from `-c helpdeskConnectors=zendesk,...`."""
    if found is None or found == "":
        return ()
    names = found.split(",") if isinstance(found, str) else list(found)
    return tuple(str(name).strip() for name in names)


def _switch(node: Node, key: str) -> bool:
    """An on/off setting: a JSON boolean in cdk.json, or the text true/false from `-c key=...`.
    Anything else (yes, 1, on) fails rather than guess which way it was meant."""
    found = node.try_get_context(key)
    if found is None:
        found = DEFAULTS[key]
    if isinstance(found, bool):
        return found
    text = str(found).strip()
    if text not in ("true", "false"):
        raise ValueError(f"{key} {found!r}: true or false")
    return text == "true"
