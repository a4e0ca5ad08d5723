"""Cache: ElastiCache for Valkey, CMK at rest, TLS required, IAM auth, sized by the profile."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from infra_kit.aws import actions
from infra_kit.aws.alarms import AlarmTopics
from infra_kit.aws.cache import NO_BACKUP_PLAN, Cache, CacheArgs
from infra_kit.aws.key import Key, KeyArgs
from infra_kit.core.engine import Graph
from infra_kit.core.environment import Environment
from infra_kit.policy import rules_for
from infra_kit.testing import run_offline
from tests.support import failing, iam_statements, unjustified_wildcards, unprotected_stateful

GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
SUBNETS = "aws:elasticache/subnetGroup:SubnetGroup"
USER = "aws:elasticache/user:User"
USER_GROUP = "aws:elasticache/userGroup:UserGroup"
MEMBER = "aws:elasticache/userGroupAssociation:UserGroupAssociation"
SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TOPICS = AlarmTopics(
    warning="arn:aws:sns:us-east-1:123456789012:alerts",
    critical="arn:aws:sns:us-east-1:123456789012:alerts-critical",
)
SUBNET_IDS = ["subnet-a", "subnet-b", "subnet-c"]
API_SG = "sg-0123456789abcdef0"

#: What each environment's cache is, from the profile's cache rows (prescriptions HA-1, DR-1,
#: COST-3): node type, nodes (primary + replicas), failover, Multi-AZ, snapshot days.
EXPECTED = {
    "dev": ("cache.t4g.micro", 1, False, False, 1),
    "preview": ("cache.t4g.micro", 1, False, False, 0),
    "stage": ("cache.t4g.small", 2, True, True, 7),
    "prod": ("cache.r7g.large", 3, True, True, 14),
}


def _key(env: Environment, services: tuple[str, ...] = ("elasticache",)) -> Key:
    return Key("data", KeyArgs(description="cache data", via_services=list(services)), env)


def _args(env: Environment, **overrides: Any) -> CacheArgs:
    values: dict[str, Any] = {
        "vpc_id": "vpc-1",
        "subnet_ids": SUBNET_IDS,
        "key": _key(env),
        "allowed_security_group_ids": {"orders-api": API_SG},
        **overrides,
    }
    return CacheArgs(**values)


def _build(**overrides: Any) -> Callable[[Environment], None]:
    def build(env: Environment) -> None:
        cache = Cache("sessions", _args(env, alarm_topics=TOPICS, **overrides), env)
        api = aws.iam.Role("api", aws.iam.RoleArgs(assume_role_policy="{}"))
        worker = aws.iam.Role("worker", aws.iam.RoleArgs(assume_role_policy="{}"))
        cache.grant_connect(api, "orders-api")
        cache.grant_connect(worker, "orders-api")
        pulumi.export("key_arn", cache.key.arn)
        pulumi.export("arn", cache.arn)
        pulumi.export("endpoint", cache.endpoint)
        pulumi.export("reader_endpoint", cache.reader_endpoint)
        pulumi.export("user_name", cache.user_name("orders-api"))
        pulumi.export("unalarmed", cache.unalarmed)

    return build


@pytest.fixture(scope="module", params=("dev", "prod"))
def graph(request: pytest.FixtureRequest) -> Graph:
    return run_offline(_build(), environment=request.param)


def _children(graph: Graph) -> set[tuple[str, str]]:
    component = graph.named("sessions", "infra-kit:aws:Cache")
    return {(r["type"], r["name"]) for r in graph.descendants(component["urn"])}


def test_the_cache_has_its_network_users_grants_and_alarms(graph: Graph) -> None:
    children = _children(graph)
    assert {(t, n) for t, n in children if t != ALARM} == {
        (SG, "sessions-security-group"),
        (INGRESS, "sessions-from-orders-api"),
        (SUBNETS, "sessions-subnets"),
        (USER, "sessions-default-user"),
        (USER_GROUP, "sessions-users"),
        (GROUP, "sessions"),
        (USER, "sessions-user-orders-api"),
        (MEMBER, "sessions-user-orders-api-member"),
        (ROLE_POLICY, "api-sessions-connect-orders-api"),
        (ROLE_POLICY, "worker-sessions-connect-orders-api"),
    }
    signals = ("engine-cpu", "memory") + (("replication-lag",) if graph.stack == "prod" else ())
    assert {n for t, n in children if t == ALARM} == {
        f"sessions-{signal}-{severity}"
        for signal in signals
        for severity in ("warning", "critical")
    }


@pytest.mark.parametrize("environment", sorted(EXPECTED))
def test_size_failover_and_snapshots_come_from_the_profile(environment: str) -> None:
    # prescription: HA-1, DR-1, COST-3
    graph = run_offline(_build(), environment=environment)
    inputs = graph.named("sessions", GROUP)["inputs"]
    node_type, nodes, failover, multi_az, snapshot_days = EXPECTED[environment]
    assert inputs["replicationGroupId"] == f"test-{environment}-sessions"
    assert (inputs["engine"], inputs["engineVersion"]) == ("valkey", "8.2")
    assert inputs["nodeType"] == node_type
    assert inputs["numCacheClusters"] == nodes
    assert inputs["automaticFailoverEnabled"] is failover
    assert inputs["multiAzEnabled"] is multi_az
    assert inputs["snapshotRetentionLimit"] == snapshot_days
    assert inputs["snapshotWindow"] == "04:00-05:00"
    assert inputs["maintenanceWindow"] == "sun:05:30-sun:06:30"
    assert (inputs["autoMinorVersionUpgrade"], inputs["applyImmediately"]) == (True, False)


def test_data_is_encrypted_with_the_key_and_tls_is_required(graph: Graph) -> None:
    # prescription: SEC-3
    inputs = graph.named("sessions", GROUP)["inputs"]
    assert inputs["atRestEncryptionEnabled"] is True
    assert inputs["kmsKeyId"] == graph.outputs["key_arn"]
    assert inputs["transitEncryptionEnabled"] is True
    assert inputs["transitEncryptionMode"] == "required"
    assert failing(graph, "IK-SEC-3-CMK", "IK-SEC-3-IN-TRANSIT") == []


def test_the_cache_sits_in_the_isolated_subnets_behind_its_own_security_group(
    graph: Graph,
) -> None:
    # prescription: NET-1, NET-2
    inputs = graph.named("sessions", GROUP)["inputs"]
    subnets = graph.named("sessions-subnets", SUBNETS)
    security_group = graph.named("sessions-security-group", SG)
    assert subnets["inputs"]["subnetIds"] == SUBNET_IDS
    assert inputs["subnetGroupName"].startswith("sessions-subnets-")
    [security_group_id] = inputs["securityGroupIds"]
    assert security_group_id.startswith("sg-")
    assert inputs["port"] == 6379
    assert "ingress" not in security_group["inputs"]
    assert "egress" not in security_group["inputs"]
    rule = graph.named("sessions-from-orders-api", INGRESS)["inputs"]
    assert rule == {
        "securityGroupId": security_group_id,
        "referencedSecurityGroupId": API_SG,
        "ipProtocol": "tcp",
        "fromPort": 6379,
        "toPort": 6379,
        "description": "Valkey from orders-api",
        **({"tags": rule["tags"]} if "tags" in rule else {}),
    }


def test_clients_authenticate_with_iam_and_the_default_user_is_switched_off(graph: Graph) -> None:
    # prescription: SEC-1, SEC-2 -- no password or token exists to leak or rotate.
    group_id = f"test-{graph.stack}-sessions"
    default = graph.named("sessions-default-user", USER)["inputs"]
    assert (default["userId"], default["userName"]) == (f"{group_id}-default", "default")
    assert default["accessString"] == "off ~* -@all"
    assert default["authenticationMode"] == {"type": "no-password-required"}
    users = graph.named("sessions-users", USER_GROUP)
    assert users["inputs"]["userGroupId"] == group_id
    assert users["inputs"]["userIds"] == [f"{group_id}-default"]
    assert graph.named("sessions", GROUP)["inputs"]["userGroupIds"] == [group_id]
    user = graph.named("sessions-user-orders-api", USER)["inputs"]
    name = f"{group_id}-orders-api"
    assert graph.outputs["user_name"] == name
    assert (user["userId"], user["userName"]) == (name, name)  # IAM needs them equal
    assert user["authenticationMode"] == {"type": "iam"}
    assert user["accessString"] == "on ~* +@all -@dangerous"
    member = graph.named("sessions-user-orders-api-member", MEMBER)["inputs"]
    assert member == {"userGroupId": group_id, "userId": name}


def test_no_password_or_token_reaches_the_graph(graph: Graph) -> None:
    # prescription: SEC-2
    for record in graph.resources:
        inputs = record.get("inputs") or {}
        assert not {"authToken", "authTokenWo", "passwords", "passwordsWo"} & set(inputs)
        assert record.get("secret_paths") == []
    assert failing(graph, "IK-SEC-2-CLEAR-TEXT-SECRET") == []


def test_a_grant_is_connect_on_this_cache_and_one_user_only(graph: Graph) -> None:
    # prescription: SEC-1
    name = graph.outputs["user_name"]
    user_arn = f"arn:aws:elasticache:us-east-1:123456789012:user:{name}"
    for policy in ("api-sessions-connect-orders-api", "worker-sessions-connect-orders-api"):
        statements = json.loads(graph.named(policy, ROLE_POLICY)["inputs"]["policy"])["Statement"]
        assert statements == [
            {
                "Effect": "Allow",
                "Action": ["elasticache:Connect"],
                "Resource": [graph.outputs["arn"], user_arn],
            }
        ]
    assert actions.ELASTICACHE_CONNECT == ("elasticache:Connect",)
    assert unjustified_wildcards(graph) == []
    assert failing(graph, "IK-SEC-1-UNKNOWN-ACTION") == []
    assert {record["name"] for record, _ in iam_statements(graph)} >= {
        "api-sessions-connect-orders-api"
    }


def test_a_second_grant_of_the_same_user_creates_no_second_user(graph: Graph) -> None:
    assert [r["name"] for r in graph.of_type(USER)] == [
        "sessions-default-user",
        "sessions-user-orders-api",
    ]


def test_alarms_watch_the_busiest_node(graph: Graph) -> None:
    # prescription: OBS-3
    cpu = graph.named("sessions-engine-cpu-critical", ALARM)["inputs"]
    memory = graph.named("sessions-memory-warning", ALARM)["inputs"]
    assert (cpu["threshold"], memory["threshold"]) == (90, 75)
    assert cpu["alarmActions"] == [TOPICS.critical]
    if graph.stack == "dev":
        assert (cpu["namespace"], cpu["metricName"], cpu["dimensions"]) == (
            "AWS/ElastiCache",
            "EngineCPUUtilization",
            {"CacheClusterId": "test-dev-sessions-001"},
        )
        assert graph.outputs["unalarmed"] == {
            "replication-lag": "no ReplicationLag alarm: the cache has no replica "
            "(cache.replicas=0)"
        }
        return
    queries = {q["id"]: q for q in memory["metricQueries"]}
    assert queries["result"]["expression"] == "MAX([n1, n2, n3])"
    assert {
        q: queries[q]["metric"]["dimensions"]["CacheClusterId"] for q in ("n1", "n2", "n3")
    } == {
        "n1": "test-prod-sessions-001",
        "n2": "test-prod-sessions-002",
        "n3": "test-prod-sessions-003",
    }
    assert queries["n2"]["metric"]["metricName"] == "DatabaseMemoryUsagePercentage"
    lag = graph.named("sessions-replication-lag-warning", ALARM)["inputs"]
    assert {q["id"]: q for q in lag["metricQueries"]}["n3"]["metric"]["metricName"] == (
        "ReplicationLag"
    )
    assert graph.outputs["unalarmed"] == {}


def test_the_cache_is_protected_with_a_final_snapshot_where_the_profile_protects_state(
    graph: Graph,
) -> None:
    # prescription: DR-1
    record = graph.named("sessions", GROUP)
    protected = graph.stack == "prod"
    assert (record["protect"], record["retain_on_delete"]) == (protected, protected)
    final = record["inputs"].get("finalSnapshotIdentifier")
    assert final == ("test-prod-sessions-final" if protected else None)
    assert unprotected_stateful(graph) == []
    assert failing(graph, "IK-DR-1-DELETION-PROTECTION") == []
    # The test's bare roles lack tags; nothing of the cache does.
    assert [f for f in failing(graph, "IK-TAG-1-REQUIRED") if "sessions" in f] == []


def test_the_cache_is_not_in_the_backup_plan_and_says_why(graph: Graph) -> None:
    # AWS Backup does not cover ElastiCache; snapshots are the cache's own mechanism.
    assert "infra-kit:backup" not in (graph.named("sessions", GROUP)["inputs"].get("tags") or {})
    component = graph.named("sessions", "infra-kit:aws:Cache")
    assert component["outputs"]["backup"] == NO_BACKUP_PLAN


def test_no_alarm_topics_means_no_alarms() -> None:
    graph = run_offline(lambda env: Cache("sessions", _args(env), env), environment="dev")
    assert graph.of_type(ALARM) == []


def test_a_node_type_given_replaces_the_profiles() -> None:
    graph = run_offline(_build(node_type="cache.m7g.large"), environment="dev")
    assert graph.named("sessions", GROUP)["inputs"]["nodeType"] == "cache.m7g.large"


def test_every_rule_of_infra_kit_check_passes_on_the_cache(graph: Graph) -> None:
    # The test's bare roles lack tags and its stack has no dashboard; nothing of the cache fails.
    every_rule = [rule.id for rule in rules_for()]
    assert [f for f in failing(graph, *every_rule) if "sessions" in f] == []
