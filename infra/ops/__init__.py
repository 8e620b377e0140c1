"""`cxloop ops`: what an operator needs to see and repair the pipeline's queues, against a
deployed stack (`--stack`) or the local runtime (`--url`). See the README's runbook."""
