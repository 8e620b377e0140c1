"""The grants no test exercises, each with the reason it stays.

tests/iam_contract/ replays every AWS call the integration and end-to-end suites recorded
against each function's role in the synthesized template, then lists what each role
allows that no call used (the README's "IAM contract"). Each such grant is removed from the
CDK app or explained here; a grant that is neither, or a reason that no longer explains any
grant, fails `make test`. Patterns are shell-style: `function` over the pipeline's function
names, `action` over the granted action as the template writes it, `resource` over the
granted resource as resolved to the local runtime's names (region us-east-1, account
123456789012).
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Protocol

from infra.cdk.constructs.functions import TABLE_ACTIONS


class GrantLike(Protocol):
    function: str
    action: str
    resource: str


@dataclass(frozen=True)
class Unexercised:
    function: str
    action: str
    resource: str
    reason: str

    def explains(self, grant: GrantLike) -> bool:
        return (
            fnmatchcase(grant.function, self.function)
            and fnmatchcase(grant.action, self.action)
            and fnmatchcase(grant.resource, self.resource)
        )

    def __str__(self) -> str:
        return f"{self.function}: {self.action} on {self.resource} ({self.reason})"


_TABLES = (
    "infra/pipeline.py grants a table by access (read, write or read_write: TABLE_ACTIONS in "
    "infra/cdk/constructs/functions.py), not operation by operation; this function uses other "
    "actions of the same access on this table, or none of them in the suites"
)

UNEXERCISED: tuple[Unexercised, ...] = (
    Unexercised(
        "*",
        "logs:*",
        "*:log-group:*",
        "Lambda writes the function's output to its log group with the function's role; no code "
        "calls CloudWatch Logs",
    ),
    Unexercised(
        "*",
        "xray:*",
        "*",
        "Lambda's active tracing sends the function's trace segments with its role "
        "(TraceWriting in infra/cdk/constructs/functions.py); no code calls X-Ray",
    ),
    Unexercised(
        "*",
        "sqs:GetQueue*",
        "*",
        "granted by CDK with an event source mapping or an on-failure destination: Lambda reads the "
        "queue when it sets them up, which the local pollers do not imitate",
    ),
    Unexercised(
        "*",
        "sqs:ChangeMessageVisibility",
        "*",
        "the event source mapping returns a failed message to its queue with it; no suite fails a "
        "message of this queue through the local runtime's pollers",
    ),
    Unexercised(
        "archive_to_lake",
        "dynamodb:ListStreams",
        "*",
        "the stream mapping lists the table's streams on AWS; the local poller takes the stream from "
        "DescribeTable instead (infra/local/runtime.py)",
    ),
    Unexercised(
        "archive_to_lake",
        "sqs:SendMessage",
        "*StreamFailures*",
        "Lambda sends a stream batch it gave up on to the mapping's on-failure queue; the local stream "
        "poller keeps those in memory (infra/local/stream_pollers.py)",
    ),
    Unexercised(
        "import_events",
        "sqs:SendMessage",
        "*IntakeObjectFailures*",
        "Lambda sends an S3 event that failed every retry to the on-failure destination; the local "
        "bucket poller keeps those in memory (infra/local/bucket_pollers.py)",
    ),
    Unexercised(
        "*",
        "ses:SendEmail",
        "*:configuration-set/*",
        "on AWS every email names the configuration set (SES_CONFIGURATION_SET) whose events feed "
        "the suppression list; the local runtime has no SES event publishing and sends without one",
    ),
    Unexercised(
        "*",
        "secretsmanager:GetSecretValue",
        "*",
        "locally the webhook secret and the suppression key come from the environment "
        "(CXLOOP_WEBHOOK_SECRET, CXLOOP_SUPPRESSION_KEY); on AWS cxloop.adapters.secrets reads them",
    ),
    Unexercised(
        "*",
        "sms-voice:SendTextMessage",
        "*",
        "the suites run the handlers with SMS on SNS, the default; End User Messaging's SMS is tested "
        "on its adapter alone (tests/integration/test_channel_adapters.py)",
    ),
    Unexercised(
        "publish_reports",
        "s3:GetObjectVersion",
        "*",
        "read access to a bucket prefix grants both object reads (OBJECT_ACTIONS in "
        "infra/cdk/constructs/functions.py); the report links name no version",
    ),
    Unexercised(
        "import_events",
        "s3:GetObject",
        "*",
        "read access to a bucket prefix grants both object reads (OBJECT_ACTIONS in "
        "infra/cdk/constructs/functions.py); an import reads the version its S3 event names",
    ),
    Unexercised(
        "deliver_webhook",
        "sqs:SendMessage",
        "*:webhooks-dlq",
        "a delivery goes to the dead-letter queue itself after its last retry, about 28 hours in; "
        "the schedule is tested with in-memory stores (tests/unit/integrations/test_deliver_webhook.py)",
    ),
    *(Unexercised("*", action, "*:table/*", _TABLES) for action in TABLE_ACTIONS["read_write"]),
)
