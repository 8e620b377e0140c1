"""The domain: what cxloop decides. Pure Python; no boto3, no os.environ (DESIGN rule 1)."""
