"""QR codes in CloudFormation: the qr_codes table and its branch index, the public /q/{code}
route, least privilege for scan_qr and qr_codes_api, the WAF's scan limit, PNG as binary."""

from __future__ import annotations

import pytest

from infra.cdk.constructs.firewall import QR_SCAN_PATH, QR_SCANS_PER_IP_PER_5_MIN
from infra.pipeline import PIPELINE
from tests.infra.conftest import Synthesized
from tests.infra.test_api import methods_by_route

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]

SCAN = PIPELINE.function("scan_qr")
API = PIPELINE.function("qr_codes_api")
WRITES = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}


def test_codes_are_keyed_by_id_and_indexed_by_branch(synthesized: Synthesized) -> None:
    table = synthesized.properties(synthesized.table_id("qr_codes"))
    assert table["KeySchema"] == [{"AttributeName": "qr_id", "KeyType": "HASH"}]
    (index,) = table["GlobalSecondaryIndexes"]
    assert [k["AttributeName"] for k in index["KeySchema"]] == ["branch", "created_at"]


def test_a_scan_is_public_reads_codes_and_only_adds_invitations(synthesized: Synthesized) -> None:
    method = methods_by_route(synthesized)[("GET", "/q/{code}")]
    assert method["AuthorizationType"] == "NONE"
    assert synthesized.function_id(SCAN) in str(method["Integration"]["Uri"])
    assert synthesized.actions_on(SCAN, synthesized.table_id("qr_codes")) & WRITES == set()
    assert "dynamodb:PutItem" in synthesized.actions_on(SCAN, synthesized.table_id("invitations"))
    for other in ("responses", "tickets", "contacts", "aggregates"):
        assert synthesized.actions_on(SCAN, synthesized.table_id(other)) == set()


def test_the_staff_routes_need_a_token_and_touch_only_codes_and_config(synthesized: Synthesized) -> None:
    methods = methods_by_route(synthesized)
    for route in API.routes:
        assert methods[(route.method, route.path)]["AuthorizationType"] == "COGNITO_USER_POOLS"
    assert "dynamodb:PutItem" in synthesized.actions_on(API, synthesized.table_id("qr_codes"))
    assert synthesized.actions_on(API, synthesized.table_id("config")) & WRITES == set()
    assert synthesized.actions_on(API, synthesized.table_id("invitations")) == set()


def test_the_waf_limits_scans_per_ip_and_png_leaves_as_binary(synthesized: Synthesized) -> None:
    (acl_id,) = synthesized.resources("AWS::WAFv2::WebACL")
    rules = {r["Name"]: r["Statement"] for r in synthesized.properties(acl_id)["Rules"]}
    limit = rules["QrScansPerIp"]["RateBasedStatement"]
    assert limit["Limit"] == QR_SCANS_PER_IP_PER_5_MIN and limit["AggregateKeyType"] == "IP"
    assert limit["ScopeDownStatement"]["ByteMatchStatement"]["SearchString"] == QR_SCAN_PATH
    (api_id,) = synthesized.resources("AWS::ApiGateway::RestApi")
    assert "image/png" in synthesized.properties(api_id)["BinaryMediaTypes"]
