"""The domain: what cxloop decides. Pure Python: no AWS SDK, no environment reads;
configuration and collaborators are passed in (DESIGN rules 1 and 4)."""
