"""One Lambda per pipeline function, each with its own role granted only what the
pipeline description says it touches."""

from __future__ import annotations

import shutil
from pathlib import Path

import jsii
from aws_cdk import BundlingOptions, DockerImage, Duration, Fn, ILocalBundling, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.cdk.constructs.messaging import Messaging
from infra.cdk.constructs.storage import Storage
from infra.cdk.nag import acknowledge
from infra.pipeline import PIPELINE, Function, env_name_for

REPO = Path(__file__).resolve().parents[3]
RUNTIME = lambda_.Runtime.PYTHON_3_14
# The public Powertools for AWS Lambda (Python) v3 layer: Powertools, pydantic v2, aws-xray-sdk.
POWERTOOLS_LAYER = (
    "arn:${AWS::Partition}:lambda:${AWS::Region}:017000801446:layer:"
    "AWSLambdaPowertoolsPythonV3-python314-arm64:"
)


@jsii.implements(ILocalBundling)
class CopySharedCode:
    """Bundle shared/cxloop as a layer (python/cxloop) without Docker."""

    def try_bundle(self, output_dir: str, *, image: DockerImage, **_: object) -> bool:
        shutil.copytree(
            REPO / "shared" / "cxloop",
            Path(output_dir) / "python" / "cxloop",
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
            dirs_exist_ok=True,
        )
        return True


class Functions(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        storage: Storage,
        messaging: Messaging,
        settings: dict[str, str],
        powertools_layer_version: str,
    ) -> None:
        super().__init__(scope, construct_id)
        self.storage = storage
        self.messaging = messaging
        self.settings = settings
        self.layers = [
            lambda_.LayerVersion(
                self,
                "SharedLayer",
                code=lambda_.Code.from_asset(
                    str(REPO / "shared"),
                    bundling=BundlingOptions(
                        image=DockerImage.from_registry("scratch"), local=CopySharedCode()
                    ),
                ),
                compatible_runtimes=[RUNTIME],
                description="cxloop shared code: domain and adapters",
            ),
            lambda_.LayerVersion.from_layer_version_arn(
                self, "Powertools", Fn.sub(POWERTOOLS_LAYER + powertools_layer_version)
            ),
        ]
        self.functions = {spec.name: self._function(spec) for spec in PIPELINE.functions}

    def _function(self, spec: Function) -> lambda_.Function:
        log_group = logs.LogGroup(self, f"{spec.name}Logs", retention=logs.RetentionDays.ONE_MONTH)
        role = iam.Role(
            self,
            f"{spec.name}Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"cxloop {spec.name}: only what infra/pipeline.py grants it",
        )
        # Our own log group grant instead of the AWSLambdaBasicExecutionRole managed policy (logs:* on *).
        log_group.grant_write(role)
        function = lambda_.Function(
            self,
            spec.name,
            description=spec.description,
            runtime=RUNTIME,
            architecture=lambda_.Architecture.ARM_64,
            handler="handler.handler",
            code=lambda_.Code.from_asset(str(REPO / "functions" / spec.name), exclude=["__pycache__"]),
            layers=self.layers,
            timeout=Duration.seconds(spec.timeout_s),
            memory_size=spec.memory_mb,
            tracing=lambda_.Tracing.ACTIVE,
            log_group=log_group,
            role=role,
            environment=self._environment(spec),
        )
        self._grant(spec, function)
        self._subscribe(spec, function)
        acknowledge(
            role,
            "AwsSolutions-IAM5[Resource::*]",
            "X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions"
            + (" and SMS publishes to phone numbers, which have no ARN" if spec.sends_sms else ""),
        )
        return function

    def _environment(self, spec: Function) -> dict[str, str]:
        env = {"POWERTOOLS_SERVICE_NAME": "cxloop", "POWERTOOLS_METRICS_NAMESPACE": "cxloop", **self.settings}
        for name in spec.tables:
            env[env_name_for("table", name)] = self.storage.tables[name].table_name
        for name in spec.sends_to:
            env[env_name_for("queue", name)] = self.messaging.queues[name].queue_url
        for name in spec.publishes_to:
            env[env_name_for("topic", name)] = self.messaging.topics[name].topic_arn
        if spec.reads_webhook_secret:
            env["WEBHOOK_SECRET_ARN"] = self.messaging.webhook_secret.secret_arn
        return env

    def _grant(self, spec: Function, function: lambda_.Function) -> None:
        for name, access in spec.tables.items():
            table = self.storage.tables[name]
            {"read": table.grant_read_data, "write": table.grant_write_data}.get(
                access, table.grant_read_write_data
            )(function)
            if PIPELINE.table(name).indexes:
                self._acknowledge_index_grant(function, table)
        for name in spec.sends_to:
            self.messaging.queues[name].grant_send_messages(function)
        for name in spec.publishes_to:
            self.messaging.topics[name].grant_publish(function)
        if spec.reads_webhook_secret:
            self.messaging.webhook_secret.grant_read(function)
        if spec.sends_email:
            self._grant_email(function)
        if spec.sends_sms:
            function.add_to_role_policy(iam.PolicyStatement(actions=["sns:Publish"], resources=["*"]))

    def _acknowledge_index_grant(self, function: lambda_.Function, table: dynamodb.Table) -> None:
        logical_id = Stack.of(table).get_logical_id(table.node.default_child)  # type: ignore[arg-type]
        acknowledge(
            function.role,  # type: ignore[arg-type]
            f"AwsSolutions-IAM5[Resource::<{logical_id}.Arn>/index/*]",
            "Queries go through this table's own secondary indexes; index/* is scoped to this one table.",
        )

    def _grant_email(self, function: lambda_.Function) -> None:
        stack = Stack.of(self)
        identity = self.messaging.sender_identity.email_identity_name
        arn = stack.format_arn(service="ses", resource="identity", resource_name=identity)
        function.add_to_role_policy(iam.PolicyStatement(actions=["ses:SendEmail"], resources=[arn]))

    def _subscribe(self, spec: Function, function: lambda_.Function) -> None:
        for trigger in spec.queue_triggers:
            queue = self.messaging.queues[trigger.queue]
            visibility = PIPELINE.queue(trigger.queue).visibility_timeout_s
            if visibility < 6 * spec.timeout_s:
                raise ValueError(f"{trigger.queue}: visibility {visibility}s < 6 x {spec.name}'s timeout")
            function.add_event_source(
                sources.SqsEventSource(
                    queue,
                    batch_size=trigger.batch_size,
                    max_batching_window=Duration.seconds(trigger.max_batching_window_s),
                    report_batch_item_failures=True,
                )
            )
