"""Every alarm on a metric of ours reads a metric the collectors publish (OBS-1, OBS-3).

The alarms live in several stacks (the cluster's in cluster-services, each workload's in its
app's stack); the collectors that publish their metrics live in cluster-services. Synthesized in
prod, every ``MetricAlarm`` outside an ``AWS/...`` namespace must read a metric, and a dimension
set, that an ``awsemf`` exporter of a collector ConfigMap of cluster-services declares, and the
dimension values it reads must be the ones the collectors' telemetry carries.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import yaml

from infra_kit.core.engine import Graph
from infra_kit.k8s import cluster_metrics
from infra_kit.policy.rules.telemetry import (
    ALARM_TYPE,
    alarm_metrics,
    declared_metrics,
    undeclared,
)
from tests.conftest import REPO, graph_of

EXAMPLE = REPO / "examples" / "orders-service"
STACK = "prod"
Graphs = Callable[[str], Graph]


def _collector_configs(graph: Graph) -> list[tuple[str, dict[str, Any]]]:
    return [
        (o["metadata"]["name"], yaml.safe_load(o["data"]["collector.yaml"]))
        for o in graph.kubernetes_objects()
        if o["kind"] == "ConfigMap" and "collector.yaml" in (o.get("data") or {})
    ]


def _alarms(cluster_services_graph: Graphs) -> list[dict[str, Any]]:
    return [
        *cluster_services_graph(STACK).of_type(ALARM_TYPE),
        *graph_of(EXAMPLE, STACK).of_type(ALARM_TYPE),
    ]


def _ours(alarms: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [a for a in alarms if any(not m.published_by_aws for m in alarm_metrics(a))]


def test_the_node_and_workload_alarms_read_the_collectors_metrics(
    cluster_services_graph: Graphs,
) -> None:
    # The test below would pass on no alarms at all: these are the ones it must judge.
    names = sorted(a["name"] for a in _ours(_alarms(cluster_services_graph)))
    assert names == sorted(
        f"{owner}-{signal}-{severity}"
        for owner, signals in (
            ("cluster", ("node-cpu", "node-memory")),
            ("orders-api", ("cpu", "memory")),
        )
        for signal in signals
        for severity in ("warning", "critical")
    )


def test_every_alarm_on_our_metrics_reads_a_declared_metric_and_dimension_set(
    cluster_services_graph: Graphs,
) -> None:
    declared = declared_metrics(_collector_configs(cluster_services_graph(STACK)))
    assert undeclared(_alarms(cluster_services_graph), declared) == []


def test_removing_any_declaration_an_alarm_reads_leaves_that_alarm_unpublished(
    cluster_services_graph: Graphs,
) -> None:
    alarms = _ours(_alarms(cluster_services_graph))
    read = {m.name for a in alarms for m in alarm_metrics(a)}
    configs = _collector_configs(cluster_services_graph(STACK))
    (gateway,) = [c for name, c in configs if name == "otel-gateway-config"]
    declarations = gateway["exporters"]["awsemf/cluster"]["metric_declarations"]
    used = [d for d in declarations if any(m in read for m in _names(d))]
    assert len(used) == 4  # node CPU and memory; the pods' CPU (no limit: request) and memory
    for declaration in used:
        fewer = {
            **gateway,
            "exporters": {
                **gateway["exporters"],
                "awsemf/cluster": {
                    **gateway["exporters"]["awsemf/cluster"],
                    "metric_declarations": [d for d in declarations if d is not declaration],
                },
            },
        }
        missing = undeclared(alarms, declared_metrics([("gateway", fewer)]))
        assert {m.name for _, m in missing} == set(_names(declaration))


def _names(declaration: dict[str, Any]) -> list[str]:
    return [
        m.name
        for m in cluster_metrics.CLUSTER_METRICS
        if m.declaration()["metric_name_selectors"] == declaration["metric_name_selectors"]
    ]


@pytest.mark.parametrize("project", ["cluster-services", "orders-service"])
def test_the_dimension_values_alarms_read_are_the_ones_the_telemetry_carries(
    project: str, cluster_services_graph: Graphs, platform_graph: Graphs
) -> None:
    cluster = platform_graph(STACK).outputs["cluster_name"]
    services = cluster_services_graph(STACK)
    (agent,) = [o for o in services.kubernetes_objects() if o["kind"] == "DaemonSet"]
    (container,) = agent["spec"]["template"]["spec"]["containers"]
    attributes = {e["name"]: e.get("value") for e in container["env"]}["OTEL_RESOURCE_ATTRIBUTES"]
    assert f"k8s.cluster.name={cluster}" in attributes.split(",")
    graph = services if project == "cluster-services" else graph_of(EXAMPLE, STACK)
    deployments = {
        (o["metadata"]["namespace"], o["metadata"]["name"])
        for o in graph.kubernetes_objects()
        if o["kind"] == "Deployment"
    }
    for alarm in _ours(graph.of_type(ALARM_TYPE)):
        (query,) = [q for q in alarm["inputs"]["metricQueries"] if "metric" in q]
        dimensions = query["metric"]["dimensions"]
        assert query["metric"]["namespace"] == cluster_metrics.NAMESPACE
        assert dimensions[cluster_metrics.CLUSTER] == cluster
        if cluster_metrics.WORKLOAD in dimensions:
            workload = (
                dimensions[cluster_metrics.WORKLOAD_NAMESPACE],
                dimensions[cluster_metrics.WORKLOAD],
            )
            assert workload in deployments
