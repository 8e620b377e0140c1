"""The domain: what cxloop decides. Pure Python: no AWS SDK, no environment reads;
configuration and collaborators are passed in (docs/ARCHITECTURE.md, Three layers)."""
