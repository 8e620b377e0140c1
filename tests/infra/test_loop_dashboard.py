"""The operators' CloudWatch dashboard of the loop: every figure the runbook points to."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.pipeline import PIPELINE
from tests.infra.conftest import Synthesized

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]


def dashboard_widgets(synthesized: Synthesized) -> list[dict[str, Any]]:
    """The dashboard body, with each CloudFormation reference read as the logical id it names."""
    ((_, dashboard),) = synthesized.resources("AWS::CloudWatch::Dashboard").items()
    parts = dashboard["Properties"]["DashboardBody"]["Fn::Join"][1]
    body = "".join(part if isinstance(part, str) else _named(part) for part in parts)
    return list(json.loads(body)["widgets"])


def _named(reference: dict[str, Any]) -> str:
    if "Ref" in reference:
        return str(reference["Ref"])
    if "Fn::GetAtt" in reference:
        return str(reference["Fn::GetAtt"][0])
    return "REGION" if reference == {"Ref": "AWS::Region"} else "?"


def widget(widgets: list[dict[str, Any]], title_start: str) -> dict[str, Any]:
    return next(w["properties"] for w in widgets if w["properties"]["title"].startswith(title_start))


def labels(properties: dict[str, Any]) -> list[str]:
    return [metric[-1]["label"] for metric in properties["metrics"] if isinstance(metric[-1], dict)]


def test_the_loop_counts_and_answer_to_alert_percentiles(synthesized: Synthesized) -> None:
    widgets = dashboard_widgets(synthesized)
    loop = widget(widgets, "The loop")
    assert labels(loop) == [
        "EventsAccepted",
        "SurveysSent",
        "AnswersRecorded",
        "TicketsOpened",
        "AlertsPublished",
        "SendsUnconfirmed",
    ]
    # The unconfirmed sends on the right axis, beside the loop's counts.
    assert loop["metrics"][-1][-1]["yAxis"] == "right"
    assert all(metric[:2] == ["cxloop", metric[1]] and "service" in metric for metric in loop["metrics"])
    speed = widget(widgets, "Answer to alert")
    assert [(m[1], m[-1]["stat"]) for m in speed["metrics"]] == [
        ("AnswerToAlert", "p50"),
        ("AnswerToAlert", "p95"),
    ]


def test_every_queue_dead_letter_queue_function_and_api_answer_is_on_it(synthesized: Synthesized) -> None:
    widgets = dashboard_widgets(synthesized)
    assert set(labels(widget(widgets, "Oldest message"))) == {q.name for q in PIPELINE.queues}
    assert {q.name for q in PIPELINE.queues} <= set(labels(widget(widgets, "Dead-letter queues")))
    failures = widget(widgets, "Function errors")
    names = {f.name for f in PIPELINE.functions}
    errors = {m[-1]["label"] for m in failures["metrics"] if m[1] == "Errors"}
    throttles = {m[-1]["label"] for m in failures["metrics"] if m[1] == "Throttles"}
    assert errors == throttles == names
    assert [m[1] for m in widget(widgets, "API answers")["metrics"]] == ["4XXError", "5XXError"]


def test_its_name_is_an_output(synthesized: Synthesized) -> None:
    ((dashboard_id, _),) = synthesized.resources("AWS::CloudWatch::Dashboard").items()
    assert synthesized.template["Outputs"]["OpsDashboardName"]["Value"] == {"Ref": dashboard_id}
