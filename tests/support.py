"""Shared test helpers: offline runs, IAM statement walking and Kubernetes schema validation."""

from __future__ import annotations

import kubernetes_validate

from infra_kit.core.engine import Graph
from infra_kit.core.profile import BUILTIN_PROFILES
from infra_kit.policy import iam_statements, missing_required_tags, unjustified_wildcards

__all__ = [
    "KUBERNETES_SCHEMA_VERSION",
    "iam_statements",
    "missing_required_tags",
    "unjustified_wildcards",
    "validate_manifests",
]

#: The Kubernetes version whose JSON schemas rendered manifests are validated against.
KUBERNETES_SCHEMA_VERSION = BUILTIN_PROFILES["dev"]["cluster"]["kubernetes_version"] + ".0"


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
