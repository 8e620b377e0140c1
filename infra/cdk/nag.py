"""cdk-nag acknowledgements, each with the reason it is acceptable.

cdk-nag 3 reads CDK's own acknowledgements (`Validations.of(...).acknowledge`); an
acknowledgement covers the construct it is made on and everything below it, so make
it on the narrowest construct that owns the finding.
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, Validations
from constructs import IConstruct

PACK = "AwsSolutions"
MIN_REASON_CHARS = 20


def acknowledge(construct: IConstruct, finding: str, reason: str) -> None:
    """Accept one AwsSolutions finding (`IAM5[Resource::*]`, `APIG4`...) on one construct.

    The reason travels into the synthesized template's metadata (cdk_nag
    rules_to_suppress) and into the validation report, so auditors read it there.
    """
    if len(reason.strip()) < MIN_REASON_CHARS:
        raise ValueError(f"acknowledging {finding} needs a real reason, not {reason!r}")
    Validations.of(construct).acknowledge(Acknowledgment(id=f"{PACK}::{PACK}-{finding}", reason=reason))
