"""The EKS Cluster component in dev and prod graphs: control plane, access, IRSA and nodes
(NET-1, SEC-1, SEC-3, HA-1, SCALE-2, TAG-1, OBS-2, DR-1)."""

from __future__ import annotations

import pytest

from infra_kit.core.profile import BUILTIN_PROFILES
from infra_kit.core.tags import REQUIRED_TAG_KEYS
from tests.aws.cluster_fixtures import (
    ACCOUNT,
    ADMIN,
    ATTACHMENT,
    CLUSTER_TYPE,
    EKS,
    ENVIRONMENTS,
    K8S_PROVIDER,
    MANAGED,
    NODE_GROUP,
    OPERATOR,
    ROLE,
    SUBNETS,
    TEMPLATE,
    document,
    eks,
    graph,
    inputs,
    key_arn,
    synth,
    tags_of,
)
from tests.support import iam_statements


# -- shape ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_cluster_is_one_component_owning_every_child(environment: str) -> None:
    g = graph(environment)
    (component,) = g.of_type(CLUSTER_TYPE)
    owned = {r["urn"] for r in g.descendants(component["urn"])}
    outside = {
        r["type"] for r in g if r["custom"] and r["urn"] not in owned and r["parent"] is not None
    }
    # Only the environment's provider and the key passed in live outside the component.
    assert outside == {"pulumi:providers:aws", "aws:kms/key:Key", "aws:kms/alias:Alias"}
    names = {(r["type"], r["name"]) for r in g.children(component["urn"])}
    assert {
        (EKS, "core-eks"),
        ("aws:cloudwatch/logGroup:LogGroup", "core-log"),
        (ROLE, "core-cluster-role"),
        (ROLE, "core-node-role"),
        ("aws:iam/openIdConnectProvider:OpenIdConnectProvider", "core-oidc"),
        (TEMPLATE, "core-nodes"),
        ("infra-kit:aws:IrsaRole", "core-cni-role"),
        ("infra-kit:aws:IrsaRole", "core-csi-role"),
        ("infra-kit:aws:IrsaRole", "core-ca-role"),
        ("infra-kit:aws:IrsaRole", "core-lbc-role"),
    } <= names


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_cluster_creates_nothing_that_needs_its_private_api(environment: str) -> None:
    types = {r["type"] for r in graph(environment) if r["custom"]}
    assert K8S_PROVIDER not in types
    assert [t for t in types if t.startswith("kubernetes:")] == []


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_cluster_has_an_explicit_physical_name(environment: str) -> None:
    assert eks(environment)["name"] == f"test-{environment}-core"


# -- control plane (NET-1, OBS-2, SEC-3) -----------------------------------------------------------
@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_control_plane_sits_in_every_private_subnet(environment: str) -> None:
    assert eks(environment)["vpcConfig"]["subnetIds"] == list(SUBNETS[environment])
    assert eks(environment)["version"] == "1.34"


def test_dev_endpoint_is_private_only_by_default() -> None:
    vpc = eks("dev")["vpcConfig"]
    assert vpc["endpointPrivateAccess"] is True
    assert vpc["endpointPublicAccess"] is False
    assert "publicAccessCidrs" not in vpc


def test_dev_endpoint_is_public_only_for_the_configured_cidrs() -> None:
    g = synth("dev", overrides={"cluster": {"public_access_cidrs": ["203.0.113.0/24"]}})
    vpc = inputs(g, "core-eks", EKS)["vpcConfig"]
    assert vpc["endpointPrivateAccess"] is True
    assert vpc["endpointPublicAccess"] is True
    assert vpc["publicAccessCidrs"] == ["203.0.113.0/24"]


def test_a_narrower_public_range_than_the_profile_is_accepted() -> None:
    g = synth(
        "dev",
        overrides={"cluster": {"public_access_cidrs": ["203.0.113.0/24"]}},
        public_access_cidrs=["203.0.113.128/25"],
    )
    assert inputs(g, "core-eks", EKS)["vpcConfig"]["publicAccessCidrs"] == ["203.0.113.128/25"]


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_cluster_is_upgraded_at_the_end_of_standard_support_not_billed_extended(
    environment: str,
) -> None:
    assert eks(environment)["upgradePolicy"] == {"supportType": "STANDARD"}


def test_extended_support_is_chosen_in_the_profile() -> None:
    g = synth("prod", overrides={"cluster": {"support_type": "EXTENDED"}})
    assert inputs(g, "core-eks", EKS)["upgradePolicy"] == {"supportType": "EXTENDED"}


