"""Graph-wide checks over every workload the library renders, in dev and prod.

One graph holds every component of the package; each test walks all Deployments and DaemonSets
(and every container of each, init containers included) rather than naming them.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra_kit.core.engine import Graph
from infra_kit.k8s import (
    AlbIngress,
    Caller,
    Collectors,
    CollectorsArgs,
    Egress,
    Exposure,
    Namespace,
    NamespaceArgs,
    WebService,
    WebServiceArgs,
    Worker,
    WorkerArgs,
    restricted_violations,
)
from tests.k8s.helpers import (
    AGENT_HOST_LOG_VIOLATIONS,
    CERTIFICATE,
    IMAGE,
    OIDC,
    SECRET_ARN,
    WAF_ACL_ARN,
    containers,
    env_of,
    is_collector_agent,
    matches,
    objects,
    pod_template,
    synth,
    workloads,
)
from tests.support import missing_required_tags, unjustified_wildcards, validate_manifests


def _build(env: Any, p: Any) -> None:
    Collectors("otel", CollectorsArgs(cluster_name="main"), env, provider=p, oidc=OIDC)
    shop = Namespace("shop", NamespaceArgs(), env, provider=p)
    WebService(
        "orders-api",
        WebServiceArgs(
            namespace=shop,
            image=IMAGE,
            secret_arns={"DB_SECRET_ARN": SECRET_ARN},
            allow_from=[Caller("shop", "storefront")],
            egress_to=[Egress.to_cidrs(["10.0.64.0/20"], [5432])],
            ingress=AlbIngress(
                certificate_arn=CERTIFICATE,
                exposure=Exposure.INTERNET_FACING,
                waf_acl_arn=WAF_ACL_ARN,
                access_log_bucket="alb-access-logs",
            ),
        ),
        env,
        provider=p,
        oidc=OIDC,
    )
    WebService("storefront", WebServiceArgs(namespace=shop, image=IMAGE), env, provider=p)
    Worker("orders-worker", WorkerArgs(namespace=shop, image=IMAGE), env, provider=p, oidc=OIDC)


@pytest.fixture(scope="module", params=["dev", "prod"])
def graph(request: pytest.FixtureRequest) -> Graph:
    return synth(_build, request.param)


def test_the_graph_renders_every_kind_of_workload(graph: Graph) -> None:
    names = sorted((w["kind"], w["metadata"]["name"]) for w in workloads(graph))
    assert names == [
        ("DaemonSet", "otel-agent"),
        ("Deployment", "orders-api"),
        ("Deployment", "orders-worker"),
        ("Deployment", "otel-gateway"),
        ("Deployment", "storefront"),
    ]


def test_every_pod_meets_the_restricted_profile(graph: Graph) -> None:
    for workload in workloads(graph):
        expected = AGENT_HOST_LOG_VIOLATIONS if is_collector_agent(workload) else []
        assert restricted_violations(pod_template(workload)["spec"]) == expected, workload[
            "metadata"
        ]["name"]


def test_every_container_holds_every_restricted_field(graph: Graph) -> None:
    """The same rules spelled out field by field, so a checker bug cannot hide a violation."""
    for workload in workloads(graph):
        if is_collector_agent(workload):
            continue  # UID 0 for the host's log files; its own test holds the rest
        pod = pod_template(workload)["spec"]
        context = pod["securityContext"]
        assert context["runAsNonRoot"] is True
        assert context["runAsUser"] == context["runAsGroup"] == context["fsGroup"] == 10001
        assert context["seccompProfile"] == {"type": "RuntimeDefault"}
        assert not any(pod.get(k) for k in ("hostNetwork", "hostPID", "hostIPC"))
        mounts_tmp = {v["name"] for v in pod["volumes"] if "emptyDir" in v}
        for container in containers(pod):
            security = container["securityContext"]
            assert security["allowPrivilegeEscalation"] is False
            assert security["capabilities"] == {"drop": ["ALL"]}
            assert security["readOnlyRootFilesystem"] is True
            assert security["runAsNonRoot"] is True
            assert "privileged" not in security
            assert all("hostPort" not in port for port in container.get("ports", []))
            tmp = [m for m in container["volumeMounts"] if m["mountPath"] == "/tmp"]
            assert len(tmp) == 1
            assert tmp[0]["name"] in mounts_tmp


def test_every_container_is_sized_and_probed_with_three_different_probes(graph: Graph) -> None:
    for workload in workloads(graph):
        for container in containers(pod_template(workload)["spec"]):
            resources = container["resources"]
            assert set(resources["requests"]) == {"cpu", "memory"}
            assert set(resources["limits"]) == {"cpu", "memory"}
            # Every image of this graph is pinned by digest (SEC-4): cached copies are exact.
            assert "@sha256:" in container["image"]
            assert container["imagePullPolicy"] == "IfNotPresent"
            probes = [container[f"{k}Probe"] for k in ("startup", "readiness", "liveness")]
            assert len({json.dumps(p, sort_keys=True) for p in probes}) == 3


def test_only_workloads_that_call_the_kubernetes_api_mount_a_token(graph: Graph) -> None:
    mounted = {
        w["metadata"]["name"]
        for w in workloads(graph)
        if pod_template(w)["spec"]["automountServiceAccountToken"]
    }
    assert mounted == {"otel-agent"}


def test_every_deployment_is_owned_by_an_hpa_and_covered_by_a_drain_safe_budget(
    graph: Graph,
) -> None:
    hpas = {
        (h["metadata"]["namespace"], h["spec"]["scaleTargetRef"]["name"]): h
        for h in objects(graph, "HorizontalPodAutoscaler")
    }
    budgets = objects(graph, "PodDisruptionBudget")
    for deployment in objects(graph, "Deployment"):
        meta = deployment["metadata"]
        assert "replicas" not in deployment["spec"], meta["name"]
        hpa = hpas[(meta["namespace"], meta["name"])]
        assert hpa["spec"]["scaleTargetRef"]["kind"] == "Deployment"
        assert hpa["spec"]["maxReplicas"] >= 10 * hpa["spec"]["minReplicas"]
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert matches(deployment["spec"]["selector"], labels)
        covering = [
            b
            for b in budgets
            if b["metadata"]["namespace"] == meta["namespace"]
            and matches(b["spec"]["selector"], labels)
        ]
        assert len(covering) == 1, meta["name"]
        assert covering[0]["spec"]["maxUnavailable"] >= 1
        assert covering[0]["spec"]["unhealthyPodEvictionPolicy"] == "AlwaysAllow"


def test_every_workload_has_its_own_policy_under_a_namespace_wide_default_deny(
    graph: Graph,
) -> None:
    policies = objects(graph, "NetworkPolicy")
    for workload in workloads(graph):
        namespace = workload["metadata"]["namespace"]
        labels = pod_template(workload)["metadata"]["labels"]
        here = [p for p in policies if p["metadata"]["namespace"] == namespace]
        deny = [
            p
            for p in here
            if p["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
        ]
        assert len(deny) == 1, namespace
        own = [
            p
            for p in here
            if p["spec"]["podSelector"] and matches(p["spec"]["podSelector"], labels)
        ]
        assert len(own) == 1, workload["metadata"]["name"]
        egress = own[0]["spec"]["egress"]
        assert egress[0]["ports"] == [
            {"port": 53, "protocol": "UDP"},
            {"port": 53, "protocol": "TCP"},
        ]
        for rule in [*egress, *own[0]["spec"]["ingress"]]:
            assert rule["ports"], "every allowance names its ports"


def test_every_namespace_enforces_the_restricted_profile(graph: Graph) -> None:
    for namespace in objects(graph, "Namespace"):
        labels = namespace["metadata"]["labels"]
        # The collectors' namespace admits the agent's host mounts; it still audits and warns.
        privileged = namespace["metadata"]["name"] == "observability"
        for mode in ("enforce", "audit", "warn"):
            level = "privileged" if privileged and mode == "enforce" else "restricted"
            assert labels[f"pod-security.kubernetes.io/{mode}"] == level
            assert labels[f"pod-security.kubernetes.io/{mode}-version"] == "v1.34"


def test_every_application_container_is_told_where_to_send_telemetry(graph: Graph) -> None:
    for deployment in objects(graph, "Deployment"):
        if deployment["metadata"]["namespace"] == "observability":
            continue
        for container in containers(pod_template(deployment)["spec"]):
            env = env_of(container)
            assert env["OTEL_EXPORTER_OTLP_ENDPOINT"].endswith(
                ".observability.svc.cluster.local:4317"
            )
            assert env["OTEL_SERVICE_NAME"] == deployment["metadata"]["name"]
            assert f"deployment.environment={graph.stack}" in env["OTEL_RESOURCE_ATTRIBUTES"]


def test_every_kubernetes_object_uses_the_explicit_provider(graph: Graph) -> None:
    provider = graph.named("k8s", "pulumi:providers:kubernetes")["urn"]
    for record in graph:
        if record["custom"] and record["type"].startswith("kubernetes:"):
            assert record["provider"] == provider, record["urn"]


def test_manifests_are_valid_for_the_pinned_kubernetes_version(graph: Graph) -> None:
    assert validate_manifests(graph) == []


def test_no_iam_statement_has_an_unjustified_wildcard(graph: Graph) -> None:
    assert unjustified_wildcards(graph) == []


def test_every_aws_resource_carries_the_required_tags(graph: Graph) -> None:
    assert missing_required_tags(graph) == []
