"""The ERP webhook's signing secrets: {"current": ..., "previous": ...} in Secrets Manager; and
the helpdesk connectors' credentials, one secret per connector the deployment names."""

from __future__ import annotations

import json

from aws_cdk import Stack
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from cxloop.domain.integrations.connectors import SECRET_PREFIX
from infra.cdk.nag import acknowledge
from infra.cdk.scanners import skip_checkov

# Both secrets (this one and the suppression list's key, Suppressions) use Secrets Manager's key.
MANAGED_KEY_REASON = (
    "Encrypted under Secrets Manager's AWS managed key (aws/secretsmanager); who may read the "
    "secret is decided by IAM, granted to the functions infra/pipeline.py names alone, and no "
    "other account ever reads it, which is what a customer managed key would add."
)
# What cxloop.adapters.helpdesks reads from each vendor's secret, beside signing_secret.
CREDENTIAL_FIELDS: dict[str, tuple[str, ...]] = {
    "zendesk": ("email", "api_token"),
    "servicenow": ("username", "password"),
    "salesforce": ("client_id", "client_secret"),
}


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


class ConnectorSecrets(Construct):
    """A secret per helpdesk connector, under the prefix the connector functions may read and
    with the stack's name in it (two stacks in one account do not collide): the operator
    puts the tool's credentials in ({"email", "api_token"} for Zendesk, {"username",
    "password"} for ServiceNow, the connected app's {"client_id", "client_secret"} for
    Salesforce; by the connector's name, see credential_fields) and the webhook's signing
    secret, then names the secret in the connectors document."""

    def __init__(self, scope: Construct, construct_id: str, *, names: tuple[str, ...]) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self).stack_name
        self.secrets: dict[str, secretsmanager.Secret] = {}
        # The names as written (Secret.secret_name is a token parsed back out of the ARN).
        self.names: dict[str, str] = {}
        for name in names:
            self.names[name] = f"{SECRET_PREFIX}{stack}/{name}"
            secret = secretsmanager.Secret(
                self,
                name,
                secret_name=self.names[name],
                description=f"cxloop {name} connector: the tool's credentials and its callbacks' signing key",
                # A signing key for callouts cxloop verifies (ServiceNow, Salesforce); Zendesk's own
                # webhook secret replaces it, with the email and API token, when the operator fills it.
                generate_secret_string=secretsmanager.SecretStringGenerator(
                    secret_string_template=json.dumps(dict.fromkeys(credential_fields(name), "")),
                    generate_string_key="signing_secret",
                    exclude_punctuation=True,
                    password_length=48,
                ),
            )
            acknowledge(
                secret,
                "SMG4",
                "The helpdesk's API token and webhook key are issued and rotated in the helpdesk's own "
                "console; a Lambda rotation could not change them there and would break the connector.",
            )
            skip_checkov(secret, "CKV_AWS_149", MANAGED_KEY_REASON)
            self.secrets[name] = secret


def credential_fields(name: str) -> tuple[str, ...]:
    """The fields the operator fills, by the connector's name: a name that starts with a
    vendor's (servicenow, salesforce-eu...) gets that vendor's; any other, Zendesk's. Only the
    secret's first template: the operator may store any vendor's fields in it."""
    vendor = next((v for v in CREDENTIAL_FIELDS if name.startswith(v)), "zendesk")
    return CREDENTIAL_FIELDS[vendor]
