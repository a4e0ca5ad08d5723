"""The platform stack's AWS building blocks, asserted over whole synthesized graphs."""

from __future__ import annotations

import ipaddress
from collections import Counter
from collections.abc import Callable

import pytest

from infra_kit.core.engine import Graph
from infra_kit.core.profile import BUILTIN_PROFILES
from infra_kit.policy.rules.state import STATEFUL_TYPES
from tests.support import unjustified_wildcards, unprotected_stateful

EXPECTED_AZS = {"dev": 2, "stage": 3, "prod": 3}
EXPECTED_NATS = {"dev": 1, "stage": 1, "prod": 3}


@pytest.mark.parametrize("stack", ["dev", "stage", "prod"])
def test_every_az_has_a_public_private_and_isolated_subnet(
    stack: str, platform_graph: Callable[[str], Graph]
) -> None:
    subnets = platform_graph(stack).of_type("aws:ec2/subnet:Subnet")
    tiers = Counter(s["inputs"]["tags"]["tier"] for s in subnets)
    azs = {s["inputs"]["availabilityZone"] for s in subnets}
    assert tiers == dict.fromkeys(("public", "private", "isolated"), EXPECTED_AZS[stack])
    assert len(azs) == EXPECTED_AZS[stack]
    networks = [ipaddress.ip_network(s["inputs"]["cidrBlock"]) for s in subnets]
    assert all(not a.overlaps(b) for i, a in enumerate(networks) for b in networks[i + 1 :])


@pytest.mark.parametrize("stack", ["dev", "stage", "prod"])
def test_nat_gateways_follow_the_profile(
    stack: str, platform_graph: Callable[[str], Graph]
) -> None:
    nats = platform_graph(stack).of_type("aws:ec2/natGateway:NatGateway")
    assert len(nats) == EXPECTED_NATS[stack]
    assert len({n["inputs"]["subnetId"] for n in nats}) == EXPECTED_NATS[stack]


def test_prod_routes_each_private_subnet_through_its_own_az_nat(
    platform_graph: Callable[[str], Graph],
) -> None:
    graph = platform_graph("prod")
    routes = [r for r in graph.of_type("aws:ec2/route:Route") if r["inputs"].get("natGatewayId")]
    assert len({r["inputs"]["natGatewayId"] for r in routes}) == 3
    assert len({r["inputs"]["routeTableId"] for r in routes}) == 3


@pytest.mark.parametrize(("stack", "retention"), [("dev", 14), ("prod", 365)])
def test_the_vpc_has_flow_logs_to_an_encrypted_log_group(
    stack: str, retention: int, platform_graph: Callable[[str], Graph]
) -> None:
    graph = platform_graph(stack)
    (flow_log,) = graph.of_type("aws:ec2/flowLog:FlowLog")
    assert flow_log["inputs"]["trafficType"] == "ALL"
    group_name = f"/vpc-flow-logs/platform-{stack}-core"
    assert flow_log["inputs"]["logDestination"] == (
        f"arn:aws:logs:us-east-1:123456789012:log-group:{group_name}"
    )
    (group,) = [
        g
        for g in graph.of_type("aws:cloudwatch/logGroup:LogGroup")
        if g["inputs"]["name"] == group_name
    ]
    assert group["inputs"]["kmsKeyId"].startswith("arn:aws:kms:us-east-1:123456789012:key/")
    assert group["inputs"]["retentionInDays"] == retention


@pytest.mark.parametrize("stack", ["dev", "stage", "prod"])
def test_no_iam_statement_has_an_unjustified_wildcard(
    stack: str, platform_graph: Callable[[str], Graph]
) -> None:
    assert unjustified_wildcards(platform_graph(stack)) == []


@pytest.mark.parametrize("stack", ["stage", "prod"])
def test_every_stateful_resource_is_protected_in_stage_and_prod(
    stack: str, platform_graph: Callable[[str], Graph]
) -> None:
    graph = platform_graph(stack)
    assert graph.of_type("aws:kms/key:Key")
    assert unprotected_stateful(graph) == []


def test_dev_leaves_stateful_resources_unprotected_so_it_can_be_torn_down(
    platform_graph: Callable[[str], Graph], cluster_services_graph: Callable[[str], Graph]
) -> None:
    graphs = (platform_graph("dev"), cluster_services_graph("dev"))
    stateful = [r for g in graphs for r in g if r["custom"] and r["type"] in STATEFUL_TYPES]
    assert len(stateful) >= 5  # the key and the log groups of flow logs, the cluster, telemetry
    assert not any(r["protect"] or r["retain_on_delete"] for r in stateful)
    # The rule asks for protection only where the profile protects state.
    assert [unprotected_stateful(g) for g in graphs] == [[], []]


