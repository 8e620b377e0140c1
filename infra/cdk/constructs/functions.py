"""One Lambda per pipeline function, each with its own role granted only what the
pipeline description says it touches, and its queue and schedule triggers.

With the `snapStart` context on, each function also gets SnapStart, a published version and
the alias `live` on it, and every trigger invokes the alias: Lambda snapshots published
versions only, so an invocation of $LATEST would still run the whole init."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import Annotations, ArnFormat, BundlingOptions, DockerImage, Duration, Fn, ILocalBundling, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesisfirehose as firehose
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3_notifications
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from cxloop.domain.integrations.connectors import SECRET_PREFIX
from infra.cdk.constructs.buckets import Buckets
from infra.cdk.constructs.messaging import Messaging, encrypted_queue
from infra.cdk.constructs.storage import Storage
from infra.cdk.context import DeployContext
from infra.cdk.nag import acknowledge
from infra.cdk.scanners import accept_cdk_handler_findings, ignore_cfn_lint, skip_checkov
from infra.pipeline import (
    Access,
    BucketAccess,
    Function,
    ObjectCreated,
    Pipeline,
    StreamTrigger,
    dead_letters_name,
    env_name_for,
)

REPO = Path(__file__).resolve().parents[3]
RUNTIME = lambda_.Runtime.PYTHON_3_14
ARCHITECTURE = lambda_.Architecture.ARM_64
SERVICE = "cxloop"
LOG_RETENTION = logs.RetentionDays.ONE_MONTH
# Never ship bytecode a developer's interpreter left behind (it also changes asset hashes).
NOT_SHIPPED = ["**/__pycache__", "**/*.pyc"]
# Stream records live 24 h; a record this old is given up (to the DLQ) rather than block its shard.
STREAM_MAX_RECORD_AGE = Duration.hours(12)
DEAD_LETTER_RETENTION = Duration.days(14)
# The public Powertools for AWS Lambda (Python) v3 layer: Powertools and pydantic v2. It carries the
# X-Ray SDK too, which no function imports (cxloop.observability).
POWERTOOLS_LAYER_ARN = (
    "arn:${AWS::Partition}:lambda:${AWS::Region}:017000801446:layer:"
    "AWSLambdaPowertoolsPythonV3-python314-arm64:${Version}"
)
# The AWS Distro for OpenTelemetry's Python layer for arm64 (`openTelemetry` context), published
# by AWS in each commercial region; ${Version} is `openTelemetryLayerVersion` (release:layer).
ADOT_PYTHON_LAYER_ARN = (
    "arn:aws:lambda:${AWS::Region}:901920570463:layer:aws-otel-python-arm64-ver-${Version}"
)
ADOT_EXEC_WRAPPER = "/opt/otel-instrument"

# Runtime dependencies the Powertools layer does not carry, shipped in the shared-code layer.
# pip fetches wheels for Lambda's platform (manylinux2014_aarch64, the runtime's CPython) without
# Docker: openpyxl, segno and fpdf2 are pure Python; Pillow, which fpdf2 requires (and with it
# fonttools), has binary wheels for that platform, so it ships too. The report's PDF needs it.
# holidays (the SLA calendars, with its translations and python-dateutil) is pure Python too.
# boto3 and botocore (pure Python) ship too, at cxloop's pins, instead of the runtime's own: the
# cut-down models and endpoints cxloop's session reads (infra/botocore_data.py) are then read by
# the very botocore they were cut from, never by an older one a newer model could outrun.
# Pinned as in pyproject.toml (a test keeps the two equal); Pillow at the version fpdf2's pin
# resolves to for Lambda's platform.
LAYER_PACKAGES = (
    "boto3==1.44.18",
    "botocore==1.44.18",
    "openpyxl==3.1.5",
    "segno==1.6.6",
    "fpdf2==2.8.9",
    "pillow==12.2.0",
    "holidays==0.108",
)

# What every trigger invokes when SnapStart is on (the construct id is ours, see invocation_target).
LIVE_ALIAS = "live"
LIVE_ALIAS_ID = "LiveAlias"
# aws-cdk-lib's reminder that SnapStart needs a published version, which _publish_live makes.
SNAP_START_NEEDS_VERSION = "@aws-cdk/aws-lambda:snapStartRequirePublish"

# The id aws-cdk-lib gives its singleton function that writes buckets' notification settings.
NOTIFICATIONS_HANDLER_ID = "BucketNotificationsHandler050a0587b7544547bf325f094a3db834"
# S3 invokes a function asynchronously: two retries, then the on-failure queue.
ASYNC_RETRIES = 2
ASYNC_MAX_EVENT_AGE = Duration.hours(6)
# A table's item actions by the access infra/pipeline.py gives. CDK's grant_*_data would add
# DescribeTable, ConditionCheckItem and stream reads on the table's own ARN, which no function
# calls (the IAM contract test, tests/iam_contract/, records every call the suites make).
_READS = ("dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:BatchGetItem")
_WRITES = ("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem")
TABLE_ACTIONS: dict[Access, tuple[str, ...]] = {
    "read": _READS,
    "write": _WRITES,
    "read_write": _READS + _WRITES,
}
OBJECT_ACTIONS: dict[Access, list[str]] = {
    "read": ["s3:GetObject", "s3:GetObjectVersion"],
    "write": ["s3:PutObject"],
    "read_write": ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
}


@jsii.implements(ILocalBundling)
class CopySharedCode:
    """Bundle shared/cxloop as a layer (python/cxloop) by copying it, and LAYER_PACKAGES by
    installing their wheels for the Lambda platform: no Docker needed."""

    def try_bundle(self, output_dir: str, *, image: DockerImage, **_: Any) -> bool:
        target = Path(output_dir) / "python"
        shutil.copytree(
            REPO / "shared" / "cxloop",
            target / "cxloop",
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
            dirs_exist_ok=True,
        )
        install_wheels(target, LAYER_PACKAGES)
        return True


def install_wheels(target: Path, packages: tuple[str, ...]) -> None:
    """pip, for Lambda's Python and architecture, binary wheels only (never a build here)."""
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--platform",
        "manylinux2014_aarch64",
        "--implementation",
        "cp",
        "--python-version",
        RUNTIME.name.removeprefix("python"),
        "--only-binary=:all:",
        "--target",
        str(target),
        *packages,
    ]
    subprocess.run(command, check=True, capture_output=True, timeout=300)  # noqa: S603


