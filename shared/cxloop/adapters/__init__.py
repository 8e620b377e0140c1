"""Adapters: every AWS call lives here, so the domain decides without knowing AWS. Each
implements a port of cxloop.domain.<context>.ports and turns botocore errors into domain outcomes.
One module per store or service; cxloop.adapters.dynamo holds the DynamoDB vocabulary they share."""
