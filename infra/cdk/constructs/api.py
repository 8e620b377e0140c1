"""API Gateway REST API: the routes of the pipeline description with Lambda proxy
integrations, a Cognito authorizer on staff routes, request validation, JSON errors and
access logs, stage throttling and X-Ray tracing.

The dashboard on CloudFront is another origin: `allow_browser_origin` lets exactly that origin
call the staff routes (OPTIONS preflights answered by API Gateway without the authorizer, the
origin on the gateway's own errors, and the functions told to add it to their answers)."""

from __future__ import annotations

import json
import re

from aws_cdk import Duration
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.cdk.constructs.functions import invocation_target
from infra.cdk.constructs.staff import StaffDirectory
from infra.cdk.nag import acknowledge
from infra.cdk.scanners import skip_checkov
from infra.pipeline import Function, Pipeline, Route

THROTTLE_RATE_PER_S = 200
THROTTLE_BURST = 400
ACCESS_LOG_RETENTION = logs.RetentionDays.THREE_MONTHS
# One JSON object per request. `resourcePath` is the route template (/s/{token}), never
# the requested path: survey tokens are bearer secrets and must not reach the logs.
ACCESS_LOG_FIELDS = {
    "requestId": "$context.requestId",
    "xrayTraceId": "$context.xrayTraceId",
    "requestTime": "$context.requestTime",
    "ip": "$context.identity.sourceIp",
    "httpMethod": "$context.httpMethod",
    "resourcePath": "$context.resourcePath",
    "status": "$context.status",
    "responseLength": "$context.responseLength",
    "responseLatency": "$context.responseLatency",
    "integrationStatus": "$context.integration.status",
    "integrationLatency": "$context.integrationLatency",
    "error": "$context.error.message",
    "authorizerError": "$context.authorizer.error",
}
# Errors API Gateway answers itself, in the contract's shape {"error": {"code", "message"}}:
# response type -> (status override, code, message override).
GATEWAY_ERRORS: dict[apigw.ResponseType, tuple[str | None, str, str | None]] = {
    apigw.ResponseType.DEFAULT_4_XX: (None, "error", None),
    apigw.ResponseType.DEFAULT_5_XX: (None, "unavailable", None),
    apigw.ResponseType.BAD_REQUEST_BODY: (None, "validation_error", "the body must be a JSON object"),
    apigw.ResponseType.BAD_REQUEST_PARAMETERS: (None, "validation_error", None),
    apigw.ResponseType.REQUEST_TOO_LARGE: (None, "payload_too_large", None),
    apigw.ResponseType.UNAUTHORIZED: (None, "unauthorized", "a valid bearer token is required"),
    apigw.ResponseType.ACCESS_DENIED: (None, "forbidden", None),
    apigw.ResponseType.WAF_FILTERED: (None, "forbidden", "request refused"),
    apigw.ResponseType.THROTTLED: (None, "throttled", "too many requests, retry later"),
    # Without IAM auth, "Missing Authentication Token" only ever means "no such route".
    apigw.ResponseType.MISSING_AUTHENTICATION_TOKEN: ("404", "not_found", "no such route"),
}
# The headers the dashboard sends besides the CORS-safelisted ones (cxloop.http agrees).
CORS_ALLOW_HEADERS = ["Authorization", "Content-Type", "If-Match", "X-Correlation-Id"]
CORS_MAX_AGE = Duration.minutes(10)
ALLOWED_ORIGINS_VARIABLE = "CXLOOP_ALLOWED_ORIGINS"
ACCESS_LOG_ENCRYPTION = (
    "CloudWatch Logs encrypts the group at rest; its lines hold the fields of ACCESS_LOG_FIELDS, the "
    "route template and never the requested path (no survey token), and the client IP, kept three "
    "months for abuse investigations: nothing a customer managed key would protect better."
)
NO_CACHE = (
    "Every answer is for one caller at one moment: a survey page by its token, staff data by the "
    "caller's scope, writes from the webhook. A stage cache would serve one caller's answer to "
    "another or stale data, and is billed by the hour."
)
PREFLIGHT_REASON = (
    "CORS preflight: browsers send OPTIONS without credentials by design (Fetch standard), so it "
    "cannot carry the Cognito token; the mock integration answers headers only, touches no data, "
    "and names the dashboard's origin alone."
)
PUBLIC_ROUTE_REASONS = {
    "signature": "The ERP webhook and the helpdesks' callbacks are authenticated by the HMAC signature "
    "their function verifies before anything else (contract 3.1; a helpdesk's own signing for "
    "/v1/connectors); those systems cannot hold Cognito sessions.",
    "none": "Public by design: survey links are authorized by their unguessable, expiring, single-use "
    "token, checked by the function, and the OpenAPI document is public.",
}


