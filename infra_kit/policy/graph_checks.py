"""Graph-wide checks: tags (TAG-1), wildcards in IAM (SEC-1) and protection of state (DR-1).

Each check returns a list of findings, one line each, naming the resource's URN; an empty list
means the graph passes.
"""

from __future__ import annotations

import importlib
import inspect
import json
import keyword
from collections.abc import Iterator
from functools import cache
from typing import Any

from infra_kit.aws._policy import JUSTIFIED_SID_PREFIX, is_wildcard_action, is_wildcard_resource
from infra_kit.core.engine import Graph
from infra_kit.core.tags import missing_required_tags as _missing

__all__ = [
    "STATEFUL_TYPES",
    "accepts_tags",
    "iam_statements",
    "missing_required_tags",
    "unjustified_wildcards",
    "unprotected_stateful",
]

#: Resource types that hold data or key material (DR-1).
STATEFUL_TYPES: frozenset[str] = frozenset(
    {
        "aws:kms/key:Key",
        "aws:s3/bucket:Bucket",
        "aws:s3/bucketV2:BucketV2",
        "aws:rds/instance:Instance",
        "aws:rds/cluster:Cluster",
        "aws:secretsmanager/secret:Secret",
        "aws:dynamodb/table:Table",
        "aws:efs/fileSystem:FileSystem",
        "aws:ebs/volume:Volume",
        "aws:backup/vault:Vault",
        "aws:cloudwatch/logGroup:LogGroup",
    }
)

_POLICY_INPUTS: dict[str, tuple[str, ...]] = {
    "aws:iam/role:Role": ("assumeRolePolicy",),
    "aws:iam/rolePolicy:RolePolicy": ("policy",),
    "aws:iam/policy:Policy": ("policy",),
    "aws:kms/key:Key": ("policy",),
    "aws:s3/bucketPolicy:BucketPolicy": ("policy",),
    "aws:secretsmanager/secretPolicy:SecretPolicy": ("policy",),
    "aws:sns/topicPolicy:TopicPolicy": ("policy",),
}


@cache
def accepts_tags(type_token: str) -> bool:
    """Whether a pulumi_aws resource type takes a ``tags`` input (and so default tags reach it)."""
    parts = type_token.split(":")
    if len(parts) != 3 or parts[0] != "aws":
        return False
    module = parts[1].split("/")[0]
    name = "pulumi_aws" if module == "index" else f"pulumi_aws.{module}"
    if keyword.iskeyword(module):
        name += "_"
    try:
        cls = getattr(importlib.import_module(name), parts[2])
    except (ImportError, AttributeError):
        return False
    return "tags" in inspect.signature(cls._internal_init).parameters


def missing_required_tags(graph: Graph) -> list[str]:
    """Taggable AWS resources that lack a required tag once provider default tags apply."""
    findings = []
    for resource in graph:
        if not resource["custom"] or not accepts_tags(resource["type"]):
            continue
        missing = _missing(graph.effective_tags(resource))
        if missing:
            findings.append(f"{resource['urn']}: missing {', '.join(missing)}")
    return findings


def iam_statements(graph: Graph) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """Every IAM statement of every policy document in the graph, with its resource."""
    for resource in graph:
        for key in _POLICY_INPUTS.get(resource["type"], ()):
            raw = resource["inputs"].get(key)
            if not raw or not isinstance(raw, (str, dict)):
                continue
            document = json.loads(raw) if isinstance(raw, str) else raw
            statements = document.get("Statement", [])
            for statement in statements if isinstance(statements, list) else [statements]:
                yield resource, statement


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def unjustified_wildcards(graph: Graph) -> list[str]:
    """Allow statements with ``*`` in Action or Resource whose Sid records no justification."""
    findings = []
    for resource, statement in iam_statements(graph):
        if statement.get("Effect") != "Allow":
            continue
        wild = [a for a in _as_list(statement.get("Action")) if is_wildcard_action(a)]
        wild += [r for r in _as_list(statement.get("Resource")) if is_wildcard_resource(r)]
        if wild and not str(statement.get("Sid", "")).startswith(JUSTIFIED_SID_PREFIX):
            findings.append(f"{resource['urn']}: {wild} without a recorded justification")
    return findings


def unprotected_stateful(graph: Graph) -> list[str]:
    """Stateful resources without Pulumi ``protect`` (DR-1; apply it to stage and prod graphs)."""
    return [
        f"{r['urn']}: not protected"
        for r in graph
        if r["custom"] and r["type"] in STATEFUL_TYPES and not r["protect"]
    ]
