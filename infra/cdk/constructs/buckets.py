"""The pipeline's own buckets (infra.pipeline's `buckets`): the intake bucket ERPs drop their daily
extracts into, and any other a function keeps objects in.

Each one is encrypted (SSE-S3), private (every public access blocked, objects owned by the
bucket), TLS-only, versioned (an upload never overwrites another: the import function keys on
the version), with its server access logs in a bucket of their own, and lifecycle rules: each
prefix's objects expire after the days the pipeline gives, old versions after 30 days, and
unfinished multipart uploads after 7.

`access_log_bucket` makes every server-access-log bucket of the stack (here, the lake's and
the dashboard's): S3's log delivery writes through the bucket policy CDK adds (the app turns
on `@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy`, see infra/cdk/app.py), not through the
legacy LogDeliveryWrite ACL, and the bucket is versioned so that a deleted or overwritten log
can be recovered for 30 days.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.cdk.scanners import skip_checkov
from infra.pipeline import Bucket, Pipeline

NONCURRENT_VERSIONS_KEPT = Duration.days(30)
INCOMPLETE_UPLOADS_KEPT = Duration.days(7)
ACCESS_LOGS_KEPT = Duration.days(365)


class Buckets(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, pipeline: Pipeline) -> None:
        super().__init__(scope, construct_id)
        self.access_logs = access_log_bucket(self, "AccessLogs")
        self.buckets = {spec.name: self._bucket(spec) for spec in pipeline.buckets}

    def _bucket(self, spec: Bucket) -> s3.Bucket:
        rules = [
            s3.LifecycleRule(id=f"expire-{prefix.strip('/')}", prefix=prefix, expiration=Duration.days(days))
            for prefix, days in spec.expire_after_days
        ]
        rules.append(
            s3.LifecycleRule(
                id="old-versions-and-uploads",
                noncurrent_version_expiration=NONCURRENT_VERSIONS_KEPT,
                abort_incomplete_multipart_upload_after=INCOMPLETE_UPLOADS_KEPT,
            )
        )
        return s3.Bucket(
            self,
            spec.name.title().replace("_", ""),
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix=f"{spec.name}/",
            lifecycle_rules=rules,
            # Customer files and their reports outlive a stack, like the tables.
            removal_policy=RemovalPolicy.RETAIN,
        )


def access_log_bucket(
    scope: Construct,
    construct_id: str,
    *,
    ownership: s3.ObjectOwnership = s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
) -> s3.Bucket:
    """A bucket for server access logs (and CloudFront's, which need `OBJECT_WRITER`: its
    standard logging writes with an ACL). Retained with the stack's data, like what it logs."""
    bucket = s3.Bucket(
        scope,
        construct_id,
        # Server access log delivery supports SSE-S3 only.
        encryption=s3.BucketEncryption.S3_MANAGED,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        enforce_ssl=True,
        object_ownership=ownership,
        versioned=True,
        lifecycle_rules=[
            s3.LifecycleRule(
                expiration=ACCESS_LOGS_KEPT, noncurrent_version_expiration=NONCURRENT_VERSIONS_KEPT
            )
        ],
        removal_policy=RemovalPolicy.RETAIN,
    )
    skip_checkov(
        bucket,
        "CKV_AWS_18",
        "This is the access-log bucket itself: logging its own writes into itself would log every "
        "delivery again, without end, and a further log bucket would only move the question.",
    )
    return bucket
