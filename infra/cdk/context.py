"""The deploy-time choices read from CDK context (cdk.json, or `-c key=value`), checked
before any resource exists so a typo fails the synth with a sentence, not a stack trace."""

from __future__ import annotations

import re
from dataclasses import dataclass

from constructs import Node

# Powertools for AWS Lambda (Python) v3, public layer for python3.14/arm64. Layer 36
# carries Powertools 3.31.1; pick the layer that matches pyproject's pin with
#   aws ssm get-parameter --name /aws/service/powertools/python/arm64/python3.14/<semver>
DEFAULT_POWERTOOLS_LAYER_VERSION = "36"
DEFAULTS = {
    "stage": "dev",
    "senderAddress": "surveys@example.com",
    "publicBaseUrl": "",
    "powertoolsLayerVersion": DEFAULT_POWERTOOLS_LAYER_VERSION,
}
# API Gateway stage names: letters, digits, hyphens and underscores, up to 128.
_STAGE = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class DeployContext:
    stage: str
    sender_address: str
    # Empty: survey links use the API's own execute-api URL.
    public_base_url: str
    powertools_layer_version: str

    def __post_init__(self) -> None:
        problems = [message for failed, message in self._checks() if failed]
        if problems:
            raise ValueError("; ".join(problems))

    def _checks(self) -> list[tuple[bool, str]]:
        base_url = self.public_base_url
        return [
            (not _STAGE.match(self.stage), f"stage {self.stage!r}: use letters, digits, '-' or '_'"),
            (not _EMAIL.match(self.sender_address), f"senderAddress {self.sender_address!r} is no email"),
            (
                bool(base_url) and not base_url.startswith("https://"),
                f"publicBaseUrl {base_url!r}: https only",
            ),
            (
                not self.powertools_layer_version.isdigit(),
                f"powertoolsLayerVersion {self.powertools_layer_version!r} is not a layer version number",
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
        )
