"""cdk-nag runs in every synth, fails it on anything not acknowledged, and every
acknowledgement is specific and states its reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.pipeline import PIPELINE
from tests.infra.conftest import Synthesized

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]

MIN_REASON_CHARS = 20
# The only findings this stack accepts; a new one must be argued for here, in review.
ACCEPTED_FINDINGS = {
    "AwsSolutions-SMG4",  # webhook secret rotates by handover with the ERP, not by Lambda
    "AwsSolutions-IAM5[Resource::*]",  # X-Ray writes; SMS to phone numbers
    "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
    "AmazonAPIGatewayPushToCloudWatchLogs]",  # API Gateway's account logging role
    "AwsSolutions-APIG4",  # public routes: HMAC-signed webhook, token survey links, OpenAPI
    "AwsSolutions-COG4",  # the same public routes
    # The stream triggers' on-failure queues are dead-letter queues themselves; cdk-nag only
    # recognises DLQs named in another queue's redrive policy.
    "AwsSolutions-SQS3",
    # The dashboard's distribution: staff in every country (no geo restriction), static files
    # only behind it (the API has the WAF; a CloudFront web ACL needs us-east-1), and the default
    # *.cloudfront.net certificate, which allows TLS 1.0 until a custom domain is added.
    "AwsSolutions-CFR1",
    "AwsSolutions-CFR2",
    "AwsSolutions-CFR4",
    *(
        f"AwsSolutions-{finding}"
        for finding in (
            # CDK's own BucketDeployment handler, which copies the dashboard's files: CDK picks its
            # runtime, its logging policy and the wildcards of its grantRead/grantReadWrite.
            "L1",
            "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
            "IAM5[Action::s3:GetObject*]",
            "IAM5[Action::s3:GetBucket*]",
            "IAM5[Action::s3:List*]",
            "IAM5[Action::s3:DeleteObject*]",
            "IAM5[Action::s3:Abort*]",
            "IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]",
        )
    ),
}
# Findings only CDK's BucketDeployment handler may carry (it is no function of ours). Its
# basic-execution IAM4 is left out: CDK's other singleton handlers share that finding (the
# BucketNotificationsHandler that sets the intake bucket's notification to import_events).
DEPLOYMENT_HANDLER_ONLY = (
    "AwsSolutions-L1",
    "AwsSolutions-IAM5[Action::s3:",
    "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-",
)
# Wildcards within one resource's own sub-resources, acknowledged where granted: a table's
# indexes (<Table.Arn>/index/*) and streams (/stream/*, for Lambda's ListStreams), and the
# objects Firehose writes under one lake dataset's prefix (<Lake.Arn>/responses/*, and its
# errors/ prefix). Matched by suffix because the rule names carry logical ids.
# The report pages publish_reports writes and presigns under the reports bucket's reports/ prefix
# (object names are scope/period/language) fall under the same reasoning, and so do the files
# import_events reads under the intake bucket's incoming/ (named by the ERP that drops them) and
# the reports it writes under that bucket's reports/.
SCOPED_WILDCARDS = (
    "/index/*]",
    "/stream/*]",
    "/responses/*]",
    "/ticket_events/*]",
    "/reports/*]",
    "/incoming/*]",
    # The helpdesk connectors' secrets, by their name prefix (infra/cdk/constructs/functions.py).
    ":secret:cxloop/connectors/*]",
)


def nag_report(synthesized: Synthesized) -> dict[str, object]:
    (report,) = [r for r in synthesized.report["pluginReports"] if r["pluginName"] == "AwsSolutions"]
    return dict(report)


def test_aws_solutions_ran_and_found_nothing_unacknowledged(synthesized: Synthesized) -> None:
    report = nag_report(synthesized)
    assert report["conclusion"] == "success"
    assert report["violations"] == []
    assert report["suppressedViolations"], "the pack really checked the stack"


def dashboard_bucket_objects(synthesized: Synthesized) -> str:
    """The finding for the objects of the dashboard's bucket (the CloudFront origin), which
    BucketDeployment writes: named after the bucket the distribution reads, not a logical id."""
    (distribution,) = synthesized.resources("AWS::CloudFront::Distribution").values()
    (origin,) = distribution["Properties"]["DistributionConfig"]["Origins"]
    bucket = origin["DomainName"]["Fn::GetAtt"][0]
    return f"AwsSolutions-IAM5[Resource::<{bucket}.Arn>/*]"


def test_only_the_accepted_findings_are_acknowledged(synthesized: Synthesized) -> None:
    suppressed = nag_report(synthesized)["suppressedViolations"]
    assert isinstance(suppressed, list)
    site_objects = dashboard_bucket_objects(synthesized)
    scoped_grants = {s["ruleName"] for s in suppressed if s["ruleName"].endswith(SCOPED_WILDCARDS)}
    scoped_grants |= {s["ruleName"] for s in suppressed if s["ruleName"] == site_objects}
    assert {s["ruleName"] for s in suppressed} - scoped_grants == ACCEPTED_FINDINGS
    wildcard_owners = {
        s["acknowledgedAt"].rsplit("/", 1)[-1]
        for s in suppressed
        if s["ruleName"] == "AwsSolutions-IAM5[Resource::*]"
    }
    # X-Ray, and each function that texts customers (SNS SMS publishes to numbers, not ARNs).
    sms_senders = {f"{f.name}Role" for f in PIPELINE.functions if f.sends_sms}
    assert sms_senders == {"send_surveyRole", "notify_customerRole", "send_remindersRole"}
    assert wildcard_owners == {"TraceWriting", *sms_senders}
    handler_owners = {
        s["acknowledgedAt"].rsplit("/", 1)[-1]
        for s in suppressed
        if s["ruleName"].startswith(DEPLOYMENT_HANDLER_ONLY) or s["ruleName"] == site_objects
    }
    assert len(handler_owners) == 1 and handler_owners.pop().startswith("Custom::CDKBucketDeployment")


def test_every_acknowledgement_in_the_report_states_a_reason(synthesized: Synthesized) -> None:
    suppressed = nag_report(synthesized)["suppressedViolations"]
    assert isinstance(suppressed, list)
    for finding in suppressed:
        assert len(finding["reason"].strip()) >= MIN_REASON_CHARS, finding


def test_every_acknowledgement_in_the_template_metadata_states_a_reason(synthesized: Synthesized) -> None:
    acknowledged = [
        rule
        for resource in synthesized.template["Resources"].values()
        for rule in resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])
    ]
    assert acknowledged, "acknowledgements are written into the template for auditors"
    for rule in acknowledged:
        assert len(rule["reason"].strip()) >= MIN_REASON_CHARS, rule


def test_an_unacknowledged_finding_fails_the_synth(tmp_path: Path) -> None:
    from aws_cdk import App, Stack, Validations
    from aws_cdk import aws_sqs as sqs
    from cdk_nag import AwsSolutionsChecks

    app = App(outdir=str(tmp_path))
    sqs.Queue(Stack(app, "Careless"), "NoDeadLettersNoTls")
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    (report,) = json.loads((tmp_path / "validation-report.json").read_text())["pluginReports"]
    found = {v["ruleName"] for v in report["violations"]}
    assert {"AwsSolutions-SQS3", "AwsSolutions-SQS4"} <= found


def test_an_acknowledgement_without_a_real_reason_is_refused() -> None:
    from aws_cdk import App, Stack

    from infra.cdk.nag import acknowledge

    with pytest.raises(ValueError, match="real reason"):
        acknowledge(Stack(App(), "S"), "SQS3", "because")
