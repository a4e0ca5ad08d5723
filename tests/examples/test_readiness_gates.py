"""The namespaces that host the example's ALB IP targets inject readiness gates (K8S-4).

The example's Ingress lives in the platform's ``apps`` namespace, which the cluster-services
stack of the same environment creates, or, in a pull request's preview, in the namespace the
example creates itself. Either way, the Namespace object that holds the targets carries the AWS
Load Balancer Controller's label, and the namespaces of the platform's own pods never do.
"""

from __future__ import annotations

from typing import Any

import pytest

from infra_kit.core.engine import Graph, synthesize
from infra_kit.preview import write_stack_file
from tests.conftest import CLUSTER_SERVICES, REPO, graph_of
from tests.support import copy_of_the_repository

EXAMPLE = REPO / "examples" / "orders-service"
LABEL = ("elbv2.k8s.aws/pod-readiness-gate-inject", "enabled")
#: Label values the rule and this test read, written from the controller's documentation
#: (docs/deploy/pod_readiness_gate.md), not from the component.
TARGET_TYPE = "alb.ingress.kubernetes.io/target-type"


def _objects(graph: Graph, kind: str) -> list[dict[str, Any]]:
    return [o for o in graph.kubernetes_objects() if o["kind"] == kind]


def _ip_target_namespaces(graph: Graph) -> set[str]:
    return {
        i["metadata"]["namespace"]
        for i in _objects(graph, "Ingress")
        if i["spec"].get("ingressClassName") == "alb"
        and i["metadata"]["annotations"].get(TARGET_TYPE) == "ip"
    }


def _gated(graph: Graph) -> dict[str, bool]:
    return {
        n["metadata"]["name"]: n["metadata"]["labels"].get(LABEL[0]) == LABEL[1]
        for n in _objects(graph, "Namespace")
    }


@pytest.fixture(scope="module")
def preview(tmp_path_factory: pytest.TempPathFactory) -> Graph:
    project = copy_of_the_repository(tmp_path_factory.mktemp("repo"), REPO)
    write_stack_file(project, 42)
    return synthesize(project, "pr-42")


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_examples_ip_targets_sit_in_a_namespace_cluster_services_gates(stack: str) -> None:
    targets = _ip_target_namespaces(graph_of(EXAMPLE, stack))
    assert targets == {"apps"}
    # The example creates no namespace here; cluster-services of the same environment does.
    assert _gated(graph_of(EXAMPLE, stack)) == {}
    gated = _gated(graph_of(CLUSTER_SERVICES, stack))
    assert {ns: gated.get(ns) for ns in targets} == dict.fromkeys(targets, True)


def test_a_previews_ip_targets_sit_in_its_own_gated_namespace(preview: Graph) -> None:
    assert _ip_target_namespaces(preview) == {"pr-42"}
    assert _gated(preview) == {"pr-42": True}


@pytest.mark.parametrize("stack", ["dev", "stage", "prod"])
def test_only_tenant_namespaces_are_gated_never_the_platforms_own(stack: str) -> None:
    gated = _gated(graph_of(CLUSTER_SERVICES, stack))
    assert {ns for ns, on in gated.items() if on} == {"apps"}
    # The collectors' namespace exists in this graph and stays out of the webhook's path.
    assert gated["observability"] is False