def test_prod_endpoint_is_private_only() -> None:
    vpc = eks("prod")["vpcConfig"]
    assert (vpc["endpointPrivateAccess"], vpc["endpointPublicAccess"]) == (True, False)


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_control_plane_and_nodes_have_own_security_groups_with_no_open_ingress(
    environment: str,
) -> None:
    g = graph(environment)
    groups = {r["name"]: r for r in g.of_type("aws:ec2/securityGroup:SecurityGroup")}
    assert set(groups) == {"core-control-plane", "core-nodes"}
    cluster = g.named("core-eks", EKS)
    assert len(cluster["inputs"]["vpcConfig"]["securityGroupIds"]) == 1
    assert groups["core-control-plane"]["urn"] in cluster["dependencies"]
    # Each rule's protocol and ports: tests/aws/test_cluster_security.py.
    ingress = g.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    assert len(ingress) == 7
    for rule in ingress:
        assert "cidrIpv4" not in rule["inputs"]
        assert "cidrIpv6" not in rule["inputs"]
        assert rule["inputs"]["referencedSecurityGroupId"].startswith("sg-")
    api = g.named("core-sg-api-from-nodes")
    assert (api["inputs"]["ipProtocol"], api["inputs"]["fromPort"]) == ("tcp", 443)
    assert api["inputs"]["toPort"] == 443
    assert {groups["core-control-plane"]["urn"], groups["core-nodes"]["urn"]} <= set(
        api["dependencies"]
    )


def test_the_nodes_security_group_is_the_one_the_load_balancer_controller_finds() -> None:
    tags = inputs(graph("prod"), "core-nodes", "aws:ec2/securityGroup:SecurityGroup")["tags"]
    assert tags["kubernetes.io/cluster/test-prod-core"] == "owned"


@pytest.mark.parametrize(("environment", "retention"), [("dev", 14), ("prod", 365)])
def test_all_control_plane_logs_go_to_an_encrypted_log_group_created_first(
    environment: str, retention: int
) -> None:
    g = graph(environment)
    assert eks(environment)["enabledClusterLogTypes"] == [
        "api",
        "audit",
        "authenticator",
        "controllerManager",
        "scheduler",
    ]
    log = g.named("core-log", "aws:cloudwatch/logGroup:LogGroup")
    assert log["inputs"]["name"] == f"/aws/eks/test-{environment}-core/cluster"
    assert log["inputs"]["retentionInDays"] == retention
    assert log["inputs"]["kmsKeyId"] == key_arn(g)
    assert log["urn"] in g.named("core-eks", EKS)["dependencies"]


@pytest.mark.parametrize(("environment", "protected"), [("dev", False), ("prod", True)])
def test_the_control_plane_log_group_is_protected_where_the_profile_protects_state(
    environment: str, protected: bool
) -> None:
    # prescription: DR-1, OBS-2
    log = graph(environment).named("core-log", "aws:cloudwatch/logGroup:LogGroup")
    assert log["inputs"]["deletionProtectionEnabled"] is protected
    assert log["protect"] is protected
    assert log["retain_on_delete"] is protected


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_kubernetes_secrets_are_encrypted_with_the_key(environment: str) -> None:
    config = eks(environment)["encryptionConfig"]
    assert config["resources"] == ["secrets"]
    assert config["provider"]["keyArn"].startswith(f"arn:aws:kms:us-east-1:{ACCOUNT}:key/")


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_access_is_by_access_entries_only_with_no_implicit_creator_admin(environment: str) -> None:
    assert eks(environment)["accessConfig"] == {
        "authenticationMode": "API",
        "bootstrapClusterCreatorAdminPermissions": False,
    }


def test_every_admin_role_gets_an_access_entry_with_cluster_admin_named_by_role() -> None:
    g = synth("dev", admin_role_arns=[ADMIN, OPERATOR])
    entries = g.of_type("aws:eks/accessEntry:AccessEntry")
    assert sorted((e["name"], e["inputs"]["principalArn"]) for e in entries) == [
        ("core-admin-operators", OPERATOR),
        ("core-admin-platform-admin", ADMIN),
    ]
    assert {e["inputs"]["type"] for e in entries} == {"STANDARD"}
    for label, arn in (("platform-admin", ADMIN), ("operators", OPERATOR)):
        association = g.named(f"core-admin-{label}-policy")
        assert association["inputs"] == {
            "accessScope": {"type": "cluster"},
            "clusterName": "test-dev-core",
            "policyArn": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
            "principalArn": arn,
        }
        assert g.named(f"core-admin-{label}")["urn"] in association["dependencies"]


