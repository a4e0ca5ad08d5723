"""Namespaces enforce the restricted profile, bound resources and deny traffic (SEC-4, NET-5)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from infra_kit.core.engine import Graph
from infra_kit.errors import ValidationError
from infra_kit.k8s import Namespace, NamespaceArgs
from tests.k8s.helpers import obj, refusal, synth
from tests.support import validate_manifests

#: CPU requests, CPU limits (4x the requests), memory, pods: workloads.namespace_* per environment.
QUOTAS = {
    "dev": ("8", "32", "16Gi", "50"),
    "preview": ("2", "8", "4Gi", "10"),
    "stage": ("64", "256", "128Gi", "300"),
    "prod": ("64", "256", "128Gi", "300"),
}
MODES = ("enforce", "audit", "warn")


def _build(env: Any, provider: Any) -> None:
    Namespace("shop", NamespaceArgs(), env, provider=provider)


@pytest.fixture(scope="module", params=["dev", "prod"])
def graph(request: pytest.FixtureRequest) -> Graph:
    return synth(_build, request.param)


def test_children_are_the_namespace_quota_limits_and_two_policies(graph: Graph) -> None:
    component = graph.named("shop", "infra-kit:k8s:Namespace")
    assert sorted((r["type"], r["name"]) for r in graph.children(component["urn"])) == [
        ("kubernetes:core/v1:LimitRange", "shop-limits"),
        ("kubernetes:core/v1:Namespace", "shop-namespace"),
        ("kubernetes:core/v1:ResourceQuota", "shop-quota"),
        ("kubernetes:networking.k8s.io/v1:NetworkPolicy", "shop-allow-dns"),
        ("kubernetes:networking.k8s.io/v1:NetworkPolicy", "shop-default-deny"),
    ]


def test_every_child_uses_the_explicit_kubernetes_provider(graph: Graph) -> None:
    component = graph.named("shop", "infra-kit:k8s:Namespace")
    providers = {r["provider"] for r in graph.children(component["urn"])}
    assert providers == {graph.named("k8s", "pulumi:providers:kubernetes")["urn"]}


def test_pod_security_is_restricted_and_pinned_to_the_cluster_minor(graph: Graph) -> None:
    labels = obj(graph, "Namespace", "shop")["metadata"]["labels"]
    assert labels == {
        "app.kubernetes.io/component": "namespace",
        "app.kubernetes.io/instance": "shop",
        "app.kubernetes.io/managed-by": "pulumi",
        "app.kubernetes.io/name": "shop",
        "app.kubernetes.io/part-of": "test",
        "environment": graph.stack,
        "team": "platform",
        **{f"pod-security.kubernetes.io/{mode}": "restricted" for mode in MODES},
        **{f"pod-security.kubernetes.io/{mode}-version": "v1.34" for mode in MODES},
    }


def test_the_quota_comes_from_the_profile_and_bounds_cpu_limits_too(graph: Graph) -> None:
    """Once ``limits.cpu`` is in a quota, the API server refuses a pod without a CPU limit: the
    LimitRange's default limit is what admits a container that sets none."""
    cpu, cpu_limits, memory, pods = QUOTAS[graph.stack]
    hard = obj(graph, "ResourceQuota", "quota", "shop")["spec"]["hard"]
    assert hard == {
        "requests.cpu": cpu,
        "limits.cpu": cpu_limits,
        "requests.memory": memory,
        "limits.memory": memory,
        "pods": pods,
    }


def test_containers_without_sizes_get_the_profile_defaults(graph: Graph) -> None:
    (item,) = obj(graph, "LimitRange", "container-defaults", "shop")["spec"]["limits"]
    assert item == {
        "type": "Container",
        "defaultRequest": {"cpu": "100m", "memory": "128Mi"},
        "default": {"cpu": "500m", "memory": "256Mi"},
    }


def test_all_traffic_is_denied_by_default(graph: Graph) -> None:
    spec = obj(graph, "NetworkPolicy", "default-deny", "shop")["spec"]
    assert spec == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}


