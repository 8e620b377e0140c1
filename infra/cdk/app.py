"""`cdk synth` entry point: `python -m infra.cdk.app` (see cdk.json).

cdk-nag's AwsSolutions pack is registered on the app as a CDK validation plugin, so it runs
in every synth (CLI or tests) and fails it on any finding not acknowledged with a reason.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import App, Validations
from cdk_nag import AwsSolutionsChecks

from infra.cdk.stack import CxloopStack
from infra.pipeline import PIPELINE, Pipeline

STACK_NAME = "Cxloop"
# Feature flags the app's constructs rely on, set here rather than in cdk.json so that every
# synth has them, the tests' included (they build the App without the CLI, which reads cdk.json);
# `-c` or cdk.json may still override them.
# - serverAccessLogsUseBucketPolicy: S3's server access log delivery is allowed by the log
#   bucket's policy instead of the legacy LogDeliveryWrite ACL, so log buckets can turn ACLs off
#   (infra/cdk/constructs/buckets.py).
FEATURE_FLAGS = {"@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy": True}


def build_app(
    context: dict[str, Any] | None = None, outdir: str | None = None, pipeline: Pipeline = PIPELINE
) -> tuple[App, CxloopStack]:
    app = App(context={**FEATURE_FLAGS, **(context or {})}, outdir=outdir)
    # Environment-agnostic on purpose: synth needs no account, region or credentials.
    stack = CxloopStack(app, STACK_NAME, pipeline=pipeline)
    # Acknowledgements are also written into the template (Metadata.cdk_nag) for auditors.
    Validations.of(app).add_plugins(AwsSolutionsChecks(app, write_suppressions_to_cloud_formation=True))
    return app, stack


def main() -> None:
    app, _ = build_app()
    app.synth()


if __name__ == "__main__":
    main()
