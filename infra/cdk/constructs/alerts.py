"""The SNS topics of the pipeline description: managers subscribe to `alerts` with filter
policies on the message attributes (country, region, branch, severity, kind); topics that
AWS services publish to (SES events, two-way SMS replies) deliver to their queues."""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.pipeline import Pipeline, Topic

# The AWS managed key suffices where only our Lambdas publish (allowed through SNS by the
# managed key's policy). AWS services that publish (CloudWatch alarms, SES event publishing,
# End User Messaging's two-way SMS) cannot use it: their topics need a customer managed key
# whose policy lets them (see Monitoring for the alarms' one).
SNS_MANAGED_KEY = "alias/aws/sns"


class Alerts(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        pipeline: Pipeline,
        queues: dict[str, sqs.Queue] | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self._managed_key = kms.Alias.from_alias_name(self, "SnsManagedKey", SNS_MANAGED_KEY)
        publishers = sorted({service for spec in pipeline.topics for service in spec.published_by})
        # One key for every topic an AWS service publishes to, allowing exactly those services.
        self.service_topics_key = self._service_key(publishers) if publishers else None
        self.topics = {spec.name: self._topic(spec) for spec in pipeline.topics}
        for spec in pipeline.topics:
            for queue in spec.subscribed_queues:
                # Raw delivery off: each body is the SNS envelope (its MessageId is the
                # consumer's idempotency key). SqsSubscription adds the queue policy that lets
                # this topic, and only it, send to the queue.
                self.topics[spec.name].add_subscription(
                    subscriptions.SqsSubscription((queues or {})[queue], raw_message_delivery=False)
                )

    def _topic(self, spec: Topic) -> sns.Topic:
        key = self.service_topics_key if spec.published_by else self._managed_key
        return sns.Topic(self, f"{spec.name.title().replace('_', '')}Topic", master_key=key, enforce_ssl=True)

    def _service_key(self, services: list[str]) -> kms.Key:
        key = kms.Key(
            self,
            "ServiceTopicsKey",
            enable_key_rotation=True,
            description="cxloop topics AWS services publish to (SES events, two-way SMS replies)",
        )
        key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal(service) for service in services],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],
                # On this account's behalf only (the confused-deputy guard).
                conditions={"StringEquals": {"aws:SourceAccount": Stack.of(self).account}},
            )
        )
        return key
