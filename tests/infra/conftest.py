"""One synthesized template per test worker: jsii start-up is slow, synth once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from infra.pipeline import PIPELINE, Function


@dataclass
class Synthesized:
    template: dict[str, Any]

    def resources(self, kind: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.template["Resources"].items() if v["Type"] == kind}

    def function_id(self, spec: Function) -> str:
        """The Lambda whose description is the pipeline function's: no logical ids in tests."""
        return next(
            k
            for k, v in self.resources("AWS::Lambda::Function").items()
            if v["Properties"].get("Description") == spec.description
        )

    def role_id(self, spec: Function) -> str:
        return str(self.template["Resources"][self.function_id(spec)]["Properties"]["Role"]["Fn::GetAtt"][0])

    def statements(self, spec: Function) -> list[dict[str, Any]]:
        role = self.role_id(spec)
        found = []
        for policy in self.resources("AWS::IAM::Policy").values():
            if {"Ref": role} in policy["Properties"]["Roles"]:
                found.extend(policy["Properties"]["PolicyDocument"]["Statement"])
        return found

    def actions(self, spec: Function) -> set[str]:
        actions: set[str] = set()
        for statement in self.statements(spec):
            listed = statement["Action"]
            actions.update([listed] if isinstance(listed, str) else listed)
        return actions

    def table_id(self, key: str) -> str:
        return next(
            k
            for k, v in self.resources("AWS::DynamoDB::Table").items()
            if v["Properties"]["KeySchema"][0]["AttributeName"] == key
        )

    def touches(self, spec: Function, logical_id: str) -> bool:
        return logical_id in str(self.statements(spec))


@pytest.fixture(scope="session")
def synthesized() -> Synthesized:
    from aws_cdk.assertions import Template

    from infra.cdk.app import build_app

    _, stack = build_app()
    return Synthesized(dict(Template.from_stack(stack).to_json()))


def function(name: str) -> Function:
    return PIPELINE.function(name)
