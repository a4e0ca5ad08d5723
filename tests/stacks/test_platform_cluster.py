"""The platform stack's EKS cluster, asserted in the dev and prod synthesized graphs.

What runs on the cluster is the cluster-services stack's: tests/stacks/test_cluster_services.py."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from infra_kit.core.engine import Graph
from infra_kit.core.tags import REQUIRED_TAG_KEYS
from tests.support import iam_statements, unjustified_wildcards

STACKS = ("dev", "prod")
LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
ADDONS = {"vpc-cni", "coredns", "kube-proxy", "aws-ebs-csi-driver", "metrics-server"}


def _cluster(graph: Graph) -> dict:
    (cluster,) = graph.of_type("aws:eks/cluster:Cluster")
    return cluster


@pytest.mark.parametrize("stack", STACKS)
def test_the_api_endpoint_is_private(stack: str, platform_graph: Callable[[str], Graph]) -> None:
    vpc = _cluster(platform_graph(stack))["inputs"]["vpcConfig"]
    assert vpc["endpointPrivateAccess"] is True
    assert vpc["endpointPublicAccess"] is False  # no public CIDRs are configured in any stack
    assert vpc["subnetIds"] == platform_graph(stack).outputs["private_subnet_ids"]


@pytest.mark.parametrize("stack", STACKS)
def test_every_control_plane_log_type_goes_to_an_encrypted_group(
    stack: str, platform_graph: Callable[[str], Graph]
) -> None:
    graph = platform_graph(stack)
    cluster = _cluster(graph)
    assert cluster["inputs"]["enabledClusterLogTypes"] == LOG_TYPES
    name = cluster["inputs"]["name"]
    (group,) = [
        g
        for g in graph.of_type("aws:cloudwatch/logGroup:LogGroup")
        if g["inputs"]["name"] == f"/aws/eks/{name}/cluster"
    ]
    assert group["inputs"]["kmsKeyId"] == graph.outputs["kms_key_arn"]
    assert group["urn"] in cluster["dependencies"]


@pytest.mark.parametrize("stack", STACKS)
def test_secrets_are_envelope_encrypted_and_authentication_uses_access_entries(
    stack: str, platform_graph: Callable[[str], Graph]
) -> None:
    graph = platform_graph(stack)
    inputs = _cluster(graph)["inputs"]
    assert inputs["encryptionConfig"] == {
        "provider": {"keyArn": graph.outputs["kms_key_arn"]},
        "resources": ["secrets"],
    }
    assert inputs["accessConfig"] == {
        "authenticationMode": "API",
        "bootstrapClusterCreatorAdminPermissions": False,
    }
    # Who the entries are for is pinned in tests/stacks/test_platform_access.py.
    assert graph.of_type("aws:eks/accessEntry:AccessEntry")


@pytest.mark.parametrize("stack", STACKS)
def test_every_irsa_trust_policy_trusts_the_clusters_oidc_provider_only(
    stack: str, platform_graph: Callable[[str], Graph]
) -> None:
    graph = platform_graph(stack)
    provider_arn = graph.outputs["oidc_provider_arn"]
    issuer = graph.outputs["oidc_issuer_url"].removeprefix("https://")
    trusts = [
        s
        for r, s in iam_statements(graph)
        if r["type"] == "aws:iam/role:Role" and "Federated" in s.get("Principal", {})
    ]
    # autoscaler, load balancer controller, CNI, EBS CSI (the telemetry gateway's is in
    # cluster-services)
    assert len(trusts) == 4
    for statement in trusts:
        assert statement["Principal"] == {"Federated": [provider_arn]}
        assert statement["Action"] == ["sts:AssumeRoleWithWebIdentity"]
        conditions = statement["Condition"]["StringEquals"]
        assert conditions[f"{issuer}:aud"] == "sts.amazonaws.com"
        assert conditions[f"{issuer}:sub"].split(":")[2] == "kube-system"


@pytest.mark.parametrize(("stack", "azs"), [("dev", 2), ("prod", 3)])
def test_node_groups_span_every_azs_private_subnet(
    stack: str, azs: int, platform_graph: Callable[[str], Graph]
) -> None:
    graph = platform_graph(stack)
    groups = graph.of_type("aws:eks/nodeGroup:NodeGroup")
    assert len(groups) == azs
    assert [g["inputs"]["subnetIds"] for g in groups] == [
        [s] for s in graph.outputs["private_subnet_ids"]
    ]
    capacity = {"dev": "SPOT", "prod": "ON_DEMAND"}[stack]
    assert {g["inputs"]["capacityType"] for g in groups} == {capacity}


@pytest.mark.parametrize("stack", STACKS)
def test_nodes_require_imdsv2_and_tag_what_they_launch(
    stack: str, platform_graph: Callable[[str], Graph]
) -> None:
    # The node groups' template and the EKS API tunnel's: every instance the platform launches.
    templates = platform_graph(stack).of_type("aws:ec2/launchTemplate:LaunchTemplate")
    assert sorted(t["name"] for t in templates) == ["api-tunnel-template", "platform-nodes"]
    for template in templates:
        assert template["inputs"]["metadataOptions"] == {
            "httpEndpoint": "enabled",
            "httpPutResponseHopLimit": 1,
            "httpTokens": "required",
        }
        ebs = template["inputs"]["blockDeviceMappings"][0]["ebs"]
        assert (ebs["encrypted"], ebs["volumeType"]) == ("true", "gp3")
        specs = {s["resourceType"]: s["tags"] for s in template["inputs"]["tagSpecifications"]}
        assert set(specs) == {"instance", "volume", "network-interface"}
        for tags in specs.values():
            assert set(REQUIRED_TAG_KEYS) <= set(tags)
            assert tags["environment"] == stack


@pytest.mark.parametrize("stack", STACKS)
def test_the_add_on_set_is_pinned_and_the_cni_enforces_network_policies(
    stack: str, platform_graph: Callable[[str], Graph]
) -> None:
    addons = {
        a["inputs"]["addonName"]: a["inputs"]
        for a in platform_graph(stack).of_type("aws:eks/addon:Addon")
    }
    assert set(addons) == ADDONS
    assert all(a["addonVersion"].startswith("v") for a in addons.values())
    assert json.loads(addons["vpc-cni"]["configurationValues"])["enableNetworkPolicy"] == "true"
    assert addons["vpc-cni"]["serviceAccountRoleArn"].startswith("arn:aws:iam::123456789012:role/")
    assert addons["aws-ebs-csi-driver"]["serviceAccountRoleArn"].startswith("arn:aws:iam::")


@pytest.mark.parametrize("stack", STACKS)
def test_the_autoscalers_mutations_are_conditioned_on_this_clusters_node_groups(
    stack: str, platform_graph: Callable[[str], Graph]
) -> None:
    graph = platform_graph(stack)
    name = _cluster(graph)["inputs"]["name"]
    mutating = [
        s
        for _, s in iam_statements(graph)
        if "autoscaling:SetDesiredCapacity" in s.get("Action", [])
    ]
    assert len(mutating) == 1
    condition = json.dumps(mutating[0]["Condition"])
    assert f"aws:ResourceTag/k8s.io/cluster-autoscaler/{name}" in condition
    assert "owned" in condition


@pytest.mark.parametrize("stack", STACKS)
def test_the_kubeconfig_is_a_secret_output(
    stack: str, platform_graph: Callable[[str], Graph]
) -> None:
    graph = platform_graph(stack)
    document = json.loads(graph.to_json())
    assert document["outputs"]["kubeconfig"] == "[secret]"
    assert "get-token" not in graph.to_json()
    assert "get-token" in graph.outputs["kubeconfig"]


@pytest.mark.parametrize("stack", STACKS)
def test_iam_has_no_unjustified_wildcard(
    stack: str, platform_graph: Callable[[str], Graph]
) -> None:
    assert unjustified_wildcards(platform_graph(stack)) == []
