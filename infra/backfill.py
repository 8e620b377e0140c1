"""`cxloop backfill customer-keys`: the one-off migration erasure depends on.

Erasure (DELETE /v1/customers/{id}) finds a customer's items through each table's
`by_customer` index, whose key `customer_key` is written with every item since the
erasure release. Items stored before it have no `customer_key`, so an erasure would miss
them. This command adds the key to every such item of interactions, invitations and
responses (tickets carried it from the start), once: the update is conditional on the
key being absent, so running it twice, or while the system takes traffic, changes nothing
already keyed.

It runs against a deployed stack (`--stack`: the table names come from the stack's
outputs; credentials and region from the usual AWS configuration) or against the local
runtime (`--url`: the moto endpoint comes from GET /_local/aws).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

# The tables whose items predate `customer_key`, and the stack output naming each.
BACKFILLED_TABLES = ("interactions", "invitations", "responses")


def table_output_name(table: str) -> str:
    """The CloudFormation output that names a pipeline table: interactions -> InteractionsTableName."""
    return f"{table.title().replace('_', '')}TableName"


class Backfillable(Protocol):
    def backfill_customer_keys(self) -> int: ...


@dataclass(frozen=True)
class Target:
    """Where the tables are: their names, and the DynamoDB client to reach them with."""

    table_names: Mapping[str, str]
    dynamodb: Any


def stores(target: Target) -> dict[str, Backfillable]:
    # Imported here: the pydantic models load only when the command runs.
    from cxloop.adapters.interactions import DynamoInteractionStore  # noqa: PLC0415
    from cxloop.adapters.invitations import DynamoInvitationStore  # noqa: PLC0415
    from cxloop.adapters.responses import DynamoResponseStore  # noqa: PLC0415

    # By keyword: the response store's second positional parameter is the invitations table.
    kinds: dict[str, Callable[..., Backfillable]] = {
        "interactions": DynamoInteractionStore,
        "invitations": DynamoInvitationStore,
        "responses": DynamoResponseStore,
    }
    return {
        name: kinds[name](target.table_names[name], dynamodb=target.dynamodb) for name in BACKFILLED_TABLES
    }


def backfill(target: Target, progress: Callable[[str], None] = print) -> dict[str, int]:
    """Key every unkeyed item; answers how many items each table gained a key on."""
    added: dict[str, int] = {}
    for name, store in stores(target).items():
        progress(f"{name} ({target.table_names[name]}): scanning for items without customer_key ...")
        added[name] = store.backfill_customer_keys()
        progress(f"{name}: {added[name]} item(s) keyed")
    return added


def stack_table_names(outputs: Iterable[Mapping[str, str]], stack: str) -> dict[str, str]:
    """The backfilled tables' names from a stack's outputs (describe_stacks' Outputs list)."""
    found = {output["OutputKey"]: output["OutputValue"] for output in outputs}
    missing = [table_output_name(t) for t in BACKFILLED_TABLES if table_output_name(t) not in found]
    if missing:
        raise LookupError(
            f"stack {stack} has no output {', '.join(missing)}: deploy this version of cxloop first"
        )
    return {table: found[table_output_name(table)] for table in BACKFILLED_TABLES}


def stack_target(stack: str, region: str | None) -> Target:
    import boto3  # noqa: PLC0415

    session = boto3.session.Session(region_name=region)
    described = session.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]
    return Target(stack_table_names(described.get("Outputs", []), stack), session.client("dynamodb"))


def local_target(base_url: str) -> Target:
    """The local runtime's tables: named as in the pipeline description, in its moto."""
    from infra.local.analytics import lake_location  # noqa: PLC0415
    from infra.local.resources import local_session  # noqa: PLC0415

    endpoint, _ = lake_location(base_url)
    return Target(
        {name: name for name in BACKFILLED_TABLES}, local_session().client("dynamodb", endpoint_url=endpoint)
    )
