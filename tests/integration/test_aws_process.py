"""The local AWS stand-in (infra.local.aws_process): its dispatcher keeps moto's answer of
which backend serves a host, DynamoDB's updates and transactions stay atomic however many
requests come at once, and the serve command's options refuse nonsense."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

from cxloop.adapters.aggregates import DynamoAggregateStore
from cxloop.domain.feedback.metrics import Counters
from infra.local.aws_process import Dispatcher
from infra.local.cli import parser
from infra.local.defaults import REGION, SENDER_ADDRESS
from infra.local.resources import clients, provision
from infra.local.runtime import start_stand_in, stop_stand_in
from infra.pipeline import env_name_for

HOSTS = [
    "dynamodb.us-east-1.amazonaws.com",
    "sqs.us-east-1.amazonaws.com",
    "sns.us-east-1.amazonaws.com",
    "email.us-east-1.amazonaws.com",
    "s3.amazonaws.com",
    "secretsmanager.us-east-1.amazonaws.com",
    "streams.dynamodb.us-east-1.amazonaws.com",
    "moto_api",
    "dynamodb",
    None,
]


def test_the_dispatcher_answers_as_moto_does_for_every_host_and_every_time() -> None:
    moto, kept = DomainDispatcherApplication(create_backend_app), Dispatcher()
    expected = [moto.get_backend_for_host(host) for host in HOSTS]
    assert [kept.get_backend_for_host(host) for host in HOSTS] == expected
    assert [kept.get_backend_for_host(host) for host in HOSTS] == expected
    assert "dynamodb" in expected and "sqs" in expected  # the hosts were recognised at all


def test_serve_runs_three_pollers_per_queue_unless_told(capsys: pytest.CaptureFixture[str]) -> None:
    assert parser().parse_args(["serve"]).pollers_per_queue == 3
    assert parser().parse_args(["serve", "--pollers-per-queue", "1"]).pollers_per_queue == 1
    for nonsense in ("0", "-2", "many"):
        with pytest.raises(SystemExit):
            parser().parse_args(["serve", "--pollers-per-queue", nonsense])
        assert "--pollers-per-queue" in capsys.readouterr().err


@pytest.fixture(scope="module")
def stand_in() -> Iterator[str]:
    """The stand-in as `cxloop serve` runs it: its own process, moto behind our wrappers."""
    process, endpoint = start_stand_in()
    yield endpoint
    stop_stand_in(process)


def test_answers_counted_from_many_threads_at_once_are_all_counted(stand_in: str) -> None:
    env = provision(stand_in, REGION, sender=SENDER_ADDRESS)
    dynamodb = clients(stand_in, REGION)["dynamodb"]
    store = DynamoAggregateStore(env[env_name_for("table", "aggregates")], dynamodb)
    one_promoter = Counters(responses=1, promoters=1)
    day = date(2026, 11, 26)

    def count(n: int) -> bool:
        return store.apply_once(f"r-{n}", ["all", "branch:quito-norte"], day, one_promoter)

    with ThreadPoolExecutor(8) as pool:
        applied = list(pool.map(count, range(160)))
    # Each response once more: the markers refuse them all, and take nothing back.
    with ThreadPoolExecutor(8) as pool:
        again = list(pool.map(count, range(0, 160, 4)))

    assert applied == [True] * 160
    assert again == [False] * 40
    for scope in ("all", "branch:quito-norte"):
        item = dynamodb.get_item(
            TableName=env[env_name_for("table", "aggregates")],
            Key={"scope": {"S": scope}, "period": {"S": "day#2026-11-26"}},
            ConsistentRead=True,
        )["Item"]
        assert (item["responses"]["N"], item["promoters"]["N"]) == ("160", "160")
