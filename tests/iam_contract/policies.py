"""The synthesized template's IAM, resolved to the local runtime's resources.

Each function's role policies, the resource policies of queues, topics and buckets, and KMS
key policies, with Ref / Fn::GetAtt / Fn::Join / Fn::Sub resolved to the ARNs the local
runtime's resources have. Which template resource is which local one is derived from the
functions' environment: a variable the template sets to `{"Ref": X}` holds X's local name
in the environment `infra.local.resources.provision` answers (both from infra/pipeline.py's
`env_name_for`), so no resource is mapped by hand.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from tests.iam_contract.calls import Request

# Shorter literals are replaced only where they are the whole value ("dev" is in many ARNs).
MIN_LITERAL = 12
_SUB = re.compile(r"\$\{([^}!][^}]*)\}")


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def action_matches(pattern: str, action: str) -> bool:
    """IAM's wildcards (`*`, `?`); action names are case-insensitive, ARNs are not."""
    return fnmatchcase(action.lower(), pattern.lower())


class Resolver:
    """Template values with their intrinsics replaced by local names and ARNs."""

    def __init__(
        self,
        resources: dict[str, Any],
        physical: dict[str, str],
        literals: dict[str, str],
        region: str,
        account: str,
    ) -> None:
        self.resources = resources
        self.physical = physical
        self.literals = literals
        self.region = region
        self.account = account

    def __call__(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self(v) for v in value]
        if isinstance(value, str):
            return self.translate(value)
        if not isinstance(value, dict):
            return value
        if len(value) == 1 and next(iter(value)) in self.intrinsics:
            name, argument = next(iter(value.items()))
            return self.intrinsics[name](argument)
        return {k: self(v) for k, v in value.items()}

    @property
    def intrinsics(self) -> dict[str, Callable[[Any], Any]]:
        return {
            "Ref": self.ref,
            "Fn::GetAtt": lambda a: self.attribute(a[0], a[1]),
            "Fn::Join": lambda a: self.translate(a[0].join(str(self(p)) for p in a[1])),
            "Fn::Sub": self.sub,
            "Fn::Select": lambda a: self(a[1])[int(a[0])],
            "Fn::Split": lambda a: str(self(a[1])).split(a[0]),
        }

    def sub(self, spec: Any) -> str:
        text, names = (spec, {}) if isinstance(spec, str) else (spec[0], spec[1])

        def one(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in names:
                return str(self(names[name]))
            if "." in name and not name.startswith("AWS::"):
                logical, attribute = name.split(".", 1)
                return str(self.attribute(logical, attribute))
            return str(self.ref(name))

        return self.translate(_SUB.sub(one, text))

    def translate(self, text: str) -> str:
        """A deployment's own value (a sender, a pool id) as the local runtime's, also inside
        an ARN; short values (a stage name) only where they are the whole text."""
        for deployed, local in self.literals.items():
            if text == deployed or (len(deployed) >= MIN_LITERAL and deployed in text):
                text = text.replace(deployed, local)
        return text

    def ref(self, name: str) -> str:
        pseudo = {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": "cxloop",
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.physical:
            return self.physical[name]
        resource = self.resources.get(name, {})
        properties = resource.get("Properties", {})
        kind = resource.get("Type", "")
        # Resources whose Ref is one of their own properties (then translated to the local value).
        named_by = {"AWS::SES::EmailIdentity": "EmailIdentity", "AWS::SES::ConfigurationSet": "Name"}
        if kind in named_by and isinstance(properties.get(named_by[kind]), str):
            return self(properties[named_by[kind]])
        if kind == "AWS::SecretsManager::Secret":
            return f"arn:aws:secretsmanager:{self.region}:{self.account}:secret:{name}"
        return name  # no local counterpart: the logical id stands in for its name

    def attribute(self, logical: str, attribute: str) -> str:
        kind = self.resources.get(logical, {}).get("Type", "")
        name = self.ref(logical)
        where = f"{self.region}:{self.account}"
        table, queue = f"arn:aws:dynamodb:{where}:table/{name}", name.rsplit("/", 1)[-1]
        known = {
            ("AWS::DynamoDB::Table", "Arn"): table,
            ("AWS::DynamoDB::Table", "StreamArn"): f"{table}/stream/*",  # moto names it by time
            ("AWS::SQS::Queue", "Arn"): f"arn:aws:sqs:{where}:{queue}",
            ("AWS::SQS::Queue", "QueueName"): queue,
            ("AWS::SQS::Queue", "QueueUrl"): name,
            ("AWS::SNS::Topic", "TopicArn"): name,
            ("AWS::SNS::Topic", "TopicName"): name.rsplit(":", 1)[-1],
            ("AWS::S3::Bucket", "Arn"): f"arn:aws:s3:::{name}",
            ("AWS::KMS::Key", "Arn"): f"arn:aws:kms:{where}:key/{name}",
            (
                "AWS::KinesisFirehose::DeliveryStream",
                "Arn",
            ): f"arn:aws:firehose:{where}:deliverystream/{name}",
            ("AWS::IAM::Role", "Arn"): f"arn:aws:iam::{self.account}:role/{name}",
            ("AWS::Logs::LogGroup", "Arn"): f"arn:aws:logs:{where}:log-group:{name}:*",
        }
        return known.get((kind, attribute), f"arn:unresolved:{logical}.{attribute}")


def local_names(
    resources: dict[str, Any], local_env: dict[str, str]
) -> tuple[dict[str, str], dict[str, str]]:
    """(logical id -> local name, template literal -> local literal), from the functions'
    environment variables the template and the local runtime both set."""
    physical: dict[str, str] = {}
    literals: dict[str, str] = {}
    for resource in resources.values():
        if resource["Type"] != "AWS::Lambda::Function":
            continue
        variables = resource["Properties"].get("Environment", {}).get("Variables", {})
        for name, value in variables.items():
            if name not in local_env:
                continue
            if isinstance(value, dict) and "Ref" in value:
                physical[value["Ref"]] = local_env[name]
            elif isinstance(value, str) and value != local_env[name]:
                literals[value] = local_env[name]
                # An ARN may name the value without its kind ("phone-number-id-<id>" as <id>).
                kind = _shared_start(value, local_env[name]).rpartition("-")[0]
                if kind:
                    literals[value.removeprefix(kind + "-")] = local_env[name].removeprefix(kind + "-")
    return physical, literals


def _shared_start(one: str, other: str) -> str:
    length = next(
        (i for i, (a, b) in enumerate(zip(one, other, strict=False)) if a != b), min(len(one), len(other))
    )
    return one[:length]


@dataclass(frozen=True)
class Statement:
    effect: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    condition: dict[str, Any] = field(default_factory=dict)
    principals: tuple[str, ...] = ()  # resource and key policies only

    @staticmethod
    def of(raw: dict[str, Any], resolve: Resolver) -> Statement:
        if "NotAction" in raw or "NotResource" in raw or "NotPrincipal" in raw:
            raise AssertionError(f"the contract test does not evaluate Not* elements: {raw}")
        principal = resolve(raw.get("Principal", {}))
        principals = (
            ("*",)
            if principal == "*"
            else tuple(str(p) for values in principal.values() for p in as_list(values))
        )
        return Statement(
            effect=raw["Effect"],
            actions=tuple(as_list(raw["Action"])),
            resources=tuple(str(r) for r in as_list(resolve(raw.get("Resource", "*")))),
            condition=resolve(raw.get("Condition", {})),
            principals=principals,
        )

    def covers(self, request: Request, context: dict[str, str]) -> bool:
        return (
            any(action_matches(a, request.action) for a in self.actions)
            and any(fnmatchcase(request.resource, r) for r in self.resources)
            and conditions_hold(self.condition, context)
        )


# What every call the test replays carries: TLS, the local region, the local account.
def request_context(region: str, account: str) -> dict[str, str]:
    return {"aws:securetransport": "true", "aws:requestedregion": region, "aws:principalaccount": account}


def conditions_hold(condition: dict[str, Any], context: dict[str, str]) -> bool:
    """IAM condition operators as far as the template uses them; a key the request does not
    carry fails a positive operator and passes a negated or ...IfExists one."""
    for operator, tests in condition.items():
        base = operator.removesuffix("IfExists")
        for key, expected in tests.items():
            actual = context.get(key.lower())
            if actual is None:
                if operator.endswith("IfExists") or "Not" in base:
                    continue
                return False
            wanted = [str(e).lower() if base == "Bool" else str(e) for e in as_list(expected)]
            if base in ("StringEquals", "ArnEquals", "Bool"):
                matched = actual in wanted
            elif base in ("StringLike", "ArnLike"):
                matched = any(fnmatchcase(actual, w) for w in wanted)
            elif base in ("StringNotEquals", "ArnNotEquals"):
                matched = actual not in wanted
            else:
                raise AssertionError(f"the contract test does not evaluate condition {operator}")
            if not matched:
                return False
    return True


def allowed(statements: Iterable[Statement], request: Request, context: dict[str, str]) -> bool:
    """An explicit Deny wins; otherwise some Allow must cover the request."""
    listed = list(statements)
    if any(s.effect == "Deny" and s.covers(request, context) for s in listed):
        return False
    return any(s.effect == "Allow" and s.covers(request, context) for s in listed)


def denied(statements: Iterable[Statement], request: Request, context: dict[str, str]) -> bool:
    return any(s.effect == "Deny" and s.covers(request, context) for s in statements)
