"""Every alarm on a metric of ours reads a metric the collectors publish (OBS-1, OBS-3).

The alarms live in several stacks (the cluster's in cluster-services, each workload's in its
app's stack); the collectors that publish their metrics live in cluster-services. Synthesized in
prod, every ``MetricAlarm`` outside an ``AWS/...`` namespace must read a metric, and a dimension
set, that an ``awsemf`` exporter of a collector ConfigMap of cluster-services declares, and the
dimension values it reads must be the ones the collectors' telemetry carries.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from infra_kit.aws import delivery
from infra_kit.aws._secret_watch import AGE_HANDLER
from infra_kit.aws.rotation import age
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
#: The app-team examples, each with a workload whose pods' CPU and memory alarm.
EXAMPLES = {
    "orders-service": EXAMPLE,
    "order-events-worker": REPO / "examples" / "order-events-worker",
}
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
        *(a for example in EXAMPLES.values() for a in graph_of(example, STACK).of_type(ALARM_TYPE)),
    ]


def _ours(alarms: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The alarms on metrics the collectors publish."""
    return [
        a for a in alarms if any(m.namespace == cluster_metrics.NAMESPACE for m in alarm_metrics(a))
    ]


def _age_publishers(graph: Graph) -> set[str]:
    """The secrets whose age a function of the graph publishes: a Lambda whose role may put
    metrics in the age namespace only, and that a schedule invokes."""
    allowed_roles = set()
    for policy in graph.of_type("aws:iam/rolePolicy:RolePolicy"):
        document = json.loads(policy["inputs"]["policy"])
        for statement in document["Statement"]:
            condition = statement.get("Condition", {}).get("StringEquals", {})
            if (
                "cloudwatch:PutMetricData" in statement["Action"]
                and condition.get("cloudwatch:namespace") == age.NAMESPACE
            ):
                allowed_roles.add(policy["inputs"]["role"])
    scheduled = {
        t["inputs"]["arn"] for t in graph.of_type("aws:cloudwatch/eventTarget:EventTarget")
    }
    secrets = set()
    for function in graph.of_type("aws:lambda/function:Function"):
        inputs = function["inputs"]
        role_name = inputs["role"].rsplit("/", 1)[-1]
        invoked = any(arn.endswith(f":function:{inputs['name']}") for arn in scheduled)
        if inputs.get("handler") == AGE_HANDLER and role_name in allowed_roles and invoked:
            secrets.add(inputs["name"])
    return secrets


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
            ("order-events-worker", ("cpu", "memory")),
        )
        for signal in signals
        for severity in ("warning", "critical")
    )


def test_every_alarm_on_our_metrics_reads_a_declared_metric_and_dimension_set(
    cluster_services_graph: Graphs,
) -> None:
    declared = declared_metrics(_collector_configs(cluster_services_graph(STACK)))
    assert undeclared(_ours(_alarms(cluster_services_graph)), declared) == []


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


@pytest.mark.parametrize("project", ["cluster-services", *EXAMPLES])
def test_the_dimension_values_alarms_read_are_the_ones_the_telemetry_carries(
    project: str, cluster_services_graph: Graphs, platform_graph: Graphs
) -> None:
    cluster = platform_graph(STACK).outputs["cluster_name"]
    services = cluster_services_graph(STACK)
    (agent,) = [o for o in services.kubernetes_objects() if o["kind"] == "DaemonSet"]
    (container,) = agent["spec"]["template"]["spec"]["containers"]
    attributes = {e["name"]: e.get("value") for e in container["env"]}["OTEL_RESOURCE_ATTRIBUTES"]
    assert f"k8s.cluster.name={cluster}" in attributes.split(",")
    graph = services if project == "cluster-services" else graph_of(EXAMPLES[project], STACK)
    # A canary's Rollout stands where its Deployment was; its pods' k8s.deployment.name is the
    # collector's reading of their ReplicaSet's name (ADR 0026, consequences).
    deployments = {
        (o["metadata"]["namespace"], o["metadata"]["name"])
        for o in graph.kubernetes_objects()
        if o["kind"] in ("Deployment", "Rollout")
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


def test_every_alarm_outside_aws_reads_a_metric_something_publishes(
    cluster_services_graph: Graphs, platform_graph: Graphs
) -> None:
    """Each namespace of ours has one publisher: the collectors (judged above), a secret's age
    function in the same graph, or the pipeline (tests/test_workflows.py holds the deploy job
    and the main pipeline to publishing exactly these metrics). No other namespace may appear."""
    graphs = {
        "platform": platform_graph(STACK),
        "cluster-services": cluster_services_graph(STACK),
        **{name: graph_of(example, STACK) for name, example in EXAMPLES.items()},
    }
    seen: dict[str, int] = {}
    problems = []
    for project, graph in graphs.items():
        publishers = _age_publishers(graph)
        for alarm in graph.of_type(ALARM_TYPE):
            for metric in alarm_metrics(alarm):
                if metric.published_by_aws:
                    continue
                seen[metric.namespace] = seen.get(metric.namespace, 0) + 1
                where = f"{project}: {alarm['name']} reads {metric}"
                if metric.namespace == cluster_metrics.NAMESPACE:
                    continue
                if metric.namespace == age.NAMESPACE:
                    if metric.name != age.METRIC or metric.dimensions != {age.DIMENSION}:
                        problems.append(f"{where}: not the age publisher's metric")
                    elif not publishers:
                        problems.append(f"{where}: no scheduled age function publishes it")
                elif metric.namespace == delivery.NAMESPACE:
                    if metric.name not in (delivery.DEPLOYMENT_SUCCESS, delivery.PIPELINE_FAILURE):
                        problems.append(f"{where}: the pipeline publishes no such metric")
                    if metric.dimensions != {delivery.ENVIRONMENT_DIMENSION}:
                        problems.append(f"{where}: the pipeline publishes other dimensions")
                else:
                    problems.append(f"{where}: nothing in the repository publishes this namespace")
    assert problems == []
    # The three publishers are all exercised, so the test judges something of each.
    assert set(seen) == {cluster_metrics.NAMESPACE, age.NAMESPACE, delivery.NAMESPACE}
