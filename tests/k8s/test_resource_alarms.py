"""Resource alarms: the cluster's nodes and each workload's pods, warning 75 and critical 90 (OBS-3)."""

from __future__ import annotations

from typing import Any

import pytest

from infra_kit.aws.alarms import AlarmTopics, MetricMath
from infra_kit.core.environment import Environment
from infra_kit.k8s import (
    ClusterAlarms,
    ClusterAlarmsArgs,
    WebService,
    WebServiceArgs,
    Worker,
    WorkerArgs,
    WorkloadAlarms,
    cluster_metrics,
    cluster_signals,
)
from tests.k8s.helpers import IMAGE, synth

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
WARNING, CRITICAL = "arn:aws:sns:us-east-1:123456789012:w", "arn:aws:sns:us-east-1:123456789012:c"
TOPICS = AlarmTopics(warning=WARNING, critical=CRITICAL)


def _metric(alarm: dict[str, Any]) -> dict[str, Any]:
    (query,) = [q for q in alarm["inputs"]["metricQueries"] if "metric" in q]
    return query["metric"]


def _by_name(graph: Any) -> dict[str, dict[str, Any]]:
    return {a["name"]: a for a in graph.of_type(ALARM)}


def test_the_cluster_alarms_on_its_busiest_node_cpu_and_fullest_node_memory() -> None:
    recorded: list[Any] = []

    def build(env: Environment, _: Any) -> None:
        ClusterAlarms("cluster", ClusterAlarmsArgs(cluster_name="main", topics=TOPICS), env)
        recorded.extend(env.monitoring.alarms)

    alarms = _by_name(synth(build, "prod"))
    assert sorted(alarms) == [
        "cluster-node-cpu-critical",
        "cluster-node-cpu-warning",
        "cluster-node-memory-critical",
        "cluster-node-memory-warning",
    ]
    for name, alarm in alarms.items():
        inputs = alarm["inputs"]
        critical = name.endswith("critical")
        assert inputs["threshold"] == (90 if critical else 75)
        assert inputs["alarmActions"] == [CRITICAL if critical else WARNING]
        assert inputs["comparisonOperator"] == "GreaterThanThreshold"
        assert inputs["evaluationPeriods"] == 3
        metric = _metric(alarm)
        assert metric["namespace"] == "InfraKit/Kubernetes"
        assert metric["dimensions"] == {"k8s.cluster.name": "main"}
        assert metric["period"] == 300
    cpu, memory = alarms["cluster-node-cpu-warning"], alarms["cluster-node-memory-warning"]
    assert (_metric(cpu)["metricName"], _metric(cpu)["stat"]) == (
        "system.cpu.utilization",
        "Minimum",
    )
    assert [q.get("expression") for q in cpu["inputs"]["metricQueries"]] == [
        None,
        "100 * (1 - idle)",
    ]
    assert (_metric(memory)["metricName"], _metric(memory)["stat"]) == (
        "system.memory.utilization",
        "Maximum",
    )
    assert {(a.owner, a.section) for a in recorded} == {("cluster", "Resource use")}
    assert all(
        a.signal.metrics[next(iter(a.signal.metrics))].emitter == "collector" for a in recorded
    )


@pytest.mark.parametrize("cpu_limit", [None, "1"])
def test_a_workload_given_alarms_watches_its_hottest_pod_against_its_limits(
    cpu_limit: str | None,
) -> None:
    """Every workload has a CPU limit (the profile's by default), so CPU is read against it."""
    cpu_metric = "k8s.pod.cpu_limit_utilization"

    def build(env: Environment, p: Any) -> None:
        WebService(
            "web",
            WebServiceArgs(
                namespace="apps",
                image=IMAGE,
                cpu_limit=cpu_limit,
            ),
            env,
            provider=p,
            alarms=WorkloadAlarms(TOPICS, "main"),
        )

    alarms = _by_name(synth(build, "prod"))
    assert sorted(alarms) == [
        "web-cpu-critical",
        "web-cpu-warning",
        "web-memory-critical",
        "web-memory-warning",
    ]
    dimensions = {
        "k8s.cluster.name": "main",
        "k8s.namespace.name": "apps",
        "k8s.deployment.name": "web",
    }
    assert _metric(alarms["web-cpu-warning"])["metricName"] == cpu_metric
    assert _metric(alarms["web-memory-warning"])["metricName"] == "k8s.pod.memory_limit_utilization"
    for alarm in alarms.values():
        assert _metric(alarm)["dimensions"] == dimensions
        assert _metric(alarm)["stat"] == "Maximum"


def test_a_worker_has_the_same_alarms_and_a_workload_without_alarms_has_none() -> None:
    def build(env: Environment, p: Any) -> None:
        Worker(
            "jobs",
            WorkerArgs(namespace="apps", image=IMAGE),
            env,
            provider=p,
            alarms=WorkloadAlarms(TOPICS, "main"),
        )
        WebService("quiet", WebServiceArgs(namespace="apps", image=IMAGE), env, provider=p)

    assert sorted(_by_name(synth(build, "dev"))) == [
        "jobs-cpu-critical",
        "jobs-cpu-warning",
        "jobs-memory-critical",
        "jobs-memory-warning",
    ]


def test_every_signal_reads_a_metric_with_the_dimension_set_the_collectors_publish() -> None:
    signals: list[MetricMath] = [
        cluster_signals.node_cpu_signal("main", 300),
        cluster_signals.node_memory_signal("main", 300),
        *(
            cluster_signals.workload_signal(
                resource,  # type: ignore[arg-type]  # both literals, looped
                cluster_name="main",
                namespace="apps",
                deployment="web",
                period_seconds=300,
                has_cpu_limit=limit,
            )
            for resource in ("cpu", "memory")
            for limit in (False, True)
        ),
    ]
    published = {(m.name, frozenset(m.dimensions)) for m in cluster_metrics.CLUSTER_METRICS}
    read = {(m.name, frozenset(m.dimensions)) for s in signals for m in s.metrics.values()}
    assert read == published


def test_a_signal_with_other_dimensions_than_the_published_ones_is_refused() -> None:
    with pytest.raises(ValueError, match="published with dimensions"):
        cluster_signals._metric(  # pyright: ignore[reportPrivateUsage]
            cluster_metrics.NODE_CPU, {"k8s.node.name": "n"}, "Maximum", 300
        )


def test_the_declarations_publish_each_metric_once_with_one_dimension_set() -> None:
    declarations = cluster_metrics.metric_declarations()
    assert declarations[0] == {
        "dimensions": [["k8s.cluster.name"]],
        "metric_name_selectors": [r"^system\.cpu\.utilization$"],
        "label_matchers": [{"label_names": ["state"], "regex": "^idle$"}],
    }
    assert [d["metric_name_selectors"] for d in declarations] == [
        [r"^system\.cpu\.utilization$"],
        [r"^system\.memory\.utilization$"],
        [r"^k8s\.pod\.cpu_limit_utilization$"],
        [r"^k8s\.pod\.cpu_request_utilization$"],
        [r"^k8s\.pod\.memory_limit_utilization$"],
    ]
