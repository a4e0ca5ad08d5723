"""Shared test helpers: offline runs, IAM statement walking and Kubernetes schema validation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import kubernetes_validate

from infra_kit.aws._policy import JUSTIFIED_SID_PREFIX, is_wildcard_action, is_wildcard_resource
from infra_kit.core.engine import Graph
from infra_kit.core.profile import BUILTIN_PROFILES

#: The Kubernetes version whose JSON schemas rendered manifests are validated against.
KUBERNETES_SCHEMA_VERSION = BUILTIN_PROFILES["dev"]["cluster"]["kubernetes_version"] + ".0"

_POLICY_INPUTS = {
    "aws:iam/role:Role": ("assumeRolePolicy",),
    "aws:iam/rolePolicy:RolePolicy": ("policy",),
    "aws:iam/policy:Policy": ("policy",),
    "aws:kms/key:Key": ("policy",),
    "aws:s3/bucketPolicy:BucketPolicy": ("policy",),
    "aws:secretsmanager/secretPolicy:SecretPolicy": ("policy",),
}


def iam_statements(graph: Graph) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """Every IAM statement of every policy in the graph, with the resource that carries it."""
    for resource in graph:
        for key in _POLICY_INPUTS.get(resource["type"], ()):
            raw = resource["inputs"].get(key)
            if not raw:
                continue
            document = json.loads(raw) if isinstance(raw, str) else raw
            statements = document["Statement"]
            for statement in statements if isinstance(statements, list) else [statements]:
                yield resource, statement


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def unjustified_wildcards(graph: Graph) -> list[str]:
    """Statements with ``*`` in Action or Resource whose Sid records no justification."""
    found = []
    for resource, statement in iam_statements(graph):
        if statement.get("Effect") != "Allow":
            continue
        wild = [a for a in _as_list(statement.get("Action")) if is_wildcard_action(a)]
        wild += [r for r in _as_list(statement.get("Resource")) if is_wildcard_resource(r)]
        if wild and not str(statement.get("Sid", "")).startswith(JUSTIFIED_SID_PREFIX):
            found.append(f"{resource['urn']}: {wild}")
    return found


def validate_manifests(graph: Graph) -> list[str]:
    """Strict schema errors of every Kubernetes object the graph renders, one line each."""
    errors = []
    for obj in graph.kubernetes_objects():
        try:
            kubernetes_validate.validate(obj, KUBERNETES_SCHEMA_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            name = f"{obj['kind']}/{obj['metadata'].get('name')}"
            errors.append(f"{name}: {exc.message} at {list(exc.path)}")
    return errors
