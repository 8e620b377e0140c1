"""The ERP webhook's signing secrets: {"current": ..., "previous": ...} in Secrets Manager."""

from __future__ import annotations

import json

from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra.cdk.nag import acknowledge
from infra.cdk.scanners import skip_checkov

# Both secrets (this one and the suppression list's key, Suppressions) use Secrets Manager's key.
MANAGED_KEY_REASON = (
    "Encrypted under Secrets Manager's AWS managed key (aws/secretsmanager); who may read the "
    "secret is decided by IAM, granted to the functions infra/pipeline.py names alone, and no "
    "other account ever reads it, which is what a customer managed key would add."
)


class WebhookSecret(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.secret = secretsmanager.Secret(
            self,
            "Secret",
            description="cxloop ERP webhook signing secrets: current and previous (both accepted)",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template=json.dumps({"previous": ""}),
                generate_string_key="current",
                exclude_punctuation=True,
                password_length=48,
            ),
        )
        acknowledge(
            self.secret,
            "SMG4",
            "Rotation is a two-secret handover with each ERP integrator (current and previous are both "
            "accepted while the ERP switches), not a Lambda rotation that would break their signatures "
            "without notice.",
        )
        skip_checkov(self.secret, "CKV_AWS_149", MANAGED_KEY_REASON)