@pytest.mark.parametrize(("stack", "protected"), [("dev", False), ("prod", True)])
def test_every_log_group_is_encrypted_retained_and_deletion_protected_per_the_profile(
    stack: str,
    protected: bool,
    platform_graph: Callable[[str], Graph],
    cluster_services_graph: Callable[[str], Graph],
) -> None:
    graph = platform_graph(stack)
    profile = BUILTIN_PROFILES[stack]
    # The telemetry log groups are the cluster-services stack's, under the platform's key.
    groups = {
        g["name"]: g
        for each in (graph, cluster_services_graph(stack))
        for g in each.of_type("aws:cloudwatch/logGroup:LogGroup")
    }
    # Audit-class logs keep the audit retention (flow logs their own); telemetry the ordinary one.
    expected_retention = {
        "core-flow-logs": profile["network"]["flow_log_retention_days"],
        "platform-log": profile["logs"]["audit_retention_days"],
        "otel-logs": profile["logs"]["retention_days"],
        "otel-metrics": profile["logs"]["retention_days"],
        "health-logs": profile["logs"]["retention_days"],
        "otel-containers": profile["logs"]["retention_days"],
        # The web ACL's request log: sized like application logs, from the edge section.
        "edge-logs": profile["edge"]["waf_log_retention_days"],
    }
    assert sorted(groups) == sorted(expected_retention)
    for name, group in groups.items():
        assert group["inputs"]["kmsKeyId"] == graph.outputs["kms_key_arn"]
        assert group["inputs"]["retentionInDays"] == expected_retention[name], name
        assert group["inputs"]["deletionProtectionEnabled"] is protected
        assert group["protect"] is protected
        assert group["retain_on_delete"] is protected


# ENV-2: every environment has the same topology; OBS-3 and COST-1 per environment.
@pytest.mark.parametrize("stack", ["dev", "stage", "prod"])
def test_every_environment_has_its_encrypted_alert_topic_and_a_budget_reporting_to_it(
    stack: str, platform_graph: Callable[[str], Graph]
) -> None:
    graph = platform_graph(stack)
    topic = graph.named("alerts", "aws:sns/topic:Topic")
    assert topic["inputs"]["kmsMasterKeyId"] == graph.outputs["kms_key_arn"]
    assert graph.outputs["alarm_topic_arn"].startswith("arn:aws:sns:us-east-1:")
    budget = graph.named("monthly", "aws:budgets/budget:Budget")["inputs"]
    assert budget["limitAmount"] == str(BUILTIN_PROFILES[stack]["budget"]["monthly_limit_usd"])
    assert budget["costFilters"] == [
        {"name": "TagKeyValue", "values": [f"user:environment${stack}"]}
    ]
    assert {t for n in budget["notifications"] for t in n["subscriberSnsTopicArns"]} == {
        graph.outputs["alarm_topic_arn"]
    }
    subscriptions = graph.of_type("aws:sns/topicSubscription:TopicSubscription")
    # Stage and prod name who reads alerts in their stack files; dev may leave it to later.
    assert (len(subscriptions) >= 1) if stack != "dev" else (subscriptions == [])


# OBS-3, OBS-4: every environment alarms on its delivery rates and answers /health/infrastructure.
@pytest.mark.parametrize("stack", ["dev", "stage", "prod"])
def test_every_environment_has_delivery_alarms_and_an_iam_authorized_health_endpoint(
    stack: str, platform_graph: Callable[[str], Graph]
) -> None:
    graph = platform_graph(stack)
    alarms = {
        r["inputs"]["name"]: r["inputs"]
        for r in graph.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
        if r["name"].startswith("delivery-")
    }
    assert sorted(alarms) == [
        f"{stack}-platform-{stack}-delivery-{signal}-{severity}"
        for signal in ("deployment-success", "pipeline-failure")
        for severity in ("critical", "warning")
    ]
    topic = graph.outputs["alarm_topic_arn"]
    critical = graph.outputs["critical_alarm_topic_arn"]
    for name, inputs in alarms.items():
        assert inputs["alarmActions"] == [critical if name.endswith("-critical") else topic]
    url = graph.named("health-url", "aws:lambda/functionUrl:FunctionUrl")["inputs"]
    assert url["authorizationType"] == "AWS_IAM"
    assert graph.outputs["health_url"].endswith(".on.aws/health/infrastructure")
    function = graph.named("health", "aws:lambda/function:Function")["inputs"]
    assert function["kmsKeyArn"] == graph.outputs["kms_key_arn"]
    assert function["environment"]["variables"]["ALARM_PREFIX"] == f"{stack}-"
