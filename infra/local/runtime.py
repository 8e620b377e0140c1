"""The whole pipeline on one machine: moto server, the HTTP gateway and one poller
per queue trigger, all wired from infra.pipeline. Handlers run in-process (Lambda
emulation needs Docker, which this runtime does not require)."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from werkzeug.serving import BaseWSGIServer, make_server

from cxloop.adapters.call_log import watch
from infra.local import defaults
from infra.local.analytics import with_lake_endpoint
from infra.local.bucket_pollers import BucketPoller
from infra.local.fake_channels import SMS_PATH, SOCIAL_PATH, FakeChannels
from infra.local.fake_salesforce import FakeSalesforce, SalesforceOrg
from infra.local.fake_servicenow import SERVICENOW_PATH, FakeServiceNow, ServiceNowInstance
from infra.local.fake_zendesk import ZENDESK_PATH, FakeZendesk, ZendeskAccount
from infra.local.faults import set_faults
from infra.local.gateway import Gateway
from infra.local.persistence import RemoteKept
from infra.local.pollers import QueuePoller
from infra.local.recorder import RemoteRecorder
from infra.local.resources import LAKE_BUCKET, local_session, provision
from infra.local.scheduler import Scheduler
from infra.local.stream_pollers import DynamicPartitioner, StreamPoller
from infra.pipeline import PIPELINE, Pipeline, env_name_for

log = logging.getLogger("cxloop.local.runtime")


def mapping_session() -> Any:
    """The session the event source mappings' pollers read with. On AWS a mapping polls
    with its function's role, so the pollers' calls are recorded as the function's when the
    IAM contract test records (cxloop.adapters.call_log)."""
    session = local_session()
    watch(session)
    return session


@dataclass
class Options:
    host: str = defaults.DEFAULT_HOST
    port: int = defaults.DEFAULT_PORT
    webhook_secret: str = defaults.WEBHOOK_SECRET
    staff_secret: str = defaults.STAFF_TOKEN_SECRET
    sender: str = defaults.SENDER_ADDRESS
    log_file: Path | None = None
    log_level: str = "INFO"
    retry_delay_s: int = 1
    # Concurrent batches per queue, as Lambda's SQS event source mapping runs several pollers
    # (five to start with): one at a time, a burst of answers waited behind each batch of ten.
    pollers_per_queue: int = defaults.POLLERS_PER_QUEUE
    extra_env: dict[str, str] = field(default_factory=dict)
    # The share of AWS requests the stand-in faults (infra/local/faults.py), once provisioned.
    fault_share: float = 0.0
    # One attempt per AWS call in the functions, so every fault reaches the code.
    faults_above_retries: bool = False
    # Where the stand-in keeps its state between runs (infra/local/persistence.py); None: in memory.
    data_dir: Path | None = None


def _pass_on(output: IO[str]) -> None:
    for line in output:
        log.warning("local AWS stand-in: %s", line.rstrip())


def start_stand_in(data_dir: Path | None = None) -> tuple[subprocess.Popen[str], str]:
    """moto and the recorder in their own process (their own core): the process, and its
    endpoint once it says it is ready."""
    port = free_port()
    command = [sys.executable, "-m", "infra.local.aws_process", "--port", str(port)]
    if data_dir is not None:
        command += ["--data-dir", str(data_dir)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # noqa: S603
    assert process.stdout is not None
    first = process.stdout.readline()
    if not first.startswith("ready"):
        process.kill()
        raise RuntimeError(f"the local AWS stand-in did not start: {first}{process.stdout.read()}")
    # Keep draining its output so it never blocks on a full pipe, a line at a time so a
    # long run does not hold all of it, and pass on what it says (warnings, tracebacks).
    threading.Thread(target=_pass_on, args=(process.stdout,), name="aws-output", daemon=True).start()
    return process, f"http://127.0.0.1:{port}"


def stop_stand_in(process: subprocess.Popen[str]) -> None:
    process.terminate()
    try:
        # Long enough for its last save (persistence.Keeper.stop).
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


class LocalRuntime:
    def __init__(self, options: Options, pipeline: Pipeline = PIPELINE) -> None:
        self.options = options
        self.pipeline = pipeline
        self.pollers: list[QueuePoller] = []
        self.stream_pollers: list[StreamPoller] = []
        self.bucket_pollers: list[BucketPoller] = []
        self.scheduler: Scheduler | None = None
        self._aws: subprocess.Popen[str] | None = None
        self._server: BaseWSGIServer | None = None
        self._serve_thread: threading.Thread | None = None
        self.kept: RemoteKept | None = None
        self.base_url = ""
        self.zendesk: FakeZendesk | None = None
        self.servicenow: FakeServiceNow | None = None
        self.salesforce: FakeSalesforce | None = None
        self.channels = FakeChannels(
            opted_out_sms=defaults.SMS_OPTED_OUT, refused_whatsapp=defaults.WHATSAPP_REFUSED
        )

    def start(self) -> str:
        """Bring everything up; answers the base URL."""
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        endpoint = self._start_aws()
        # Bind first: the functions need the real port in PUBLIC_BASE_URL (port 0 picks one).
        self._server = make_server(self.options.host, self.options.port, app=None, threaded=True)  # type: ignore[arg-type]
        self.base_url = f"http://{self.options.host}:{self._server.server_port}"
        resource_env = provision(
            endpoint, defaults.REGION, sender=self.options.sender, pipeline=self.pipeline
        )
        os.environ.update(self._function_env(endpoint, resource_env))
        if self.options.fault_share:
            set_faults(endpoint, self.options.fault_share)
        recorder = RemoteRecorder(endpoint)
        if self.options.data_dir is not None:
            self._keep_channels(RemoteKept(endpoint))
        self._create_helpdesks()
        self.scheduler = Scheduler(self.pipeline, region=defaults.REGION)
        gateway = Gateway(
            self.pipeline,
            staff_secret=self.options.staff_secret,
            recorder=recorder,
            fire_schedule=self.scheduler.fire,
            channels=self.channels,
            zendesk=self.zendesk,
            servicenow=self.servicenow,
            salesforce=self.salesforce,
        )
        # GET /_local/aws tells `cxloop analytics` where the lake's files are.
        self._server.app = with_lake_endpoint(gateway, endpoint=endpoint, bucket=LAKE_BUCKET)
        self._start_pollers(endpoint, resource_env)
        self._start_stream_pollers(endpoint)
        self._start_bucket_pollers(endpoint, resource_env)
        self.scheduler.start()
        self._serve_thread = threading.Thread(target=self._server.serve_forever, name="gateway", daemon=True)
        self._serve_thread.start()
        return self.base_url

    def _create_helpdesks(self) -> None:
        """The local helpdesks, each sending its changes to the connector of its name."""
        self.zendesk = FakeZendesk(
            ZendeskAccount(
                email=defaults.ZENDESK_EMAIL,
                api_token=defaults.ZENDESK_API_TOKEN,
                signing_secret=defaults.ZENDESK_SIGNING_SECRET,
                webhook_url=self._events_url("zendesk"),
            )
        )
        self.servicenow = FakeServiceNow(
            ServiceNowInstance(
                username=defaults.SERVICENOW_USERNAME,
                password=defaults.SERVICENOW_PASSWORD,
                signing_secret=defaults.SERVICENOW_SIGNING_SECRET,
                callback_url=self._events_url("servicenow"),
            )
        )
        self.salesforce = FakeSalesforce(
            SalesforceOrg(
                client_id=defaults.SALESFORCE_CLIENT_ID,
                client_secret=defaults.SALESFORCE_CLIENT_SECRET,
                signing_secret=defaults.SALESFORCE_SIGNING_SECRET,
                callout_url=self._events_url("salesforce"),
            )
        )

    def _events_url(self, connector: str) -> str:
        return f"{self.base_url}/v1/connectors/{connector}/events"

    def _start_aws(self) -> str:
        self._aws, endpoint = start_stand_in(self.options.data_dir)
        return endpoint

    def _keep_channels(self, kept: RemoteKept) -> None:
        """The pollers' positions and the channel fake's sends, kept with the stand-in's state."""
        self.kept = kept
        saved = kept.get("channels")
        if saved:
            self.channels.restore(saved)
        self.channels.on_change = lambda state: kept.put("channels", state)

    def _function_env(self, endpoint: str, resource_env: dict[str, str]) -> dict[str, str]:
        env = {
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": defaults.REGION,
            "AWS_REGION": defaults.REGION,
            "CXLOOP_STAGE": "local",
            # One person publishes and tries at once locally: no minute-long wait for a new rule.
            # A caller's own setting wins: tests/benchmarks/requests_per_loop.py counts with the
            # deployed lifetimes.
            "CXLOOP_RULEBOOK_TTL_S": os.environ.get("CXLOOP_RULEBOOK_TTL_S", "2"),
            # Likewise a new webhook subscription, and delivery retries a second or two apart
            # instead of over a day (the local runtime's one deviation, like the pollers').
            "CXLOOP_WEBHOOK_CACHE_TTL_S": os.environ.get("CXLOOP_WEBHOOK_CACHE_TTL_S", "1"),
            "CXLOOP_WEBHOOK_RETRY_DELAYS_S": "1,1,2,2,2",
            "PUBLIC_BASE_URL": self.base_url,
            "SENDER_ADDRESS": self.options.sender,
            "CXLOOP_WEBHOOK_SECRET": self.options.webhook_secret,
            "POWERTOOLS_SERVICE_NAME": "cxloop",
            "POWERTOOLS_LOG_LEVEL": self.options.log_level,
            # No CloudWatch here: metrics stay quiet locally (nothing traces in-process).
            "POWERTOOLS_METRICS_DISABLED": "true",
            **self._channel_env(),
            **resource_env,
            **self.options.extra_env,
        }
        if self.options.faults_above_retries:
            env |= {"AWS_MAX_ATTEMPTS": "1", "AWS_RETRY_MODE": "standard"}
        if self.options.log_file:
            self.options.log_file.parent.mkdir(parents=True, exist_ok=True)
            env["CXLOOP_LOG_FILE"] = str(self.options.log_file)
        return env

    def _channel_env(self) -> dict[str, str]:
        """End User Messaging through the fake the gateway serves: WhatsApp on by default,
        SMS on SNS (moto records it) unless CXLOOP_SMS_PROVIDER=eum comes in extra_env."""
        return {
            "AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2": f"{self.base_url}{SMS_PATH}",
            "AWS_ENDPOINT_URL_SOCIALMESSAGING": f"{self.base_url}{SOCIAL_PATH}",
            "CXLOOP_SMS_ORIGINATION_IDENTITY": defaults.SMS_POOL_ID,
            "CXLOOP_WHATSAPP_PHONE_NUMBER_ID": defaults.WHATSAPP_PHONE_NUMBER_ID,
            "CXLOOP_WHATSAPP_TEMPLATE": json.dumps(defaults.WHATSAPP_TEMPLATE),
        }

    @property
    def zendesk_url(self) -> str:
        """The local Zendesk's instance URL, for a connectors document."""
        return f"{self.base_url}{ZENDESK_PATH}"

    @property
    def servicenow_url(self) -> str:
        """The local ServiceNow's instance URL, for a connectors document."""
        return f"{self.base_url}{SERVICENOW_PATH}"

    def _start_pollers(self, endpoint: str, resource_env: dict[str, str]) -> None:
        sqs = mapping_session().client("sqs", endpoint_url=endpoint)
        for function in self.pipeline.functions:
            for trigger in function.queue_triggers:
                url = resource_env[env_name_for("queue", trigger.queue)]
                arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
                    "QueueArn"
                ]
                for _ in range(self.options.pollers_per_queue):
                    poller = QueuePoller(
                        function,
                        trigger,
                        queue_url=url,
                        queue_arn=arn,
                        sqs=sqs,
                        region=defaults.REGION,
                        retry_delay_s=self.options.retry_delay_s,
                        max_receive_count=self.pipeline.queue(trigger.queue).max_receive_count,
                    )
                    poller.start()
                    self.pollers.append(poller)

    def _start_stream_pollers(self, endpoint: str) -> None:
        """One poller per stream trigger; after each batch, Firehose's partitioning is applied."""
        session = local_session()
        dynamodb = session.client("dynamodb", endpoint_url=endpoint)
        streams = mapping_session().client("dynamodbstreams", endpoint_url=endpoint)
        partitioner = DynamicPartitioner(
            session.client("s3", endpoint_url=endpoint), LAKE_BUCKET, self.pipeline.delivery_streams
        )
        for function in self.pipeline.functions:
            for trigger in function.stream_triggers:
                arn = dynamodb.describe_table(TableName=trigger.table)["Table"]["LatestStreamArn"]
                poller = StreamPoller(
                    function,
                    trigger,
                    stream_arn=arn,
                    streams=streams,
                    retry_delay_s=self.options.retry_delay_s,
                    after_batch=partitioner.run_once,
                    kept=self.kept,
                )
                poller.start()
                self.stream_pollers.append(poller)

    def _start_bucket_pollers(self, endpoint: str, resource_env: dict[str, str]) -> None:
        """One poller per object trigger: S3 notifications, which moto does not send."""
        s3 = local_session().client("s3", endpoint_url=endpoint)
        for function in self.pipeline.functions:
            for trigger in function.object_triggers:
                poller = BucketPoller(
                    function,
                    trigger,
                    bucket=resource_env[env_name_for("bucket", trigger.bucket)],
                    s3=s3,
                    retry_delay_s=self.options.retry_delay_s,
                    kept=self.kept,
                )
                poller.start()
                self.bucket_pollers.append(poller)

    def stop(self) -> None:
        if self.scheduler:
            self.scheduler.stop()
        workers: list[QueuePoller | StreamPoller | BucketPoller] = [
            *self.pollers,
            *self.stream_pollers,
            *self.bucket_pollers,
        ]
        for worker in workers:
            worker.stop()
        if self._server:
            self._server.shutdown()
        for worker in workers:
            worker.join()
        if self.scheduler:
            self.scheduler.join()
        if self._aws:
            stop_stand_in(self._aws)
