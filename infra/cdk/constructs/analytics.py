"""The data lake: Firehose delivery streams write each dataset into S3 partitioned by date,
Glue tables describe the files (partition projection: no crawler, no partitions to add), and
an Athena workgroup runs the saved queries (infra/analytics/queries/*.sql) as named queries.

The same SQL runs locally with DuckDB (`cxloop analytics`); the Glue tables are named like the
datasets, so the saved SQL reads `responses` and `ticket_events` on both engines.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Size, Stack
from aws_cdk import aws_athena as athena
from aws_cdk import aws_glue as glue
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesisfirehose as firehose
from aws_cdk import aws_s3 as s3
from constructs import Construct

from cxloop.domain.insights.lake import COLUMNS, PARTITION_KEY
from infra.cdk.constructs.buckets import access_log_bucket
from infra.cdk.nag import acknowledge
from infra.local.analytics import saved_queries
from infra.pipeline import DeliveryStream, Pipeline

# Dynamic partitioning needs buffers of at least 64 MiB; rows reach Athena within 5 minutes.
BUFFER_SIZE_MIB = 64
BUFFER_INTERVAL_S = 300
# Partition projection's first date: no lake row is older than the lake.
FIRST_PARTITION = "2026-01-01"
# A runaway query (a forgotten dt filter on years of data) stops at this many bytes.
BYTES_SCANNED_CUTOFF = Size.gibibytes(10)
RESULTS_PREFIX = "athena-results/"
RESULTS_RETENTION = Duration.days(30)
JSON_SERDE = "org.openx.data.jsonserde.JsonSerDe"


class Analytics(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, pipeline: Pipeline) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.access_logs = access_log_bucket(self, "AccessLogs")
        self.bucket = self._lake_bucket()
        self.delivery_role = iam.Role(
            self,
            "DeliveryRole",
            assumed_by=iam.ServicePrincipal("firehose.amazonaws.com"),
            description="cxloop lake: Firehose writes each dataset under its own prefix",
        )
        self.delivery_streams = {spec.name: self._delivery_stream(spec) for spec in pipeline.delivery_streams}
        # Athena names must be lowercase words; scoped by the stack, which is one per stage.
        self.database_name = f"{stack.stack_name.lower().replace('-', '_')}_lake"
        self.database = glue.CfnDatabase(
            self,
            "Database",
            catalog_id=stack.account,
            database_input=glue.CfnDatabase.DatabaseInputProperty(
                name=self.database_name, description="cxloop data lake: responses and ticket events"
            ),
        )
        self.tables = {spec.name: self._table(spec) for spec in pipeline.delivery_streams}
        self.workgroup = self._workgroup(f"{stack.stack_name}-lake")
        self.named_queries = self._named_queries()

    def _lake_bucket(self) -> s3.Bucket:
        return s3.Bucket(
            self,
            "Lake",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix="lake/",
            lifecycle_rules=[
                s3.LifecycleRule(prefix=RESULTS_PREFIX, expiration=RESULTS_RETENTION),
                s3.LifecycleRule(noncurrent_version_expiration=Duration.days(30)),
            ],
            # Analytics history outlives a stack, like the tables it comes from.
            removal_policy=RemovalPolicy.RETAIN,
        )

    def _delivery_stream(self, spec: DeliveryStream) -> firehose.CfnDeliveryStream:
        self._grant_delivery(spec)
        stream = firehose.CfnDeliveryStream(
            self,
            f"{spec.name.title().replace('_', '')}Delivery",
            delivery_stream_type="DirectPut",
            delivery_stream_encryption_configuration_input=(
                firehose.CfnDeliveryStream.DeliveryStreamEncryptionConfigurationInputProperty(
                    key_type="AWS_OWNED_CMK"
                )
            ),
            extended_s3_destination_configuration=firehose.CfnDeliveryStream.ExtendedS3DestinationConfigurationProperty(
                bucket_arn=self.bucket.bucket_arn,
                role_arn=self.delivery_role.role_arn,
                prefix=spec.prefix,
                error_output_prefix=spec.error_prefix,
                buffering_hints=firehose.CfnDeliveryStream.BufferingHintsProperty(
                    size_in_m_bs=BUFFER_SIZE_MIB, interval_in_seconds=BUFFER_INTERVAL_S
                ),
                compression_format="UNCOMPRESSED",
                dynamic_partitioning_configuration=firehose.CfnDeliveryStream.DynamicPartitioningConfigurationProperty(
                    enabled=True,
                    retry_options=firehose.CfnDeliveryStream.RetryOptionsProperty(duration_in_seconds=300),
                ),
                processing_configuration=firehose.CfnDeliveryStream.ProcessingConfigurationProperty(
                    enabled=True, processors=[_partition_key_extraction()]
                ),
            ),
        )
        # The role's policy must exist before Firehose checks it can write (the role itself is
        # already a dependency through role_arn).
        stream.node.add_dependency(self.delivery_role.node.find_child("DefaultPolicy"))
        return stream

    def _grant_delivery(self, spec: DeliveryStream) -> None:
        """Firehose's S3 permissions, on this dataset's prefix and its error prefix only."""
        bucket_arn = self.bucket.bucket_arn
        self.delivery_role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"],
                resources=[bucket_arn],
            )
        )
        self.delivery_role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload"],
                resources=[f"{bucket_arn}/{spec.name}/*", f"{bucket_arn}/errors/{spec.name}/*"],
            )
        )
        acknowledge(
            self.delivery_role,
            f"IAM5[Resource::<{self._bucket_logical_id()}.Arn>/{spec.name}/*]",
            "Firehose names each object it writes; the grant stays within this dataset's prefix.",
        )
        acknowledge(
            self.delivery_role,
            f"IAM5[Resource::<{self._bucket_logical_id()}.Arn>/errors/{spec.name}/*]",
            "Firehose names each error object it writes; the grant stays within the dataset's error prefix.",
        )

    def _bucket_logical_id(self) -> str:
        return Stack.of(self).get_logical_id(self.bucket.node.default_child)  # type: ignore[arg-type]

    def _table(self, spec: DeliveryStream) -> glue.CfnTable:
        location = f"s3://{self.bucket.bucket_name}/{spec.name}/"
        table = glue.CfnTable(
            self,
            f"{spec.name.title().replace('_', '')}Table",
            catalog_id=Stack.of(self).account,
            database_name=self.database_name,
            table_input=glue.CfnTable.TableInputProperty(
                name=spec.name,
                description=f"cxloop lake: {spec.name}, JSON lines from Firehose, one folder per UTC date",
                table_type="EXTERNAL_TABLE",
                parameters={
                    "classification": "json",
                    # Partition projection: Athena computes the dt folders, no crawler needed.
                    "projection.enabled": "true",
                    f"projection.{PARTITION_KEY}.type": "date",
                    f"projection.{PARTITION_KEY}.format": "yyyy-MM-dd",
                    f"projection.{PARTITION_KEY}.range": f"{FIRST_PARTITION},NOW",
                    f"projection.{PARTITION_KEY}.interval": "1",
                    f"projection.{PARTITION_KEY}.interval.unit": "DAYS",
                    "storage.location.template": f"{location}{PARTITION_KEY}=${{{PARTITION_KEY}}}/",
                },
                partition_keys=[glue.CfnTable.ColumnProperty(name=PARTITION_KEY, type="string")],
                storage_descriptor=glue.CfnTable.StorageDescriptorProperty(
                    location=location,
                    columns=[
                        glue.CfnTable.ColumnProperty(name=name, type=kind)
                        for name, kind in COLUMNS[spec.name]  # type: ignore[index]
                    ],
                    input_format="org.apache.hadoop.mapred.TextInputFormat",
                    output_format="org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
                    serde_info=glue.CfnTable.SerdeInfoProperty(serialization_library=JSON_SERDE),
                ),
            ),
        )
        table.add_dependency(self.database)
        return table

    def _workgroup(self, name: str) -> athena.CfnWorkGroup:
        return athena.CfnWorkGroup(
            self,
            "Workgroup",
            name=name,
            description="cxloop lake: saved queries over responses and ticket events",
            recursive_delete_option=False,
            work_group_configuration=athena.CfnWorkGroup.WorkGroupConfigurationProperty(
                # Every query's results go to the lake bucket, encrypted, whatever the client asks.
                enforce_work_group_configuration=True,
                publish_cloud_watch_metrics_enabled=True,
                bytes_scanned_cutoff_per_query=int(BYTES_SCANNED_CUTOFF.to_bytes()),
                result_configuration=athena.CfnWorkGroup.ResultConfigurationProperty(
                    output_location=f"s3://{self.bucket.bucket_name}/{RESULTS_PREFIX}",
                    encryption_configuration=athena.CfnWorkGroup.EncryptionConfigurationProperty(
                        encryption_option="SSE_S3"
                    ),
                ),
            ),
        )

    def _named_queries(self) -> dict[str, athena.CfnNamedQuery]:
        queries = {}
        for query in saved_queries().values():
            named = athena.CfnNamedQuery(
                self,
                f"{query.name.title().replace('_', '')}Query",
                name=query.name,
                description=query.summary[:1024],
                database=self.database_name,
                work_group=self.workgroup.ref,
                query_string=query.sql,
            )
            named.add_dependency(self.database)
            queries[query.name] = named
        return queries


def _partition_key_extraction() -> firehose.CfnDeliveryStream.ProcessorProperty:
    """Firehose reads each record's `dt` (JQ) for the prefix's !{partitionKeyFromQuery:dt}."""
    parameter = firehose.CfnDeliveryStream.ProcessorParameterProperty
    return firehose.CfnDeliveryStream.ProcessorProperty(
        type="MetadataExtraction",
        parameters=[
            parameter(
                parameter_name="MetadataExtractionQuery",
                parameter_value=f"{{{PARTITION_KEY}:.{PARTITION_KEY}}}",
            ),
            parameter(parameter_name="JsonParsingEngine", parameter_value="JQ-1.6"),
        ],
    )
