"""API Gateway REST API: the routes of the pipeline description, a Cognito authorizer
on staff routes, request validation, JSON access logs, stage throttling and a WAF."""

from __future__ import annotations

import re

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from infra.cdk.nag import acknowledge
from infra.pipeline import PIPELINE, Route

THROTTLE_RATE_PER_S = 200
THROTTLE_BURST = 400
WAF_REQUESTS_PER_5_MIN_PER_IP = 2000


class Api(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, functions: dict[str, lambda_.Function], stage: str
    ) -> None:
        super().__init__(scope, construct_id)
        self.user_pool = self._user_pool()
        access_logs = logs.LogGroup(self, "AccessLogs", retention=logs.RetentionDays.THREE_MONTHS)
        self.rest_api = apigw.RestApi(
            self,
            "RestApi",
            description="cxloop: ERP webhook, survey links, staff API",
            cloud_watch_role=True,
            cloud_watch_role_removal_policy=RemovalPolicy.DESTROY,
            deploy_options=apigw.StageOptions(
                stage_name=stage,
                throttling_rate_limit=THROTTLE_RATE_PER_S,
                throttling_burst_limit=THROTTLE_BURST,
                tracing_enabled=True,
                logging_level=apigw.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,  # request bodies hold personal data
                access_log_destination=apigw.LogGroupLogDestination(access_logs),
                access_log_format=apigw.AccessLogFormat.json_with_standard_fields(
                    caller=False,
                    http_method=True,
                    ip=True,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=False,
                ),
            ),
        )
        self.stage = stage
        self.validator = self.rest_api.add_request_validator(
            "Requests", validate_request_parameters=True, validate_request_body=True
        )
        self.authorizer = apigw.CognitoUserPoolsAuthorizer(
            self, "StaffAuthorizer", cognito_user_pools=[self.user_pool]
        )
        for spec in PIPELINE.functions:
            for route in spec.routes:
                self._add_route(route, functions[spec.name])
        acknowledge(
            self.rest_api,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AmazonAPIGatewayPushToCloudWatchLogs]",
            "API Gateway's account-level logging role needs this AWS managed policy: the documented setup.",
        )
        self._web_acl()

    @property
    def url(self) -> str:
        return self.rest_api.url

    def _user_pool(self) -> cognito.UserPool:
        return cognito.UserPool(
            self,
            "StaffUsers",
            self_sign_up_enabled=False,
            sign_in_aliases=cognito.SignInAliases(email=True),
            mfa=cognito.Mfa.REQUIRED,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            password_policy=cognito.PasswordPolicy(
                min_length=12,
                require_digits=True,
                require_lowercase=True,
                require_uppercase=True,
                require_symbols=True,
                temp_password_validity=Duration.days(3),
            ),
            feature_plan=cognito.FeaturePlan.PLUS,
            standard_threat_protection_mode=cognito.StandardThreatProtectionMode.FULL_FUNCTION,
            # Role and scope claims the staff API reads (custom:role, custom:scope).
            custom_attributes={
                "role": cognito.StringAttribute(mutable=True, min_len=3, max_len=32),
                "scope": cognito.StringAttribute(mutable=True, min_len=3, max_len=128),
            },
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            removal_policy=RemovalPolicy.RETAIN,
        )

    def _add_route(self, route: Route, function: lambda_.Function) -> None:
        resource = self.rest_api.root.resource_for_path(route.path)
        parameters = {f"method.request.path.{name}": True for name in re.findall(r"\{(\w+)\}", route.path)}
        staff = route.auth == "staff"
        method = resource.add_method(
            route.method,
            apigw.LambdaIntegration(function),
            request_parameters=parameters or None,
            request_validator=self.validator,
            authorizer=self.authorizer if staff else None,
            authorization_type=apigw.AuthorizationType.COGNITO if staff else apigw.AuthorizationType.NONE,
        )
        if not staff:
            why = {
                "signature": "The ERP webhook is authenticated by an HMAC signature the function verifies "
                "before parsing (contract 3.1); ERPs cannot hold Cognito sessions.",
                "none": "Public by design: survey links are authorized by their unguessable single-use "
                "token, and the OpenAPI document is public.",
            }[route.auth]
            acknowledge(method, "AwsSolutions-APIG4", why)
            acknowledge(method, "AwsSolutions-COG4", why)

    def _web_acl(self) -> None:
        rules = [
            _managed_rule("CommonRules", 0, "AWSManagedRulesCommonRuleSet"),
            _managed_rule("KnownBadInputs", 1, "AWSManagedRulesKnownBadInputsRuleSet"),
            wafv2.CfnWebACL.RuleProperty(
                name="RatePerIp",
                priority=2,
                action=wafv2.CfnWebACL.RuleActionProperty(block={}),
                statement=wafv2.CfnWebACL.StatementProperty(
                    rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                        limit=WAF_REQUESTS_PER_5_MIN_PER_IP, aggregate_key_type="IP"
                    )
                ),
                visibility_config=_visibility("RatePerIp"),
            ),
        ]
        acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            scope="REGIONAL",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            rules=rules,
            visibility_config=_visibility("cxloop"),
        )
        wafv2.CfnWebACLAssociation(
            self,
            "WebAclAssociation",
            web_acl_arn=acl.attr_arn,
            resource_arn=self.rest_api.deployment_stage.stage_arn,
        )


def _visibility(name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
    )


def _managed_rule(name: str, priority: int, rule_set: str) -> wafv2.CfnWebACL.RuleProperty:
    return wafv2.CfnWebACL.RuleProperty(
        name=name,
        priority=priority,
        override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
        statement=wafv2.CfnWebACL.StatementProperty(
            managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                vendor_name="AWS", name=rule_set
            )
        ),
        visibility_config=_visibility(name),
    )