def path_parameters(route: Route) -> dict[str, bool]:
    return {f"method.request.path.{name}": True for name in re.findall(r"\{(\w+)\}", route.path)}


def carries_erp_json(route: Route) -> bool:
    """The ERP webhook's body is always a JSON event (contract 3.1); a helpdesk's callback is
    checked by its function, in the vendor's shape."""
    return route.auth == "signature" and route.method == "POST" and route.path.startswith("/v1/events")


class Api(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        pipeline: Pipeline,
        functions: dict[str, lambda_.Function],
        stage: str,
        staff: StaffDirectory,
    ) -> None:
        super().__init__(scope, construct_id)
        self.rest_api = self._rest_api(stage)
        self.parameters_only = self.rest_api.add_request_validator(
            "Parameters", validate_request_parameters=True, validate_request_body=False
        )
        self.body_and_parameters = self.rest_api.add_request_validator(
            "BodyAndParameters", validate_request_parameters=True, validate_request_body=True
        )
        self.erp_event = self.rest_api.add_model(
            "ErpEvent",
            content_type="application/json",
            description="Any JSON object: the function validates the fields and answers 400 per field.",
            schema=apigw.JsonSchema(
                schema=apigw.JsonSchemaVersion.DRAFT4, title="ErpEvent", type=apigw.JsonSchemaType.OBJECT
            ),
        )
        self.staff = staff
        self.pipeline = pipeline
        self.functions = functions
        self._authorizer: apigw.CognitoUserPoolsAuthorizer | None = None
        for spec in pipeline.functions:
            for route in spec.routes:
                # The function's `live` alias when SnapStart is on: $LATEST has no snapshot.
                self._add_route(route, invocation_target(functions[spec.name]))
        self.gateway_responses: dict[str, tuple[apigw.GatewayResponse, dict[str, str]]] = {}
        self._answer_gateway_errors_as_json()

    @property
    def url(self) -> str:
        return self.rest_api.url

    @property
    def authorizer(self) -> apigw.CognitoUserPoolsAuthorizer:
        # Created with the first staff route: an authorizer no method uses fails the synth.
        if self._authorizer is None:
            self._authorizer = apigw.CognitoUserPoolsAuthorizer(
                self, "StaffAuthorizer", cognito_user_pools=[self.staff.user_pool]
            )
        return self._authorizer

    def _rest_api(self, stage: str) -> apigw.RestApi:
        access_logs = logs.LogGroup(self, "AccessLogs", retention=ACCESS_LOG_RETENTION)
        rest_api = apigw.RestApi(
            self,
            "RestApi",
            description="cxloop: ERP webhook, survey links, staff API",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            # The QR code's PNG (qr_codes_api) and the report's PDF (reports_api) leave as bytes
            # only when their types are binary (and the request accepts them).
            binary_media_types=["image/png", "application/pdf"],
            # API Gateway writes logs through an account-wide role; this stack sets it.
            cloud_watch_role=True,
            deploy_options=apigw.StageOptions(
                stage_name=stage,
                throttling_rate_limit=THROTTLE_RATE_PER_S,
                throttling_burst_limit=THROTTLE_BURST,
                tracing_enabled=True,
                logging_level=apigw.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,  # full request logging would write personal data
                access_log_destination=apigw.LogGroupLogDestination(access_logs),
                access_log_format=apigw.AccessLogFormat.custom(json.dumps(ACCESS_LOG_FIELDS)),
            ),
        )
        skip_checkov(access_logs, "CKV_AWS_158", ACCESS_LOG_ENCRYPTION)
        skip_checkov(rest_api.deployment_stage, "CKV_AWS_120", NO_CACHE)
        acknowledge(
            rest_api,
            "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]",
            "API Gateway's account-level CloudWatch role is the documented way to let it write "
            "execution and access logs; the managed policy only allows logging.",
        )
        return rest_api

    def _add_route(self, route: Route, target: lambda_.IFunction) -> None:
        resource = self.rest_api.root.resource_for_path(route.path)
        staff = route.auth == "staff"
        json_body = carries_erp_json(route)
        method = resource.add_method(
            route.method,
            # One invoke permission per function on the whole API, not one per method: the stack
            # stays under CloudFormation's 500 resources with SnapStart's versions and aliases.
            apigw.LambdaIntegration(target, allow_test_invoke=False, scope_permission_to_method=False),
            request_parameters=path_parameters(route) or None,
            request_models={"application/json": self.erp_event} if json_body else None,
            request_validator=self.body_and_parameters if json_body else self.parameters_only,
            authorizer=self.authorizer if staff else None,
            authorization_type=apigw.AuthorizationType.COGNITO if staff else apigw.AuthorizationType.NONE,
        )
        if not staff:
            acknowledge(method, "APIG4", PUBLIC_ROUTE_REASONS[route.auth])
            acknowledge(method, "COG4", PUBLIC_ROUTE_REASONS[route.auth])
            skip_checkov(method, "CKV_AWS_59", PUBLIC_ROUTE_REASONS[route.auth])

    def _answer_gateway_errors_as_json(self) -> None:
        for response_type, (status, code, message) in GATEWAY_ERRORS.items():
            text = json.dumps(message) if message else "$context.error.messageString"
            headers = {"Cache-Control": "'no-store'"}
            if response_type.response_type == "UNAUTHORIZED":
                headers["WWW-Authenticate"] = "'Bearer'"
            name = _name_of(response_type)
            response = self.rest_api.add_gateway_response(
                name,
                type=response_type,
                status_code=status,
                response_headers=headers,
                templates={"application/json": f'{{"error": {{"code": "{code}", "message": {text}}}}}'},
            )
            self.gateway_responses[name] = (response, headers)

    def allow_browser_origin(self, origin: str) -> None:
        """Let a browser page at `origin` (scheme://host, never "*") call the staff routes.
        Called once the dashboard's distribution exists; its domain name reaches the methods,
        the gateway responses and the functions' environment, none of which it depends on."""
        staff_resources: dict[str, set[str]] = {}
        for spec in self.pipeline.functions:
            serves_staff = False
            for route in spec.routes:
                if route.auth == "staff":
                    staff_resources.setdefault(route.path, set()).add(route.method)
                    serves_staff = True
            if serves_staff:
                self._tell_function(spec, origin)
        for path, methods in sorted(staff_resources.items()):
            self._answer_preflight(path, methods, origin)
        self._add_origin_to_gateway_responses(origin)

    def _tell_function(self, spec: Function, origin: str) -> None:
        # cxloop.http reads it at cold start and echoes the origin on the function's answers.
        self.functions[spec.name].add_environment(ALLOWED_ORIGINS_VARIABLE, origin)

    def _answer_preflight(self, path: str, methods: set[str], origin: str) -> None:
        resource = self.rest_api.root.resource_for_path(path)
        preflight = resource.add_cors_preflight(
            allow_origins=[origin],
            allow_headers=CORS_ALLOW_HEADERS,
            allow_methods=sorted(methods),
            max_age=CORS_MAX_AGE,
        )
        acknowledge(preflight, "APIG4", PREFLIGHT_REASON)
        acknowledge(preflight, "COG4", PREFLIGHT_REASON)

    def _add_origin_to_gateway_responses(self, origin: str) -> None:
        """API Gateway's own 401/403/4xx/5xx carry the origin too: without it the browser hides
        a 401 behind a CORS error and the dashboard cannot say "sign in again"."""
        for response, headers in self.gateway_responses.values():
            cors = {"Access-Control-Allow-Origin": f"'{origin}'", "Vary": "'Origin'"}
            parameters = {
                f"gatewayresponse.header.{name}": value for name, value in {**headers, **cors}.items()
            }
            # The whole map at once: the header names' own dots would split a narrower override path.
            response.node.default_child.add_property_override("ResponseParameters", parameters)  # type: ignore[union-attr]


def _name_of(response_type: apigw.ResponseType) -> str:
    return "".join(part.title() for part in response_type.response_type.split("_"))