def test_reordering_the_admin_roles_keeps_every_access_entry_urn() -> None:
    def urns(arns: list[str]) -> dict[str, str]:
        g = synth("dev", admin_role_arns=arns)
        return {
            r["urn"]: r["inputs"]["principalArn"]
            for r in g.of_type(
                "aws:eks/accessEntry:AccessEntry",
                "aws:eks/accessPolicyAssociation:AccessPolicyAssociation",
            )
        }

    assert urns([ADMIN, OPERATOR]) == urns([OPERATOR, ADMIN])


def test_an_admin_role_with_a_path_and_capitals_is_labelled_by_its_name() -> None:
    arn = f"arn:aws:iam::{ACCOUNT}:role/team/ops/Break_Glass.Admin"
    g = synth("dev", admin_role_arns=[arn])
    assert g.named("core-admin-break-glass-admin")["inputs"]["principalArn"] == arn
    assert g.named("core-admin-break-glass-admin-policy")["inputs"]["principalArn"] == arn


def test_admin_roles_default_to_the_profile() -> None:
    entries = graph("prod").of_type("aws:eks/accessEntry:AccessEntry")
    assert [e["inputs"]["principalArn"] for e in entries] == [ADMIN]


@pytest.mark.parametrize(("environment", "protected"), [("dev", False), ("prod", True)])
def test_the_cluster_is_protected_from_deletion_where_the_profile_protects_state(
    environment: str, protected: bool
) -> None:
    cluster = graph(environment).named("core-eks", EKS)
    assert cluster["inputs"]["deletionProtection"] is protected
    assert cluster["protect"] is protected


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_cluster_role_has_only_the_eks_cluster_policy(environment: str) -> None:
    g = graph(environment)
    role = g.named("core-cluster-role", ROLE)
    trust = document(role["inputs"]["assumeRolePolicy"])["Statement"]
    assert trust == [
        {
            "Action": ["sts:AssumeRole"],
            "Effect": "Allow",
            "Principal": {"Service": ["eks.amazonaws.com"]},
        }
    ]
    attached = [
        a["inputs"]["policyArn"]
        for a in g.of_type(ATTACHMENT)
        if a["inputs"]["role"] == "core-cluster-role" or a["name"].startswith("core-cluster-role")
    ]
    assert attached == [MANAGED + "AmazonEKSClusterPolicy"]
    assert not [
        p for p in g.of_type("aws:iam/rolePolicy:RolePolicy") if "cluster-role" in p["name"]
    ]


# -- IRSA (SEC-1) ----------------------------------------------------------------------------------
IRSA_SUBJECTS = {
    "core-cni-role": "system:serviceaccount:kube-system:aws-node",
    "core-csi-role": "system:serviceaccount:kube-system:ebs-csi-controller-sa",
    "core-ca-role": "system:serviceaccount:kube-system:cluster-autoscaler",
    "core-lbc-role": "system:serviceaccount:kube-system:aws-load-balancer-controller",
}


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_oidc_provider_trusts_sts_as_audience_from_the_cluster_issuer(environment: str) -> None:
    oidc = inputs(
        graph(environment), "core-oidc", "aws:iam/openIdConnectProvider:OpenIdConnectProvider"
    )
    assert oidc["clientIdLists"] == ["sts.amazonaws.com"]
    assert oidc["url"].startswith("https://oidc.eks.us-east-1.amazonaws.com/id/")
    assert "thumbprintLists" not in oidc


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_every_irsa_role_trusts_only_its_service_account_through_the_cluster_provider(
    environment: str,
) -> None:
    g = graph(environment)
    issuer = inputs(g, "core-oidc", "aws:iam/openIdConnectProvider:OpenIdConnectProvider")["url"]
    host = issuer.removeprefix("https://")
    provider_arn = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{host}"
    federated = {}
    for role, statement in iam_statements(g):
        if role["type"] == ROLE and "Federated" in statement.get("Principal", {}):
            federated[role["name"]] = statement
    assert set(federated) == set(IRSA_SUBJECTS)
    for name, statement in federated.items():
        assert statement["Principal"] == {"Federated": [provider_arn]}
        assert statement["Action"] == ["sts:AssumeRoleWithWebIdentity"]
        assert statement["Condition"] == {
            "StringEquals": {
                f"{host}:sub": IRSA_SUBJECTS[name],
                f"{host}:aud": "sts.amazonaws.com",
            }
        }


