"""The EKS API tunnel: an SSM target with no ingress, HTTPS-only egress and CMK-encrypted volume."""

from __future__ import annotations

from typing import Any

import pytest

from infra_kit.aws._api_tunnel_plan import plan_egress
from infra_kit.aws.api_tunnel import ApiTunnel, ApiTunnelArgs
from infra_kit.aws.key import Key, KeyArgs
from infra_kit.core.engine import Graph
from infra_kit.core.environment import Environment
from infra_kit.core.profile.network import NatStrategy
from infra_kit.errors import ValidationError
from infra_kit.testing import run_offline
from tests.support import failing, missing_required_tags

TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
GROUP = "aws:autoscaling/group:Group"
SG = "aws:ec2/securityGroup:SecurityGroup"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
CLUSTER_SG = "sg-0c1a55e7c0a7f1a1e"
VPC_CIDR = "10.0.0.0/16"
SSM_ENDPOINTS = {
    "enable_interface_endpoints": True,
    "interface_endpoint_services": ["ssm", "ssmmessages", "ec2messages", "sts"],
}


def _run(environment: str = "dev", overrides: dict[str, Any] | None = None) -> Graph:
    def build(env: Environment) -> None:
        key = Key("platform", KeyArgs(description="platform", via_services=("ec2",)), env)
        ApiTunnel(
            "api-tunnel",
            ApiTunnelArgs(
                vpc_id="vpc-0123456789abcdef0",
                vpc_cidr=VPC_CIDR,
                private_subnet_ids=["subnet-a", "subnet-b"],
                key=key,
                cluster_security_group_id=CLUSTER_SG,
            ),
            env,
        )

    return run_offline(build, environment=environment, overrides=overrides)


@pytest.fixture(scope="module")
def graph() -> Graph:
    return _run()


def _template(graph: Graph) -> dict[str, Any]:
    return graph.named("api-tunnel-template", TEMPLATE)["inputs"]


def test_the_tunnel_creates_exactly_its_children(graph: Graph) -> None:
    component = graph.named("api-tunnel", "infra-kit:aws:ApiTunnel")
    assert sorted((r["type"], r["name"]) for r in graph.descendants(component["urn"])) == sorted(
        [
            ("aws:iam/role:Role", "api-tunnel-role"),
            (ATTACHMENT, "api-tunnel-role-ssm"),
            ("aws:iam/instanceProfile:InstanceProfile", "api-tunnel-profile"),
            (SG, "api-tunnel-sg"),
            (EGRESS, "api-tunnel-sg-egress-vpc-https"),
            (EGRESS, "api-tunnel-sg-egress-ssm-https"),
            (INGRESS, "api-tunnel-api-from-tunnel"),
            (TEMPLATE, "api-tunnel-template"),
            (GROUP, "api-tunnel-asg"),
            ("infra-kit:policy:Suppression", "api-tunnel-role-ssm-ik-sec-1-managed-policy"),
        ]
    )


def test_one_instance_across_the_private_subnets_replaced_before_the_old_one_ends(
    graph: Graph,
) -> None:
    # prescription: NET-1
    group = graph.named("api-tunnel-asg", GROUP)["inputs"]
    assert (group["minSize"], group["maxSize"], group["desiredCapacity"]) == (1, 1, 1)
    assert group["vpcZoneIdentifiers"] == ["subnet-a", "subnet-b"]
    assert group["maxInstanceLifetime"] == 7 * 24 * 3600
    assert group["instanceMaintenancePolicy"] == {
        "minHealthyPercentage": 100,
        "maxHealthyPercentage": 200,
    }
    assert group["instanceRefresh"]["strategy"] == "Rolling"


def test_the_instance_requires_imdsv2_has_no_key_pair_and_no_public_ip(graph: Graph) -> None:
    # prescription: SEC-1
    template = _template(graph)
    assert template["metadataOptions"] == {
        "httpEndpoint": "enabled",
        "httpTokens": "required",
        "httpPutResponseHopLimit": 1,
    }
    assert "keyName" not in template
    (interface,) = template["networkInterfaces"]
    assert interface["associatePublicIpAddress"] == "false"
    assert template["instanceType"] == "t4g.nano"
    assert template["imageId"] == (
        "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"
    )


