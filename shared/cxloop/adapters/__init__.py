"""Adapters: every AWS call lives here (DESIGN rule 1). Each implements a port of
cxloop.domain.<context>.ports and turns botocore errors into domain outcomes."""
