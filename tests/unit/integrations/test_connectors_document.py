"""The connectors document: validated like every analysts' document, it says which teams
work their cases in which tool."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from cxloop.domain.configuration.rulebook import DOCUMENT_NAMES, Rulebook, validate_document
from cxloop.domain.integrations.connectors import Connectors
from cxloop.domain.organisation.hierarchy import Organisation

ZENDESK: dict[str, Any] = {
    "name": "zendesk",
    "vendor": "zendesk",
    "instance_url": "https://acme.zendesk.com",
    "secret": "cxloop/connectors/zendesk",
    "teams": ["quito-norte-claims"],
    "team_kinds": ["roadside"],
}
ORGANISATION = Organisation.model_validate(
    {
        "countries": [
            {
                "code": "EC",
                "name": "Ecuador",
                "timezone": "America/Guayaquil",
                "regions": [
                    {
                        "id": "pichincha",
                        "name": "Pichincha",
                        "branches": [
                            {
                                "id": "quito-norte",
                                "name": "Quito Norte",
                                "teams": [
                                    {"id": "quito-norte-claims", "name": "Claims", "kind": "claims"},
                                    {"id": "quito-norte-road", "name": "Roadside", "kind": "roadside"},
                                    {"id": "quito-norte-cs", "name": "Service", "kind": "customer_service"},
                                ],
                            }
                        ],
                    }
                ],
            }
        ]
    }
)


def test_connectors_is_a_document_and_connects_nobody_until_published() -> None:
    assert "connectors" in DOCUMENT_NAMES
    assert Rulebook().connectors.connectors == ()
    assert Rulebook().connectors.for_team("quito-norte-claims", ORGANISATION) is None


def test_a_team_is_routed_by_its_id_or_by_its_kind() -> None:
    document = validate_document("connectors", {"connectors": [ZENDESK]})
    assert isinstance(document, Connectors)
    assert document.for_team("quito-norte-claims", ORGANISATION).name == "zendesk"  # type: ignore[union-attr]
    assert document.for_team("quito-norte-road", ORGANISATION).vendor == "zendesk"  # type: ignore[union-attr]
    assert document.for_team("quito-norte-cs", ORGANISATION) is None
    assert document.for_team(None, ORGANISATION) is None


def test_priorities_map_to_the_vendors_vocabulary_unless_the_document_says_otherwise() -> None:
    mapped = validate_document("connectors", {"connectors": [ZENDESK | {"priorities": {"low": "normal"}}]})
    connector = mapped.connectors[0]  # type: ignore[attr-defined]
    assert [connector.priority_of(p) for p in ("low", "medium", "high", "urgent")] == [
        "normal",
        "normal",
        "high",
        "urgent",
    ]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"vendor": "freshdesk"}, ("connectors", 0, "vendor")),
        ({"instance_url": "not a url"}, ("connectors", 0, "instance_url")),
        ({"secret": "prod/zendesk-credentials"}, ("connectors", 0, "secret")),
        ({"teams": [], "team_kinds": []}, ("connectors", 0)),
        ({"name": "Zen Desk"}, ("connectors", 0, "name")),
        ({"priorities": {"critical": "urgent"}}, ("connectors", 0, "priorities", "critical", "[key]")),
        ({"vendor": "servicenow", "priorities": {"medium": "normal"}}, ("connectors", 0, "priorities")),
    ],
)
def test_a_bad_connector_is_refused_naming_the_field(change: dict[str, Any], field: tuple[Any, ...]) -> None:
    with pytest.raises(ValidationError) as refused:
        validate_document("connectors", {"connectors": [ZENDESK | change]})
    assert field in [error["loc"] for error in refused.value.errors()]


def test_a_team_works_in_one_tool_only() -> None:
    second = ZENDESK | {"name": "zendesk-latam", "team_kinds": []}
    with pytest.raises(ValidationError, match="more than one connector"):
        validate_document("connectors", {"connectors": [ZENDESK, second]})


def test_a_vendor_cxloop_cannot_talk_to_is_refused_at_publication() -> None:
    with pytest.raises(ValidationError, match="'zendesk', 'servicenow' or 'salesforce'"):
        validate_document("connectors", {"connectors": [ZENDESK | {"vendor": "dynamics"}]})
