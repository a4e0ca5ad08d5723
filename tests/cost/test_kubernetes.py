"""What Kubernetes objects make AWS create: load balancers for Ingresses and Services, volumes
for claims. Rates from infra_kit/cost/data/prices.json (us-east-1, read 2026-12-02)."""

from __future__ import annotations

from typing import Any

import pytest

from infra_kit.cost import estimate
from tests.cost.graphs import graph, resource

INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"


def _ingress(
    name: str,
    *,
    group: str | None = None,
    scheme: str = "internet-facing",
    ingress_class: str = "alb",
) -> dict[str, Any]:
    annotations = {"alb.ingress.kubernetes.io/scheme": scheme}
    if group:
        annotations["alb.ingress.kubernetes.io/group.name"] = group
    manifest = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": name, "namespace": "apps", "annotations": annotations},
        "spec": {"ingressClassName": ingress_class},
    }
    return resource(INGRESS, name, manifest)


def test_an_internet_facing_ingress_costs_an_alb_its_lcus_and_an_address_per_az() -> None:
    # prod's profile: network.az_count = 3
    est = estimate(graph(_ingress("web"), load_balancer_lcu=5))
    # $0.0225 x 730 = $16.425; 5 LCU x $0.008 x 730 = $29.20; 3 x $0.005 x 730 = $10.95
    assert [line.monthly_usd for line in est.lines] == [
        pytest.approx(16.425),
        pytest.approx(29.20),
        pytest.approx(10.95),
    ]
    assert est.largest_driver.label == "Load balancers"
    (lever,) = est.levers
    assert lever.description.startswith("share an ALB through an Ingress group")
    assert lever.monthly_delta_usd == pytest.approx(-(16.425 + 10.95), abs=0.01)


def test_ingresses_of_one_group_share_one_alb() -> None:
    est = estimate(
        graph(
            _ingress("a", group="shop", scheme="internal"),
            _ingress("b", group="shop"),
            load_balancer_lcu=0,
        )
    )
    assert [line.name for line in est.lines] == ["a", "a"]
    assert est.total_monthly_usd == pytest.approx(16.43, abs=0.01)
    assert est.levers == ()


def test_an_ingress_of_another_class_makes_no_alb() -> None:
    assert estimate(graph(_ingress("web", ingress_class="nginx"))).lines == ()


def test_a_load_balancer_service_costs_an_nlb() -> None:
    service = resource(
        "kubernetes:core/v1:Service",
        "tcp",
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "tcp"},
            "spec": {"type": "LoadBalancer"},
        },
    )
    est = estimate(graph(service, load_balancer_lcu=1))
    # $0.0225 x 730; 1 NLCU x $0.006 x 730
    assert [line.monthly_usd for line in est.lines] == [pytest.approx(16.425), pytest.approx(4.38)]


def test_a_volume_claim_costs_its_gp3_gigabytes() -> None:
    claim = resource(
        "kubernetes:core/v1:PersistentVolumeClaim",
        "data",
        {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {"name": "data"},
            "spec": {"resources": {"requests": {"storage": "100Gi"}}},
        },
    )
    assert [line.monthly_usd for line in estimate(graph(claim)).lines] == [pytest.approx(8.0)]
