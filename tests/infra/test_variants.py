"""The CDK app follows whatever the pipeline description and the context say, and refuses
descriptions it cannot deploy safely."""

from __future__ import annotations

from dataclasses import replace

import pytest

from infra.pipeline import PIPELINE
from tests.infra.conftest import SCHEDULED, Synthesized

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]


def test_a_schedule_becomes_an_eventbridge_rule_targeting_its_function(scheduled: Synthesized) -> None:
    (rule,) = [r["Properties"] for r in scheduled.resources("AWS::Events::Rule").values()]
    assert rule["ScheduleExpression"] == "rate(15 minutes)"
    (target,) = rule["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [scheduled.function_id(SCHEDULED.functions[0]), "Arn"]}


def test_context_sets_stage_survey_link_base_and_powertools_version(scheduled: Synthesized) -> None:
    (stage,) = scheduled.resources("AWS::ApiGateway::Stage").values()
    assert stage["Properties"]["StageName"] == "prod"
    function = scheduled.function_properties(SCHEDULED.functions[0])
    assert function["Environment"]["Variables"]["PUBLIC_BASE_URL"] == "https://cx.example.com"
    assert function["Environment"]["Variables"]["CXLOOP_STAGE"] == "prod"
    assert function["Layers"][1]["Fn::Sub"][1] == {"Version": "40"}


def test_a_queue_that_would_redeliver_during_its_consumer_s_run_fails_the_synth() -> None:
    from infra.cdk.app import build_app

    (dispatch, *others) = PIPELINE.queues
    impatient = replace(PIPELINE, queues=(replace(dispatch, visibility_timeout_s=30), *others))
    with pytest.raises(ValueError, match=r"'dispatch'.*below 6 x send_survey"):
        build_app(pipeline=impatient)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("stage", "prod stage"),
        ("senderAddress", "not-an-address"),
        ("publicBaseUrl", "http://cx.example.com"),
        ("powertoolsLayerVersion", "latest"),
    ],
)
def test_invalid_context_fails_the_synth_with_a_sentence(key: str, value: str) -> None:
    from infra.cdk.app import build_app

    with pytest.raises(ValueError, match=key):
        build_app(context={key: value})