def test_dns_to_kube_dns_is_the_only_namespace_wide_allowance(graph: Graph) -> None:
    spec = obj(graph, "NetworkPolicy", "allow-dns", "shop")["spec"]
    assert spec == {
        "podSelector": {},
        "policyTypes": ["Egress"],
        "egress": [
            {
                "to": [
                    {
                        "namespaceSelector": {
                            "matchLabels": {"kubernetes.io/metadata.name": "kube-system"}
                        },
                        "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                    }
                ],
                "ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}],
            }
        ],
    }


def test_manifests_are_valid_for_the_pinned_kubernetes_version(graph: Graph) -> None:
    assert validate_manifests(graph) == []


def test_quota_overrides_replace_the_profile_values() -> None:
    graph = synth(
        lambda env, p: Namespace(
            "shop",
            NamespaceArgs(name="shop-a", cpu_quota="4", cpu_limit_quota="12", pod_quota=20),
            env,
            provider=p,
        )
    )
    hard = obj(graph, "ResourceQuota", "quota", "shop-a")["spec"]["hard"]
    assert hard == {
        "requests.cpu": "4",
        "limits.cpu": "12",
        "requests.memory": "16Gi",
        "limits.memory": "16Gi",
        "pods": "20",
    }


@pytest.mark.parametrize("environment", ["preview", "stage"])
def test_preview_and_stage_quotas_are_those_documented(environment: str) -> None:
    cpu, cpu_limits, memory, pods = QUOTAS[environment]
    hard = obj(synth(_build, environment), "ResourceQuota", "quota", "shop")["spec"]["hard"]
    assert hard == {
        "requests.cpu": cpu,
        "limits.cpu": cpu_limits,
        "requests.memory": memory,
        "limits.memory": memory,
        "pods": pods,
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (NamespaceArgs(name="Shop"), r"name='Shop': not a Kubernetes name"),
        (NamespaceArgs(cpu_quota="lots"), r"cpu_quota='lots': not a Kubernetes CPU quantity"),
        (NamespaceArgs(memory_quota="16GB"), r"memory_quota='16GB': not a Kubernetes memory"),
        (NamespaceArgs(pod_quota=0), r"pod_quota=0: not a positive pod count"),
        (
            NamespaceArgs(allow_privileged_pods_reason="  logs  "),
            r"allow_privileged_pods_reason='  logs  ': a namespace that admits privileged pods",
        ),
    ],
)
def test_bad_arguments_are_refused_before_anything_is_created(
    args: NamespaceArgs, message: str
) -> None:
    error, created = refusal(lambda env, p: Namespace("shop", args, env, provider=p))
    assert isinstance(error, ValidationError)
    assert re.match(message, str(error))
    assert created == []


def test_a_namespace_admits_privileged_pods_only_with_a_written_reason_and_still_warns() -> None:
    reason = "the node agent reads host log files"
    graph = synth(
        lambda env, p: Namespace(
            "nodes", NamespaceArgs(allow_privileged_pods_reason=reason), env, provider=p
        )
    )
    meta = obj(graph, "Namespace", "nodes")["metadata"]
    assert {m: meta["labels"][f"pod-security.kubernetes.io/{m}"] for m in MODES} == {
        "enforce": "privileged",
        "audit": "restricted",
        "warn": "restricted",
    }
    assert meta["annotations"] == {"infra-kit.io/pod-security-exception": reason}


def test_a_cpu_limit_quota_below_the_cpu_quota_is_refused() -> None:
    with pytest.raises(
        ValidationError,
        match=r"cpu_limit_quota='2': it is below cpu_quota=4, .*raise cpu_limit_quota to at "
        r"least 4",
    ):
        synth(
            lambda env, p: Namespace(
                "shop", NamespaceArgs(cpu_quota="4", cpu_limit_quota="2"), env, provider=p
            ),
            "dev",
        )


GATE_LABEL = "elbv2.k8s.aws/pod-readiness-gate-inject"


def test_readiness_gates_are_injected_only_where_asked_for() -> None:
    graph = synth(
        lambda env, p: (
            Namespace("shop", NamespaceArgs(enable_alb_readiness_gates=True), env, provider=p),
            Namespace("batch", NamespaceArgs(), env, provider=p),
        )
    )
    assert obj(graph, "Namespace", "shop")["metadata"]["labels"][GATE_LABEL] == "enabled"
    assert GATE_LABEL not in obj(graph, "Namespace", "batch")["metadata"]["labels"]
    assert validate_manifests(graph) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            NamespaceArgs(name="kube-system", enable_alb_readiness_gates=True),
            r"^enable_alb_readiness_gates=True: kube-system runs the load balancer controller",
        ),
        (
            NamespaceArgs(enable_alb_readiness_gates="yes"),  # type: ignore[arg-type]  # the bad input under test
            r"^enable_alb_readiness_gates='yes': not a boolean",
        ),
    ],
)
def test_readiness_gates_are_refused_where_they_do_not_belong(
    args: NamespaceArgs, message: str
) -> None:
    error, created = refusal(lambda env, p: Namespace("shop", args, env, provider=p))
    assert re.search(message, str(error))
    assert created == []
