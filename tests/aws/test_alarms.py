"""alarm_pair: a warning and a critical alarm per signal, each to its own topic (OBS-3)."""

from __future__ import annotations

import pulumi

from infra_kit.aws.alarms import AlarmTopics, Metric, MetricMath, alarm_pair, alarm_prefix
from infra_kit.core.component import Component
from infra_kit.core.environment import Environment
from infra_kit.testing import run_offline

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TOPICS = AlarmTopics(
    warning="arn:aws:sns:us-east-1:123456789012:w", critical="arn:aws:sns:us-east-1:123456789012:c"
)


class _Owner(Component):
    TYPE = "infra-kit:test:Owner"

    def __init__(self, name: str, env: Environment) -> None:
        super().__init__(name, env, None)


CPU = Metric("AWS/RDS", "CPUUtilization", {"DBInstanceIdentifier": "db-1"}, "Average", 300)


def test_each_severity_has_its_own_threshold_topic_and_name() -> None:
    recorded = []

    def build(env: Environment) -> None:
        owner = _Owner("orders-db", env)
        alarm_pair(
            owner, "cpu", signal=CPU, comparison="above", warning=75, critical=90,
            topics=TOPICS, section="Databases", description="CPU of orders-db", evaluation_periods=3,
        )  # fmt: skip
        recorded.extend(env.monitoring.alarms)
        pulumi.export("prefix", alarm_prefix(env))

    graph = run_offline(build, environment="prod")
    warning = graph.named("orders-db-cpu-warning", ALARM)["inputs"]
    critical = graph.named("orders-db-cpu-critical", ALARM)["inputs"]
    assert (warning["threshold"], critical["threshold"]) == (75, 90)
    assert warning["alarmActions"] == warning["okActions"] == [TOPICS.warning]
    assert critical["alarmActions"] == critical["okActions"] == [TOPICS.critical]
    assert warning["comparisonOperator"] == "GreaterThanThreshold"
    assert warning["statistic"] == "Average"
    assert "extendedStatistic" not in warning
    assert warning["name"] == "prod-test-prod-orders-db-cpu-warning"
    assert warning["name"].startswith(graph.outputs["prefix"])
    assert warning["evaluationPeriods"] == 3
    assert [(a.severity, a.threshold, a.section) for a in recorded] == [
        ("warning", 75, "Databases"),
        ("critical", 90, "Databases"),
    ]


def test_metric_math_and_extended_statistics_render_as_queries() -> None:
    requests = Metric("AWS/ApplicationELB", "RequestCount", {"LoadBalancer": "app/x/1"}, "Sum", 60)
    fast = Metric(
        "AWS/ApplicationELB", "TargetResponseTime", {"LoadBalancer": "app/x/1"}, "TC(0:0.5)", 60
    )
    ratio = MetricMath(
        "100 * (requests - fast) / requests", {"requests": requests, "fast": fast}, "slow %"
    )

    def build(env: Environment) -> None:
        owner = _Owner("api", env)
        alarm_pair(
            owner, "slow", signal=ratio, comparison="above", warning=1, critical=5,
            topics=TOPICS, section="Service", description="slow requests",
        )  # fmt: skip
        alarm_pair(
            owner, "p99", signal=Metric("AWS/ApplicationELB", "TargetResponseTime", {}, "p99", 60),
            comparison="above", warning=0.5, critical=1, topics=TOPICS, section="Service",
            description="p99",
        )  # fmt: skip

    graph = run_offline(build, environment="dev")
    queries = graph.named("api-slow-warning", ALARM)["inputs"]["metricQueries"]
    by_id = {q["id"]: q for q in queries}
    assert by_id["result"]["expression"] == ratio.expression
    assert by_id["result"]["returnData"] is True
    assert by_id["fast"]["metric"]["stat"] == "TC(0:0.5)"
    assert by_id["requests"]["returnData"] is False
    p99 = graph.named("api-p99-critical", ALARM)["inputs"]
    assert p99["extendedStatistic"] == "p99"
    assert "statistic" not in p99
