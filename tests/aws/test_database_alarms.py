"""A Database's alarms: CPU, free storage and connections, each a warning and a critical (OBS-3)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pulumi
import pytest
from hypothesis import given
from hypothesis import strategies as st

from infra_kit.aws import _database_alarms as alarm_rules
from infra_kit.aws.alarms import AlarmTopics
from infra_kit.aws.database import NO_REPLICA_LAG, Database, DatabaseArgs
from infra_kit.aws.key import Key, KeyArgs
from infra_kit.core.environment import Environment
from infra_kit.errors import ValidationError
from infra_kit.testing import run_offline

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TOPICS = AlarmTopics(
    warning="arn:aws:sns:us-east-1:123456789012:alerts",
    critical="arn:aws:sns:us-east-1:123456789012:alerts-critical",
)
GIB = 1024**3


def _build(**overrides: Any) -> Callable[[Environment], None]:
    def build(env: Environment) -> None:
        key = Key(
            "db",
            KeyArgs(description="d", via_services=("rds", "secretsmanager"), log_group_access=True),
            env,
        )
        values: dict[str, Any] = {
            "subnet_ids": ["subnet-a", "subnet-b"],
            "vpc_id": "vpc-1",
            "key": key,
            "database_name": "orders",
            **overrides,
        }
        db = Database("orders", DatabaseArgs(**values), env)
        pulumi.export("identifier", db.identifier)

    return build


def _alarms(graph: Any) -> dict[str, dict[str, Any]]:
    return {r["name"]: r["inputs"] for r in graph.of_type(ALARM)}


@pytest.fixture(scope="module")
def prod() -> Any:
    return run_offline(_build(alarm_topics=TOPICS), environment="prod")


def test_a_database_with_topics_has_cpu_storage_and_connection_pairs(prod: Any) -> None:
    assert sorted(_alarms(prod)) == sorted(
        f"orders-{signal}-{severity}"
        for signal in ("cpu", "free-storage", "connections")
        for severity in ("warning", "critical")
    )
    for name, inputs in _alarms(prod).items():
        assert inputs["namespace"] == "AWS/RDS"
        assert inputs["dimensions"] == {"DBInstanceIdentifier": prod.outputs["identifier"]}
        topic = TOPICS.warning if name.endswith("-warning") else TOPICS.critical
        assert inputs["alarmActions"] == inputs["okActions"] == [topic]
        assert inputs["period"] == 300
        assert inputs["evaluationPeriods"] == 3


def test_cpu_alarms_at_the_profile_utilization_percentages(prod: Any) -> None:
    alarms = _alarms(prod)
    assert alarms["orders-cpu-warning"]["metricName"] == "CPUUtilization"
    assert alarms["orders-cpu-warning"]["statistic"] == "Average"
    assert (
        alarms["orders-cpu-warning"]["threshold"],
        alarms["orders-cpu-critical"]["threshold"],
    ) == (75, 90)
    assert alarms["orders-cpu-critical"]["comparisonOperator"] == "GreaterThanThreshold"


def test_free_storage_alarms_when_a_quarter_then_a_tenth_of_the_allocation_is_left(
    prod: Any,
) -> None:
    # prod allocates 100 GiB (autoscaling up to 1000): floors of the allocation, not of the ceiling.
    alarms = _alarms(prod)
    warning, critical = (
        alarms["orders-free-storage-warning"],
        alarms["orders-free-storage-critical"],
    )
    assert warning["metricName"] == "FreeStorageSpace"
    assert warning["statistic"] == "Minimum"
    assert warning["comparisonOperator"] == "LessThanThreshold"
    assert (warning["threshold"], critical["threshold"]) == (25 * GIB, 10 * GIB)


def test_connection_alarms_against_the_default_max_connections_of_the_class(prod: Any) -> None:
    # db.r6g.large: 16 GiB / 9531392 bytes per connection = 1802.
    alarms = _alarms(prod)
    assert alarms["orders-connections-warning"]["metricName"] == "DatabaseConnections"
    assert alarms["orders-connections-warning"]["threshold"] == 1802 * 75 // 100
    assert alarms["orders-connections-critical"]["threshold"] == 1802 * 90 // 100


def test_a_max_connections_parameter_is_the_ceiling_instead() -> None:
    graph = run_offline(
        _build(alarm_topics=TOPICS, parameters={"max_connections": "200"}), environment="dev"
    )
    alarms = _alarms(graph)
    assert alarms["orders-connections-warning"]["threshold"] == 150
    assert alarms["orders-connections-critical"]["threshold"] == 180


def test_the_alarms_are_recorded_for_the_dashboard() -> None:
    recorded: list[Any] = []

    def build(env: Environment) -> None:
        _build(alarm_topics=TOPICS)(env)
        recorded.extend(env.monitoring.alarms)

    run_offline(build, environment="stage")
    assert {(a.signal_name, a.severity, a.section, a.signal.emitter) for a in recorded} == {
        (s, sev, "Resource use", "aws")
        for s in ("cpu", "free-storage", "connections")
        for sev in ("warning", "critical")
    }


def test_why_there_is_no_replica_lag_alarm_is_in_the_graph(prod: Any) -> None:
    component = prod.named("orders", "infra-kit:aws:Database")
    assert component["outputs"]["unalarmed"] == {"replica-lag": NO_REPLICA_LAG}
    assert not any(i["metricName"] == "ReplicaLag" for i in _alarms(prod).values())


def test_without_topics_there_are_no_alarms() -> None:
    assert _alarms(run_offline(_build(), environment="dev")) == {}


def test_an_instance_class_of_unknown_memory_is_refused_with_the_fix() -> None:
    with pytest.raises(ValidationError) as info:
        run_offline(_build(alarm_topics=TOPICS, instance_class="db.x9z.huge"), environment="dev")
    assert info.value.key == "instance_class"
    assert "max_connections" in info.value.fix


def test_an_unknown_class_is_accepted_when_the_parameter_group_names_max_connections() -> None:
    graph = run_offline(
        _build(
            alarm_topics=TOPICS,
            instance_class="db.x9z.huge",
            parameters={"max_connections": "500"},
        ),
        environment="dev",
    )
    assert _alarms(graph)["orders-connections-critical"]["threshold"] == 450


@pytest.mark.parametrize("value", ["", "0", "-5", "lots", "2.5"])
def test_a_max_connections_that_is_not_a_count_is_refused(value: str) -> None:
    with pytest.raises(ValidationError) as info:
        alarm_rules.max_connections("db.t4g.micro", {"max_connections": value})
    assert info.value.key == "parameters['max_connections']"


@pytest.mark.parametrize(
    ("instance_class", "expected"),
    [
        ("db.t4g.micro", 112),
        ("db.t4g.medium", 450),
        ("db.r6g.large", 1802),
        ("db.r6g.16xlarge", 5000),
    ],
)
def test_the_default_formula_is_memory_over_9531392_bytes_capped_at_5000(
    instance_class: str, expected: int
) -> None:
    assert alarm_rules.max_connections(instance_class, {}) == expected


def test_every_profile_instance_class_has_a_known_memory() -> None:
    from infra_kit.core.profile import BUILTIN_PROFILES

    for profile in BUILTIN_PROFILES.values():
        assert alarm_rules.instance_memory_gib(profile["database"]["instance_class"]) is not None


@given(st.integers(20, 65536), st.integers(1, 99))
def test_a_storage_floor_is_the_unused_share_of_the_allocation(
    allocated: int, percent: int
) -> None:
    floor = alarm_rules.free_storage_floor_bytes(allocated, percent)
    assert 0 < floor < allocated * GIB
    assert abs(floor - allocated * GIB * (100 - percent) / 100) < 1
