"""The opt-out link in CloudFormation: its table (hash key, expiry, the customer index
erasure uses), the public /u/{token} routes, and least privilege for every function
that touches it."""

from __future__ import annotations

import json

import pytest

from infra.pipeline import PIPELINE, env_name_for
from tests.infra.conftest import Synthesized
from tests.infra.test_api import methods_by_route

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]

PAGE = PIPELINE.function("unsubscribe_page")
READS = {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:BatchGetItem"}
WRITES = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}


def test_links_are_kept_by_hash_expire_and_are_indexed_by_customer(synthesized: Synthesized) -> None:
    table = synthesized.properties(synthesized.table_id("optouts"))
    assert table["KeySchema"] == [{"AttributeName": "link_hash", "KeyType": "HASH"}]
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    (index,) = table["GlobalSecondaryIndexes"]
    assert index["IndexName"] == "by_customer"
    assert [k["AttributeName"] for k in index["KeySchema"]] == ["customer_key", "created_at"]


def test_the_opt_out_routes_are_public_and_reach_the_unsubscribe_page(synthesized: Synthesized) -> None:
    methods = methods_by_route(synthesized)
    function = synthesized.function_id(PAGE)
    for verb in ("GET", "POST"):
        method = methods[(verb, "/u/{token}")]
        assert method["AuthorizationType"] == "NONE"
        assert function in str(method["Integration"]["Uri"])
    # A one-click POST is form-encoded, never JSON: the body is not validated as JSON.
    post = methods[("POST", "/u/{token}")]
    assert "RequestModels" not in post


def test_the_page_reads_links_and_changes_contact_records_and_nothing_else(synthesized: Synthesized) -> None:
    optouts, contacts = synthesized.table_id("optouts"), synthesized.table_id("contacts")
    assert synthesized.actions_on(PAGE, optouts) & WRITES == set()
    assert READS & synthesized.actions_on(PAGE, optouts)
    assert {"dynamodb:GetItem", "dynamodb:PutItem"} <= synthesized.actions_on(PAGE, contacts)
    for other in ("invitations", "responses", "interactions", "tickets"):
        assert synthesized.actions_on(PAGE, synthesized.table_id(other)) == set()
    assert not {a for a in synthesized.actions(PAGE) if a.startswith(("ses:", "sns:"))}
    # Its one queue: customer.opted_out for webhook subscribers, whose subscriptions it only reads.
    webhooks_queue = synthesized.queue_id("webhooks")
    for statement in synthesized.statements(PAGE):
        if "sqs:SendMessage" in json.dumps(statement["Action"]):
            assert webhooks_queue in json.dumps(statement["Resource"]), statement
    assert synthesized.actions_on(PAGE, synthesized.table_id("webhooks")) & WRITES == set()
    assert synthesized.environment(PAGE)[env_name_for("table", "optouts")] == {"Ref": optouts}


@pytest.mark.parametrize("name", ["send_survey", "notify_customer"])
def test_senders_may_add_links_but_never_read_them_back(synthesized: Synthesized, name: str) -> None:
    sender = PIPELINE.function(name)
    optouts = synthesized.table_id("optouts")
    assert "dynamodb:PutItem" in synthesized.actions_on(sender, optouts)
    assert synthesized.actions_on(sender, optouts) & READS == set()
