"""Who may do what in the synthesized template, per pipeline function: its role's policies,
the resource policies of what it calls, and the key policies of the KMS keys those are
encrypted with. `refusals` answers why a request would be refused; `grants` lists what a
role allows, for the reverse report."""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from infra.pipeline import PIPELINE, env_name_for
from tests.iam_contract.calls import Request
from tests.iam_contract.policies import (
    Resolver,
    Statement,
    action_matches,
    allowed,
    as_list,
    denied,
    local_names,
)

RESOURCE_POLICIES = {
    "AWS::SQS::QueuePolicy": "Queues",
    "AWS::SNS::TopicPolicy": "Topics",
    "AWS::S3::BucketPolicy": "Bucket",
}
# Where each encrypted kind names its key, and the ARNs a key's use covers.
KEY_PROPERTIES = {
    "AWS::SQS::Queue": ("KmsMasterKeyId",),
    "AWS::SNS::Topic": ("KmsMasterKeyId",),
    "AWS::DynamoDB::Table": ("SSESpecification", "KMSMasterKeyId"),
    "AWS::SecretsManager::Secret": ("KmsKeyId",),
}
# Writing through a customer managed key makes a data key; reading decrypts one.
WRITES = (
    "sqs:SendMessage",
    "sns:Publish",
    "s3:PutObject",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:BatchWriteItem",
    "firehose:PutRecordBatch",
)


@dataclass(frozen=True, order=True)
class Grant:
    function: str
    action: str
    resource: str

    def __str__(self) -> str:
        return f"{self.function}: {self.action} on {self.resource}"

    def covers(self, request: Request) -> bool:
        return action_matches(self.action, request.action) and fnmatchcase(request.resource, self.resource)


