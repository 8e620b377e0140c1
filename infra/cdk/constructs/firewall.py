"""A WAF web ACL in front of the API stage: known-bad inputs, IPs AWS has seen attacking,
and a per-IP rate limit.

AWS's Common Rule Set is left out on purpose: its SizeRestrictions_BODY rule blocks bodies
over 8 KB, and the ERP webhook accepts up to 256 KB (contract 3.1); its body XSS rules would
also refuse survey comments that quote HTML.
"""

from __future__ import annotations

from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

# Per client IP over 5 minutes (WAF's window): 20 requests/s sustained. Many customers can
# share one carrier-grade NAT address, and an ERP may post in bursts from one address.
REQUESTS_PER_IP_PER_5_MIN = 6000
# QR code scans (/q/{code}) per client IP over 5 minutes: each scan stores an invitation, so a
# script looping on a printed code is stopped early. 100 is a scan every 3 s from one address,
# far above a shop's guest Wi-Fi (people answer for a minute or two each).
QR_SCANS_PER_IP_PER_5_MIN = 100
QR_SCAN_PATH = "/q/"
MANAGED_RULE_GROUPS = ("AWSManagedRulesAmazonIpReputationList", "AWSManagedRulesKnownBadInputsRuleSet")


class Firewall(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, stage_arn: str) -> None:
        super().__init__(scope, construct_id)
        rules = [_managed_rule(priority, name) for priority, name in enumerate(MANAGED_RULE_GROUPS)]
        rules.append(_qr_scan_limit(priority=len(rules)))
        rules.append(_rate_limit(priority=len(rules)))
        self.web_acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            scope="REGIONAL",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            rules=rules,
            visibility_config=_visibility("cxloop-api"),
        )
        wafv2.CfnWebACLAssociation(
            self, "StageAssociation", web_acl_arn=self.web_acl.attr_arn, resource_arn=stage_arn
        )


def _visibility(metric: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=metric, sampled_requests_enabled=True
    )


def _managed_rule(priority: int, rule_group: str) -> wafv2.CfnWebACL.RuleProperty:
    return wafv2.CfnWebACL.RuleProperty(
        name=rule_group,
        priority=priority,
        override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
        statement=wafv2.CfnWebACL.StatementProperty(
            managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                vendor_name="AWS", name=rule_group
            )
        ),
        visibility_config=_visibility(rule_group),
    )


def _rate_limit(priority: int) -> wafv2.CfnWebACL.RuleProperty:
    return wafv2.CfnWebACL.RuleProperty(
        name="RatePerIp",
        priority=priority,
        action=wafv2.CfnWebACL.RuleActionProperty(block={}),
        statement=wafv2.CfnWebACL.StatementProperty(
            rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                limit=REQUESTS_PER_IP_PER_5_MIN, aggregate_key_type="IP"
            )
        ),
        visibility_config=_visibility("RatePerIp"),
    )


def _qr_scan_limit(priority: int) -> wafv2.CfnWebACL.RuleProperty:
    """Rate-limit only the requests whose path holds /q/ (the stage prefix comes before it)."""
    scans_only = wafv2.CfnWebACL.StatementProperty(
        byte_match_statement=wafv2.CfnWebACL.ByteMatchStatementProperty(
            field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(uri_path={}),
            positional_constraint="CONTAINS",
            search_string=QR_SCAN_PATH,
            text_transformations=[wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="NONE")],
        )
    )
    return wafv2.CfnWebACL.RuleProperty(
        name="QrScansPerIp",
        priority=priority,
        action=wafv2.CfnWebACL.RuleActionProperty(block={}),
        statement=wafv2.CfnWebACL.StatementProperty(
            rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                limit=QR_SCANS_PER_IP_PER_5_MIN, aggregate_key_type="IP", scope_down_statement=scans_only
            )
        ),
        visibility_config=_visibility("QrScansPerIp"),
    )
