"""No stack both creates the network or the cluster and deploys through the cluster's API.

The EKS API endpoint is private (NET-1), so a deployment that talks to it must run inside the
VPC. A stack that creates the VPC or the cluster and also deploys Kubernetes objects can never
be deployed: a runner outside the VPC cannot reach the endpoint, and a runner inside it cannot
exist before the stack has created the VPC. So the platform stack is AWS only, and what runs on
the cluster is the cluster-services stack's, deployed after it.

Every project and stack is discovered, not listed, so a new project is held to this too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pytest

from infra_kit.core.engine import Graph
from infra_kit.core.engine._project import find_projects
from tests.conftest import REPO, graph_of
from tests.support import every_stack

#: Resources whose creation comes before anything can run inside the VPC.
FOUNDATION = ("aws:ec2/vpc:Vpc", "aws:eks/cluster:Cluster")
STACKS = ("dev", "stage", "prod")


def _kubernetes(resources: Iterable[dict[str, Any]]) -> list[str]:
    """URNs of what is deployed through a cluster's API: Kubernetes resources and providers."""
    return [
        r["urn"]
        for r in resources
        if r["custom"]
        and (r["type"].startswith("kubernetes:") or r["type"] == "pulumi:providers:kubernetes")
    ]


def unreachable(resources: Iterable[dict[str, Any]]) -> list[str]:
    """The VPC and cluster a graph creates, when it also deploys through a cluster's API: a
    graph like that cannot be deployed from inside the VPC or from outside it."""
    resources = list(resources)
    if not _kubernetes(resources):
        return []
    return [r["urn"] for r in resources if r["type"] in FOUNDATION]


EVERY_STACK = every_stack(REPO)


@pytest.mark.parametrize(
    ("project", "stack"), EVERY_STACK, ids=[f"{p}-{s}" for p, s in EVERY_STACK]
)
def test_no_stack_deploys_to_the_cluster_it_creates_the_network_or_cluster_of(
    project: str, stack: str
) -> None:
    assert unreachable(graph_of(find_projects(REPO)[project], stack)) == []


@pytest.mark.parametrize("stack", STACKS)
def test_the_platform_has_no_kubernetes_resource_or_provider(
    stack: str, platform_graph: Callable[[str], Graph]
) -> None:
    graph = platform_graph(stack)
    assert [r["urn"] for r in graph.of_type(*FOUNDATION)] != []  # what the check is about
    assert _kubernetes(graph) == []


@pytest.mark.parametrize("stack", STACKS)
def test_cluster_services_creates_neither_the_vpc_nor_the_cluster(
    stack: str, cluster_services_graph: Callable[[str], Graph]
) -> None:
    graph = cluster_services_graph(stack)
    assert _kubernetes(graph) != []  # what the check is about
    assert [r["urn"] for r in graph.of_type(*FOUNDATION)] == []


def test_a_graph_that_creates_the_cluster_and_deploys_to_it_is_refused(
    platform_graph: Callable[[str], Graph], cluster_services_graph: Callable[[str], Graph]
) -> None:
    """Both stacks' resources in one graph, as the platform stack was before the split."""
    merged = [*platform_graph("dev"), *cluster_services_graph("dev")]
    assert {r["type"] for r in platform_graph("dev").of_type(*FOUNDATION)} == set(FOUNDATION)
    assert sorted(unreachable(merged)) == sorted(
        r["urn"] for r in platform_graph("dev").of_type(*FOUNDATION)
    )
