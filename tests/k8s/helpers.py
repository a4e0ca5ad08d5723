"""Shared fixtures of the Kubernetes component tests: provider, OIDC identity, images, queries."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pulumi_kubernetes as k8s

from infra_kit.aws.irsa import OidcIdentity
from infra_kit.core.engine import Graph, OfflineEngine
from infra_kit.core.environment import CONFIG_KEY, Environment
from infra_kit.core.profile import BUILTIN_PROFILES
from infra_kit.errors import InfraKitError
from infra_kit.testing import TEST_TAGS, run_offline

OIDC = OidcIdentity(
    provider_arn="arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE",
    issuer_url="https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE",
)
DIGEST = "sha256:" + "0123456789abcdef" * 4
#: Pinned by tag and digest: accepted in every environment.
IMAGE = f"123456789012.dkr.ecr.us-east-1.amazonaws.com/orders-api:1.4.2@{DIGEST}"
#: Pinned by tag only: accepted where the profile does not require digests (not prod).
TAGGED_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/orders-api:1.4.2"
CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666"
WAF_ACL_ARN = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/edge/0a1b2c3d-1111"
SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:orders-db-AbCdEf"
WORKLOAD_KINDS = ("Deployment", "DaemonSet", "StatefulSet", "Job", "CronJob")
#: The egress rules every workload's NetworkPolicy starts with: DNS, then the node's agent.
DNS_EGRESS = {
    "to": [
        {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
        }
    ],
    "ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}],
}
AGENT_EGRESS = {
    "to": [
        {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "observability"}},
            "podSelector": {"matchLabels": {"app.kubernetes.io/name": "otel-agent"}},
        }
    ],
    "ports": [{"port": 4317, "protocol": "TCP"}, {"port": 4318, "protocol": "TCP"}],
}


def provider() -> k8s.Provider:
    return k8s.Provider("k8s", kubeconfig="{}")


def synth(build: Callable[[Environment, k8s.Provider], Any], environment: str = "dev") -> Graph:
    """Run ``build(env, provider)`` offline in ``environment``."""
    return run_offline(lambda env: build(env, provider()), environment=environment)


def refusal(
    build: Callable[[Environment, k8s.Provider], Any], environment: str = "dev"
) -> tuple[InfraKitError, list[dict[str, Any]]]:
    """Run a build that must be refused; return the error and what it registered besides
    the providers (ENV-3 asks for nothing)."""
    # Pin the region's first AZs, as run_offline does and as a stack that protects state must.
    count = BUILTIN_PROFILES[environment]["network"]["az_count"]
    zones = [f"us-east-1{letter}" for letter in "abcdef"[:count]]
    profile = {"name": environment, "tags": TEST_TAGS, "network": {"availability_zones": zones}}
    config = {f"test:{CONFIG_KEY}": json.dumps(profile), "aws:region": "us-east-1"}
    engine = OfflineEngine.for_function(
        lambda: build(Environment.load(), provider()), stack=environment, config=config
    )
    try:
        engine.run()
    except InfraKitError as exc:
        created = [r for r in engine.registered if not r["type"].startswith("pulumi:providers:")]
        return exc, created
    raise AssertionError("the build was not refused")


def objects(graph: Graph, kind: str) -> list[dict[str, Any]]:
    return [o for o in graph.kubernetes_objects() if o["kind"] == kind]


def obj(graph: Graph, kind: str, name: str, namespace: str | None = None) -> dict[str, Any]:
    found = [
        o
        for o in objects(graph, kind)
        if o["metadata"]["name"] == name
        and (namespace is None or o["metadata"].get("namespace") == namespace)
    ]
    assert len(found) == 1, f"{len(found)} {kind} named {name}"
    return found[0]


def pod_template(workload: dict[str, Any]) -> dict[str, Any]:
    spec = workload["spec"]
    if workload["kind"] == "CronJob":
        return spec["jobTemplate"]["spec"]["template"]
    return spec["template"]


def workloads(graph: Graph) -> Iterator[dict[str, Any]]:
    for kind in WORKLOAD_KINDS:
        yield from objects(graph, kind)


def containers(pod_spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [*(pod_spec.get("initContainers") or []), *pod_spec["containers"]]


def env_of(container: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container.get("env") or []}


def matches(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """Whether a ``matchLabels`` selector selects ``labels`` (no expressions are rendered)."""
    assert set(selector) <= {"matchLabels"}, selector
    return all(labels.get(k) == v for k, v in selector["matchLabels"].items())


#: What the collector agent breaks of the restricted profile, and nothing more: it reads the
#: node's container logs as UID 0 from a read-only host mount (ADR 0022).
AGENT_HOST_LOG_VIOLATIONS = [
    "volume pod-logs uses ['hostPath']",
    "volume checkpoints uses ['hostPath']",
    "pod runAsNonRoot is not true",
    "pod runAsUser is not a non-zero id",
    "pod runAsGroup is not a non-zero id",
    "pod fsGroup is not a non-zero id",
    "containers[collector]: runAsNonRoot is not true",
    "containers[collector]: runAsUser is 0",
]


def is_collector_agent(workload: dict[str, Any]) -> bool:
    meta = workload["metadata"]
    return (workload["kind"], meta["name"], meta.get("namespace")) == (
        "DaemonSet",
        "otel-agent",
        "observability",
    )
