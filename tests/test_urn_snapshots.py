"""Logical names and URNs of the platform, its cluster services, the CI identities and the examples, pinned against accidental replacement.

A changed URN makes Pulumi replace the resource: for a database or a key that means data loss.
A rename that carries a ``pulumi.Alias`` for the old name is not a replacement, and the graph
records each resource's aliases, so a pinned URN that a current resource lists as an alias
passes. Regenerate after an intended change:
``python3 -m uv run --locked python tests/test_urn_snapshots.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from infra_kit.core.engine import Graph, synthesize
from tests.conftest import REPO, graph_of
from tests.core.test_engine import make_project

SNAPSHOTS = REPO / "tests" / "snapshots"
CASES = {
    "platform-prod": (REPO, "prod"),
    "cluster-services-prod": (REPO / "cluster-services", "prod"),
    "orders-service-prod": (REPO / "examples" / "orders-service", "prod"),
    # A replaced queue or cache loses the messages or data it holds.
    "order-events-worker-prod": (REPO / "examples" / "order-events-worker", "prod"),
    # A replaced CI role gets a new ARN, and every workflow that names the old one stops.
    "ci-identities-prod": (REPO / "identities", "prod"),
}


def _urns(graph: Graph) -> str:
    return "".join(f"{r['urn']}\n" for r in graph.resources)


def replaced(pinned: list[str], graph: Graph) -> list[str]:
    """Pinned URNs that no resource has now, not even as an alias: Pulumi would replace them."""
    current = {r["urn"] for r in graph.resources}
    aliased = {alias for r in graph.resources for alias in r["aliases"]}
    return sorted(set(pinned) - current - aliased)


@pytest.mark.parametrize("case", sorted(CASES))
def test_no_resource_changes_its_urn(case: str) -> None:
    project, stack = CASES[case]
    pinned = (SNAPSHOTS / f"{case}.urns").read_text().splitlines()
    graph = graph_of(project, stack)
    assert replaced(pinned, graph) == [], (
        "these URNs disappeared, so `pulumi up` would delete or replace them; add an alias "
        "or regenerate the snapshot if that is intended"
    )
    assert sorted(set(_urns(graph).splitlines()) - set(pinned)) == [], (
        "new resources: regenerate the snapshot"
    )


def test_a_rename_with_an_alias_is_told_apart_from_one_that_replaces(tmp_path: Path) -> None:
    def version(label: str, program: str) -> Graph:
        root = tmp_path / label
        root.mkdir()
        (root / "pyproject.toml").write_text("")
        return synthesize(make_project(root, "app", program, {"aws:region": "us-east-1"}), "dev")

    pinned = _urns(version("before", "import pulumi_aws as aws\naws.sqs.Queue('jobs')\n"))
    aliased = version(
        "aliased",
        "import pulumi, pulumi_aws as aws\n"
        "aws.sqs.Queue('work', opts=pulumi.ResourceOptions(aliases=[pulumi.Alias(name='jobs')]))\n",
    )
    bare = version("bare", "import pulumi_aws as aws\naws.sqs.Queue('work')\n")
    assert replaced(pinned.splitlines(), aliased) == []
    assert replaced(pinned.splitlines(), bare) == ["urn:pulumi:dev::app::aws:sqs/queue:Queue::jobs"]


if __name__ == "__main__":
    for name, (project, stack) in CASES.items():
        (SNAPSHOTS / f"{name}.urns").write_text(_urns(synthesize(project, stack)))
        print(f"wrote {SNAPSHOTS / f'{name}.urns'}", file=sys.stderr)