def test_the_root_volume_is_encrypted_with_the_platform_key(graph: Graph) -> None:
    # prescription: SEC-3
    (mapping,) = _template(graph)["blockDeviceMappings"]
    ebs = mapping["ebs"]
    assert ebs["encrypted"] == "true"
    assert ebs["kmsKeyId"].startswith("arn:aws:kms:us-east-1:")
    template = graph.named("api-tunnel-template", TEMPLATE)
    assert graph.named("platform", "aws:kms/key:Key")["urn"] in template["dependencies"]


def test_instance_volume_and_interface_carry_the_tunnel_tag_and_the_required_tags(
    graph: Graph,
) -> None:
    # prescription: TAG-1
    specs = _template(graph)["tagSpecifications"]
    assert sorted(s["resourceType"] for s in specs) == ["instance", "network-interface", "volume"]
    for spec in specs:
        assert spec["tags"]["infra-kit:role"] == "api-tunnel"
        assert {"environment", "team", "stack", "managed-by"} <= set(spec["tags"])
    assert not missing_required_tags(graph)


def test_the_security_group_admits_nothing_and_sends_only_https(graph: Graph) -> None:
    # prescription: NET-2
    group = graph.named("api-tunnel-sg", SG)
    assert not group["inputs"].get("ingress")
    assert not group["inputs"].get("egress")
    rules = [r for r in graph.of_type(INGRESS, EGRESS) if r["name"].startswith("api-tunnel-sg")]
    assert {r["type"] for r in rules} == {EGRESS}
    assert sorted(
        (r["inputs"]["ipProtocol"], r["inputs"]["fromPort"], r["inputs"]["toPort"],
         r["inputs"]["cidrIpv4"])
        for r in rules
    ) == [("tcp", 443, 443, "0.0.0.0/0"), ("tcp", 443, 443, VPC_CIDR)]  # fmt: skip
    assert not failing(graph, "IK-NET-2-OPEN-EGRESS", "IK-NET-2-ALL-PROTOCOLS",
                       "IK-NET-2-OPEN-INGRESS")  # fmt: skip


def test_with_ssm_interface_endpoints_the_tunnel_never_leaves_the_vpc() -> None:
    graph = _run("prod", {"network": SSM_ENDPOINTS})
    egress = [r for r in graph.of_type(EGRESS) if r["name"].startswith("api-tunnel")]
    assert [(r["name"], r["inputs"]["cidrIpv4"]) for r in egress] == [
        ("api-tunnel-sg-egress-vpc-https", VPC_CIDR)
    ]


def test_a_network_with_neither_nat_nor_ssm_endpoints_is_refused() -> None:
    # prescription: ENV-3
    with pytest.raises(ValidationError, match=r"network\.nat_strategy.*neither"):
        _run("dev", {"network": {"nat_strategy": NatStrategy.NONE.value}})


def test_an_invalid_vpc_cidr_is_refused() -> None:
    from infra_kit.core.profile import BUILTIN_PROFILES
    from infra_kit.core.profile.network import NetworkProfile

    network = NetworkProfile.model_validate(BUILTIN_PROFILES["dev"]["network"])
    with pytest.raises(ValidationError, match="vpc_cidr"):
        plan_egress("10.0.0.1/16", network)


def test_the_cluster_api_admits_the_tunnel_on_443_only(graph: Graph) -> None:
    rule = graph.named("api-tunnel-api-from-tunnel", INGRESS)["inputs"]
    assert rule["securityGroupId"] == CLUSTER_SG
    assert rule["referencedSecurityGroupId"].startswith("sg-")
    assert rule["referencedSecurityGroupId"] != CLUSTER_SG
    sg_urn = graph.named("api-tunnel-sg", SG)["urn"]
    assert sg_urn in graph.named("api-tunnel-api-from-tunnel", INGRESS)["dependencies"]
    assert (rule["ipProtocol"], rule["fromPort"], rule["toPort"]) == ("tcp", 443, 443)
    assert "cidrIpv4" not in rule


def test_the_instance_role_holds_only_the_ssm_core_policy_accepted_with_its_reason(
    graph: Graph,
) -> None:
    # prescription: SEC-1
    attachments = [r for r in graph.of_type(ATTACHMENT) if r["name"].startswith("api-tunnel")]
    assert [r["inputs"]["policyArn"] for r in attachments] == [
        "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
    ]
    assert not failing(graph, "IK-SEC-1-MANAGED-POLICY")
    trust = graph.named("api-tunnel-role", "aws:iam/role:Role")["inputs"]["assumeRolePolicy"]
    assert '"ec2.amazonaws.com"' in trust
