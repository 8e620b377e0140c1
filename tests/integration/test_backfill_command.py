"""`cxloop backfill customer-keys --stack`: table names from a deployed stack's outputs (a
CloudFormation stack in moto, read with the same describe_stacks call), then the one-off key."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from cxloop.domain.kernel.events import Interaction, parse_event
from infra.backfill import BACKFILLED_TABLES, backfill, stack_table_names, stack_target, table_output_name
from infra.local.defaults import REGION
from tests.conftest import LocalAws
from tests.helpers import load_event

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def stack_template(outputs: tuple[str, ...]) -> str:
    """Three tables keyed as the pipeline's, and the outputs the stack would have."""
    keys = {"interactions": "interaction_id", "invitations": "token_hash", "responses": "response_id"}
    resources = {
        name.title(): {
            "Type": "AWS::DynamoDB::Table",
            "Properties": {
                "TableName": f"prod-{name}",
                "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": [{"AttributeName": key, "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": key, "KeyType": "HASH"}],
            },
        }
        for name, key in keys.items()
    }
    return json.dumps(
        {
            "Resources": resources,
            "Outputs": {table_output_name(name): {"Value": {"Ref": name.title()}} for name in outputs},
        }
    )


def legacy_interaction(aws: LocalAws) -> None:
    """An interaction stored before `customer_key` existed: its document only."""
    interaction = Interaction(
        interaction_id="old-1",
        correlation_id="c-1",
        received_at=NOW,
        event=parse_event(json.dumps(load_event("erp/claim_reported")).encode()),
    )
    aws.clients["dynamodb"].put_item(
        TableName="prod-interactions",
        Item={"interaction_id": {"S": "old-1"}, "doc": {"S": interaction.model_dump_json()}},
    )


@pytest.fixture
def deployed(aws: LocalAws, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws.endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    return boto3.client("cloudformation", region_name=REGION, endpoint_url=aws.endpoint)


def test_the_stack_outputs_name_the_tables_and_the_backfill_keys_the_old_items(
    aws: LocalAws, deployed: Any
) -> None:
    deployed.create_stack(StackName="cxloop-prod", TemplateBody=stack_template(BACKFILLED_TABLES))
    legacy_interaction(aws)
    target = stack_target("cxloop-prod", REGION)
    assert dict(target.table_names) == {name: f"prod-{name}" for name in BACKFILLED_TABLES}

    printed: list[str] = []
    assert backfill(target, printed.append) == {"interactions": 1, "invitations": 0, "responses": 0}
    item = aws.clients["dynamodb"].get_item(
        TableName="prod-interactions", Key={"interaction_id": {"S": "old-1"}}
    )
    assert item["Item"]["customer_key"] == {"S": load_event("erp/claim_reported")["customer"]["id"]}
    assert "interactions: 1 item(s) keyed" in printed
    # Once keyed, a second run finds nothing to do.
    assert backfill(target, printed.append) == dict.fromkeys(BACKFILLED_TABLES, 0)


def test_a_stack_deployed_before_the_outputs_existed_is_named_in_the_error(deployed: Any) -> None:
    deployed.create_stack(StackName="cxloop-old", TemplateBody=stack_template(("interactions",)))
    with pytest.raises(LookupError, match="InvitationsTableName, ResponsesTableName: deploy this version"):
        stack_target("cxloop-old", REGION)


def test_output_names_follow_the_stack() -> None:
    assert table_output_name("interactions") == "InteractionsTableName"
    assert stack_table_names(
        [{"OutputKey": table_output_name(t), "OutputValue": f"x-{t}"} for t in BACKFILLED_TABLES], "s"
    ) == {t: f"x-{t}" for t in BACKFILLED_TABLES}
