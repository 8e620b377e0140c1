"""cxloop shared code, shipped to every function as a Lambda layer.

domain/    models, scoring, rules and rendering: pure Python, no boto3, no os.environ
adapters/  every AWS call (DynamoDB, SQS, SES v2, SNS) and its error translation
config     the validated configuration model, read once at cold start
observability  the one Logger / Metrics of the process
"""
