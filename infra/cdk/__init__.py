"""The CDK app: one stack composing one construct per concern, built from infra.pipeline."""
