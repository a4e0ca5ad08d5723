"""The cluster-services stack: what runs on the platform's cluster, asserted in the dev and prod
synthesized graphs against the platform stack of the same environment it reads."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from infra_kit.core.engine import Graph
from infra_kit.k8s import restricted_violations
from tests.k8s.helpers import AGENT_HOST_LOG_VIOLATIONS, is_collector_agent
from tests.support import iam_statements, unjustified_wildcards, validate_manifests

STACKS = ("dev", "prod")
Graphs = Callable[[str], Graph]


@pytest.mark.parametrize("stack", STACKS)
def test_helm_values_carry_the_platforms_cluster_region_and_irsa_roles(
    stack: str, platform_graph: Graphs, cluster_services_graph: Graphs
) -> None:
    platform = platform_graph(stack).outputs
    releases = {
        r["inputs"]["chart"]: r["inputs"]["values"]
        for r in cluster_services_graph(stack).of_type("kubernetes:helm.sh/v3:Release")
    }
    assert set(releases) == {
        "cluster-autoscaler",
        "aws-load-balancer-controller",
        "cert-manager",
        "external-dns",
        "argo-rollouts",
    }
    autoscaler = releases["cluster-autoscaler"]
    assert autoscaler["autoDiscovery"]["clusterName"] == platform["cluster_name"]
    assert autoscaler["awsRegion"] == "us-east-1"
    role = autoscaler["rbac"]["serviceAccount"]["annotations"]["eks.amazonaws.com/role-arn"]
    assert role == platform["autoscaler_role_arn"]
    controller = releases["aws-load-balancer-controller"]
    assert (controller["clusterName"], controller["region"]) == (
        platform["cluster_name"],
        "us-east-1",
    )
    assert controller["vpcId"] == platform["vpc_id"]
    assert (
        controller["serviceAccount"]["annotations"]["eks.amazonaws.com/role-arn"]
        == platform["load_balancer_controller_role_arn"]
    )


@pytest.mark.parametrize("stack", STACKS)
def test_the_default_storage_class_uses_the_platforms_key(
    stack: str, platform_graph: Graphs, cluster_services_graph: Graphs
) -> None:
    (storage,) = [
        o for o in cluster_services_graph(stack).kubernetes_objects() if o["kind"] == "StorageClass"
    ]
    assert storage["parameters"]["kmsKeyId"] == platform_graph(stack).outputs["kms_key_arn"]


@pytest.mark.parametrize("stack", STACKS)
def test_the_kubeconfig_read_from_the_platform_stays_secret(
    stack: str, cluster_services_graph: Graphs
) -> None:
    graph = cluster_services_graph(stack)
    (provider,) = graph.of_type("pulumi:providers:kubernetes")
    assert "kubeconfig" in provider["secret_paths"]
    assert "get-token" not in graph.to_json()


@pytest.mark.parametrize("stack", STACKS)
def test_each_workload_role_trusts_the_platforms_oidc_provider_for_one_service_account(
    stack: str, platform_graph: Graphs, cluster_services_graph: Graphs
) -> None:
    platform = platform_graph(stack).outputs
    issuer = platform["oidc_issuer_url"].removeprefix("https://")
    trusts = [
        s
        for r, s in iam_statements(cluster_services_graph(stack))
        if r["type"] == "aws:iam/role:Role" and "Federated" in s.get("Principal", {})
    ]
    subjects = []
    for statement in trusts:
        assert statement["Principal"] == {"Federated": [platform["oidc_provider_arn"]]}
        conditions = statement["Condition"]["StringEquals"]
        assert conditions[f"{issuer}:aud"] == "sts.amazonaws.com"
        subjects.append(conditions[f"{issuer}:sub"].split(":", 2)[2])
    # The telemetry gateway, ExternalDNS and Argo Rollouts: one role each.
    assert sorted(subjects) == [
        "kube-system:argo-rollouts",
        "kube-system:external-dns",
        "observability:otel-gateway",
    ]


@pytest.mark.parametrize("stack", STACKS)
def test_manifests_validate_and_iam_has_no_unjustified_wildcard(
    stack: str, cluster_services_graph: Graphs
) -> None:
    graph = cluster_services_graph(stack)
    assert graph.kubernetes_objects()
    assert validate_manifests(graph) == []
    assert unjustified_wildcards(graph) == []


@pytest.mark.parametrize("stack", STACKS)
def test_the_stack_runs_telemetry_collectors_and_an_apps_namespace(
    stack: str, platform_graph: Graphs, cluster_services_graph: Graphs
) -> None:
    graph = cluster_services_graph(stack)
    objects = {(o["kind"], o["metadata"]["name"]) for o in graph.kubernetes_objects()}
    assert ("DaemonSet", "otel-agent") in objects
    assert ("Deployment", "otel-gateway") in objects
    assert ("HorizontalPodAutoscaler", "otel-gateway") in objects
    assert ("PodDisruptionBudget", "otel-gateway") in objects
    assert ("Namespace", "apps") in objects
    assert ("NetworkPolicy", "default-deny") in objects
    assert graph.outputs["tenant_namespaces"] == {"apps": "apps"}
    assert graph.outputs["cluster_name"] == platform_graph(stack).outputs["cluster_name"]
    assert set(graph.outputs["telemetry_log_groups"])
    assert graph.outputs["otel_agent_endpoint"]


@pytest.mark.parametrize("stack", STACKS)
def test_every_workload_meets_the_restricted_profile(
    stack: str, cluster_services_graph: Graphs
) -> None:
    workloads = [
        o
        for o in cluster_services_graph(stack).kubernetes_objects()
        if o["kind"] in {"Deployment", "DaemonSet"}
    ]
    assert len(workloads) == 2
    for workload in workloads:
        # The agent alone reads its node's log files, as UID 0 (ADR 0022).
        expected = AGENT_HOST_LOG_VIOLATIONS if is_collector_agent(workload) else []
        assert restricted_violations(workload["spec"]["template"]["spec"]) == expected, workload[
            "metadata"
        ]


def test_the_stack_files_read_the_platform_of_their_own_environment(
    cluster_services_graph: Graphs,
) -> None:
    for stack in ("dev", "stage", "prod"):
        references = cluster_services_graph(stack).of_type("pulumi:pulumi:StackReference")
        assert sorted(r["inputs"]["name"] for r in references) == [
            "organization/ci-identities/prod",  # the tenants' deploy roles
            f"organization/platform/{stack}",
        ]
