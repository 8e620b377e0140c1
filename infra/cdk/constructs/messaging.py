"""Queues (each with its DLQ), the alert topic, the webhook secret and the sender identity."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_ses as ses
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.cdk.nag import acknowledge
from infra.pipeline import PIPELINE, Queue


class Messaging(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, sender_address: str) -> None:
        super().__init__(scope, construct_id)
        self.dead_letter_queues: dict[str, sqs.Queue] = {}
        self.queues = {spec.name: self._queue(spec) for spec in PIPELINE.queues}
        sns_key = kms.Alias.from_alias_name(self, "SnsKey", "alias/aws/sns")
        self.topics = {
            spec.name: sns.Topic(self, f"{spec.name.title()}Topic", master_key=sns_key, enforce_ssl=True)
            for spec in PIPELINE.topics
        }
        self.webhook_secret = secretsmanager.Secret(
            self,
            "WebhookSecret",
            description="cxloop ERP webhook secrets: {current, previous}",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template='{"previous": ""}',  # noqa: S106 - a template, not a secret
                generate_string_key="current",
                exclude_punctuation=True,
            ),
        )
        acknowledge(
            self.webhook_secret,
            "AwsSolutions-SMG4",
            "Rotation is a two-secret handover coordinated with each ERP integrator (current and previous "
            "are both accepted), not an automatic Lambda rotation that would break their signatures.",
        )
        self.sender_identity = ses.EmailIdentity(
            self, "SenderIdentity", identity=ses.Identity.email(sender_address)
        )

    def _queue(self, spec: Queue) -> sqs.Queue:
        dead_letters = sqs.Queue(
            self,
            f"{spec.name.title()}Dlq",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        acknowledge(
            dead_letters,
            "AwsSolutions-SQS3",
            "This is the dead-letter queue itself; its depth is alarmed and redriven by operators.",
        )
        self.dead_letter_queues[spec.name] = dead_letters
        return sqs.Queue(
            self,
            f"{spec.name.title()}Queue",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            visibility_timeout=Duration.seconds(spec.visibility_timeout_s),
            dead_letter_queue=sqs.DeadLetterQueue(
                max_receive_count=spec.max_receive_count, queue=dead_letters
            ),
        )
