"""The EKS Cluster's add-ons, controllers and Kubernetes objects in dev and prod graphs
(NET-5, SCALE-1, SEC-1, SEC-3, TAG-1, DR-1)."""

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
    K8S_PROVIDER,
    MANAGED,
    NODE_GROUP,
    RELEASE,
    ROLE,
    STORAGE_CLASS,
    graph,
    inputs,
    key_arn,
    role_policies,
    synth,
    tags_of,
)
from tests.support import (
    failing,
    missing_required_tags,
    unjustified_wildcards,
    unprotected_stateful,
    validate_manifests,
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


def test_a_kubernetes_version_override_pins_that_versions_add_ons_and_autoscaler() -> None:
    g = synth("dev", kubernetes_version="1.33")
    assert inputs(g, "core-eks", EKS)["version"] == "1.33"
    addons = {a["inputs"]["addonName"]: a["inputs"]["addonVersion"] for a in g.of_type(ADDON)}
    assert addons["kube-proxy"] == "v1.33.5-eksbuild.2"
    autoscaler = inputs(g, "core-autoscaler", RELEASE)
    assert autoscaler["version"] == "9.51.0"
    assert autoscaler["values"]["image"]["tag"].startswith("v1.33.")


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
def test_the_autoscaler_chart_discovers_this_cluster_with_its_irsa_role(environment: str) -> None:
    g = graph(environment)
    release_inputs = inputs(g, "core-autoscaler", RELEASE)
    assert release_inputs["chart"] == "cluster-autoscaler"
    assert release_inputs["version"] == "9.53.0"
    assert release_inputs["namespace"] == "kube-system"
    assert release_inputs["repositoryOpts"] == {"repo": "https://kubernetes.github.io/autoscaler"}
    values = release_inputs["values"]
    assert values["autoDiscovery"] == {"clusterName": f"test-{environment}-core"}
    assert values["awsRegion"] == "us-east-1"
    assert values["image"]["tag"] == "v1.34.2"
    account = values["rbac"]["serviceAccount"]
    assert account["create"] is True
    assert account["name"] == "cluster-autoscaler"
    assert account["annotations"]["eks.amazonaws.com/role-arn"].startswith(
        f"arn:aws:iam::{ACCOUNT}:role/core-ca-role"
    )
    assert values["extraArgs"] == {
        "balance-similar-node-groups": True,
        "skip-nodes-with-system-pods": False,
        "expander": "least-waste",
    }


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_load_balancer_controller_chart_knows_the_cluster_and_its_irsa_role(
    environment: str,
) -> None:
    g = graph(environment)
    release_inputs = inputs(g, "core-lb-controller", RELEASE)
    assert release_inputs["chart"] == "aws-load-balancer-controller"
    assert release_inputs["repositoryOpts"] == {"repo": "https://aws.github.io/eks-charts"}
    assert release_inputs["version"] == "1.14.0"
    values = release_inputs["values"]
    assert values["clusterName"] == f"test-{environment}-core"
    assert values["region"] == "us-east-1"
    assert values["vpcId"] == "vpc-0123456789"
    assert values["defaultTags"] == tags_of(environment)
    # The IAM policy changes listeners and rules only when they carry the cluster's tag.
    assert values["controllerConfig"] == {"featureGates": {"ListenerRulesTagging": True}}
    account = values["serviceAccount"]
    assert (account["create"], account["name"]) == (True, "aws-load-balancer-controller")
    assert account["annotations"]["eks.amazonaws.com/role-arn"].startswith(
        f"arn:aws:iam::{ACCOUNT}:role/core-lbc-role"
    )


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_cert_manager_is_a_pinned_atomic_release_with_its_crds_and_sized_parts(
    environment: str,
) -> None:
    release_inputs = inputs(graph(environment), "core-cert-manager", RELEASE)
    assert {k: release_inputs[k] for k in ("chart", "version", "namespace", "atomic")} == {
        "chart": "cert-manager",
        "version": "v1.21.1",
        "namespace": "kube-system",
        "atomic": True,
    }
    assert release_inputs["repositoryOpts"] == {"repo": "https://charts.jetstack.io"}
    values = release_inputs["values"]
    assert values["crds"] == {"enabled": True, "keep": True}
    assert "installCRDs" not in values  # deprecated in favour of crds.enabled
    for part in (values, values["webhook"], values["cainjector"]):
        assert part["replicaCount"] == 2
        assert part["podDisruptionBudget"] == {"enabled": True, "maxUnavailable": 1}
    for part in (values, values["webhook"], values["cainjector"], values["startupapicheck"]):
        resources = part["resources"]
        assert set(resources["requests"]) == set(resources["limits"]) == {"cpu", "memory"}
    for part in ("webhook", "cainjector", "startupapicheck", "acmesolver"):
        assert values[part]["image"] == {"tag": "v1.21.1"}
    assert values["image"] == {"tag": "v1.21.1"}


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_cert_manager_accepts_only_the_digest_gap_and_only_where_digests_are_required(
    environment: str,
) -> None:
    g = graph(environment)
    release = g.named("core-cert-manager", RELEASE)
    accepted = sorted(r["name"] for r in g.descendants(release["urn"]))
    assert accepted == (
        ["core-cert-manager-ik-sec-4-image-digest"] if environment == "prod" else []
    )
    assert [
        f for f in failing(g, "IK-K8S-1-RESOURCES", "IK-SEC-4-IMAGE-DIGEST") if "cert-manager" in f
    ] == []


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


# -- Kubernetes objects (SEC-3, TAG-1, DR-1) -------------------------------------------------------
@pytest.mark.parametrize(("environment", "reclaim"), [("dev", "Delete"), ("prod", "Retain")])
def test_the_default_storage_class_is_encrypted_tagged_gp3(environment: str, reclaim: str) -> None:
    g = graph(environment)
    (storage,) = [o for o in g.kubernetes_objects() if o["kind"] == "StorageClass"]
    assert storage["metadata"]["name"] == "gp3"
    assert storage["metadata"]["annotations"] == {
        "storageclass.kubernetes.io/is-default-class": "true"
    }
    assert storage["provisioner"] == "ebs.csi.aws.com"
    assert storage["reclaimPolicy"] == reclaim
    assert storage["volumeBindingMode"] == "WaitForFirstConsumer"
    assert storage["allowVolumeExpansion"] is True
    parameters = storage["parameters"]
    assert (parameters["type"], parameters["encrypted"]) == ("gp3", "true")
    assert parameters["kmsKeyId"] == key_arn(g)
    specs = {v for k, v in parameters.items() if k.startswith("tagSpecification_")}
    assert specs == {f"{k}={v}" for k, v in tags_of(environment).items()}


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_kubeconfig_is_secret_and_uses_aws_eks_get_token(environment: str) -> None:
    g = graph(environment)
    provider = g.named("core-k8s", K8S_PROVIDER)
    assert "kubeconfig" in provider["secret_paths"]
    assert provider["inputs"]["enableServerSideApply"] == "true"
    contract = json.loads(g.to_json())
    (redacted,) = [r for r in contract["resources"] if r["urn"] == provider["urn"]]
    assert redacted["inputs"]["kubeconfig"] == "[secret]"
    assert "[secret]" in g.to_json()
    config = json.loads(provider["inputs"]["kubeconfig"])
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


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_kubernetes_resources_use_the_cluster_provider_and_wait_for_access_and_nodes(
    environment: str,
) -> None:
    g = graph(environment)
    provider = g.named("core-k8s", K8S_PROVIDER)
    needed = {
        r["urn"]
        for r in g.of_type(NODE_GROUP, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation")
    }
    kubernetes = [r for r in g if r["custom"] and r["type"].startswith("kubernetes:")]
    assert {r["type"] for r in kubernetes} == {RELEASE, STORAGE_CLASS}
    for resource in kubernetes:
        assert resource["provider"] == provider["urn"]
        assert needed <= set(resource["dependencies"])


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_no_iam_statement_has_an_unjustified_wildcard(environment: str) -> None:
    assert unjustified_wildcards(graph(environment)) == []


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_rendered_kubernetes_objects_pass_strict_schema_validation(environment: str) -> None:
    assert [o["kind"] for o in graph(environment).kubernetes_objects()] == ["StorageClass"]
    assert validate_manifests(graph(environment)) == []


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_every_taggable_resource_carries_the_required_tags(environment: str) -> None:
    assert missing_required_tags(graph(environment)) == []


def test_prod_protects_every_stateful_resource_and_dev_protects_none() -> None:
    assert unprotected_stateful(graph("prod")) == []
    log = graph("dev").named("core-log", "aws:cloudwatch/logGroup:LogGroup")
    assert (log["protect"], log["retain_on_delete"]) == (False, False)
