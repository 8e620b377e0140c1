"""Development defaults shared by `cxloop serve`, `cxloop token` and the demo.

They are public on purpose: the local runtime never holds real data. On AWS the
webhook secret lives in Secrets Manager and staff tokens come from Cognito.
"""

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"
WEBHOOK_SECRET = "cxloop-local-webhook-secret"  # noqa: S105 - public development default
STAFF_TOKEN_SECRET = "cxloop-local-staff-token-secret-for-development-only"  # noqa: S105 - public development default
SENDER_ADDRESS = "surveys@cxloop.local"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
# moto accepts any credentials; these only keep boto3 from looking for real ones.
FAKE_KEY = "local"
