"""The Network component in dev, stage and prod graphs (NET-1..4, HA-1, OBS-2, TAG-1)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pulumi
import pytest

from infra_kit.aws import network as network_module
from infra_kit.aws._network_checks import check_zones
from infra_kit.aws.key import Key, KeyArgs
from infra_kit.aws.network import FLOW_LOGS_DISABLED_TAG, Network, NetworkArgs
from infra_kit.core._records import ENVIRONMENT_TYPE
from infra_kit.core.engine import Graph, OfflineEngine
from infra_kit.core.environment import CONFIG_KEY, Environment
from infra_kit.core.profile import BUILTIN_PROFILES
from infra_kit.core.tags import REQUIRED_TAG_KEYS
from infra_kit.errors import ValidationError
from infra_kit.testing import TEST_TAGS, run_offline
from tests.support import iam_statements, unjustified_wildcards

NETWORK = "infra-kit:aws:Network"
VPC = "aws:ec2/vpc:Vpc"
SUBNET = "aws:ec2/subnet:Subnet"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation"
ROUTE = "aws:ec2/route:Route"
NAT = "aws:ec2/natGateway:NatGateway"
EIP = "aws:ec2/eip:Eip"
IGW = "aws:ec2/internetGateway:InternetGateway"
DEFAULT_SG = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
TIERS = ("public", "private", "isolated")
#: The prod endpoints: image pulls, IRSA, secrets and logs, and the APIs the controllers and
#: collectors call all the time (ADR 0006).
INTERFACE_SERVICES = (
    "autoscaling",
    "ec2",
    "ecr.api",
    "ecr.dkr",
    "eks",
    "elasticloadbalancing",
    "kms",
    "logs",
    "secretsmanager",
    "sts",
    "xray",
)


def _key(env: Environment, *, log_group_access: bool = True) -> Key:
    args = KeyArgs(description="Encrypts log groups", log_group_access=log_group_access)
    return Key("logs", args, env)


def _build(**args: Any) -> Callable[[Environment], Network]:
    """A program creating network ``core`` (with a log key unless ``flow_log_key`` is given)."""

    def build(env: Environment) -> Network:
        key = args.pop("flow_log_key") if "flow_log_key" in args else _key(env)
        network = Network("core", NetworkArgs(flow_log_key=key, **args), env)
        pulumi.export("vpc_id", network.vpc_id)
        pulumi.export("vpc_cidr", network.vpc_cidr)
        pulumi.export("azs", network.availability_zones)
        pulumi.export("subnets", network.subnet_ids_by_tier)
        pulumi.export("by_az", network.subnet_ids_by_az)
        pulumi.export("public", network.public_subnet_ids)
        pulumi.export("private", network.private_subnet_ids)
        pulumi.export("isolated", network.isolated_subnet_ids)
        pulumi.export("tables", network.route_table_ids)
        pulumi.export("nats", network.nat_gateway_ids)
        pulumi.export("nat_ips", network.nat_public_ips)
        pulumi.export("endpoint_count", network.interface_endpoint_count)
        sg = network.endpoint_security_group
        pulumi.export("endpoint_sg", sg.id if sg else None)
        group = network.flow_log_group
        pulumi.export("flow_log_group", group.name if group else None)
        return network

    return build


@pytest.fixture(scope="module")
def dev() -> Graph:
    return run_offline(_build(), environment="dev")


@pytest.fixture(scope="module")
def prod() -> Graph:
    return run_offline(_build(), environment="prod")


@pytest.fixture(scope="module", params=["dev", "prod"])
def graph(request: pytest.FixtureRequest, dev: Graph, prod: Graph) -> Graph:
    return {"dev": dev, "prod": prod}[request.param]


def _one(graph: Graph, type_: str, name: str) -> dict[str, Any]:
    return graph.named(name, type_)


def _names(graph: Graph, type_: str) -> list[str]:
    return sorted(r["name"] for r in graph.of_type(type_))


def _routes_by_table(graph: Graph) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for route in graph.of_type(ROUTE):
        out.setdefault(route["inputs"]["routeTableId"], []).append(route["inputs"])
    return out


# -- shape ----------------------------------------------------------------------------------------
def test_every_resource_is_a_direct_child_of_the_network_component(graph: Graph) -> None:
    network = _one(graph, NETWORK, "core")
    assert network["custom"] is False
    children = graph.children(network["urn"])
    assert children == graph.descendants(network["urn"])
    assert all(c["name"].startswith("core-") for c in children)


def test_dev_child_names_are_pinned(dev: Graph) -> None:
    network = _one(dev, NETWORK, "core")
    names = sorted((c["type"].split(":")[-1], c["name"]) for c in dev.children(network["urn"]))
    per_az = [
        (kind, f"core-{tier}{part}-{i}")
        for i in range(2)
        for tier in TIERS
        for kind, part in (("Subnet", ""), ("RouteTable", "-rt"), ("RouteTableAssociation", "-rta"))
    ]
    assert names == sorted(
        [
            ("Vpc", "core-vpc"),
            ("DefaultSecurityGroup", "core-default-sg"),
            ("InternetGateway", "core-igw"),
            ("Eip", "core-nat-eip-0"),
            ("NatGateway", "core-nat-0"),
            ("Route", "core-public-default-0"),
            ("Route", "core-public-default-1"),
            ("Route", "core-private-default-0"),
            ("Route", "core-private-default-1"),
            ("VpcEndpoint", "core-s3-endpoint"),
            ("LogGroup", "core-flow-logs"),
            ("Role", "core-flow-logs-role"),
            ("RolePolicy", "core-flow-logs-policy"),
            ("FlowLog", "core-flow-log"),
            *per_az,
        ]
    )


def test_the_vpc_uses_the_profile_cidr_with_dns_for_private_endpoints(graph: Graph) -> None:
    vpc = _one(graph, VPC, "core-vpc")["inputs"]
    assert vpc["cidrBlock"] == "10.0.0.0/16" == graph.outputs["vpc_cidr"]
    assert vpc["enableDnsSupport"] is True
    assert vpc["enableDnsHostnames"] is True
    assert FLOW_LOGS_DISABLED_TAG not in vpc["tags"]


# -- subnets (NET-1) --------------------------------------------------------------------------------
def _subnets(graph: Graph) -> dict[str, tuple[str, str]]:
    return {
        s["name"]: (s["inputs"]["cidrBlock"], s["inputs"]["availabilityZone"])
        for s in graph.of_type(SUBNET)
    }


def test_dev_has_three_tiers_in_two_azs_with_exact_cidrs(dev: Graph) -> None:
    assert _subnets(dev) == {
        "core-public-0": ("10.0.128.0/21", "us-east-1a"),
        "core-public-1": ("10.0.136.0/21", "us-east-1b"),
        "core-private-0": ("10.0.0.0/20", "us-east-1a"),
        "core-private-1": ("10.0.16.0/20", "us-east-1b"),
        "core-isolated-0": ("10.0.192.0/22", "us-east-1a"),
        "core-isolated-1": ("10.0.196.0/22", "us-east-1b"),
    }
    assert dev.outputs["azs"] == ["us-east-1a", "us-east-1b"]


def test_prod_has_three_tiers_in_three_azs_with_exact_cidrs(prod: Graph) -> None:
    assert _subnets(prod) == {
        "core-public-0": ("10.0.128.0/21", "us-east-1a"),
        "core-public-1": ("10.0.136.0/21", "us-east-1b"),
        "core-public-2": ("10.0.144.0/21", "us-east-1c"),
        "core-private-0": ("10.0.0.0/20", "us-east-1a"),
        "core-private-1": ("10.0.16.0/20", "us-east-1b"),
        "core-private-2": ("10.0.32.0/20", "us-east-1c"),
        "core-isolated-0": ("10.0.192.0/22", "us-east-1a"),
        "core-isolated-1": ("10.0.196.0/22", "us-east-1b"),
        "core-isolated-2": ("10.0.200.0/22", "us-east-1c"),
    }
    assert prod.outputs["azs"] == ["us-east-1a", "us-east-1b", "us-east-1c"]


def test_a_cidr_override_moves_every_subnet_into_it(dev: Graph) -> None:
    graph = run_offline(_build(cidr="172.20.0.0/20"), environment="dev")
    assert _one(graph, VPC, "core-vpc")["inputs"]["cidrBlock"] == "172.20.0.0/20"
    assert {n: c for n, (c, _) in _subnets(graph).items()} == {
        "core-public-0": "172.20.8.0/25",
        "core-public-1": "172.20.8.128/25",
        "core-private-0": "172.20.0.0/24",
        "core-private-1": "172.20.1.0/24",
        "core-isolated-0": "172.20.12.0/26",
        "core-isolated-1": "172.20.12.64/26",
    }


def test_no_subnet_gives_public_ips_on_launch(graph: Graph) -> None:
    assert {s["inputs"]["mapPublicIpOnLaunch"] for s in graph.of_type(SUBNET)} == {False}


def test_subnets_carry_their_tier_and_kubernetes_load_balancer_tags(graph: Graph) -> None:
    for subnet in graph.of_type(SUBNET):
        tier = subnet["name"].split("-")[1]
        az = subnet["inputs"]["availabilityZone"]
        expected = {"Name": f"test-{graph.stack}-core-{tier}-{az}", "tier": tier}
        if tier == "public":
            expected["kubernetes.io/role/elb"] = "1"
        if tier == "private":
            expected["kubernetes.io/role/internal-elb"] = "1"
        assert subnet["inputs"]["tags"] == expected, subnet["name"]


def test_required_tags_reach_every_resource_through_the_provider_only(graph: Graph) -> None:
    network = _one(graph, NETWORK, "core")
    for resource in graph.children(network["urn"]):
        effective = graph.effective_tags(resource)
        missing = [k for k in REQUIRED_TAG_KEYS if k not in effective]
        assert missing == [], resource["name"]
        assert effective["environment"] == graph.stack
        own = resource["inputs"].get("tags") or {}
        assert not set(own) & set(REQUIRED_TAG_KEYS), resource["name"]


def test_subnet_outputs_are_ordered_by_az_and_grouped_by_tier(graph: Graph) -> None:
    out = graph.outputs
    assert out["subnets"] == {t: out[t] for t in TIERS}
    assert out["by_az"] == [{t: out[t][i] for t in TIERS} for i in range(len(out["azs"]))]
    assert all(len(out[t]) == len(out["azs"]) for t in TIERS)


# -- routing (NET-1, HA-1) -------------------------------------------------------------------------
def test_each_subnet_is_associated_with_its_own_route_table(graph: Graph) -> None:
    pairs = {
        (a["inputs"]["subnetId"], a["inputs"]["routeTableId"]) for a in graph.of_type(ASSOCIATION)
    }
    out = graph.outputs
    assert pairs == {
        (out[t][i], out["tables"][t][i]) for t in TIERS for i in range(len(out["azs"]))
    }


def test_public_route_tables_route_to_the_internet_gateway_only(graph: Graph) -> None:
    routes = _routes_by_table(graph)
    for i, table in enumerate(graph.outputs["tables"]["public"]):
        [route] = routes[table]
        assert route["destinationCidrBlock"] == "0.0.0.0/0"
        assert route["gatewayId"].startswith("igw-")
        assert "natGatewayId" not in route
        assert _one(graph, ROUTE, f"core-public-default-{i}")["inputs"] == route
    assert len(graph.of_type(IGW)) == 1


def test_isolated_route_tables_have_no_route_to_the_internet(graph: Graph) -> None:
    routes = _routes_by_table(graph)
    for i, table in enumerate(graph.outputs["tables"]["isolated"]):
        assert table not in routes
        assert _one(graph, ROUTE_TABLE, f"core-isolated-rt-{i}")["inputs"]["routes"] == []


def test_dev_sends_every_private_table_through_the_single_nat_in_az_0(dev: Graph) -> None:
    assert _names(dev, NAT) == ["core-nat-0"]
    nat = _one(dev, NAT, "core-nat-0")["inputs"]
    assert nat["subnetId"] == dev.outputs["public"][0]
    routes = _routes_by_table(dev)
    [nat_id] = dev.outputs["nats"]
    for table in dev.outputs["tables"]["private"]:
        assert routes[table] == [
            {"routeTableId": table, "destinationCidrBlock": "0.0.0.0/0", "natGatewayId": nat_id}
        ]


def test_prod_sends_each_private_table_through_its_own_azs_nat(prod: Graph) -> None:
    assert _names(prod, NAT) == ["core-nat-0", "core-nat-1", "core-nat-2"]
    routes = _routes_by_table(prod)
    nats = prod.outputs["nats"]
    assert len(set(nats)) == 3
    for i, table in enumerate(prod.outputs["tables"]["private"]):
        assert _one(prod, NAT, f"core-nat-{i}")["inputs"]["subnetId"] == prod.outputs["public"][i]
        assert routes[table] == [
            {"routeTableId": table, "destinationCidrBlock": "0.0.0.0/0", "natGatewayId": nats[i]}
        ]


def test_every_nat_gateway_has_its_own_elastic_ip_and_waits_for_the_gateway(graph: Graph) -> None:
    igw = _one(graph, IGW, "core-igw")["urn"]
    for nat in graph.of_type(NAT):
        i = nat["name"].rsplit("-", 1)[1]
        eip = _one(graph, EIP, f"core-nat-eip-{i}")
        assert eip["inputs"]["domain"] == "vpc"
        assert nat["inputs"]["allocationId"].startswith("eipalloc-")
        assert nat["inputs"]["connectivityType"] == "public"
        assert igw in nat["dependencies"]
    assert len({n["inputs"]["allocationId"] for n in graph.of_type(NAT)}) == len(graph.of_type(EIP))
    assert len(graph.outputs["nat_ips"]) == len(graph.of_type(EIP))


def test_stage_shares_one_nat_across_three_azs() -> None:
    graph = run_offline(_build(), environment="stage")
    assert len(graph.of_type(SUBNET)) == 9
    assert _names(graph, NAT) == ["core-nat-0"]
    routes = _routes_by_table(graph)
    assert {routes[t][0]["natGatewayId"] for t in graph.outputs["tables"]["private"]} == set(
        graph.outputs["nats"]
    )


def test_nat_strategy_none_leaves_private_subnets_without_a_default_route() -> None:
    graph = run_offline(
        _build(), environment="dev", overrides={"network": {"nat_strategy": "none"}}
    )
    assert graph.of_type(NAT) == graph.of_type(EIP) == []
    routes = _routes_by_table(graph)
    assert not set(graph.outputs["tables"]["private"]) & set(routes)
    assert len(routes) == 2  # the public tables still reach the internet gateway


# -- security groups (NET-2) ---------------------------------------------------------------------
def test_the_default_security_group_is_stripped_of_every_rule(graph: Graph) -> None:
    sg = _one(graph, DEFAULT_SG, "core-default-sg")["inputs"]
    assert sg["ingress"] == []
    assert sg["egress"] == []
    assert sg["vpcId"] == graph.outputs["vpc_id"]


# -- endpoints (NET-4) ---------------------------------------------------------------------------
def test_the_s3_gateway_endpoint_serves_private_and_isolated_tables(graph: Graph) -> None:
    s3 = _one(graph, ENDPOINT, "core-s3-endpoint")["inputs"]
    tables = graph.outputs["tables"]
    assert s3["vpcEndpointType"] == "Gateway"
    assert s3["serviceName"] == "com.amazonaws.us-east-1.s3"
    assert s3["routeTableIds"] == [*tables["private"], *tables["isolated"]]


def test_dev_has_no_interface_endpoints(dev: Graph) -> None:
    assert _names(dev, ENDPOINT) == ["core-s3-endpoint"]
    assert dev.of_type(SG) == dev.of_type(INGRESS) == []
    assert dev.outputs["endpoint_count"] == 0


def test_prod_has_private_dns_interface_endpoints_in_the_private_subnets(prod: Graph) -> None:
    sg = prod.outputs["endpoint_sg"]
    for service in INTERFACE_SERVICES:
        endpoint = _one(prod, ENDPOINT, f"core-endpoint-{service.replace('.', '-')}")["inputs"]
        assert endpoint == {
            "vpcId": prod.outputs["vpc_id"],
            "serviceName": f"com.amazonaws.us-east-1.{service}",
            "vpcEndpointType": "Interface",
            "privateDnsEnabled": True,
            "subnetIds": prod.outputs["private"],
            "securityGroupIds": [sg],
            "tags": {
                "Name": f"test-prod-core-endpoint-{service.replace('.', '-')}",
            },
        }
    assert len(prod.of_type(ENDPOINT)) == 1 + len(INTERFACE_SERVICES)


def test_prod_has_an_endpoint_for_each_api_its_controllers_and_collectors_call(
    prod: Graph,
) -> None:
    names = sorted(r["inputs"]["serviceName"] for r in prod.of_type(ENDPOINT))
    expected = ["s3", *INTERFACE_SERVICES]
    assert names == sorted(f"com.amazonaws.us-east-1.{s}" for s in expected)


def test_the_endpoint_list_comes_from_the_profile() -> None:
    services = ["sts", "ecr.api"]
    graph = run_offline(
        _build(),
        environment="prod",
        overrides={"network": {"interface_endpoint_services": services}},
    )
    assert _names(graph, ENDPOINT) == [
        "core-endpoint-ecr-api",
        "core-endpoint-sts",
        "core-s3-endpoint",
    ]


def test_a_bad_service_in_the_profile_is_refused_naming_the_profile_key() -> None:
    with pytest.raises(ValidationError, match=r"^network\.interface_endpoint_services='s3': S3"):
        run_offline(
            _build(),
            environment="prod",
            overrides={"network": {"interface_endpoint_services": ["sts", "s3"]}},
        )


def test_interface_endpoint_count_is_exposed(prod: Graph) -> None:
    # What they cost is the cost model's to say (ADR 0028): no price is tagged on them.
    assert prod.outputs["endpoint_count"] == 11


def test_the_endpoint_security_group_admits_only_https_from_the_vpc(prod: Graph) -> None:
    [group] = prod.of_type(SG)
    assert group["name"] == "core-endpoints-sg"
    assert "ingress" not in group["inputs"]
    assert "egress" not in group["inputs"]
    assert prod.of_type(EGRESS) == []
    [rule] = prod.of_type(INGRESS)
    assert rule["name"] == "core-endpoints-https"
    assert rule["inputs"] == {
        "securityGroupId": prod.outputs["endpoint_sg"],
        "description": "HTTPS to AWS APIs from the VPC",
        "ipProtocol": "tcp",
        "fromPort": 443,
        "toPort": 443,
        "cidrIpv4": "10.0.0.0/16",
    }


def test_an_interface_endpoint_list_can_be_chosen() -> None:
    graph = run_offline(_build(interface_endpoint_services=("sts", "ssm")), environment="prod")
    assert _names(graph, ENDPOINT) == ["core-endpoint-ssm", "core-endpoint-sts", "core-s3-endpoint"]
    assert graph.outputs["endpoint_count"] == 2


# -- flow logs (NET-3, OBS-2, SEC-1) -----------------------------------------------------------------
def test_the_flow_log_captures_all_traffic_into_the_encrypted_log_group(graph: Graph) -> None:
    group = _one(graph, LOG_GROUP, "core-flow-logs")
    key_id = _one(graph, "aws:kms/alias:Alias", "logs-alias")["inputs"]["targetKeyId"]
    retention = BUILTIN_PROFILES[graph.stack]["network"]["flow_log_retention_days"]
    assert group["inputs"] == {
        "name": f"/vpc-flow-logs/test-{graph.stack}-core",
        "kmsKeyId": f"arn:aws:kms:us-east-1:123456789012:key/{key_id}",
        "retentionInDays": retention,
        "deletionProtectionEnabled": graph.stack == "prod",
    }
    flow = _one(graph, FLOW_LOG, "core-flow-log")
    assert flow["inputs"]["trafficType"] == "ALL"
    assert flow["inputs"]["vpcId"] == graph.outputs["vpc_id"]
    assert flow["inputs"]["logDestinationType"] == "cloud-watch-logs"
    name = graph.outputs["flow_log_group"]
    assert (
        flow["inputs"]["logDestination"] == f"arn:aws:logs:us-east-1:123456789012:log-group:{name}"
    )
    assert flow["inputs"]["iamRoleArn"].startswith(
        "arn:aws:iam::123456789012:role/core-flow-logs-role"
    )
    assert _one(graph, ROLE_POLICY, "core-flow-logs-policy")["urn"] in flow["dependencies"]


def test_flow_log_retention_comes_from_the_profile() -> None:
    graph = run_offline(
        _build(), environment="dev", overrides={"network": {"flow_log_retention_days": 30}}
    )
    assert _one(graph, LOG_GROUP, "core-flow-logs")["inputs"]["retentionInDays"] == 30


def test_the_flow_log_group_is_protected_where_the_profile_protects_state(
    dev: Graph, prod: Graph
) -> None:
    assert _one(prod, LOG_GROUP, "core-flow-logs")["protect"] is True
    assert _one(prod, LOG_GROUP, "core-flow-logs")["retain_on_delete"] is True
    assert _one(dev, LOG_GROUP, "core-flow-logs")["protect"] is False


def _policy(graph: Graph, type_: str, name: str, key: str) -> dict[str, Any]:
    return json.loads(_one(graph, type_, name)["inputs"][key])


def test_only_flow_logs_of_this_account_may_assume_the_role(graph: Graph) -> None:
    trust = _policy(graph, ROLE, "core-flow-logs-role", "assumeRolePolicy")
    assert trust["Statement"] == [
        {
            "Effect": "Allow",
            "Principal": {"Service": ["vpc-flow-logs.amazonaws.com"]},
            "Action": ["sts:AssumeRole"],
            "Condition": {
                "StringEquals": {"aws:SourceAccount": "123456789012"},
                "ArnLike": {"aws:SourceArn": "arn:aws:ec2:us-east-1:123456789012:vpc-flow-log/*"},
            },
        }
    ]


def test_the_flow_log_role_may_only_write_to_its_own_log_group(graph: Graph) -> None:
    group = f"arn:aws:logs:us-east-1:123456789012:log-group:{graph.outputs['flow_log_group']}"
    policy = _policy(graph, ROLE_POLICY, "core-flow-logs-policy", "policy")
    assert policy["Statement"] == [
        {
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
            "Resource": [group, f"{group}:*"],
        }
    ]
    roles = [r for r, _ in iam_statements(graph) if r["name"].startswith("core-")]
    assert sorted(r["name"] for r in roles) == ["core-flow-logs-policy", "core-flow-logs-role"]


def test_no_policy_has_an_unjustified_wildcard(graph: Graph) -> None:
    assert unjustified_wildcards(graph) == []


def test_flow_logs_turned_off_leave_the_written_reason_on_the_vpc() -> None:
    reason = "Short lived load test VPC: traffic is captured by the test harness"
    graph = run_offline(
        _build(flow_log_key=None, disable_flow_logs_reason=f"  {reason} "), environment="dev"
    )
    assert graph.of_type(FLOW_LOG) == graph.of_type(LOG_GROUP) == graph.of_type(ROLE) == []
    assert _one(graph, VPC, "core-vpc")["inputs"]["tags"][FLOW_LOGS_DISABLED_TAG] == reason
    assert graph.outputs.get("flow_log_group") is None


# -- refusals (ENV-3) -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"cidr": "10.0.0.0/23"}, r"^cidr='10\.0\.0\.0/23': its isolated subnets would be /29"),
        ({"cidr": "10.0.0.1/16"}, r"^cidr='10\.0\.0\.1/16': not an IPv4 network"),
        ({"cidr": "8.8.0.0/16"}, r"^cidr='8\.8\.0\.0/16': a publicly routable range"),
        (
            {"flow_log_key": None},
            r"^flow_log_key=None: VPC flow logs are on \(NET-3\).*Fix: pass a Key created with "
            r"KeyArgs\(log_group_access=True\), or turn flow logs off",
        ),
        (
            {"flow_log_key": None, "disable_flow_logs_reason": "not needed"},
            r"^disable_flow_logs_reason='not needed': turning VPC flow logs off \(NET-3\) needs "
            r"a written reason",
        ),
        (
            {"flow_log_key": None, "disable_flow_logs_reason": "no logs; they cost money!"},
            r"kept in the VPC's flow-logs-disabled-reason tag, and a tag value may hold",
        ),
        (
            {"interface_endpoint_services": ("sts", "s3")},
            r"^interface_endpoint_services='s3': S3 already has a gateway endpoint",
        ),
        (
            {"interface_endpoint_services": ("com.amazonaws.us-east-1.sts",)},
            r"^interface_endpoint_services='com\.amazonaws\.us-east-1\.sts': not a service name"
            r".*without com\.amazonaws\.<region>\.",
        ),
        (
            {"interface_endpoint_services": ("ECR API",)},
            r"^interface_endpoint_services='ECR API': not a service name",
        ),
        (
            {"interface_endpoint_services": ("sts", "sts")},
            r"^interface_endpoint_services=\['sts', 'sts'\]: a service is listed twice",
        ),
        (
            {"interface_endpoint_services": ()},
            r"^interface_endpoint_services=\[\]: the profile turns interface endpoints on.*"
            r"network\.enable_interface_endpoints: false",
        ),
    ],
)
def test_bad_arguments_are_refused_with_the_key_value_and_fix(
    args: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        run_offline(_build(**args), environment="prod")


def test_a_key_without_log_group_access_is_refused() -> None:
    def build(env: Environment) -> None:
        Network("core", NetworkArgs(flow_log_key=_key(env, log_group_access=False)), env)

    with pytest.raises(
        ValidationError,
        match=r"^flow_log_key='logs': the key's policy does not let CloudWatch Logs use it.*"
        r"Fix: create the key with KeyArgs\(\.\.\., log_group_access=True\)",
    ):
        run_offline(build, environment="dev")


def test_a_key_whose_log_prefixes_miss_the_flow_log_group_is_refused() -> None:
    def build(env: Environment) -> None:
        key_args = KeyArgs(description="logs", log_group_access=True, log_group_prefixes=["/apps/"])
        Network("core", NetworkArgs(flow_log_key=Key("logs", key_args, env)), env)

    with pytest.raises(
        ValidationError,
        match=r"^key=\"logs \(log_group_prefixes=\['/apps/'\]\)\".*the flow-log group "
        r"'/vpc-flow-logs/test-dev-core' cannot be encrypted",
    ):
        run_offline(build, environment="dev")


def test_a_key_given_with_flow_logs_turned_off_is_refused_as_contradictory() -> None:
    def build(env: Environment) -> None:
        args = NetworkArgs(flow_log_key=_key(env), disable_flow_logs_reason="a test VPC only here")
        Network("core", args, env)

    with pytest.raises(ValidationError, match=r"^flow_log_key='logs': flow logs are turned off"):
        run_offline(build, environment="dev")


def test_an_empty_endpoint_list_is_accepted_where_the_profile_has_none() -> None:
    graph = run_offline(_build(interface_endpoint_services=()), environment="dev")
    assert _names(graph, ENDPOINT) == ["core-s3-endpoint"]


def test_a_refused_network_registers_nothing() -> None:
    config = {
        f"test:{CONFIG_KEY}": json.dumps({"name": "dev", "tags": TEST_TAGS}),
        "aws:region": "us-east-1",
    }

    def program() -> None:
        env = Environment.load()
        Network("core", NetworkArgs(flow_log_key=_key(env), cidr="10.0.0.0/24"), env)

    engine = OfflineEngine.for_function(program, project="test", stack="dev", config=config)
    with pytest.raises(ValidationError, match=r"^cidr="):
        engine.run()
    registered = {r["name"] for r in engine.registered}
    assert "logs" in registered  # the key came first and proves the engine recorded
    assert not any(n == "core" or n.startswith("core-") for n in registered)


# -- pinned availability zones (HA-1, stable subnets) ---------------------------------------------
def test_pinned_availability_zones_are_used_verbatim_in_their_order() -> None:
    graph = run_offline(_build(availability_zones=["us-east-1f", "us-east-1d"]), environment="dev")
    assert {n: az for n, (_, az) in _subnets(graph).items()} == {
        "core-public-0": "us-east-1f",
        "core-public-1": "us-east-1d",
        "core-private-0": "us-east-1f",
        "core-private-1": "us-east-1d",
        "core-isolated-0": "us-east-1f",
        "core-isolated-1": "us-east-1d",
    }
    assert graph.outputs["azs"] == ["us-east-1f", "us-east-1d"]
    tags = _one(graph, SUBNET, "core-private-1")["inputs"]["tags"]
    assert tags["Name"] == "test-dev-core-private-us-east-1d"


def test_prod_pins_three_zones_and_keeps_one_nat_in_each(prod: Graph) -> None:
    zones = ["us-east-1b", "us-east-1c", "us-east-1d"]
    graph = run_offline(_build(availability_zones=zones), environment="prod")
    for tier in TIERS:
        assert [
            _one(graph, SUBNET, f"core-{tier}-{i}")["inputs"]["availabilityZone"] for i in range(3)
        ] == zones
    assert _names(graph, NAT) == ["core-nat-0", "core-nat-1", "core-nat-2"]
    assert graph.outputs["azs"] == zones


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_pinning_the_zones_aws_lists_today_changes_nothing_in_the_graph(environment: str) -> None:
    looked_up = run_offline(_build(), environment=environment)
    pinned = run_offline(
        _build(availability_zones=looked_up.outputs["azs"]), environment=environment
    )

    def resources(graph: Graph) -> list[dict[str, Any]]:
        # The Environment record holds the profile, which differs by the pinned zones themselves.
        return [
            r for r in json.loads(graph.to_json())["resources"] if r["type"] != ENVIRONMENT_TYPE
        ]

    assert resources(pinned) == resources(looked_up)


def test_pinned_zones_need_no_lookup_of_the_regions_zones(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_lookup(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the region's AZs were looked up")

    monkeypatch.setattr(network_module.aws, "get_availability_zones_output", no_lookup)
    graph = run_offline(_build(availability_zones=["us-east-1a", "us-east-1c"]), environment="dev")
    assert graph.outputs["azs"] == ["us-east-1a", "us-east-1c"]
    with pytest.raises(Exception, match="the region's AZs were looked up"):
        run_offline(_build(), environment="dev")


def test_the_profiles_pinned_zones_are_used_without_a_lookup(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_lookup(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the region's AZs were looked up")

    monkeypatch.setattr(network_module.aws, "get_availability_zones_output", no_lookup)
    zones = ["us-east-1b", "us-east-1c", "us-east-1d"]
    graph = run_offline(
        _build(), environment="prod", overrides={"network": {"availability_zones": zones}}
    )
    assert graph.outputs["azs"] == zones


def test_pinned_zones_follow_the_environments_region() -> None:
    zones = ["eu-west-1a", "eu-west-1c"]
    graph = run_offline(_build(availability_zones=zones), environment="dev", region="eu-west-1")
    assert sorted({az for _, az in _subnets(graph).values()}) == zones


@pytest.mark.parametrize(
    ("environment", "zones", "message"),
    [
        (
            "dev",
            ["us-east-1a"],
            r"^availability_zones=\['us-east-1a'\]: 1 AZ name\(s\) given, but network\.az_count "
            r"is 2.*Fix: list exactly 2 AZ names, or change network\.az_count",
        ),
        (
            "prod",
            ["us-east-1a", "us-east-1b"],
            r"^availability_zones=\['us-east-1a', 'us-east-1b'\]: 2 AZ name\(s\) given, but "
            r"network\.az_count is 3",
        ),
        (
            "dev",
            ["us-east-1a", "us-east-1b", "us-east-1c"],
            r"^availability_zones=\[.*\]: 3 AZ name\(s\) given, but network\.az_count is 2",
        ),
        (
            "dev",
            "us-east-1a",
            r"^availability_zones=\['us-east-1a'\]: 1 AZ name\(s\) given",
        ),
        (
            "prod",
            ["us-east-1a", "us-east-1b", "us-east-1a"],
            r"^availability_zones=\['us-east-1a', 'us-east-1b', 'us-east-1a'\]: an AZ is listed "
            r"twice.*Fix: list each AZ once",
        ),
        (
            "dev",
            ["us-east-1a", "eu-west-1b"],
            r"^availability_zones='eu-west-1b': not an AZ of us-east-1, the environment's region "
            r"\(aws:region\)\. Fix: list AZ names of us-east-1, e\.g\. 'us-east-1a'",
        ),
        (
            "dev",
            ["us-east-1a", "us-east-1-bos-1a"],
            r"^availability_zones='us-east-1-bos-1a': not one of us-east-1's own AZs; Local and "
            r"Wavelength Zones",
        ),
        (
            "dev",
            ["us-east-1a", "US-EAST-1B"],
            r"^availability_zones='US-EAST-1B': not an AZ of us-east-1",
        ),
        (
            "dev",
            ["us-east-1a", 1],
            r"^availability_zones=1: not an AZ of us-east-1",
        ),
    ],
)
def test_bad_pinned_zones_are_refused_with_the_key_value_and_fix(
    environment: str, zones: Any, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        run_offline(_build(availability_zones=zones), environment=environment)


def test_a_network_refused_for_its_zones_registers_nothing() -> None:
    config = {
        f"test:{CONFIG_KEY}": json.dumps({"name": "dev", "tags": TEST_TAGS}),
        "aws:region": "us-east-1",
    }

    def program() -> None:
        env = Environment.load()
        zones = ["eu-west-1a", "eu-west-1b"]
        Network("core", NetworkArgs(flow_log_key=_key(env), availability_zones=zones), env)

    engine = OfflineEngine.for_function(program, project="test", stack="dev", config=config)
    with pytest.raises(ValidationError, match=r"^availability_zones='eu-west-1a'"):
        engine.run()
    registered = {r["name"] for r in engine.registered}
    assert "logs" in registered  # the key came first and proves the engine recorded
    assert not any(n == "core" or n.startswith("core-") for n in registered)


# -- the checks alone (pure) ----------------------------------------------------------------------
def test_zone_check_returns_the_pinned_names_or_none_for_a_lookup() -> None:
    assert check_zones(None, 3, "us-east-1") is None
    assert check_zones(["us-west-2c", "us-west-2a"], 2, "us-west-2") == ("us-west-2c", "us-west-2a")
    assert check_zones(("ap-southeast-2b",), 1, "ap-southeast-2") == ("ap-southeast-2b",)


def test_a_zone_of_a_region_sharing_the_prefix_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"^availability_zones='us-east-12a': not one of"):
        check_zones(["us-east-12a"], 1, "us-east-1")
