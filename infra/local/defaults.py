"""Development defaults shared by `cxloop serve`, `cxloop token` and the demo.

They are public on purpose: the local runtime never holds real data. On AWS the
webhook secret lives in Secrets Manager and staff tokens come from Cognito.
"""

import os

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"
WEBHOOK_SECRET = "cxloop-local-webhook-secret"  # noqa: S105 - public development default
STAFF_TOKEN_SECRET = "cxloop-local-staff-token-secret-for-development-only"  # noqa: S105 - public development default
# The suppression list's HMAC key (CXLOOP_SUPPRESSION_KEY); on AWS a generated secret.
SUPPRESSION_KEY = "cxloop-local-suppression-key-for-development-only"  # public development default
SENDER_ADDRESS = "surveys@cxloop.local"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
# Concurrent batches per queue (cxloop serve --pollers-per-queue). Three on a 2-core machine:
# tests/benchmarks/answer_to_alert.py's burst of 60 answers went from p95 3.7 s with one to
# 0.9 s with three; more only add threads contending for the same interpreter.
POLLERS_PER_QUEUE = 3
# moto accepts any credentials; these only keep boto3 from looking for real ones.
FAKE_KEY = "local"

# The local fake of AWS End User Messaging (infra/local/fake_channels.py). WhatsApp is on by
# default locally: our phone number's id and an approved invitation template, as
# Settings.whatsapp_template reads them (cxloop.adapters.whatsapp.WhatsAppTemplate).
WHATSAPP_PHONE_NUMBER_ID = "phone-number-id-00000000000000000000000000000001"
WHATSAPP_TEMPLATE = {
    "name": "cxloop_survey_invitation",
    "languages": {"es": "es_EC", "en": "en_US", "pt": "pt_BR", "fr": "fr"},
    "parameters": ["place", "url"],
}
# SMS stays on SNS (moto records it); CXLOOP_SMS_PROVIDER=eum sends from this pool instead.
SMS_POOL_ID = "pool-00000000000000000000000000000001"
# The fake refuses these from the start (more can be added: POST /_local/channels/refusals).
SMS_OPTED_OUT = ("+593990000098",)
WHATSAPP_REFUSED = ("+593990000099",)


def webhook_secret() -> str:
    """The secret ERP events are signed with: CXLOOP_WEBHOOK_SECRET, else the default."""
    return os.environ.get("CXLOOP_WEBHOOK_SECRET") or WEBHOOK_SECRET


def staff_secret() -> str:
    """The secret local staff tokens are signed with: CXLOOP_STAFF_TOKEN_SECRET, else the default."""
    return os.environ.get("CXLOOP_STAFF_TOKEN_SECRET") or STAFF_TOKEN_SECRET


# The local Zendesk (infra/local/fake_zendesk.py) and the development secret the Zendesk connector
# reads its credentials and signing key from, created in the AWS stand-in as
# ZENDESK_SECRET_NAME (on AWS, a secret the operator fills: README "Helpdesk connectors").
ZENDESK_SECRET_NAME = "cxloop/connectors/zendesk"  # noqa: S105 - a name, not a secret
ZENDESK_EMAIL = "cxloop@example.com"
ZENDESK_API_TOKEN = "cxloop-local-zendesk-api-token"  # noqa: S105 - public development default
ZENDESK_SIGNING_SECRET = "cxloop-local-zendesk-signing-secret"  # noqa: S105 - public development default


def zendesk_secret() -> dict[str, str]:
    """The JSON the Zendesk connector's secret holds."""
    return {"email": ZENDESK_EMAIL, "api_token": ZENDESK_API_TOKEN, "signing_secret": ZENDESK_SIGNING_SECRET}


# The local ServiceNow (infra/local/fake_servicenow.py) and its connector's development secret,
# as Zendesk's above.
SERVICENOW_SECRET_NAME = "cxloop/connectors/servicenow"  # noqa: S105 - a name, not a secret
SERVICENOW_USERNAME = "cxloop.integration"
SERVICENOW_PASSWORD = "cxloop-local-servicenow-password"  # noqa: S105 - public development default
SERVICENOW_SIGNING_SECRET = "cxloop-local-servicenow-signing-secret"  # noqa: S105 - public development default


def servicenow_secret() -> dict[str, str]:
    """The JSON the ServiceNow connector's secret holds."""
    return {
        "username": SERVICENOW_USERNAME,
        "password": SERVICENOW_PASSWORD,
        "signing_secret": SERVICENOW_SIGNING_SECRET,
    }


# The local Salesforce org (infra/local/fake_salesforce.py): its connected app's credentials and
# the key its Apex callouts are signed with, in the AWS stand-in as SALESFORCE_SECRET_NAME.
SALESFORCE_SECRET_NAME = "cxloop/connectors/salesforce"  # noqa: S105 - a name, not a secret
SALESFORCE_CLIENT_ID = "cxloop-local-salesforce-consumer-key"
SALESFORCE_CLIENT_SECRET = "cxloop-local-salesforce-consumer-secret"  # noqa: S105 - public development default
SALESFORCE_SIGNING_SECRET = "cxloop-local-salesforce-signing-secret"  # noqa: S105 - public development default


def salesforce_secret() -> dict[str, str]:
    """The JSON the Salesforce connector's secret holds."""
    return {
        "client_id": SALESFORCE_CLIENT_ID,
        "client_secret": SALESFORCE_CLIENT_SECRET,
        "signing_secret": SALESFORCE_SIGNING_SECRET,
    }
