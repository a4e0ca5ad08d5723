"""Shared test helpers: rule findings over a synthesized graph, IAM statements, schema checks.

The graph checks tests assert are the rules of ``infra-kit check`` themselves, with the graph's
suppressions applied, so a test and the command can never disagree.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate

from infra_kit.core.engine import Graph
from infra_kit.core.engine._project import find_projects, load_project
from infra_kit.core.profile import BUILTIN_PROFILES
from infra_kit.policy import RULES, GraphDoc, check_graph, rules_for
from infra_kit.policy.rules._crd_schemas import CrdValidator
from infra_kit.policy.rules._k8s_schemas import KubernetesSchemas
from infra_kit.policy.rules.iam import statements
from infra_kit.policy.rules.tags import taggable_types

#: Compiled once for the test session: every manifest test validates against the same schemas.
_SCHEMAS = KubernetesSchemas()

__all__ = [
    "KUBERNETES_SCHEMA_VERSION",
    "accepts_tags",
    "failing",
    "iam_statements",
    "missing_required_tags",
    "unjustified_wildcards",
    "unprotected_stateful",
    "validate_manifests",
]

#: The Kubernetes version whose JSON schemas rendered manifests are validated against.
KUBERNETES_SCHEMA_VERSION = BUILTIN_PROFILES["dev"]["cluster"]["kubernetes_version"] + ".0"


def failing(graph: Graph, *rule_ids: str) -> list[str]:
    """``urn: message`` of every finding of ``rule_ids`` the graph fails (not accepted)."""
    rules_for()
    report = check_graph(GraphDoc(graph.to_contract()), [RULES[r] for r in rule_ids])
    return [f"{f.urn}: {f.message}" for f in report.failed]


def missing_required_tags(graph: Graph) -> list[str]:
    return failing(graph, "IK-TAG-1-REQUIRED", "IK-TAG-1-CREATED-BY-AWS")


def unjustified_wildcards(graph: Graph) -> list[str]:
    return failing(graph, "IK-SEC-1-WILDCARD", "IK-SEC-1-STAR-RESOURCE")


def unprotected_stateful(graph: Graph) -> list[str]:
    return failing(graph, "IK-DR-1-UNPROTECTED", "IK-DR-1-DELETION-PROTECTION")


def accepts_tags(type_token: str) -> bool:
    return type_token in taggable_types()


def iam_statements(graph: Graph) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """Every IAM statement of every policy document in the graph, with its resource."""
    doc = GraphDoc(graph.to_contract())
    for stmt in statements(doc):
        record = doc.get(stmt.urn)
        if record is not None:
            yield record, stmt.raw


def validate_manifests(graph: Graph) -> list[str]:
    """Strict schema errors of every Kubernetes object the graph renders, one line each.

    Custom resources are validated against their vendored CRD schema; one with no schema at all
    is an error, so a new custom kind cannot go unchecked."""
    errors = []
    custom = CrdValidator()
    for obj in graph.kubernetes_objects():
        validator: Any = custom if custom.knows(obj) else _SCHEMAS
        try:
            validator.validate(obj, KUBERNETES_SCHEMA_VERSION, strict=True)
        except kubernetes_validate.SchemaNotFoundError:
            errors.append(f"{obj['kind']}/{obj['metadata'].get('name')}: no schema to check it")
        except jsonschema.ValidationError as exc:
            name = f"{obj['kind']}/{obj['metadata'].get('name')}"
            errors.append(f"{name}: {exc.message} at {list(exc.path)}")
    return errors


def every_stack(repo: Path) -> list[tuple[str, str]]:
    """``(project, stack)`` of every stack file of every project in ``repo`` (the test
    fixtures' projects under tests/ aside), discovered rather than listed."""
    found = []
    for name, directory in sorted(find_projects(repo).items()):
        if "tests" in directory.relative_to(repo).parts:
            continue
        found.extend((name, stack) for stack in load_project(directory).stacks())
    return found


def copy_of_the_repository(root: Path, repo: Path) -> Path:
    """The example, the platform it references (and the CI identities the platform references),
    under ``root``."""
    project = root / "examples" / "orders-service"
    shutil.copytree(
        repo / "examples" / "orders-service",
        project,
        ignore=shutil.ignore_patterns("__pycache__", ".synth"),
    )
    for directory in ("stacks", "identities"):  # the platform references the CI identities
        shutil.copytree(
            repo / directory, root / directory, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(repo / "Pulumi.yaml", root / "Pulumi.yaml")
    (root / "pyproject.toml").write_text("")
    return project
