"""How cxloop is deployed: the CDK app (infra.cdk) and the local runtime (infra.local),
both built from the one pipeline description in infra.pipeline."""
