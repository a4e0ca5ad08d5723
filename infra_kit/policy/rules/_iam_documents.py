"""IAM policy documents as the SEC-1 rules read them: every statement of every document in the
graph, with where it came from, and what counts as a wildcard resource.

Documents are read from identity policies (inline policies of roles, ``RolePolicy``, ``Policy``,
``UserPolicy``, ``GroupPolicy``), trust policies (a role's ``assumeRolePolicy``) and resource
policies (KMS keys, bucket, secret, topic, queue and ECR repository policies). A document that
cannot be read (unknown, secret, not JSON) is skipped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from infra_kit.policy._graph import GraphDoc

__all__ = [
    "IDENTITY",
    "JUSTIFIED_SID_PREFIX",
    "RESOURCE",
    "ROLE_TYPE",
    "TRUST",
    "Stmt",
    "is_star_resource",
    "is_wild",
    "is_wildcard_resource",
    "statements",
    "strings",
]


#: The Sid prefix of a statement that carries a written reason for its wildcard; the same prefix
#: ``infra_kit.aws._policy.Statement(justification=...)`` writes (kept equal by a test).
JUSTIFIED_SID_PREFIX = "Justified"

IDENTITY, TRUST, RESOURCE = "identity", "trust", "resource"
ROLE_TYPE = "aws:iam/role:Role"
_MIN_REASON_WORDS = 3

#: (type, input, kind, what the document is called in messages)
_DOCUMENT_INPUTS = (
    ("aws:iam/role:Role", "assumeRolePolicy", TRUST, "trust policy"),
    ("aws:iam/rolePolicy:RolePolicy", "policy", IDENTITY, "inline policy"),
    ("aws:iam/policy:Policy", "policy", IDENTITY, "customer-managed policy"),
    ("aws:iam/userPolicy:UserPolicy", "policy", IDENTITY, "user policy"),
    ("aws:iam/groupPolicy:GroupPolicy", "policy", IDENTITY, "group policy"),
    ("aws:kms/key:Key", "policy", RESOURCE, "key policy"),
    ("aws:s3/bucketPolicy:BucketPolicy", "policy", RESOURCE, "bucket policy"),
    ("aws:secretsmanager/secretPolicy:SecretPolicy", "policy", RESOURCE, "secret policy"),
    ("aws:sns/topicPolicy:TopicPolicy", "policy", RESOURCE, "topic policy"),
    ("aws:sqs/queuePolicy:QueuePolicy", "policy", RESOURCE, "queue policy"),
    ("aws:ecr/repositoryPolicy:RepositoryPolicy", "policy", RESOURCE, "repository policy"),
)


# -- reading documents -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Stmt:
    """One statement of one document, with where it came from."""

    urn: str
    kind: str
    where: str  # "inline policy 'elb'", "trust policy", ...
    index: int
    raw: dict[str, Any]

    @property
    def sid(self) -> str:
        sid = self.raw.get("Sid")
        return sid if isinstance(sid, str) else ""

    @property
    def label(self) -> str:
        sid = f' (Sid "{self.sid}")' if self.sid else ""
        return f"statement {self.index}{sid} of the {self.where}"

    @property
    def allows(self) -> bool:
        return self.raw.get("Effect") == "Allow"

    @property
    def justified(self) -> bool:
        """The Sid carries a written reason: the prefix and at least three words after it, as
        ``Statement(justification=...)`` writes them (``JustifiedDescribeCallsTakeNoArn``)."""
        if not self.sid.startswith(JUSTIFIED_SID_PREFIX):
            return False
        words = re.findall(r"[A-Z][a-z0-9]*|[a-z0-9]+", self.sid[len(JUSTIFIED_SID_PREFIX) :])
        return len(words) >= _MIN_REASON_WORDS

    def strings(self, key: str) -> list[str]:
        return strings(self.raw.get(key))

    @property
    def actions(self) -> list[str]:
        return self.strings("Action")

    @property
    def resources(self) -> list[str]:
        return self.strings("Resource")

    def conditions(self) -> list[tuple[str, str, Any]]:
        """``(operator, key, value)`` of every condition the statement holds."""
        out: list[tuple[str, str, Any]] = []
        block = self.raw.get("Condition")
        if not isinstance(block, dict):
            return out
        for operator, pairs in block.items():
            if isinstance(operator, str) and isinstance(pairs, dict):
                out.extend((operator, k, v) for k, v in pairs.items() if isinstance(k, str))
        return out


def strings(value: Any) -> list[str]:
    """A statement field as a list of readable strings; placeholders and odd values dropped."""
    values = value if isinstance(value, list) else [value]
    return [v for v in values if isinstance(v, str) and v and v not in ("[unknown]", "[secret]")]


def _parse(value: Any) -> dict[str, Any] | None:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return value if isinstance(value, dict) else None


def _statements(urn: str, kind: str, where: str, value: Any) -> Iterator[Stmt]:
    document = _parse(value)
    if document is None:
        return
    raw = document.get("Statement")
    items = raw if isinstance(raw, list) else [raw]
    for index, item in enumerate(items):
        if isinstance(item, dict):
            yield Stmt(urn, kind, where, index, item)


def statements(graph: GraphDoc, *kinds: str) -> Iterator[Stmt]:
    """Every statement of every policy document of the wanted kinds (all kinds when none)."""
    wanted = set(kinds or (IDENTITY, TRUST, RESOURCE))
    for type_, key, kind, where in _DOCUMENT_INPUTS:
        if kind not in wanted:
            continue
        for record in graph.of_type(type_):
            inputs = graph.inputs(record)
            value = inputs.get(key)
            named = f"{where} '{record.get('name', '')}'" if kind == IDENTITY else where
            yield from _statements(record["urn"], kind, named, value)
    if IDENTITY in wanted:
        for record in graph.of_type(ROLE_TYPE):
            inline = graph.inputs(record).get("inlinePolicies")
            for entry in inline if isinstance(inline, list) else []:
                if isinstance(entry, dict):
                    where = f"inline policy '{entry.get('name', '')}'"
                    yield from _statements(record["urn"], IDENTITY, where, entry.get("policy"))


# -- shared judgements -----------------------------------------------------------------------------
def is_wild(text: str) -> bool:
    return "*" in text or "?" in text


def _arn_fields(arn: str) -> list[str] | None:
    parts = arn.split(":", 5)
    return parts if len(parts) == 6 and parts[0] == "arn" else None


def is_wildcard_resource(resource: str) -> bool:
    """A ``*`` or ``?`` anywhere in the ARN, except in the two forms that name sub-resources of
    ONE named resource: objects of a named bucket (``arn:aws:s3:::bucket/*``) and log streams of
    a named log group (``...:log-group:NAME:*``)."""
    if not is_wild(resource):
        return False
    fields = _arn_fields(resource)
    if fields is None:
        return True
    _, partition, service, region, account, rest = fields
    if any(is_wild(f) for f in (partition, service, region, account)):
        return True
    if service == "s3" and not region and not account:
        bucket, slash, _key = rest.partition("/")
        return not (slash and bucket and not is_wild(bucket))
    if service == "logs" and rest.startswith("log-group:"):
        _, group, *streams = rest.split(":")
        tail = ":".join(streams)
        return is_wild(group) or not group or tail not in ("*", "log-stream:*")
    return True


def is_star_resource(resource: str) -> bool:
    """``*``, or an ARN whose resource part is ``*`` (``arn:aws:s3:::*``)."""
    if resource == "*":
        return True
    fields = _arn_fields(resource)
    return fields is not None and fields[5] == "*"
