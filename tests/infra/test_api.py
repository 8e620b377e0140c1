"""The REST API: every pipeline route and nothing else, Cognito on staff routes, request
validation, JSON errors and access logs, throttling, tracing, a WAF."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.pipeline import PIPELINE, Route
from tests.infra.conftest import Synthesized

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]

ROUTES = [(spec, route) for spec in PIPELINE.functions for route in spec.routes]


def methods_by_route(
    synthesized: Synthesized, *, preflights: bool = False
) -> dict[tuple[str, str], dict[str, Any]]:
    """(HTTP method, path) -> method properties, the path rebuilt from the resource tree; the
    CORS preflight (OPTIONS) methods only when asked for."""
    resources = synthesized.resources("AWS::ApiGateway::Resource")

    def path_of(reference: dict[str, Any]) -> str:
        if "Ref" not in reference:  # the API's root resource
            return ""
        resource = resources[reference["Ref"]]["Properties"]
        return f"{path_of(resource['ParentId'])}/{resource['PathPart']}"

    return {
        (m["Properties"]["HttpMethod"], path_of(m["Properties"]["ResourceId"])): m["Properties"]
        for m in synthesized.resources("AWS::ApiGateway::Method").values()
        if preflights or m["Properties"]["HttpMethod"] != "OPTIONS"
    }


def stage(synthesized: Synthesized) -> dict[str, Any]:
    (properties,) = [s["Properties"] for s in synthesized.resources("AWS::ApiGateway::Stage").values()]
    return properties


def test_the_api_serves_exactly_the_pipeline_routes_each_by_its_function(synthesized: Synthesized) -> None:
    methods = methods_by_route(synthesized)
    assert set(methods) == {(route.method, route.path) for _, route in ROUTES}
    for spec, route in ROUTES:
        integration = methods[(route.method, route.path)]["Integration"]
        assert integration["Type"] == "AWS_PROXY"
        assert synthesized.function_id(spec) in json.dumps(integration["Uri"])


@pytest.mark.parametrize("route", [r for _, r in ROUTES], ids=lambda r: f"{r.method} {r.path}")
def test_staff_routes_need_a_cognito_token_and_the_others_are_public(
    synthesized: Synthesized, route: Route
) -> None:
    method = methods_by_route(synthesized)[(route.method, route.path)]
    if route.auth == "staff":
        assert method["AuthorizationType"] == "COGNITO_USER_POOLS"
        authorizer = synthesized.properties(method["AuthorizerId"]["Ref"])
        assert authorizer["Type"] == "COGNITO_USER_POOLS"
        (pool_id,) = synthesized.resources("AWS::Cognito::UserPool")
        assert authorizer["ProviderARNs"] == [{"Fn::GetAtt": [pool_id, "Arn"]}]
    else:
        assert method["AuthorizationType"] == "NONE"
        assert "AuthorizerId" not in method


def test_every_method_is_validated_and_path_parameters_are_required(synthesized: Synthesized) -> None:
    for (_, path), method in methods_by_route(synthesized).items():
        validator = synthesized.properties(method["RequestValidatorId"]["Ref"])
        assert validator["ValidateRequestParameters"] is True
        if "{token}" in path:
            assert method["RequestParameters"] == {"method.request.path.token": True}


def test_the_erp_webhook_body_must_be_a_json_object_and_survey_forms_pass_through(
    synthesized: Synthesized,
) -> None:
    methods = methods_by_route(synthesized)
    webhook = methods[("POST", "/v1/events")]
    assert synthesized.properties(webhook["RequestValidatorId"]["Ref"])["ValidateRequestBody"] is True
    model = synthesized.properties(webhook["RequestModels"]["application/json"]["Ref"])
    assert model["Schema"]["type"] == "object"
    survey_post = methods[("POST", "/s/{token}")]  # HTML form posts: not JSON
    assert synthesized.properties(survey_post["RequestValidatorId"]["Ref"])["ValidateRequestBody"] is False
    assert "RequestModels" not in survey_post


def test_gateway_errors_answer_in_the_contract_json_shape(synthesized: Synthesized) -> None:
    responses = {
        r["Properties"]["ResponseType"]: r["Properties"]
        for r in synthesized.resources("AWS::ApiGateway::GatewayResponse").values()
    }
    assert {"DEFAULT_4XX", "DEFAULT_5XX", "BAD_REQUEST_BODY", "UNAUTHORIZED", "THROTTLED"} <= set(responses)
    for response in responses.values():
        body = response["ResponseTemplates"]["application/json"]
        parsed = json.loads(body.replace("$context.error.messageString", '"message"'))
        assert set(parsed["error"]) == {"code", "message"}
    assert responses["MISSING_AUTHENTICATION_TOKEN"]["StatusCode"] == "404"
    unauthorized = responses["UNAUTHORIZED"]["ResponseParameters"]
    assert unauthorized["gatewayresponse.header.WWW-Authenticate"] == "'Bearer'"


def test_stage_throttles_traces_and_logs_json_without_tokens_or_bodies(synthesized: Synthesized) -> None:
    properties = stage(synthesized)
    assert properties["StageName"] == "dev"
    assert properties["TracingEnabled"] is True
    (settings,) = properties["MethodSettings"]
    assert settings["ThrottlingRateLimit"] > 0
    assert settings["ThrottlingBurstLimit"] >= settings["ThrottlingRateLimit"]
    assert settings["LoggingLevel"] == "ERROR"
    assert settings["DataTraceEnabled"] is False
    access_log = properties["AccessLogSetting"]
    log_group = synthesized.properties(access_log["DestinationArn"]["Fn::GetAtt"][0])
    assert log_group["RetentionInDays"] > 0
    fields = json.loads(access_log["Format"])
    assert {"requestId", "status", "resourcePath", "xrayTraceId"} <= set(fields)
    # $context.path would write every survey token into the logs.
    assert "$context.path" not in access_log["Format"]


def test_the_stage_is_behind_a_waf_that_limits_each_ip(synthesized: Synthesized) -> None:
    (acl_id,) = synthesized.resources("AWS::WAFv2::WebACL")
    acl = synthesized.properties(acl_id)
    assert acl["Scope"] == "REGIONAL"
    rules = {r["Name"]: r["Statement"] for r in acl["Rules"]}
    assert rules["RatePerIp"]["RateBasedStatement"]["AggregateKeyType"] == "IP"
    # The common rule set's 8 KB body limit would refuse webhooks the contract accepts.
    assert "AWSManagedRulesCommonRuleSet" not in rules
    (association,) = synthesized.resources("AWS::WAFv2::WebACLAssociation").values()
    assert association["Properties"]["WebACLArn"] == {"Fn::GetAtt": [acl_id, "Arn"]}
    (stage_id,) = synthesized.resources("AWS::ApiGateway::Stage")
    assert stage_id in json.dumps(association["Properties"]["ResourceArn"])


def test_staff_pool_requires_mfa_and_carries_person_role_and_scope(synthesized: Synthesized) -> None:
    (pool,) = [p["Properties"] for p in synthesized.resources("AWS::Cognito::UserPool").values()]
    assert pool["MfaConfiguration"] == "ON"
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert pool["UserPoolTier"] == "PLUS"
    assert pool["UserPoolAddOns"]["AdvancedSecurityMode"] == "ENFORCED"
    assert {"person", "role", "scope"} <= {a["Name"] for a in pool["Schema"]}


def test_staff_cannot_change_who_they_are_their_role_or_scope(synthesized: Synthesized) -> None:
    clients = [c["Properties"] for c in synthesized.resources("AWS::Cognito::UserPoolClient").values()]
    claims = {"custom:person", "custom:role", "custom:scope"}
    for client in clients:  # the staff client and the dashboard's
        assert claims <= set(client["ReadAttributes"])
        assert not claims & set(client["WriteAttributes"])
        assert client["GenerateSecret"] is False
    # Only the dashboard's client has an OAuth flow, and never the implicit grant.
    assert sorted(tuple(c.get("AllowedOAuthFlows", ())) for c in clients) == [(), ("code",)]


# --- CORS: the dashboard on CloudFront calls the staff routes from another origin ---------------


def dashboard_origin(synthesized: Synthesized) -> dict[str, Any]:
    """'https://<the distribution's domain>', as the template writes a quoted header value."""
    (distribution_id,) = synthesized.resources("AWS::CloudFront::Distribution")
    return {"Fn::Join": ["", ["'https://", {"Fn::GetAtt": [distribution_id, "DomainName"]}, "'"]]}