class TemplateIam:
    def __init__(
        self, template: dict[str, Any], local_env: dict[str, str], region: str, account: str
    ) -> None:
        self.resources: dict[str, Any] = template["Resources"]
        physical, literals = local_names(self.resources, local_env)
        physical |= self._consumed_queues(local_env)
        self.resolve = Resolver(self.resources, physical, literals, region, account)
        self.account = account
        self.roles = self._roles()
        self.roles_statements = {f: self._role_statements(role) for f, role in self.roles.items()}
        self.resource_statements = [
            Statement.of(raw, self.resolve)
            for resource in self.resources.values()
            if resource["Type"] in RESOURCE_POLICIES
            for raw in resource["Properties"]["PolicyDocument"]["Statement"]
        ]
        self.keys = self._encrypted()

    def _roles(self) -> dict[str, str]:
        """Pipeline function name -> its role's logical id."""
        return {
            name: self.resources[logical]["Properties"]["Role"]["Fn::GetAtt"][0]
            for name, logical in self._function_ids().items()
        }

    def _consumed_queues(self, local_env: dict[str, str]) -> dict[str, str]:
        """Queues no function's environment names (fed by topics only): each found through the
        event source mapping of the one function the pipeline has consume it."""
        functions = {logical: PIPELINE.function(name) for name, logical in self._function_ids().items()}
        found = {}
        for mapping in self.resources.values():
            source = mapping.get("Properties", {}).get("EventSourceArn", {})
            if mapping["Type"] != "AWS::Lambda::EventSourceMapping" or "Fn::GetAtt" not in source:
                continue
            queue = source["Fn::GetAtt"][0]
            triggers = functions[mapping["Properties"]["FunctionName"]["Ref"]].queue_triggers
            if self.resources[queue]["Type"] == "AWS::SQS::Queue" and len(triggers) == 1:
                found[queue] = local_env[env_name_for("queue", triggers[0].queue)]
        return found

    def _function_ids(self) -> dict[str, str]:
        """Pipeline function name -> its Lambda's logical id (found by its description)."""
        by_description = {f.description: f.name for f in PIPELINE.functions}
        return {
            by_description[r["Properties"]["Description"]]: logical
            for logical, r in self.resources.items()
            if r["Type"] == "AWS::Lambda::Function" and r["Properties"].get("Description") in by_description
        }

    def _role_statements(self, role: str) -> list[Statement]:
        documents = list(self.resources[role]["Properties"].get("Policies", []))
        documents = [p["PolicyDocument"] for p in documents]
        managed = self.resources[role]["Properties"].get("ManagedPolicyArns", [])
        for arn in managed:
            assert isinstance(arn, dict) and "Ref" in arn, (
                f"{role}: an AWS managed policy ({arn}) is not evaluated"
            )
            documents.append(self.resources[arn["Ref"]]["Properties"]["PolicyDocument"])
        for resource in self.resources.values():
            if resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy") and {
                "Ref": role
            } in resource["Properties"].get("Roles", []):
                documents.append(resource["Properties"]["PolicyDocument"])
        return [Statement.of(raw, self.resolve) for document in documents for raw in document["Statement"]]

    def _encrypted(self) -> dict[str, str]:
        """ARN pattern of each resource kept under a customer managed key -> the key's logical id."""
        found: dict[str, str] = {}
        for logical, resource in self.resources.items():
            path = KEY_PROPERTIES.get(resource["Type"])
            value: Any = resource.get("Properties", {})
            for step in path or ("-",):
                value = value.get(step) if isinstance(value, dict) else None
            key = _key_reference(value)
            if path and key and self.resources.get(key, {}).get("Type") == "AWS::KMS::Key":
                found[self._arn_of(logical, resource["Type"])] = key
        return found

    def _arn_of(self, logical: str, kind: str) -> str:
        attribute = {"AWS::SNS::Topic": "TopicArn"}.get(kind, "Arn")
        if kind == "AWS::SecretsManager::Secret":
            return str(self.resolve.ref(logical)) + "*"
        return self.resolve.attribute(logical, attribute) + ("*" if kind == "AWS::DynamoDB::Table" else "")

    def refusals(self, function: str, request: Request) -> list[str]:
        """Why AWS would refuse the request from the function's role; none when it would not."""
        context = {
            "aws:securetransport": "true",
            "aws:requestedregion": self.resolve.region,
            "aws:principalaccount": self.account,
        }
        statements = self.roles_statements.get(function)
        if statements is None:
            return [f"no function {function} in the template"]
        why = []
        if not allowed(statements, request, context):
            why.append("its role's policies do not allow it")
        if denied(self.resource_statements, request, context):
            why.append("a resource policy denies it")
        for kms in self.kms_requests(request):
            if not allowed(statements, kms, context):
                why.append(f"its role may not {kms.action} on the key ({kms.resource})")
            if not self._key_policy_allows(function, kms, context):
                why.append(f"the key policy does not let it {kms.action}")
        return why

    def kms_requests(self, request: Request) -> list[Request]:
        for pattern, key in self.keys.items():
            if fnmatchcase(request.resource, pattern):
                action = "kms:GenerateDataKey" if request.action in WRITES else "kms:Decrypt"
                return [Request(action, self.resolve.attribute(key, "Arn"))]
        return []

    def _key_policy_allows(self, function: str, request: Request, context: dict[str, str]) -> bool:
        key = request.resource.rsplit("/", 1)[-1]
        policy = self.resources[key]["Properties"]["KeyPolicy"]["Statement"]
        role_arn = self.resolve.attribute(self.roles[function], "Arn")
        callers = {"*", f"arn:aws:iam::{self.account}:root", self.account, role_arn}
        # In a key policy, "Resource": "*" means the key itself.
        statements = [
            s
            for s in (Statement.of({**raw, "Resource": request.resource}, self.resolve) for raw in policy)
            if set(s.principals) & callers
        ]
        return allowed(statements, request, context)

    def grants(self, function: str) -> list[Grant]:
        """Each action pattern and resource pattern the function's role allows."""
        return sorted(
            {
                Grant(function, action, resource)
                for statement in self.roles_statements[function]
                if statement.effect == "Allow"
                for action in statement.actions
                for resource in statement.resources
            }
        )


def _key_reference(value: Any) -> str | None:
    if isinstance(value, dict):
        if "Ref" in value:
            return str(value["Ref"])
        if "Fn::GetAtt" in value:
            return str(as_list(value["Fn::GetAtt"])[0])
    return None
