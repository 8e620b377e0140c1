"""Erasure in CloudFormation: the customer indexes it reads, the erasures audit table, and
customers_api's grants: exactly the tables it erases in, no messaging, no aggregates."""

from __future__ import annotations

import pytest

from infra.pipeline import PIPELINE, env_name_for
from tests.infra.conftest import Synthesized
from tests.infra.test_api import methods_by_route

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]

API = PIPELINE.function("customers_api")
ERASED_IN = ("interactions", "invitations", "responses", "tickets", "contacts", "optouts")
WRITES = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}
READS = {"dynamodb:GetItem", "dynamodb:Query"}


@pytest.mark.parametrize(
    ("table", "sort_key"),
    [("interactions", "received_at"), ("invitations", "created_at"), ("responses", "submitted_at")],
)
def test_the_tables_erasure_reads_are_indexed_by_customer(
    synthesized: Synthesized, table: str, sort_key: str
) -> None:
    indexes = synthesized.properties(synthesized.table_id(table))["GlobalSecondaryIndexes"]
    index = next(i for i in indexes if i["IndexName"] == "by_customer")
    assert [k["AttributeName"] for k in index["KeySchema"]] == ["customer_key", sort_key]


def test_customers_api_may_erase_in_each_table_and_only_append_the_audit(synthesized: Synthesized) -> None:
    for table in ERASED_IN:
        actions = synthesized.actions_on(API, synthesized.table_id(table))
        assert actions >= READS | WRITES, table
        assert synthesized.environment(API)[env_name_for("table", table)] == {
            "Ref": synthesized.table_id(table)
        }
    erasures = synthesized.actions_on(API, synthesized.table_id("erasures"))
    assert "dynamodb:PutItem" in erasures and erasures & READS == set()
    assert synthesized.actions_on(API, synthesized.table_id("config")) & WRITES == set()
    for other in ("aggregates", "idempotency"):
        assert synthesized.actions_on(API, synthesized.table_id(other)) == set()
    assert not {a for a in synthesized.actions(API) if a.startswith(("ses:", "sns:", "firehose:"))}
    # customer.erased for webhook subscribers: the subscriptions read, the webhooks queue only.
    assert synthesized.actions_on(API, synthesized.table_id("webhooks")) & WRITES == set()
    queues = {a for a in synthesized.actions(API) if a.startswith("sqs:")}
    assert queues <= {"sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"}
    assert "sqs:SendMessage" in synthesized.actions_on(API, synthesized.queue_id("webhooks"))


def test_the_delete_route_needs_a_staff_token(synthesized: Synthesized) -> None:
    method = methods_by_route(synthesized)[("DELETE", "/v1/customers/{customer_id}")]
    assert method["AuthorizationType"] == "COGNITO_USER_POOLS"
    assert synthesized.function_id(API) in str(method["Integration"]["Uri"])
