"""Where `cxloop ops` finds the queues: a deployed stack, named by its outputs, or the local
runtime, whose AWS stand-in names them as the pipeline description does."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from infra.ops.dead_letters import move_back, move_task
from infra.ops.queues import Progress, QueuePair, queue_output_name
from infra.pipeline import PIPELINE, Pipeline

# The stand-in's own inspection path (infra/local/aws_process.py): each queue's oldest message.
QUEUES_PATH = "/_cxloop/queues"
# CloudWatch publishes SQS metrics each minute; the last five cover a late datapoint.
AGE_WINDOW = timedelta(minutes=5)


class LocalTarget:
    """The local runtime at base_url: its moto holds the pipeline's queues by their names."""

    def __init__(self, base_url: str, pipeline: Pipeline = PIPELINE) -> None:
        from infra.local.analytics import lake_location  # noqa: PLC0415 - the local tooling loads on demand
        from infra.local.resources import local_session  # noqa: PLC0415

        self.endpoint, _ = lake_location(base_url)
        self.sqs = local_session().client("sqs", endpoint_url=self.endpoint)
        self.queues = {spec.name: self._pair(spec.name) for spec in pipeline.queues}

    def _pair(self, name: str) -> QueuePair:
        def url(queue: str) -> str:
            return str(self.sqs.get_queue_url(QueueName=queue)["QueueUrl"])

        return QueuePair(name, url(name), url(f"{name}-dlq"))

    def oldest_age_s(self, pair: QueuePair) -> float | None:
        answer = requests.get(f"{self.endpoint}{QUEUES_PATH}", timeout=10)
        answer.raise_for_status()
        sent_ms = answer.json().get(pair.name)
        return None if sent_ms is None else max(0.0, time.time() - sent_ms / 1000)

    def redrive(self, pair: QueuePair, progress: Progress) -> int:
        # moto has no message move task: the same move, message by message.
        return move_back(self.sqs, pair, progress)


class StackTarget:
    """A deployed cxloop stack: queue URLs from its outputs, credentials and region from the
    usual AWS configuration."""

    def __init__(self, stack: str, client: Callable[..., Any], pipeline: Pipeline = PIPELINE) -> None:
        described = client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]
        self.sqs = client("sqs")
        self.cloudwatch = client("cloudwatch")
        self.queues = stack_queues(described.get("Outputs", []), stack, pipeline)

    def oldest_age_s(self, pair: QueuePair) -> float | None:
        now = datetime.now(UTC)
        points = self.cloudwatch.get_metric_statistics(
            Namespace="AWS/SQS",
            MetricName="ApproximateAgeOfOldestMessage",
            Dimensions=[{"Name": "QueueName", "Value": pair.url.rsplit("/", 1)[-1]}],
            StartTime=now - AGE_WINDOW,
            EndTime=now,
            Period=60,
            Statistics=["Maximum"],
        )["Datapoints"]
        latest = max(points, key=lambda point: point["Timestamp"], default=None)
        return None if latest is None else float(latest["Maximum"])

    def redrive(self, pair: QueuePair, progress: Progress) -> int:
        return move_task(self.sqs, pair, progress)


def stack_queues(
    outputs: list[Mapping[str, str]], stack: str, pipeline: Pipeline = PIPELINE
) -> dict[str, QueuePair]:
    """Each pipeline queue and its dead-letter queue, by the stack's outputs."""
    found = {output["OutputKey"]: output["OutputValue"] for output in outputs}
    wanted = {
        spec.name: (queue_output_name(spec.name), queue_output_name(spec.name, dead_letter=True))
        for spec in pipeline.queues
    }
    missing = sorted(name for names in wanted.values() for name in names if name not in found)
    if missing:
        raise LookupError(
            f"stack {stack} has no output {', '.join(missing)}: deploy this version of cxloop first"
        )
    return {name: QueuePair(name, found[queue], found[dead]) for name, (queue, dead) in wanted.items()}
