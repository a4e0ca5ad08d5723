"""Every Pulumi project in the repository, for every one of its stack files, synthesizes with no
made-up or missing values and passes ``infra-kit check``.

Projects and stacks are discovered, not listed: a new example or stack file is checked the day
it is added.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra_kit.core.engine._project import find_projects
from infra_kit.core.engine._schema import MARKER
from infra_kit.policy import GraphDoc, check_graph
from tests.conftest import REPO, graph_of
from tests.support import every_stack

STACKS = every_stack(REPO)
DIRECTORIES = find_projects(REPO)


def test_discovery_finds_the_platform_its_cluster_services_and_the_examples() -> None:
    assert {("platform", s) for s in ("dev", "stage", "prod")} <= set(STACKS)
    assert {("cluster-services", s) for s in ("dev", "stage", "prod")} <= set(STACKS)
    assert {("orders-service", s) for s in ("dev", "stage", "prod")} <= set(STACKS)
    assert {("order-events-worker", s) for s in ("dev", "prod")} <= set(STACKS)
    assert ("ci-identities", "prod") in STACKS


def _nulls(value: Any, path: str) -> list[str]:
    if value is None:
        return [path or "."]
    if isinstance(value, dict):
        return [n for k, v in value.items() for n in _nulls(v, f"{path}.{k}" if path else k)]
    if isinstance(value, list):
        return [n for i, v in enumerate(value) for n in _nulls(v, f"{path}[{i}]")]
    return []


@pytest.mark.parametrize(("project", "stack"), STACKS, ids=[f"{p}-{s}" for p, s in STACKS])
def test_no_value_in_the_graph_is_null_or_made_up(project: str, stack: str) -> None:
    graph = graph_of(DIRECTORIES[project], stack)
    document = graph.to_contract()
    nulls = [
        f"{r['urn']}: {where}.{n}"
        for r in document["resources"]
        for where in ("inputs", "outputs")
        for n in _nulls(r[where], "")
    ] + [f"stack outputs: {n}" for n in _nulls(document["outputs"], "")]
    assert nulls == []
    assert MARKER not in json.dumps(document)
    assert [d for d in graph.diagnostics if d["code"] == "unimitated-output"] == []


@pytest.mark.parametrize(("project", "stack"), STACKS, ids=[f"{p}-{s}" for p, s in STACKS])
def test_the_stack_passes_check(project: str, stack: str) -> None:
    graph = GraphDoc(graph_of(DIRECTORIES[project], stack).to_contract())
    report = check_graph(graph)
    assert [f"{f.rule.id} {f.urn}: {f.message}" for f in report.failed] == []
    # Every accepted finding carries a reason a reviewer can read.
    assert all(len(f.suppression.reason.split()) >= 3 for f in report.accepted if f.suppression)
