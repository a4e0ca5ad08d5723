"""The dashboard of each stack (OBS-4): generated from what the program watches, nothing more."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from infra_kit.aws._dashboard_body import (
    AWS_METRICS,
    KNOWN_SECTIONS,
    dashboard_body,
    widget_metrics,
)
from infra_kit.aws.alarms import AWS_SERVICE, AlarmTopics, Metric, alarm_pair, graph
from infra_kit.aws.dashboard import Dashboard, DashboardArgs
from infra_kit.core.component import Component
from infra_kit.core.engine import Graph
from infra_kit.core.environment import Environment
from infra_kit.testing import run_offline
from tests.conftest import REPO, graph_of
from tests.support import failing

DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"
ALARM_TYPES = (
    "aws:cloudwatch/metricAlarm:MetricAlarm",
    "aws:cloudwatch/compositeAlarm:CompositeAlarm",
)
PROGRAMS = {
    "platform": REPO,
    "cluster-services": REPO / "cluster-services",
    "orders-service": REPO / "examples" / "orders-service",
}
STACKS = [(p, s) for p in PROGRAMS for s in ("dev", "prod")]
TOPICS = AlarmTopics(
    warning="arn:aws:sns:us-east-1:123456789012:w", critical="arn:aws:sns:us-east-1:123456789012:c"
)


class _Owner(Component):
    TYPE = "infra-kit:test:Owner"

    def __init__(self, name: str, env: Environment) -> None:
        super().__init__(name, env, None)


def _body(graph: Graph) -> dict[str, Any]:
    (dashboard,) = graph.of_type(DASHBOARD)
    return json.loads(dashboard["inputs"]["dashboardBody"])


def _key(metric: dict[str, Any]) -> tuple[Any, ...]:
    return (
        metric["namespace"],
        metric["name"],
        tuple(sorted(metric.get("dimensions", {}).items())),
        metric.get("stat"),
    )


def _alarm_metrics(record: dict[str, Any]) -> list[dict[str, Any]]:
    inputs = record["inputs"]
    if "metricName" in inputs:
        stat = inputs.get("statistic") or inputs.get("extendedStatistic")
        return [{"namespace": inputs["namespace"], "name": inputs["metricName"],
                 "dimensions": inputs.get("dimensions", {}), "stat": stat}]  # fmt: skip
    return [
        {"namespace": q["metric"]["namespace"], "name": q["metric"]["metricName"],
         "dimensions": q["metric"].get("dimensions", {}), "stat": q["metric"]["stat"]}
        for q in inputs.get("metricQueries", []) if "metric" in q
    ]  # fmt: skip


def _signal_metrics(signal: dict[str, Any]) -> list[dict[str, Any]]:
    if signal["kind"] == "math":
        return [m for s in signal["metrics"].values() for m in _signal_metrics(s)]
    return [signal]


def unemitted(graph: Graph) -> list[str]:
    """Every metric a widget of the graph's dashboard reads that nothing in the graph emits: not
    read by an alarm of the graph nor registered as a graph, a metric the AWS service does not
    publish, or an ALB metric of a load balancer no Ingress of the graph names."""
    (dashboard,) = [r for r in graph.resources if r["type"] == "infra-kit:aws:Dashboard"]
    registered: dict[tuple[Any, ...], dict[str, Any]] = {}
    for record in graph.resources:
        if record["type"] in ALARM_TYPES:
            for metric in _alarm_metrics(record):
                # A metric outside AWS/ is ours: tests/test_alarm_emission.py and
                # IK-OBS-3-ALARM-METRIC-UNPUBLISHED prove what publishes it.
                emitter = AWS_SERVICE if metric["namespace"].startswith("AWS/") else "infra-kit"
                registered[_key(metric)] = {**metric, "emitter": emitter}
    searches = set()
    for g in dashboard["outputs"]["graphs"]:
        for signal in g["signals"]:
            for metric in _signal_metrics(signal):
                if metric["kind"] == "search":
                    searches.add((metric["namespace"], metric["name"]))
                else:
                    registered[_key(metric)] = metric
    albs = {
        o["metadata"]["annotations"].get("alb.ingress.kubernetes.io/load-balancer-name")
        for o in graph.kubernetes_objects()
        if o["kind"] == "Ingress"
    }
    problems = []
    for widget in _body(graph)["widgets"]:
        for metric in widget_metrics(widget) if widget["type"] == "metric" else []:
            where = f"{widget['properties']['title']}: {metric['namespace']} {metric['name']}"
            if "search" in metric:
                found = (metric["namespace"], metric["name"]) in searches
                lb = metric["search"].split('LoadBalancer="', 1)[-1].split('"', 1)[0]
                emitter = AWS_SERVICE
            else:
                record = registered.get(_key(metric))
                found, lb = record is not None, metric["dimensions"].get("LoadBalancer")
                aws_namespace = metric["namespace"].startswith("AWS/")
                emitter = record["emitter"] if record else (AWS_SERVICE if aws_namespace else None)
            if not found:
                problems.append(f"{where}: no alarm or registered graph reads it")
            if emitter == AWS_SERVICE and metric["name"] not in AWS_METRICS.get(
                metric["namespace"], ()
            ):
                problems.append(f"{where}: not a metric AWS publishes")
            parts = lb.split("/") if isinstance(lb, str) else []
            if lb is not None and (len(parts) != 3 or parts[1] not in albs):
                problems.append(
                    f"{where}: LoadBalancer={lb} is no ALB an Ingress of the stack names"
                )
    return problems


@pytest.mark.parametrize(("project", "stack"), STACKS, ids=[f"{p}-{s}" for p, s in STACKS])
def test_every_widget_reads_a_metric_something_in_the_stack_emits(project: str, stack: str) -> None:
    graph = graph_of(PROGRAMS[project], stack)
    assert unemitted(graph) == []


@pytest.mark.parametrize(("project", "stack"), STACKS, ids=[f"{p}-{s}" for p, s in STACKS])
def test_every_alarm_of_the_stack_is_on_its_dashboard(project: str, stack: str) -> None:
    graph = graph_of(PROGRAMS[project], stack)
    (dashboard,) = graph.of_type(DASHBOARD)
    assert dashboard["inputs"]["dashboardName"] == f"{stack}-{graph.project}-{stack}"
    shown = {
        arn.rsplit(":alarm:", 1)[1]
        for w in _body(graph)["widgets"]
        if w["type"] == "alarm"
        for arn in w["properties"]["alarms"]
    }
    names = {
        r["inputs"].get("name") or r["inputs"]["alarmName"]
        for t in ALARM_TYPES
        for r in graph.of_type(t)
    }
    assert names == shown
    assert failing(graph, "IK-OBS-4-DASHBOARD", "IK-OBS-4-ALARM-NOT-ON-DASHBOARD") == []


def test_the_example_shows_its_services_slo_alarms_and_graphs_in_its_own_section() -> None:
    body = _body(graph_of(PROGRAMS["orders-service"], "prod"))
    headers = [
        w["properties"]["markdown"].split("\n")[0] for w in body["widgets"] if w["type"] == "text"
    ]
    assert headers == [
        "## Resource use",
        "## Scaling events",
        "## Certificate expiry",
        "## Secret age",
        "## Service orders-api",
    ]
    titles = {w["properties"].get("title") for w in body["widgets"]}
    assert {
        "orders-api: 5xx error ratio (5 min)",
        "orders-api: Share slower than 500 ms (5 min)",
        "orders-api: Requests", "orders-api: Errors (5xx)", "orders-api: Latency at the target (s)",
        "orders-api: Healthy targets", "orders-api: Requests per target",
        "Service orders-api: alarms",
    } <= titles  # fmt: skip


def test_the_platform_shows_cost_from_us_east_1_and_says_what_it_needs() -> None:
    body = _body(graph_of(PROGRAMS["platform"], "prod"))
    (header,) = [
        w
        for w in body["widgets"]
        if w["type"] == "text" and w["properties"]["markdown"].startswith("## Cost")
    ]
    assert "billing alerts" in header["properties"]["markdown"]
    (cost,) = [
        w
        for w in body["widgets"]
        if w["type"] == "metric" and any(m["namespace"] == "AWS/Billing" for m in widget_metrics(w))
    ]
    assert cost["properties"]["region"] == "us-east-1"
    assert widget_metrics(cost) == [
        {"namespace": "AWS/Billing", "name": "EstimatedCharges",
         "dimensions": {"Currency": "USD"}, "stat": "Maximum"},
    ]  # fmt: skip


def test_the_checks_fail_when_a_widget_reads_what_nothing_emits() -> None:
    graph = copy.deepcopy(graph_of(PROGRAMS["orders-service"], "prod"))
    (dashboard,) = graph.of_type(DASHBOARD)
    body = json.loads(dashboard["inputs"]["dashboardBody"])
    lb = next(
        m["dimensions"]["LoadBalancer"]
        for w in body["widgets"] if w["type"] == "metric"
        for m in widget_metrics(w) if "LoadBalancer" in m.get("dimensions", {})
    )  # fmt: skip
    rows = [
        [
            "AWS/ApplicationELB",
            "RequestCount",
            "LoadBalancer",
            lb,
            {"stat": "Average", "period": 60},
        ],
        ["AWS/ApplicationELB", "Invented", "LoadBalancer", lb, {"stat": "Sum", "period": 60}],
        [
            "AWS/ApplicationELB",
            "RequestCount",
            "LoadBalancer",
            "app/gone/0",
            {"stat": "Sum", "period": 60},
        ],
    ]
    body["widgets"] += [
        {"type": "metric", "properties": {"title": f"bad {n}", "metrics": [row]}}
        for n, row in enumerate(rows)
    ]
    # And the body loses one alarm.
    status = next(w for w in body["widgets"] if w["type"] == "alarm")
    dropped = status["properties"]["alarms"].pop()
    dashboard["inputs"]["dashboardBody"] = json.dumps(body)
    problems = unemitted(graph)
    assert any(p.startswith("bad 0:") and "no alarm or registered graph" in p for p in problems)
    assert any(p.startswith("bad 1:") and "not a metric AWS publishes" in p for p in problems)
    assert any(p.startswith("bad 2:") and "no ALB an Ingress" in p for p in problems)
    missing = failing(graph, "IK-OBS-4-ALARM-NOT-ON-DASHBOARD")
    assert [m.split(": ", 1)[1] for m in missing] == [
        f"alarm {dropped.rsplit(':alarm:', 1)[1]!r} is on no dashboard of the stack"
    ]


def _spec_alarm(section: str, name: str, notifies: bool = True) -> dict[str, Any]:
    metric = {"kind": "metric", "namespace": "AWS/RDS", "name": "CPUUtilization",
              "dimensions": {"DBInstanceIdentifier": "db"}, "stat": "Average", "period": 300}  # fmt: skip
    return {"owner": "db", "signal_name": name, "severity": "warning", "section": section,
            "comparison": "above", "threshold": 75, "notifies": notifies,
            "arn": f"arn:aws:cloudwatch:us-east-1:123456789012:alarm:{name}", "signal": metric}  # fmt: skip


def test_sections_come_in_the_fixed_order_then_others_then_one_per_service() -> None:
    spec = {
        "alarms": [_spec_alarm(s, s.lower().replace(" ", "-")) for s in
                   ("Service api", "Databases", "Secret age", "Deployments", "Resource use")],
        "composites": [],
        "graphs": [{"owner": "b", "section": "Cost", "title": "cost", "region": "us-east-1",
                    "signals": [{"kind": "metric", "namespace": "AWS/Billing", "name": "EstimatedCharges",
                                 "dimensions": {"Currency": "USD"}, "stat": "Maximum", "period": 21600}]}],
    }  # fmt: skip
    body = json.loads(dashboard_body(spec, region="eu-west-1"))
    headers = [
        w["properties"]["markdown"].split("\n")[0][3:]
        for w in body["widgets"]
        if w["type"] == "text"
    ]
    assert headers == [
        "Deployments",
        "Resource use",
        "Cost",
        "Secret age",
        "Databases",
        "Service api",
    ]
    assert [h for h in headers if h in KNOWN_SECTIONS] == [
        s for s in KNOWN_SECTIONS if s in headers
    ]
    regions = {w["properties"]["title"]: w["properties"]["region"] for w in body["widgets"]
               if w["type"] == "metric"}  # fmt: skip
    assert regions["cost"] == "us-east-1"
    assert regions["db: databases"] == "eu-west-1"
    # Every widget fits the 24-column grid without overlapping another.
    cells = set()
    for w in body["widgets"]:
        assert w["x"] >= 0
        assert w["x"] + w["width"] <= 24
        for x in range(w["x"], w["x"] + w["width"]):
            for y in range(w["y"], w["y"] + w["height"]):
                assert (x, y) not in cells
                cells.add((x, y))


def test_a_section_shows_its_alarms_the_thresholds_of_each_pair_and_its_graphs() -> None:
    def build(env: Environment) -> None:
        owner = _Owner("orders-db", env)
        cpu = Metric("AWS/RDS", "CPUUtilization", {"DBInstanceIdentifier": "db-1"}, "Average", 300)
        alarm_pair(owner, "cpu", signal=cpu, comparison="above", warning=75, critical=90,
                   topics=TOPICS, section="Resource use", description="CPU")  # fmt: skip
        graph(owner, "Resource use", "connections",
              Metric("AWS/RDS", "DatabaseConnections", {"DBInstanceIdentifier": "db-1"}, "Maximum", 60))  # fmt: skip
        Dashboard("env", DashboardArgs(), env)

    result = run_offline(build, environment="prod")
    body = _body(result)
    status = [w for w in body["widgets"] if w["type"] == "alarm"]
    assert [len(w["properties"]["alarms"]) for w in status] == [2]
    graphs = {w["properties"]["title"]: w for w in body["widgets"] if w["type"] == "metric"}
    thresholds = graphs["orders-db: cpu"]["properties"]["annotations"]["horizontal"]
    assert [(t["label"], t["value"]) for t in thresholds] == [
        ("warning (above)", 75), ("critical (above)", 90),
    ]  # fmt: skip
    assert "connections" in graphs
    assert result.named("env", DASHBOARD)["inputs"]["dashboardName"] == "prod-test-prod"


def test_more_than_100_alarms_in_a_section_split_into_several_status_widgets() -> None:
    spec = {"alarms": [_spec_alarm("Resource use", f"a{n}") for n in range(150)], "composites": [],
            "graphs": []}  # fmt: skip
    body = json.loads(dashboard_body(spec, region="us-east-1"))
    status = [w for w in body["widgets"] if w["type"] == "alarm"]
    assert [len(w["properties"]["alarms"]) for w in status] == [100, 50]
