"""`cdk synth` entry point: `python -m infra.cdk.app` (cdk.json). cdk-nag's AwsSolutions
pack runs in every synth and fails it on anything not acknowledged with a reason."""

from __future__ import annotations

from typing import Any

from aws_cdk import App, Validations
from cdk_nag import AwsSolutionsChecks

from infra.cdk.stack import CxloopStack


def build_app(context: dict[str, Any] | None = None, outdir: str | None = None) -> tuple[App, CxloopStack]:
    app = App(context=context, outdir=outdir)
    stack = CxloopStack(app, "Cxloop")
    Validations.of(app).add_plugins(AwsSolutionsChecks(app, write_suppressions_to_cloud_formation=True))
    return app, stack


def main() -> None:
    app, _ = build_app()
    app.synth()


if __name__ == "__main__":
    main()
