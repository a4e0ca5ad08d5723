"""The EKS Cluster's add-ons, its controllers' IAM roles and what it hands to ClusterServices, in
dev and prod graphs (NET-5, SCALE-1, SEC-1, SEC-3, TAG-1)."""

from __future__ import annotations

import json
import re

import pytest

from infra_kit.aws import _cluster_versions as pins
from infra_kit.policy import GraphDoc, check_graph, rules_for
from tests.aws.cluster_fixtures import (
    ACCOUNT,
    ADDON,
    ATTACHMENT,
    EKS,
    ENVIRONMENTS,
    MANAGED,
    NODE_GROUP,
    ROLE,
    graph,
    inputs,
    key_arn,
    role_policies,
    synth,
    tags_of,
)

ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"


# -- add-ons (NET-5, SCALE-1) ----------------------------------------------------------------------
@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_add_ons_are_installed_at_their_pinned_versions(environment: str) -> None:
    addons = {a["inputs"]["addonName"]: a["inputs"] for a in graph(environment).of_type(ADDON)}
    pinned = pins.versions_for("1.34").addons
    assert set(addons) == {
        "vpc-cni",
        "kube-proxy",
        "coredns",
        "aws-ebs-csi-driver",
        "metrics-server",
    }
    for name, args in addons.items():
        assert args["addonVersion"] == pinned[name]
        assert args["clusterName"] == f"test-{environment}-core"
        assert args["resolveConflictsOnUpdate"] == "OVERWRITE"
    assert addons["vpc-cni"]["addonVersion"] == "v1.20.4-eksbuild.1"


def test_a_kubernetes_version_override_pins_that_versions_add_ons() -> None:
    g = synth("dev", kubernetes_version="1.33")
    assert inputs(g, "core-eks", EKS)["version"] == "1.33"
    addons = {a["inputs"]["addonName"]: a["inputs"]["addonVersion"] for a in g.of_type(ADDON)}
    assert addons["kube-proxy"] == "v1.33.5-eksbuild.2"


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_cni_enforces_network_policies_with_its_own_irsa_role(environment: str) -> None:
    g = graph(environment)
    cni = inputs(g, "core-vpc-cni", ADDON)
    config = json.loads(cni["configurationValues"])
    assert config["enableNetworkPolicy"] == "true"
    assert json.loads(config["env"]["ADDITIONAL_ENI_TAGS"]) == tags_of(environment)
    assert cni["serviceAccountRoleArn"].startswith(f"arn:aws:iam::{ACCOUNT}:role/core-cni-role")
    cni_role = g.named("core-cni-role", ROLE)
    attached = [
        a["inputs"]["policyArn"] for a in g.of_type(ATTACHMENT) if a["parent"] == cni_role["parent"]
    ]
    assert attached == [MANAGED + "AmazonEKS_CNI_Policy"]


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_ebs_csi_driver_has_its_own_irsa_role_and_may_use_the_key_through_ec2(
    environment: str,
) -> None:
    g = graph(environment)
    csi = inputs(g, "core-aws-ebs-csi-driver", ADDON)
    assert csi["serviceAccountRoleArn"].startswith(f"arn:aws:iam::{ACCOUNT}:role/core-csi-role")
    config = json.loads(csi["configurationValues"])
    assert config == {"controller": {"extraVolumeTags": tags_of(environment)}}
    role = g.named("core-csi-role", ROLE)
    attached = [
        a["inputs"]["policyArn"] for a in g.of_type(ATTACHMENT) if a["parent"] == role["parent"]
    ]
    assert attached == [MANAGED + "service-role/AmazonEBSCSIDriverPolicy"]
    statements = {s["Sid"]: s for s in role_policies(g, "core-csi-role")}
    assert statements["UseKeyThroughEc2"]["Resource"] == [key_arn(g)]
    assert statements["UseKeyThroughEc2"]["Condition"] == {
        "StringEquals": {"kms:ViaService": "ec2.us-east-1.amazonaws.com"}
    }
    assert statements["GrantsForEbsOnly"]["Condition"] == {
        "Bool": {"kms:GrantIsForAWSResource": "true"}
    }


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_add_ons_that_need_nodes_wait_for_every_node_group(environment: str) -> None:
    g = graph(environment)
    groups = {r["urn"] for r in g.of_type(NODE_GROUP)}
    for name in ("coredns", "aws-ebs-csi-driver", "metrics-server"):
        assert groups <= set(g.named(f"core-{name}", ADDON)["dependencies"])
    for group in g.of_type(NODE_GROUP):
        assert g.named("core-vpc-cni", ADDON)["urn"] in group["dependencies"]


def test_the_pod_identity_agent_is_opt_in() -> None:
    assert "eks-pod-identity-agent" not in {
        a["inputs"]["addonName"] for a in graph("dev").of_type(ADDON)
    }
    g = synth("dev", enable_pod_identity_agent=True)
    agent = inputs(g, "core-eks-pod-identity-agent", ADDON)
    assert agent["addonVersion"] == pins.versions_for("1.34").addons["eks-pod-identity-agent"]


