"""Publishing the analysts' documents: validated, versioned, audited."""