class Functions(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        pipeline: Pipeline,
        context: DeployContext,
        storage: Storage,
        messaging: Messaging,
        topics: dict[str, sns.Topic],
        webhook_secret: secretsmanager.ISecret,
        delivery_streams: dict[str, firehose.CfnDeliveryStream] | None = None,
        buckets: dict[str, s3.Bucket] | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.delivery_streams = delivery_streams or {}
        # The pipeline's buckets: made here unless the stack passes them in.
        if buckets is None and pipeline.buckets:
            buckets = Buckets(self, "Buckets", pipeline=pipeline).buckets
        self.buckets = buckets or {}
        # The on-failure destination of each stream trigger, by "<function>-<table>".
        self.stream_dead_letter_queues: dict[str, sqs.Queue] = {}
        self.pipeline = pipeline
        self.context = context
        self.storage = storage
        self.messaging = messaging
        self.topics = topics
        self.webhook_secret = webhook_secret
        self.trace_writing = self._trace_writing_policy()
        self.layers = [self._shared_code_layer(), self._powertools_layer(context.powertools_layer_version)]
        if context.open_telemetry:
            self.layers.append(self._open_telemetry_layer(context.open_telemetry_layer_version))
        self.functions = {spec.name: self._function(spec) for spec in pipeline.functions}

    def set_environment(self, name: str, value: str) -> None:
        for function in self.functions.values():
            function.add_environment(name, value)

    def _trace_writing_policy(self) -> iam.ManagedPolicy:
        # X-Ray's write actions take no resource ARN. Granting them once, here, instead of
        # through `tracing=ACTIVE` (which adds them to every function's own policy) keeps the
        # per-function policies free of wildcards, so cdk-nag catches any new one there.
        policy = iam.ManagedPolicy(
            self,
            "TraceWriting",
            description="cxloop functions: send X-Ray trace segments",
            statements=[
                iam.PolicyStatement(
                    actions=["xray:PutTraceSegments", "xray:PutTelemetryRecords"], resources=["*"]
                )
            ],
        )
        acknowledge(
            policy,
            "IAM5[Resource::*]",
            "xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions.",
        )
        return policy

    def _shared_code_layer(self) -> lambda_.LayerVersion:
        return lambda_.LayerVersion(
            self,
            "SharedCode",
            code=lambda_.Code.from_asset(
                str(REPO / "shared"),
                exclude=NOT_SHIPPED,
                bundling=BundlingOptions(image=DockerImage.from_registry("scratch"), local=CopySharedCode()),
            ),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            description="cxloop shared code: domain and adapters (python/cxloop)",
        )

    def _powertools_layer(self, version: str) -> lambda_.ILayerVersion:
        arn = Fn.sub(POWERTOOLS_LAYER_ARN, {"Version": version})
        return lambda_.LayerVersion.from_layer_version_arn(self, "Powertools", arn)

    def _open_telemetry_layer(self, version: str) -> lambda_.ILayerVersion:
        """The ADOT Python layer in the stack's region: OpenTelemetry's SDK with its botocore and
        Lambda instrumentation, and a collector extension that sends the spans to X-Ray with the
        TraceWriting policy's actions. Not aws-cdk-lib's adotInstrumentation, which would also
        grant those actions on "*" in every function's own policy."""
        arn = Fn.sub(ADOT_PYTHON_LAYER_ARN, {"Version": version})
        return lambda_.LayerVersion.from_layer_version_arn(self, "OpenTelemetry", arn)

    def _function(self, spec: Function) -> lambda_.Function:
        log_group = logs.LogGroup(self, f"{spec.name}Logs", retention=LOG_RETENTION)
        role = iam.Role(
            self,
            f"{spec.name}Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"cxloop {spec.name}: only what infra/pipeline.py grants it",
            managed_policies=[self.trace_writing],
        )
        # Its own log group, instead of AWSLambdaBasicExecutionRole's logs:* on every group.
        log_group.grant_write(role)
        function = lambda_.Function(
            self,
            spec.name,
            description=spec.description,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler="handler.handler",
            code=lambda_.Code.from_asset(str(REPO / "functions" / spec.name), exclude=NOT_SHIPPED),
            layers=self.layers,
            timeout=Duration.seconds(spec.timeout_s),
            memory_size=spec.memory_mb,
            log_group=log_group,
            role=role,
            environment=self._environment(spec),
            # None leaves the property out: without the context the template is as before.
            snap_start=lambda_.SnapStartConf.ON_PUBLISHED_VERSIONS if self.context.snap_start else None,
        )
        _trace_actively(function)
        _accept_scanner_findings(spec, function, log_group)
        if self.context.snap_start:
            _publish_live(function)
        self._grant(spec, function)
        self._subscribe(spec, function)
        return function

    def _environment(self, spec: Function) -> dict[str, str]:
        """The names `infra.pipeline.env_name_for` derives, which `cxloop.config` reads."""
        env = {
            "POWERTOOLS_SERVICE_NAME": SERVICE,
            "POWERTOOLS_METRICS_NAMESPACE": SERVICE,
            "CXLOOP_STAGE": self.context.stage,
            "SENDER_ADDRESS": self.context.sender_address,
        }
        if self.context.open_telemetry:
            # The layer's script starts the handler under OpenTelemetry's auto-instrumentation.
            env["AWS_LAMBDA_EXEC_WRAPPER"] = ADOT_EXEC_WRAPPER
        for name in spec.tables:
            env[env_name_for("table", name)] = self.storage.tables[name].table_name
        for name in spec.sends_to:
            env[env_name_for("queue", name)] = self.messaging.queues[name].queue_url
        for name in spec.dead_letters_to:
            env[env_name_for("queue", dead_letters_name(name))] = self.messaging.dead_letter_queues[
                name
            ].queue_url
        for name in spec.publishes_to:
            env[env_name_for("topic", name)] = self.topics[name].topic_arn
        if spec.reads_webhook_secret:
            env["WEBHOOK_SECRET_ARN"] = self.webhook_secret.secret_arn
        for name in spec.delivers_to:
            env[env_name_for("firehose", name)] = self.delivery_streams[name].ref
        for bucket in sorted({access.bucket for access in spec.objects}):
            env[env_name_for("bucket", bucket)] = self.buckets[bucket].bucket_name
        if spec.reads_comments and self.context.comment_sentiment == "comprehend":
            env["CXLOOP_COMMENT_SENTIMENT"] = "comprehend"
        return {**env, **self._channel_environment(spec)}

    def _channel_environment(self, spec: Function) -> dict[str, str]:
        """What cxloop.config reads to pick SMS and WhatsApp senders; nothing when off."""
        channels, env = self.context.channels, {}
        if spec.sends_sms and channels.short_base_url:
            env["SHORT_BASE_URL"] = channels.short_base_url
        if spec.sends_sms and channels.eum_sms:
            env["CXLOOP_SMS_PROVIDER"] = "eum"
            env["CXLOOP_SMS_ORIGINATION_IDENTITY"] = channels.sms_pool_id
            if channels.sms_configuration_set:
                env["CXLOOP_SMS_CONFIGURATION_SET"] = channels.sms_configuration_set
        if spec.sends_whatsapp and channels.whatsapp:
            env["CXLOOP_WHATSAPP_PHONE_NUMBER_ID"] = channels.whatsapp_phone_number_id
            env["CXLOOP_WHATSAPP_TEMPLATE"] = channels.whatsapp_template
        return env

    def _grant(self, spec: Function, function: lambda_.Function) -> None:
        for name, access in spec.tables.items():
            self._grant_table(function, name, access)
        for name in spec.sends_to:
            # SendMessage alone: grant_send_messages adds GetQueueAttributes and GetQueueUrl,
            # which a producer holding the queue's URL never calls (tests/iam_contract/).
            self._grant_send(function, self.messaging.queues[name])
        for name in spec.dead_letters_to:
            self._grant_send(function, self.messaging.dead_letter_queues[name])
        for name in spec.publishes_to:
            self.topics[name].grant_publish(function)
        if spec.reads_webhook_secret:
            # GetSecretValue alone: grant_read adds DescribeSecret, which
            # cxloop.adapters.secrets does not call.
            iam.Grant.add_to_principal(
                grantee=function,
                actions=["secretsmanager:GetSecretValue"],
                resource_arns=[self.webhook_secret.secret_arn],
            )
        if spec.reads_connector_secrets:
            self._grant_connector_secrets(function)
        for name in spec.delivers_to:
            iam.Grant.add_to_principal(
                grantee=function,
                actions=["firehose:PutRecordBatch"],
                resource_arns=[self.delivery_streams[name].attr_arn],
            )
        for object_access in spec.objects:
            self._grant_objects(function, object_access)
        self._grant_customer_services(spec, function)

    def _grant_customer_services(self, spec: Function, function: lambda_.Function) -> None:
        """The services that reach customers (email, SMS, WhatsApp) or read what they wrote."""
        if spec.sends_email:
            self.messaging.grant_send_email(function)
        if spec.sends_sms:
            self._grant_sms(function)
        if spec.sends_whatsapp and self.context.channels.whatsapp:
            self._grant_whatsapp(function)
        if spec.reads_comments and self.context.comment_sentiment == "comprehend":
            self._grant_comprehend(function)

    def _grant_connector_secrets(self, function: lambda_.Function) -> None:
        """The helpdesk connectors' secrets: named by the connectors document, published at run
        time, so the grant is their name prefix (cxloop.domain.integrations.connectors)."""
        prefix = Stack.of(self).format_arn(
            service="secretsmanager",
            resource="secret",
            resource_name=f"{SECRET_PREFIX}*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        iam.Grant.add_to_principal(
            grantee=function,
            # GetSecretValue alone: the connectors read their secret's value, never its description.
            actions=["secretsmanager:GetSecretValue"],
            resource_arns=[prefix],
        )
        acknowledge(
            function.role,  # type: ignore[arg-type]
            f"IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:{SECRET_PREFIX}*]",
            "The connectors document names each helpdesk's secret at run time; every one must sit "
            f"under {SECRET_PREFIX} (validated at publication), and only GetSecretValue is granted.",
        )

    @staticmethod
    def _grant_comprehend(function: lambda_.Function) -> None:
        iam.Grant.add_to_principal(
            grantee=function, actions=["comprehend:DetectSentiment"], resource_arns=["*"]
        )
        acknowledge(
            function.role,  # type: ignore[arg-type]
            "IAM5[Resource::*]",
            "Amazon Comprehend's real-time DetectSentiment has no resource to name (the Service "
            "Authorization Reference lists no resource type for it); the grant is that one action.",
        )

    def _grant_sms(self, function: lambda_.Function) -> None:
        """End User Messaging from the configured pool (and configuration set) only; else SNS."""
        channels = self.context.channels
        if channels.eum_sms:
            resources = [self._arn("sms-voice", "pool", channels.sms_pool_id)]
            if channels.sms_configuration_set:
                resources.append(self._arn("sms-voice", "configuration-set", channels.sms_configuration_set))
            iam.Grant.add_to_principal(
                grantee=function, actions=["sms-voice:SendTextMessage"], resource_arns=resources
            )
            return
        self.messaging.grant_send_sms(function)
        acknowledge(
            function.role,  # type: ignore[arg-type]
            "IAM5[Resource::*]",
            "SMS is sns:Publish to a phone number, which has no ARN; the grant is limited to "
            "sns:Publish in the stack's region.",
        )

    def _grant_whatsapp(self, function: lambda_.Function) -> None:
        """Sending from our one WhatsApp number. Its ARN names the id without the
        "phone-number-id-" prefix the API takes (the Service Authorization Reference's format)."""
        number = self.context.channels.whatsapp_phone_number_id.removeprefix("phone-number-id-")
        iam.Grant.add_to_principal(
            grantee=function,
            actions=["social-messaging:SendWhatsAppMessage"],
            resource_arns=[self._arn("social-messaging", "phone-number-id", number)],
        )

    def _arn(self, service: str, resource: str, name: str) -> str:
        return Stack.of(self).format_arn(
            service=service, resource=resource, resource_name=name, arn_format=ArnFormat.SLASH_RESOURCE_NAME
        )

    @staticmethod
    def _grant_send(function: lambda_.IFunction, queue: sqs.IQueue) -> None:
        iam.Grant.add_to_principal(
            grantee=function, actions=["sqs:SendMessage"], resource_arns=[queue.queue_arn]
        )

    def _grant_table(self, function: lambda_.Function, name: str, access: Access) -> None:
        table = self.storage.tables[name]
        indexed = bool(self.pipeline.table(name).indexes)
        iam.Grant.add_to_principal(
            grantee=function,
            actions=list(TABLE_ACTIONS[access]),
            resource_arns=[table.table_arn] + ([f"{table.table_arn}/index/*"] if indexed else []),
        )
        if indexed:
            self._acknowledge_index_grant(function, table)

    @staticmethod
    def _acknowledge_index_grant(function: lambda_.Function, table: dynamodb.Table) -> None:
        # A table grant covers the table's indexes as <table ARN>/index/*.
        logical_id = Stack.of(table).get_logical_id(table.node.default_child)  # type: ignore[arg-type]
        acknowledge(
            function.role,  # type: ignore[arg-type]
            f"IAM5[Resource::<{logical_id}.Arn>/index/*]",
            "Queries use this table's own secondary indexes; index/* stays within this one table.",
        )

    def _grant_objects(self, function: lambda_.Function, access: BucketAccess) -> None:
        """Object actions under one prefix only: no listing, no other prefix, no deletion."""
        bucket = self.buckets[access.bucket]
        iam.Grant.add_to_principal(
            grantee=function,
            actions=OBJECT_ACTIONS[access.access],
            resource_arns=[bucket.arn_for_objects(f"{access.prefix}*")],
        )
        logical_id = Stack.of(bucket).get_logical_id(bucket.node.default_child)  # type: ignore[arg-type]
        acknowledge(
            function.role,  # type: ignore[arg-type]
            f"IAM5[Resource::<{logical_id}.Arn>/{access.prefix}*]",
            f"Objects are named by whoever drops or writes them; the grant stays within {access.prefix}.",
        )

    def _subscribe(self, spec: Function, function: lambda_.Function) -> None:
        """Every trigger invokes the target: the function, or its `live` alias with SnapStart.
        Grants stay with the function's role, which the alias shares."""
        target = invocation_target(function)
        for trigger in spec.queue_triggers:
            target.add_event_source(
                sources.SqsEventSource(
                    self.messaging.queues[trigger.queue],
                    batch_size=trigger.batch_size,
                    max_batching_window=Duration.seconds(trigger.max_batching_window_s),
                    # Handlers answer batchItemFailures (Powertools BatchProcessor): only
                    # the failed messages come back, the rest of the batch is done.
                    report_batch_item_failures=True,
                )
            )
        for stream_trigger in spec.stream_triggers:
            self._subscribe_to_stream(spec, function, target, stream_trigger)
        for object_trigger in spec.object_triggers:
            self._subscribe_to_objects(spec, target, object_trigger)
        for schedule in spec.schedules:
            events.Rule(
                self,
                f"{spec.name}Every{schedule.rate_minutes}Minutes",
                description=f"cxloop {spec.name}, every {schedule.rate_minutes} minutes",
                schedule=events.Schedule.rate(Duration.minutes(schedule.rate_minutes)),
                targets=[targets.LambdaFunction(target, retry_attempts=2)],
            )

    def _subscribe_to_stream(
        self, spec: Function, function: lambda_.Function, target: lambda_.IFunction, trigger: StreamTrigger
    ) -> None:
        table = self.storage.tables[trigger.table]
        dead_letters = encrypted_queue(
            self, f"{spec.name}{trigger.table.title()}StreamFailures", retention_period=DEAD_LETTER_RETENTION
        )
        acknowledge(
            dead_letters,
            "SQS3",
            "This queue is itself a dead-letter queue: the on-failure destination of a stream "
            "event source mapping, which cdk-nag does not recognise as one.",
        )
        self.stream_dead_letter_queues[f"{spec.name}-{trigger.table}"] = dead_letters
        self._grant_stream_read(function, table)
        # A mapping of our own rather than DynamoEventSource, whose grant lists streams on "*".
        # Made in the function's scope whatever it invokes, as add_event_source_mapping would:
        # turning SnapStart on then updates the mapping's target instead of replacing the
        # mapping, and a new mapping would read the stream again from TRIM_HORIZON.
        lambda_.EventSourceMapping(
            function,
            f"{trigger.table.title()}Stream",
            target=target,
            event_source_arn=table.table_stream_arn,
            starting_position=lambda_.StartingPosition.TRIM_HORIZON,
            batch_size=trigger.batch_size,
            max_batching_window=Duration.seconds(trigger.max_batching_window_s),
            # Handlers answer batchItemFailures: Lambda retries from the first failed record.
            report_batch_item_failures=True,
            bisect_batch_on_error=True,
            retry_attempts=trigger.retry_attempts,
            max_record_age=STREAM_MAX_RECORD_AGE,
            on_failure=sources.SqsDlq(dead_letters),
        )

    def _subscribe_to_objects(
        self, spec: Function, target: lambda_.IFunction, trigger: ObjectCreated
    ) -> None:
        """S3 event notifications for objects created under the prefix; S3 invokes the function
        asynchronously, so retries and the on-failure queue are set on what it invokes."""
        dead_letters = encrypted_queue(
            self, f"{spec.name}{trigger.bucket.title()}ObjectFailures", retention_period=DEAD_LETTER_RETENTION
        )
        acknowledge(
            dead_letters,
            "SQS3",
            "This queue is itself a dead-letter queue: the on-failure destination of the function's "
            "asynchronous invocations, which cdk-nag does not recognise as one.",
        )
        # Alarmed with the others by Monitoring (the stack passes this dict on).
        self.stream_dead_letter_queues[f"{spec.name}-{trigger.bucket}"] = dead_letters
        # An alias's asynchronous invocations follow the alias's settings, not the function's.
        target.configure_async_invoke(
            retry_attempts=ASYNC_RETRIES,
            max_event_age=ASYNC_MAX_EVENT_AGE,
            on_failure=destinations.SqsDestination(dead_letters),
        )
        self.buckets[trigger.bucket].add_event_notification(
            s3.EventType.OBJECT_CREATED,
            s3_notifications.LambdaDestination(target),
            s3.NotificationKeyFilter(prefix=trigger.prefix),
        )
        self._acknowledge_notifications_handler()

    def _acknowledge_notifications_handler(self) -> None:
        """CDK configures S3 notifications through its own singleton function (a bucket cannot
        name the function in its template: the function names the bucket, a cycle)."""
        handler = Stack.of(self).node.try_find_child(NOTIFICATIONS_HANDLER_ID)
        role = handler.node.try_find_child("Role") if handler else None
        if role is not None:
            acknowledge(
                role,
                "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
                "CDK's own bucket-notifications handler (a custom resource run at deploy time) logs "
                "with the basic execution role; its only other grant is s3:PutBucketNotification.",
            )
        if handler is not None:
            # Called once per object trigger: accepting a finding again replaces it.
            accept_cdk_handler_findings(handler, has_environment=False)

    @staticmethod
    def _grant_stream_read(function: lambda_.Function, table: dynamodb.Table) -> None:
        """What Lambda's stream polling needs, on this one table's streams only."""
        assert table.table_stream_arn, "a stream trigger needs the table's stream (stream=True)"
        iam.Grant.add_to_principal(
            grantee=function,
            actions=["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"],
            resource_arns=[table.table_stream_arn],
        )
        iam.Grant.add_to_principal(
            grantee=function, actions=["dynamodb:ListStreams"], resource_arns=[f"{table.table_arn}/stream/*"]
        )
        logical_id = Stack.of(table).get_logical_id(table.node.default_child)  # type: ignore[arg-type]
        acknowledge(
            function.role,  # type: ignore[arg-type]
            f"IAM5[Resource::<{logical_id}.Arn>/stream/*]",
            "ListStreams on this table's own streams (stream labels change when a stream is re-enabled).",
        )


def invocation_target(function: lambda_.Function) -> lambda_.IFunction:
    """What a trigger or an API integration invokes: the function's `live` alias when SnapStart
    made one (only a published version has a snapshot), else the function itself ($LATEST)."""
    alias = function.node.try_find_child(LIVE_ALIAS_ID)
    return alias if isinstance(alias, lambda_.Alias) else function


def _publish_live(function: lambda_.Function) -> None:
    """A version published whenever the function changes (current_version's logical id hashes
    its code, layers and configuration, environment added later included) and `live` on it.
    The replaced version is deleted with the update, so only the live snapshot stays cached."""
    lambda_.Alias(function, LIVE_ALIAS_ID, alias_name=LIVE_ALIAS, version=function.current_version)
    Annotations.of(function).acknowledge_warning(
        SNAP_START_NEEDS_VERSION, "Published here: current_version, invoked through the live alias."
    )


def _trace_actively(function: lambda_.Function) -> None:
    """X-Ray tracing on, with its permissions from the shared TraceWriting policy."""
    resource = function.node.default_child
    assert isinstance(resource, lambda_.CfnFunction)
    resource.tracing_config = lambda_.CfnFunction.TracingConfigProperty(mode="Active")


# What the template scanners (infra/cdk/scanners.py) find on every pipeline function, and why
# it is accepted.
FUNCTION_FINDINGS = {
    "CKV_AWS_115": "Reserved concurrency is carved out of the account's shared pool: reserving it for "
    "each of the pipeline's functions would starve the others and fail the deploy on accounts with a "
    "small concurrency quota. The API is bounded by its stage throttling and the WAF's per-IP limits; "
    "a throttled queue or stream batch waits on its queue or stream and is retried.",
    "CKV_AWS_117": "The function calls public AWS service APIs only (DynamoDB, SQS, SNS, SES, S3 and "
    "the like) and reaches no private network resource: a VPC would add NAT gateways or interface "
    "endpoints, and their cost, for nothing to reach.",
    "CKV_AWS_173": "The environment holds resource names, ARNs and settings, no secret (the webhook "
    "secret and the suppression key are read from Secrets Manager at run time); Lambda encrypts it "
    "at rest with its AWS managed key.",
}
LOG_GROUP_ENCRYPTION = (
    "CloudWatch Logs encrypts every log group at rest; the functions log no personal data and no "
    "survey token (docs/ARCHITECTURE.md, Rules every step keeps: one observability module), so a "
    "customer managed key would protect nothing more."
)
ROLE_DEPENDENCY = (
    "CDK makes the function depend on its role construct, the role and its policy: the policy "
    "entry makes the grants exist before the function runs, the role entry repeats the order the "
    "role's GetAtt already sets, which changes nothing in a deployment."
)
# Why a function needs no dead-letter queue of its own (one that only asynchronous invocations
# fill), by what invokes it.
NO_DEAD_LETTER_QUEUE = {
    "route": "API Gateway invokes it synchronously and answers its error to the caller",
    "queue": "its SQS event source mapping invokes it synchronously, and a message that keeps "
    "failing moves to the queue's own dead-letter queue",
    "stream": "its stream event source mapping invokes it synchronously, and a batch that keeps "
    "failing goes to the mapping's on-failure queue",
    "object": "S3 invokes it asynchronously with an on-failure destination queue (its event invoke "
    "config), which keeps the failed event with the error, as a dead-letter queue cannot",
    "schedule": "a schedule's event carries nothing but the time: a failed run raises the function's "
    "Errors alarm (Monitoring) and is run again by the next tick or by an operator, so a queued "
    "tick would hold nothing to replay",
}


def _accept_scanner_findings(spec: Function, function: lambda_.Function, log_group: logs.LogGroup) -> None:
    for check, reason in FUNCTION_FINDINGS.items():
        skip_checkov(function, check, reason)
    invoked_by = {
        "route": spec.routes,
        "queue": spec.queue_triggers,
        "stream": spec.stream_triggers,
        "object": spec.object_triggers,
        "schedule": spec.schedules,
    }
    reasons = [NO_DEAD_LETTER_QUEUE[kind] for kind, triggers in invoked_by.items() if triggers]
    if reasons:  # a function nothing here invokes keeps the finding: who invokes it decides
        skip_checkov(
            function, "CKV_AWS_116", "No dead-letter queue on the function: " + "; ".join(reasons) + "."
        )
    ignore_cfn_lint(function, "W3005", ROLE_DEPENDENCY)
    skip_checkov(log_group, "CKV_AWS_158", LOG_GROUP_ENCRYPTION)
