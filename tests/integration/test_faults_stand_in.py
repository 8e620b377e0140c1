"""The stand-in's faults on purpose (infra/local/faults.py) and its keeping of DynamoDB's
transaction tokens: what the fault test and benchmark rely on, checked call by call."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError

from infra.local.faults import FAULTS_PATH, fault_plan, set_faults
from infra.local.request_counts import REQUESTS_PATH
from infra.local.resources import local_session
from infra.local.runtime import start_stand_in, stop_stand_in

ONE_ATTEMPT = Config(retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=10)


@pytest.fixture(scope="module")
def stand_in() -> Iterator[str]:
    process, endpoint = start_stand_in()
    yield endpoint
    stop_stand_in(process)


@pytest.fixture
def queue(stand_in: str) -> tuple[Any, str]:
    set_faults(stand_in, 0.0)
    sqs = local_session().client("sqs", endpoint_url=stand_in, config=ONE_ATTEMPT)
    return sqs, sqs.create_queue(QueueName="faulted")["QueueUrl"]


def depth(sqs: Any, url: str) -> int:
    found = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    return int(found["Attributes"]["ApproximateNumberOfMessages"])


def test_a_throttle_or_server_error_is_refused_before_it_is_applied(
    stand_in: str, queue: tuple[Any, str]
) -> None:
    sqs, url = queue
    before = depth(sqs, url)
    for kind, code in (("throttle", "ThrottlingException"), ("server_error", "InternalFailure")):
        set_faults(stand_in, 1.0, kinds=(kind,))
        with pytest.raises(ClientError) as refused:
            sqs.send_message(QueueUrl=url, MessageBody="x")
        set_faults(stand_in, 0.0)
        assert refused.value.response["Error"]["Code"] == code
    assert depth(sqs, url) == before


def test_a_dropped_connection_is_applied_and_the_caller_cannot_tell(
    stand_in: str, queue: tuple[Any, str]
) -> None:
    sqs, url = queue
    before = depth(sqs, url)
    set_faults(stand_in, 1.0, kinds=("dropped",))
    with pytest.raises(ConnectionClosedError):
        sqs.send_message(QueueUrl=url, MessageBody="x")
    # Counted by service, so a run can tell how many sends took effect unseen.
    assert set(fault_plan(stand_in)["dropped_by_service"]) == {"sqs"}
    set_faults(stand_in, 0.0)
    # Applied, and perhaps twice: the HTTP layer may send a request again on a dropped
    # connection before the SDK counts an attempt, as it may against AWS.
    assert depth(sqs, url) >= before + 1


def test_every_protocol_gets_an_error_its_sdk_reads(stand_in: str) -> None:
    set_faults(stand_in, 1.0, kinds=("throttle",))
    session = local_session()
    calls = {
        "dynamodb": lambda c: c.list_tables(),
        "sns": lambda c: c.list_topics(),
        "sesv2": lambda c: c.list_email_identities(),
        "s3": lambda c: c.list_buckets(),
    }
    codes = {}
    for service, call in calls.items():
        with pytest.raises(ClientError) as refused:
            call(session.client(service, endpoint_url=stand_in, config=ONE_ATTEMPT))
        codes[service] = refused.value.response["Error"]["Code"]
    set_faults(stand_in, 0.0)
    assert codes == {
        "dynamodb": "ThrottlingException",
        "sns": "Throttling",
        "sesv2": "ThrottlingException",
        "s3": "SlowDown",
    }


def test_below_the_sdk_retries_a_tenth_faulted_loses_no_call(stand_in: str, queue: tuple[Any, str]) -> None:
    _, url = queue
    retrying = local_session().client("sqs", endpoint_url=stand_in)
    before = depth(retrying, url)
    set_faults(stand_in, 0.1, seed=5)
    for n in range(100):
        retrying.send_message(QueueUrl=url, MessageBody=str(n))
    plan = requests.get(f"{stand_in}{FAULTS_PATH}", timeout=10).json()
    set_faults(stand_in, 0.0)
    assert sum(plan["injected"].values()) > 0
    # A dropped send was applied and then retried: at least every call, at most one more per drop.
    assert before + 100 <= depth(retrying, url) <= before + 100 + plan["injected"].get("dropped", 0)


def test_a_nonsense_plan_is_refused_naming_the_problem(stand_in: str) -> None:
    refused = requests.post(f"{stand_in}{FAULTS_PATH}", json={"share": 2}, timeout=10)
    assert refused.status_code == 400 and "share" in refused.json()["error"]
    refused = requests.post(f"{stand_in}{FAULTS_PATH}", json={"share": 0.1, "kinds": ["meteor"]}, timeout=10)
    assert refused.status_code == 400 and "kinds" in refused.json()["error"]


def transaction(table: str, key: str) -> list[dict[str, Any]]:
    return [
        {
            "Put": {
                "TableName": table,
                "Item": {"id": {"S": key}},
                "ConditionExpression": "attribute_not_exists(id)",
            }
        }
    ]


def test_a_transaction_repeated_with_its_token_succeeds_once_as_dynamodb_answers(stand_in: str) -> None:
    set_faults(stand_in, 0.0)
    db = local_session().client("dynamodb", endpoint_url=stand_in, config=ONE_ATTEMPT)
    db.create_table(
        TableName="tokens",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    db.transact_write_items(TransactItems=transaction("tokens", "a"), ClientRequestToken="t-1")
    db.transact_write_items(TransactItems=transaction("tokens", "a"), ClientRequestToken="t-1")
    with pytest.raises(ClientError) as other_token:
        db.transact_write_items(TransactItems=transaction("tokens", "a"), ClientRequestToken="t-2")
    with pytest.raises(ClientError) as other_items:
        db.transact_write_items(TransactItems=transaction("tokens", "b"), ClientRequestToken="t-1")
    assert other_token.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert other_items.value.response["Error"]["Code"] == "IdempotentParameterMismatchException"
    assert db.scan(TableName="tokens")["Count"] == 1


def test_every_request_is_counted_by_service_and_operation(stand_in: str) -> None:
    """What tests/benchmarks/requests_per_loop.py reads (infra/local/request_counts.py)."""
    set_faults(stand_in, 0.0)
    session = local_session()
    before = Counter(requests.get(f"{stand_in}{REQUESTS_PATH}", timeout=10).json())
    sns = session.client("sns", endpoint_url=stand_in)
    topic = sns.create_topic(Name="counted")["TopicArn"]
    sns.publish(TopicArn=topic, Message="x")
    sns.publish(TopicArn=topic, Message="y")
    s3 = session.client("s3", endpoint_url=stand_in)
    s3.create_bucket(Bucket="counted")
    s3.put_object(Bucket="counted", Key="a/b.json", Body=b"{}")
    session.client("dynamodb", endpoint_url=stand_in).list_tables()
    counted = Counter(requests.get(f"{stand_in}{REQUESTS_PATH}", timeout=10).json()) - before
    assert counted == Counter(
        {
            "sns:CreateTopic": 1,
            "sns:Publish": 2,
            "s3:PUT counted": 1,
            "s3:PutObject": 1,
            "dynamodb:ListTables": 1,
        }
    )