STAFF_PATHS = sorted({route.path for _, route in ROUTES if route.auth == "staff"})


def test_staff_resources_answer_preflight_without_the_authorizer_for_the_dashboard_only(
    synthesized: Synthesized,
) -> None:
    preflights = {
        path: method
        for (verb, path), method in methods_by_route(synthesized, preflights=True).items()
        if verb == "OPTIONS"
    }
    assert sorted(preflights) == STAFF_PATHS  # public routes get no CORS at all
    for path, method in preflights.items():
        assert method["AuthorizationType"] == "NONE" and "AuthorizerId" not in method
        integration = method["Integration"]
        assert integration["Type"] == "MOCK"
        (answer,) = integration["IntegrationResponses"]
        headers = answer["ResponseParameters"]
        assert headers["method.response.header.Access-Control-Allow-Origin"] == dashboard_origin(synthesized)
        assert headers["method.response.header.Vary"] == "'Origin'"
        allowed = headers["method.response.header.Access-Control-Allow-Headers"]
        assert {"Authorization", "Content-Type", "If-Match"} <= set(allowed.strip("'").split(","))
        served = {route.method for _, route in ROUTES if route.path == path}
        assert (
            set(headers["method.response.header.Access-Control-Allow-Methods"].strip("'").split(","))
            == served
        )
    assert "'*'" not in json.dumps(preflights)


def test_gateway_errors_carry_the_dashboards_origin(synthesized: Synthesized) -> None:
    for response in synthesized.resources("AWS::ApiGateway::GatewayResponse").values():
        parameters = response["Properties"]["ResponseParameters"]
        assert parameters["gatewayresponse.header.Access-Control-Allow-Origin"] == dashboard_origin(
            synthesized
        )
        assert parameters["gatewayresponse.header.Vary"] == "'Origin'"
        assert parameters["gatewayresponse.header.Cache-Control"] == "'no-store'"


@pytest.mark.parametrize("spec", [spec for spec in PIPELINE.functions if spec.routes], ids=lambda s: s.name)
def test_staff_route_functions_are_told_the_dashboards_origin(synthesized: Synthesized, spec: Any) -> None:
    environment = synthesized.environment(spec)
    (distribution_id,) = synthesized.resources("AWS::CloudFront::Distribution")
    if any(route.auth == "staff" for route in spec.routes):
        assert environment["CXLOOP_ALLOWED_ORIGINS"] == {
            "Fn::Join": ["", ["https://", {"Fn::GetAtt": [distribution_id, "DomainName"]}]]
        }
    else:
        assert "CXLOOP_ALLOWED_ORIGINS" not in environment