# -- cluster autoscaler and load balancer controller (SCALE-1, SEC-1) -------------------------------
@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_autoscaler_may_resize_only_this_clusters_node_groups(environment: str) -> None:
    statements = {s.get("Sid"): s for s in role_policies(graph(environment), "core-ca-role")}
    resize = statements["ResizeOwnNodeGroupsOnly"]
    assert resize["Action"] == [
        "autoscaling:SetDesiredCapacity",
        "autoscaling:TerminateInstanceInAutoScalingGroup",
    ]
    assert resize["Condition"] == {
        "StringEquals": {
            f"aws:ResourceTag/k8s.io/cluster-autoscaler/test-{environment}-core": "owned",
            "aws:ResourceTag/k8s.io/cluster-autoscaler/enabled": "true",
        }
    }
    assert resize["Resource"] == [
        f"arn:aws:autoscaling:us-east-1:{ACCOUNT}:autoScalingGroup:*:autoScalingGroupName/*"
    ]
    describe = [s for sid, s in statements.items() if sid and sid.startswith("Justified")]
    assert len(describe) == 1
    assert all(a.split(":")[1].startswith(("Describe", "Get")) for a in describe[0]["Action"])


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_autoscaler_describes_the_node_groups_by_their_own_arns(environment: str) -> None:
    g = graph(environment)
    (describe,) = [
        s for s in role_policies(g, "core-ca-role") if "eks:DescribeNodegroup" in s["Action"]
    ]
    groups = g.of_type(NODE_GROUP)
    prefix = f"arn:aws:eks:us-east-1:{ACCOUNT}:nodegroup/test-{environment}-core/"
    names = sorted(r["name"] for r in groups)
    for arn, group in zip(sorted(describe["Resource"]), names, strict=True):
        # EKS ends the ARN with an id it generates: only the node group's arn output has it.
        assert re.fullmatch(rf"{re.escape(prefix)}{group}-[0-9a-f]+/[0-9a-f-]{{36}}", arn), arn
    (policy,) = [r for r in g.of_type(ROLE_POLICY) if r["name"] == "core-ca-role-autoscaling"]
    assert {r["urn"] for r in groups} <= set(policy["dependencies"])


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_cluster_grants_nothing_the_iam_rules_find_or_accept(environment: str) -> None:
    contract = GraphDoc(graph(environment).to_contract())
    rules = [r for r in rules_for() if r.id.startswith("IK-SEC-1-")]
    assert [(f.rule.id, f.message) for f in check_graph(contract, rules).findings] == []


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_load_balancer_controller_changes_only_what_carries_this_clusters_tag(
    environment: str,
) -> None:
    statements = role_policies(graph(environment), "core-lbc-role")
    tag = "aws:ResourceTag/elbv2.k8s.aws/cluster"
    deletes = [s for s in statements if "elasticloadbalancing:DeleteLoadBalancer" in s["Action"]]
    assert len(deletes) == 1
    assert deletes[0]["Condition"]["StringEquals"][tag] == f"test-{environment}-core"
    sg_delete = [s for s in statements if "ec2:DeleteSecurityGroup" in s["Action"]]
    assert sg_delete[0]["Condition"]["StringEquals"][tag] == f"test-{environment}-core"
    for statement in statements:
        if statement["Resource"] == ["*"]:
            assert statement["Sid"].startswith("Justified")


# -- what the cluster leaves to ClusterServices ------------------------------------------------------
@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_kubeconfig_is_a_secret_output_that_uses_aws_eks_get_token(environment: str) -> None:
    (cluster,) = graph(environment).of_type("infra-kit:aws:Cluster")
    assert "kubeconfig" in cluster["output_secret_paths"]
    config = json.loads(cluster["outputs"]["kubeconfig"])
    (user,) = config["users"]
    assert user["user"]["exec"]["apiVersion"] == "client.authentication.k8s.io/v1beta1"
    assert user["user"]["exec"]["args"] == [
        "eks",
        "get-token",
        "--cluster-name",
        f"test-{environment}-core",
        "--region",
        "us-east-1",
    ]
    assert "[secret]" in graph(environment).to_json()


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_controllers_roles_are_outputs_for_the_stack_that_installs_them(
    environment: str,
) -> None:
    g = graph(environment)
    (cluster,) = g.of_type("infra-kit:aws:Cluster")
    for output, role in (
        ("autoscaler_role_arn", "core-ca-role"),
        ("load_balancer_controller_role_arn", "core-lbc-role"),
    ):
        arn = cluster["outputs"][output]
        assert arn.startswith(f"arn:aws:iam::{ACCOUNT}:role/{role}-")
        assert g.named(role, "infra-kit:aws:IrsaRole")["outputs"]["arn"] == arn
