"""The SNS topics of the pipeline description: managers subscribe with filter policies on
the message attributes (country, region, branch, severity, kind)."""

from __future__ import annotations

from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from constructs import Construct

from infra.pipeline import Pipeline

# The AWS managed key suffices here: only our Lambda publishes (allowed through SNS by the
# managed key's policy). AWS services that publish (CloudWatch alarms) need a customer
# managed key instead; see Monitoring.
SNS_MANAGED_KEY = "alias/aws/sns"


class Alerts(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, pipeline: Pipeline) -> None:
        super().__init__(scope, construct_id)
        key = kms.Alias.from_alias_name(self, "SnsManagedKey", SNS_MANAGED_KEY)
        self.topics = {
            spec.name: sns.Topic(self, f"{spec.name.title()}Topic", master_key=key, enforce_ssl=True)
            for spec in pipeline.topics
        }
