"""DynamoDB tables from the pipeline description: on demand, PITR, encrypted, TTL, GSIs."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from infra.cdk.scanners import skip_checkov
from infra.pipeline import Pipeline, Table

STRING = dynamodb.AttributeType.STRING
AWS_MANAGED_KEY_REASON = (
    "Encrypted at rest with KMS under the AWS managed key (aws/dynamodb), whose every use CloudTrail "
    "logs. A customer managed key would add a key policy to keep in step with every function's grant "
    "and KMS charges on every read, and buys no control the pipeline uses: customers are erased item "
    "by item (privacy's erasure), never by destroying a key."
)


class Storage(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, pipeline: Pipeline) -> None:
        super().__init__(scope, construct_id)
        self.tables = {spec.name: self._table(spec) for spec in pipeline.tables}

    def _table(self, spec: Table) -> dynamodb.Table:
        table = dynamodb.Table(
            self,
            spec.name.title(),
            partition_key=dynamodb.Attribute(name=spec.partition_key, type=STRING),
            sort_key=dynamodb.Attribute(name=spec.sort_key, type=STRING) if spec.sort_key else None,
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            time_to_live_attribute=spec.ttl_attribute,
            # Change data capture for the lake: each item's new image, in order.
            stream=dynamodb.StreamViewType.NEW_IMAGE if spec.stream else None,
            # Customer data outlives a stack: deleting the stack must not delete it.
            removal_policy=RemovalPolicy.RETAIN,
        )
        skip_checkov(table, "CKV_AWS_119", AWS_MANAGED_KEY_REASON)
        for index, partition, sort in spec.indexes:
            table.add_global_secondary_index(
                index_name=index,
                partition_key=dynamodb.Attribute(name=partition, type=STRING),
                sort_key=dynamodb.Attribute(name=sort, type=STRING),
            )
        return table