# -- nodes (HA-1, SCALE-2, TAG-1, SEC-3) -----------------------------------------------------------
@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_there_is_one_node_group_in_every_private_subnet(environment: str) -> None:
    groups = sorted(graph(environment).of_type(NODE_GROUP), key=lambda r: r["name"])
    assert [r["name"] for r in groups] == [
        f"core-nodes-{i}" for i in range(len(SUBNETS[environment]))
    ]
    assert [r["inputs"]["subnetIds"] for r in groups] == [[s] for s in SUBNETS[environment]]


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_node_groups_are_sized_by_the_profile_and_roll_one_node_at_a_time(environment: str) -> None:
    profile = BUILTIN_PROFILES[environment]["cluster"]
    for group in graph(environment).of_type(NODE_GROUP):
        args = group["inputs"]
        assert args["scalingConfig"] == {
            "minSize": profile["nodes_min_per_az"],
            "desiredSize": profile["nodes_desired_per_az"],
            "maxSize": profile["nodes_max_per_az"],
        }
        assert args["instanceTypes"] == profile["node_instance_types"]
        assert args["capacityType"] == profile["capacity_type"]
        assert args["updateConfig"] == {"maxUnavailable": 1}
        assert args["amiType"] == "AL2023_x86_64_STANDARD"
        assert args["launchTemplate"]["version"] == "1"


def test_prod_nodes_are_on_demand_and_dev_nodes_are_spot() -> None:
    assert {g["inputs"]["capacityType"] for g in graph("prod").of_type(NODE_GROUP)} == {"ON_DEMAND"}
    assert {g["inputs"]["capacityType"] for g in graph("dev").of_type(NODE_GROUP)} == {"SPOT"}


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_node_groups_carry_the_autoscaler_discovery_tags(environment: str) -> None:
    for group in graph(environment).of_type(NODE_GROUP):
        tags = group["inputs"]["tags"]
        assert tags["k8s.io/cluster-autoscaler/enabled"] == "true"
        assert tags[f"k8s.io/cluster-autoscaler/test-{environment}-core"] == "owned"


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_launch_template_requires_imdsv2_with_a_hop_limit_of_one(environment: str) -> None:
    template = inputs(graph(environment), "core-nodes", TEMPLATE)
    assert template["metadataOptions"] == {
        "httpEndpoint": "enabled",
        "httpTokens": "required",
        "httpPutResponseHopLimit": 1,
    }


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_root_volume_is_encrypted_gp3_with_the_key(environment: str) -> None:
    g = graph(environment)
    (device,) = inputs(g, "core-nodes", TEMPLATE)["blockDeviceMappings"]
    assert device["deviceName"] == "/dev/xvda"
    assert device["ebs"]["volumeType"] == "gp3"
    assert device["ebs"]["encrypted"] == "true"
    assert device["ebs"]["kmsKeyId"] == key_arn(g)


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_instances_volumes_and_interfaces_of_nodes_carry_every_required_tag(
    environment: str,
) -> None:
    specs = inputs(graph(environment), "core-nodes", TEMPLATE)["tagSpecifications"]
    assert [s["resourceType"] for s in specs] == ["instance", "volume", "network-interface"]
    required = tags_of(environment)
    assert set(REQUIRED_TAG_KEYS) <= set(required)
    for spec in specs:
        assert spec["tags"] == {**required, "Name": f"test-{environment}-core-node"}


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_node_role_has_exactly_the_worker_and_registry_policies(environment: str) -> None:
    g = graph(environment)
    trust = document(inputs(g, "core-node-role", ROLE)["assumeRolePolicy"])["Statement"]
    assert trust[0]["Principal"] == {"Service": ["ec2.amazonaws.com"]}
    attached = sorted(
        a["inputs"]["policyArn"]
        for a in g.of_type(ATTACHMENT)
        if a["name"].startswith("core-node-role")
    )
    assert attached == [
        MANAGED + "AmazonEC2ContainerRegistryReadOnly",
        MANAGED + "AmazonEKSWorkerNodePolicy",
    ]
    group = g.named("core-nodes-0", NODE_GROUP)
    assert group["inputs"]["nodeRoleArn"].startswith(f"arn:aws:iam::{ACCOUNT}:role/core-node-role")


def test_node_groups_name_their_availability_zone_when_it_is_given() -> None:
    g = synth("dev", availability_zones=["us-east-1a", "us-east-1b"])
    zones = [inputs(g, f"core-nodes-{i}", NODE_GROUP)["tags"]["infra-kit.io/zone"] for i in (0, 1)]
    assert zones == ["us-east-1a", "us-east-1b"]
    assert inputs(graph("dev"), "core-nodes-1", NODE_GROUP)["tags"]["infra-kit.io/zone"] == "az-1"
