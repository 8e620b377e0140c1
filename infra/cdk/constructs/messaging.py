"""How messages move: the queues between steps (each with its dead-letter queue) and the
channels to customers (SES email from the sender identity with the configuration set whose
events feed the suppression list, SNS SMS)."""

from __future__ import annotations

from typing import Any

from aws_cdk import Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_ses as ses
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.cdk.scanners import skip_checkov
from infra.pipeline import Pipeline, Queue

# Lambda's guidance for SQS event sources: a message stays invisible for at least six
# function timeouts, so a slow batch is not handed to a second consumer meanwhile.
VISIBILITY_TIMEOUTS_PER_FUNCTION_TIMEOUT = 6
DEAD_LETTER_RETENTION = Duration.days(14)


def encrypted_queue(scope: Construct, construct_id: str, **options: Any) -> sqs.Queue:
    """Every queue of the stack: encrypted at rest with SQS managed keys (SSE-SQS), TLS only."""
    queue = sqs.Queue(
        scope, construct_id, encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True, **options
    )
    skip_checkov(
        queue,
        "CKV_AWS_27",
        "Encrypted at rest with SQS managed keys (SqsManagedSseEnabled), which this check does not "
        "read (it looks for a KMS key only); a KMS key would add a key policy for every producer, "
        "SNS included, and KMS charges on each message, for no control the pipeline uses.",
    )
    return queue


def check_visibility(queue: Queue, pipeline: Pipeline) -> None:
    """Refuse to synthesize a queue that could redeliver while its consumer still runs."""
    for consumer in pipeline.functions:
        if any(t.queue == queue.name for t in consumer.queue_triggers):
            needed = VISIBILITY_TIMEOUTS_PER_FUNCTION_TIMEOUT * consumer.timeout_s
            if queue.visibility_timeout_s < needed:
                raise ValueError(
                    f"queue {queue.name!r}: visibility timeout {queue.visibility_timeout_s}s is below "
                    f"{VISIBILITY_TIMEOUTS_PER_FUNCTION_TIMEOUT} x {consumer.name}'s {consumer.timeout_s}s "
                    f"timeout ({needed}s); raise it in infra/pipeline.py"
                )


class Messaging(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, pipeline: Pipeline, sender_address: str
    ) -> None:
        super().__init__(scope, construct_id)
        self.dead_letter_queues: dict[str, sqs.Queue] = {}
        self.queues = {spec.name: self._queue(spec, pipeline) for spec in pipeline.queues}
        # Deploying sends a verification mail to this address; sending works once it is confirmed.
        self.sender_identity = ses.EmailIdentity(
            self, "SenderIdentity", identity=ses.Identity.email(sender_address)
        )
        # Every message is sent with it: SES publishes its bounces and complaints to the
        # set's event destination (Suppressions), which feeds the suppression list.
        self.configuration_set = ses.ConfigurationSet(self, "ConfigurationSet")

    def _queue(self, spec: Queue, pipeline: Pipeline) -> sqs.Queue:
        check_visibility(spec, pipeline)
        dead_letters = encrypted_queue(
            self, f"{spec.name.title()}DeadLetters", retention_period=DEAD_LETTER_RETENTION
        )
        self.dead_letter_queues[spec.name] = dead_letters
        return encrypted_queue(
            self,
            f"{spec.name.title()}Queue",
            visibility_timeout=Duration.seconds(spec.visibility_timeout_s),
            dead_letter_queue=sqs.DeadLetterQueue(
                max_receive_count=spec.max_receive_count, queue=dead_letters
            ),
        )

    def grant_send_email(self, grantee: iam.IGrantable) -> iam.Grant:
        """ses:SendEmail from the sender identity only, with the configuration set (SES v2
        authorises a send on both the identity and the configuration set it names)."""
        stack = Stack.of(self)
        identity_arn = stack.format_arn(
            service="ses", resource="identity", resource_name=self.sender_identity.email_identity_name
        )
        configuration_set_arn = stack.format_arn(
            service="ses",
            resource="configuration-set",
            resource_name=self.configuration_set.configuration_set_name,
        )
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=["ses:SendEmail"], resource_arns=[identity_arn, configuration_set_arn]
        )

    def grant_send_sms(self, grantee: iam.IGrantable) -> iam.Grant:
        """sns:Publish to phone numbers. A phone number has no ARN, so the resource is "*";
        the region condition keeps sends in the region whose SMS spend limit and origination
        identities the operator configured."""
        return iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["sns:Publish"],
            resource_arns=["*"],
            conditions={"StringEquals": {"aws:RequestedRegion": Stack.of(self).region}},
        )
