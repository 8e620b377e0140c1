"""The IAM contract: every AWS call each function made across the integration and e2e
suites is one its role in the synthesized template allows (with the resource policies and
KMS key policies on the way), and every grant no call exercised is removed or explained in
infra/cdk/unexercised_grants.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from infra.cdk.unexercised_grants import UNEXERCISED
from infra.local.defaults import ACCOUNT_ID, REGION
from infra.pipeline import PIPELINE
from tests.iam_contract.calls import Call, Request, load_calls, requests_of
from tests.iam_contract.template_iam import Grant, TemplateIam

pytestmark = pytest.mark.infra


# Services only an optional channel uses: their calls are checked against the stack with the
# channels on, every other call against the default stack (`make synth`'s).
OPTIONAL_SERVICES = ("comprehend", "sms-voice", "social-messaging")


class Stacks:
    def __init__(self, default: TemplateIam, channels: TemplateIam) -> None:
        self.default, self.channels = default, channels

    def of(self, service: str) -> TemplateIam:
        return self.channels if service in OPTIONAL_SERVICES else self.default

    def grants(self) -> list[Grant]:
        """Each grant once: the optional services' from the channels stack, the rest from the default."""
        default = [g for f in sorted(self.default.roles) for g in self.default.grants(f)]
        optional = [g for f in sorted(self.channels.roles) for g in self.channels.grants(f)]
        return [g for g in default if not _optional(g)] + [g for g in optional if _optional(g)]


def _optional(grant: Grant) -> bool:
    return grant.action.split(":")[0] in OPTIONAL_SERVICES


@pytest.fixture(scope="module")
def iam(template: dict[str, Any], channels_template: dict[str, Any], local_env: dict[str, str]) -> Stacks:
    return Stacks(
        TemplateIam(template, local_env, REGION, ACCOUNT_ID),
        TemplateIam(channels_template, local_env, REGION, ACCOUNT_ID),
    )


@pytest.fixture(scope="module")
def calls(recorded_directory: Path) -> set[Call]:
    return load_calls(recorded_directory)


def test_the_suites_recorded_calls_of_pipeline_functions(calls: set[Call]) -> None:
    functions = {call.function for call in calls}
    assert functions <= {f.name for f in PIPELINE.functions}
    # The loop's steps at least: a recording that lost a runtime would be caught here.
    assert {"capture_event", "send_survey", "score_response", "open_ticket", "push_alert"} <= functions


def test_every_recorded_call_is_allowed(iam: Stacks, calls: set[Call]) -> None:
    refused = [
        f"{call}\n    {request.action} on {request.resource}: {'; '.join(why)}"
        for call in sorted(calls)
        for request in requests_of(call, REGION, ACCOUNT_ID)
        if (why := iam.of(call.service).refusals(call.function, request))
    ]
    assert not refused, f"{len(refused)} calls the template would refuse:\n" + "\n".join(refused)


@pytest.fixture(scope="module")
def unexercised(iam: Stacks, calls: set[Call]) -> list[Grant]:
    """Every (function, action, resource) its role allows that no recorded call used."""
    requests: dict[str, list[Request]] = {}
    for call in calls:
        made = requests_of(call, REGION, ACCOUNT_ID)
        keys = [k for r in made for k in iam.of(call.service).kms_requests(r)]
        requests.setdefault(call.function, []).extend(made + keys)
    return [g for g in iam.grants() if not any(g.covers(r) for r in requests.get(g.function, []))]


def test_every_unexercised_grant_is_explained(unexercised: list[Grant]) -> None:
    unexplained = [g for g in unexercised if not any(r.explains(g) for r in UNEXERCISED)]
    assert not unexplained, (
        f"{len(unexplained)} grants no test exercises: remove each from infra/cdk or give its reason "
        "in infra/cdk/unexercised_grants.py\n" + "\n".join(map(str, unexplained))
    )


def test_every_reason_still_explains_a_grant(unexercised: list[Grant]) -> None:
    """A reason for a grant since removed or now exercised goes too, so the file stays true."""
    stale = [r for r in UNEXERCISED if not any(r.explains(g) for g in unexercised)]
    assert not stale, "reasons that explain no unexercised grant:\n" + "\n".join(map(str, stale))


def test_the_check_refuses_what_a_role_does_not_grant(iam: Stacks) -> None:
    tickets = Request("dynamodb:PutItem", f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/tickets")
    assert iam.default.refusals("open_ticket", tickets) == []
    assert iam.default.refusals("push_alert", tickets) == ["its role's policies do not allow it"]


def test_a_resource_under_a_customer_managed_key_needs_the_key_too(iam: Stacks) -> None:
    """The topics AWS services publish to (SES events, SMS replies) are under a key of our own:
    publishing to one takes the key as well, which no function has."""
    topic, key = next(iter(iam.default.keys.items()))
    refusals = iam.default.refusals("push_alert", Request("sns:Publish", topic))
    assert (
        f"its role may not kms:GenerateDataKey on the key ({iam.default.resolve.attribute(key, 'Arn')})"
        in refusals
    )
