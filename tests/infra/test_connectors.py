"""The helpdesk connectors on AWS: sync_cases consumes its own `cases` queue (with a DLQ and
a visibility of six times its timeout), and only the two connector functions may read the
connectors' secrets, by their name prefix and with read actions only."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cxloop.domain.integrations.connectors import SECRET_PREFIX
from infra.pipeline import PIPELINE
from tests.infra.conftest import Synthesized

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]

SYNC = PIPELINE.function("sync_cases")


def test_the_cases_queue_has_a_dead_letter_queue_and_one_case_per_invocation(
    synthesized: Synthesized,
) -> None:
    queue = synthesized.properties(synthesized.queue_id("cases"))
    assert queue["VisibilityTimeout"] == 6 * SYNC.timeout_s
    assert queue["RedrivePolicy"]["maxReceiveCount"] == PIPELINE.queue("cases").max_receive_count
    (mapping,) = [
        m["Properties"]
        for m in synthesized.resources("AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["FunctionName"] == {"Ref": synthesized.function_id(SYNC)}
    ]
    assert mapping["BatchSize"] == 1
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


@pytest.mark.parametrize("spec", PIPELINE.functions, ids=lambda spec: spec.name)
def test_only_the_connector_functions_read_the_connectors_secrets_by_their_prefix(
    synthesized: Synthesized, spec: object
) -> None:
    function = PIPELINE.function(spec.name)  # type: ignore[attr-defined]
    on_prefix = [
        s
        for s in synthesized.statements(function)
        if f":secret:{SECRET_PREFIX}*" in json.dumps(s["Resource"])
    ]
    if function.name in {"sync_cases", "connector_events"}:
        (statement,) = on_prefix
        assert statement["Action"] == "secretsmanager:GetSecretValue"
        assert statement["Effect"] == "Allow"
    else:
        assert on_prefix == []


@pytest.mark.parametrize(
    ("name", "fields", "output"),
    [
        ("zendesk", {"email", "api_token"}, "ZendeskConnectorSecretName"),
        ("servicenow", {"username", "password"}, "ServicenowConnectorSecretName"),
        ("salesforce", {"client_id", "client_secret"}, "SalesforceConnectorSecretName"),
    ],
)
def test_a_deployment_naming_a_connector_gets_its_secret_under_the_readable_prefix(
    configured: Synthesized, synthesized: Synthesized, name: str, fields: set[str], output: str
) -> None:
    def connector_secrets(template: Synthesized) -> dict[str, dict[str, Any]]:
        return {
            k: v["Properties"]
            for k, v in template.resources("AWS::SecretsManager::Secret").items()
            if "connector" in v["Properties"]["Description"]
        }

    assert connector_secrets(synthesized) == {}
    (secret,) = [s for s in connector_secrets(configured).values() if str(s["Name"]).endswith(f"/{name}")]
    secret_name = str(secret["Name"])
    assert secret_name.startswith(SECRET_PREFIX)
    generated = secret["GenerateSecretString"]
    assert generated["GenerateStringKey"] == "signing_secret"
    # The operator fills in what the connector's adapter reads (cxloop.adapters.helpdesks).
    assert set(json.loads(generated["SecretStringTemplate"])) == fields
    assert configured.template["Outputs"][output]["Value"] == secret_name
