"""The IAM contract: every AWS call each function made across the integration and e2e
suites is one its role in the synthesized template allows (with the resource policies and
KMS key policies on the way), and every grant no call exercised is removed or explained in
infra/cdk/unexercised_grants.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from infra.local.defaults import ACCOUNT_ID, REGION
from infra.pipeline import PIPELINE
from tests.iam_contract.calls import Call, load_calls, requests_of
from tests.iam_contract.template_iam import TemplateIam

pytestmark = pytest.mark.infra


@pytest.fixture(scope="module")
def iam(template: dict[str, Any], local_env: dict[str, str]) -> TemplateIam:
    return TemplateIam(template, local_env, REGION, ACCOUNT_ID)


@pytest.fixture(scope="module")
def calls(recorded_directory: Path) -> set[Call]:
    return load_calls(recorded_directory)


def test_the_suites_recorded_calls_of_pipeline_functions(calls: set[Call]) -> None:
    functions = {call.function for call in calls}
    assert functions <= {f.name for f in PIPELINE.functions}
    # The loop's steps at least: a recording that lost a runtime would be caught here.
    assert {"capture_event", "send_survey", "score_response", "open_ticket", "push_alert"} <= functions


def test_every_recorded_call_is_allowed(iam: TemplateIam, calls: set[Call]) -> None:
    refused = [
        f"{call}\n    {request.action} on {request.resource}: {'; '.join(why)}"
        for call in sorted(calls)
        for request in requests_of(call, REGION, ACCOUNT_ID)
        if (why := iam.refusals(call.function, request))
    ]
    assert not refused, f"{len(refused)} calls the template would refuse:\n" + "\n".join(refused)
