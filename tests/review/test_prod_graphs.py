"""The review passes on the prod platform and the prod example, and each Definition-of-Done
answer fails on the same graphs with its evidence removed."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from infra_kit.policy._graph import GraphDoc
from infra_kit.review import Review, review, subject_of
from tests.conftest import CLUSTER_SERVICES, REPO, graph_of

EXAMPLE = REPO / "examples" / "orders-service"


@pytest.fixture(scope="module")
def docs() -> dict[str, dict[str, Any]]:
    return {
        "platform": graph_of(REPO, "prod").to_contract(),
        "cluster": graph_of(CLUSTER_SERVICES, "prod").to_contract(),
        "example": graph_of(EXAMPLE, "prod").to_contract(),
    }


def _review(docs: dict[str, dict[str, Any]], subject: str, **changed: dict[str, Any]) -> Review:
    graphs = {name: GraphDoc(changed.get(name, doc)) for name, doc in docs.items()}
    others = [g for name, g in graphs.items() if name != subject]
    return review(subject_of(graphs[subject], others))


def _without(doc: dict[str, Any], *types: str) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    out["resources"] = [r for r in out["resources"] if r["type"] not in types]
    return out


def _failed(result: Review) -> set[str]:
    return {a.key for a in result.failures}


def test_the_prod_platform_is_ready(docs: dict[str, dict[str, Any]]) -> None:
    result = _review(docs, "platform")
    assert result.passed, [(a.key, a.missing) for a in result.failures]
    assert result.graphs == ("platform/prod", "cluster-services/prod")


def test_the_prod_example_is_ready(docs: dict[str, dict[str, Any]]) -> None:
    result = _review(docs, "example")
    assert result.passed, [(a.key, a.missing) for a in result.failures]
    assert result.graphs == ("orders-service/prod", "platform/prod", "cluster-services/prod")


def test_the_examples_ten_x_arithmetic_is_the_profiles(docs: dict[str, dict[str, Any]]) -> None:
    # prod: workloads.min_replicas 3, max_replicas 30, the WebService's 100m/128Mi requests;
    # cluster.nodes_desired_per_az 2, nodes_max_per_az 20 over 3 AZs of m6i.large (2 vCPU, 8 GiB).
    assert _review(docs, "example").answer("DOD-2").evidence == (
        "Rollout apps/orders-api: HPA 3..30 replicas = 10x; at 30 pods it requests 30 x 100m = "
        "3 vCPU and 30 x 128Mi = 3.75 GiB",
        "cluster autoscaler bounds: 6 node(s) desired -> 60 max = 12 -> 120 vCPU, 48 -> 480 GiB "
        "= 10x",
        "the service at its HPA maximum requests 3 vCPU / 3.75 GiB of the 120 vCPU / 480 GiB the "
        "node groups reach",
    )


@pytest.mark.parametrize(
    ("removed", "question"),
    [
        ("kubernetes:policy/v1:PodDisruptionBudget", "DOD-1"),
        ("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "DOD-2"),
        ("kubernetes:argoproj.io/v1alpha1:AnalysisTemplate", "DOD-3"),
        ("aws:cloudwatch/dashboard:Dashboard", "DOD-4"),
    ],
)
def test_each_example_answer_fails_without_its_evidence(
    docs: dict[str, dict[str, Any]], removed: str, question: str
) -> None:
    result = _review(docs, "example", example=_without(docs["example"], removed))
    assert question in _failed(result)


def test_the_cost_answer_fails_on_a_graph_the_model_prices_nothing_of(
    docs: dict[str, dict[str, Any]],
) -> None:
    example = copy.deepcopy(docs["example"])
    # What costs nothing: the Ingress (an ALB), the workloads and the AWS resources are gone.
    free = {
        "pulumi:pulumi:Stack",
        "kubernetes:core/v1:ConfigMap",
        "kubernetes:core/v1:ServiceAccount",
        "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    }
    example["resources"] = [r for r in example["resources"] if r["type"] in free]
    assert "DOD-5" in _failed(_review(docs, "example", example=example))


def test_the_platform_fails_node_loss_with_node_groups_in_one_az(
    docs: dict[str, dict[str, Any]],
) -> None:
    platform = copy.deepcopy(docs["platform"])
    platform["resources"] = [
        r
        for r in platform["resources"]
        if not (r["type"] == "aws:eks/nodeGroup:NodeGroup" and not r["name"].endswith("-0"))
    ]
    assert {"DOD-1", "RUN-4"} <= _failed(_review(docs, "platform", platform=platform))


def test_the_platform_fails_ten_x_when_its_node_groups_cannot_grow(
    docs: dict[str, dict[str, Any]],
) -> None:
    platform = copy.deepcopy(docs["platform"])
    for r in platform["resources"]:
        if r["type"] == "aws:eks/nodeGroup:NodeGroup":
            r["inputs"]["scalingConfig"]["maxSize"] = r["inputs"]["scalingConfig"]["desiredSize"]
    assert "DOD-2" in _failed(_review(docs, "platform", platform=platform))


def test_the_platform_without_its_cluster_services_cannot_answer_for_its_workloads(
    docs: dict[str, dict[str, Any]],
) -> None:
    result = review(subject_of(GraphDoc(docs["platform"])))
    assert {"DOD-1", "DOD-2", "DOD-3"} <= _failed(result)
    assert "pass --with-graph <cluster-services graph>" in result.answer("DOD-1").missing[-1]
