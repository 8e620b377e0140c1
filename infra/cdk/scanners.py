"""Findings of the template scanners, cfn-lint and checkov, that this stack accepts, each with
the reason it is acceptable: the counterpart of nag.py for cdk-nag.

`make test` runs both scanners on the synthesized templates (tests/infra/test_template_scanners.py)
and fails on any finding not accepted here. An acceptance is written into the metadata of the
one CloudFormation resource it covers, where the scanner reads it:

- checkov: `Metadata.checkov.skip: [{id, comment}]`, the comment being the reason;
- cfn-lint: `Metadata.cfn-lint.config.ignore_checks: [rule]`, with the reasons beside it in
  `ignore_reasons: {rule: reason}` (cfn-lint reads only ignore_checks and leaves other keys be).

So auditors read every reason in the template, beside cdk-nag's (`Metadata.cdk_nag`).
"""

from __future__ import annotations

from aws_cdk import CfnResource
from constructs import IConstruct

MIN_REASON_CHARS = 20
CHECKOV = "checkov"
CFN_LINT = "cfn-lint"


def skip_checkov(construct: IConstruct, check: str, reason: str) -> None:
    """Accept one checkov check (`CKV_AWS_117`...) on the construct's CloudFormation resource."""
    resource = _resource_of(construct, check, reason)
    metadata = resource.get_metadata(CHECKOV) or {}
    skips = [s for s in metadata.get("skip", []) if s["id"] != check]
    resource.add_metadata(CHECKOV, {**metadata, "skip": [*skips, {"id": check, "comment": reason}]})


def ignore_cfn_lint(construct: IConstruct, rule: str, reason: str) -> None:
    """Accept one cfn-lint rule (`W3005`...) on the construct's CloudFormation resource."""
    resource = _resource_of(construct, rule, reason)
    metadata = resource.get_metadata(CFN_LINT) or {}
    config = metadata.get("config", {})
    ignored = [r for r in config.get("ignore_checks", []) if r != rule]
    config = {
        **config,
        "ignore_checks": [*ignored, rule],
        "ignore_reasons": {**config.get("ignore_reasons", {}), rule: reason},
    }
    resource.add_metadata(CFN_LINT, {**metadata, "config": config})


def _resource_of(construct: IConstruct, finding: str, reason: str) -> CfnResource:
    """The construct itself when it is a CloudFormation resource, else its default child: an
    acceptance covers exactly one resource, never everything below a construct."""
    if len(reason.strip()) < MIN_REASON_CHARS:
        raise ValueError(f"accepting {finding} needs a real reason, not {reason!r}")
    if isinstance(construct, CfnResource):
        return construct
    child = construct.node.default_child
    if not isinstance(child, CfnResource):
        raise TypeError(f"{construct.node.path} has no CloudFormation resource to accept {finding} on")
    return child


# CDK's own deploy-time functions (the bucket-notifications and BucketDeployment handlers):
# CDK writes them, CloudFormation alone invokes them, during deployments.
CDK_HANDLER_FINDINGS = {
    "CKV_AWS_115": "CDK's deploy-time custom-resource handler, invoked by CloudFormation a few times "
    "per deployment: reserving concurrency for it would hold capacity the functions need.",
    "CKV_AWS_116": "CDK's deploy-time custom-resource handler: CloudFormation invokes it and is told "
    "of a failure itself (the deployment fails and rolls back), so a dead-letter queue holds nothing.",
    "CKV_AWS_117": "CDK's deploy-time custom-resource handler calls AWS APIs (S3) only and reaches no "
    "private network resource, so a VPC would add NAT or endpoints for nothing to reach.",
    "CKV_AWS_173": "CDK's deploy-time handler: its only environment variable is the path of the "
    "runtime's CA bundle, no secret; Lambda encrypts it at rest with its AWS managed key.",
}
CDK_HANDLER_DEPENDENCY = (
    "CDK writes a DependsOn on its handler's role (and the role's policy, where it has one); the role "
    "entry repeats the order the role's GetAtt already sets, which changes nothing in a deployment."
)


def accept_cdk_handler_findings(handler: IConstruct, *, has_environment: bool) -> None:
    """The findings of one of CDK's own handler functions, which are not ours to change."""
    for check, reason in CDK_HANDLER_FINDINGS.items():
        if check != "CKV_AWS_173" or has_environment:
            skip_checkov(handler, check, reason)
    ignore_cfn_lint(handler, "W3005", CDK_HANDLER_DEPENDENCY)
