"""The environment is operable from day one (OBS-3, OBS-4, COST-1, DR-1, ENV-2): the prod graphs of
the platform, its cluster services and the example service, taken together, have alarms at exactly
the prescribed thresholds, each notifying the environment's topic of its severity; burn-rate
alerts on the example service; a dashboard per stack; the budget; the backup vault, plan and
selection; and the topics. Dev has the same alarms, with shorter retention.
"""

from __future__ import annotations

from typing import Any

import pytest

from infra_kit.aws import delivery
from infra_kit.aws.rotation import age
from infra_kit.core.engine import Graph
from infra_kit.core.profile import BUILTIN_PROFILES
from infra_kit.k8s import cluster_metrics
from tests.conftest import CLUSTER_SERVICES, REPO, graph_of

PROJECTS = {
    "platform": REPO,
    "cluster-services": CLUSTER_SERVICES,
    "orders-service": REPO / "examples" / "orders-service",
}
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
COMPOSITE = "aws:cloudwatch/compositeAlarm:CompositeAlarm"
Resource = dict[str, Any]


def _graphs(environment: str) -> dict[str, Graph]:
    return {project: graph_of(directory, environment) for project, directory in PROJECTS.items()}


@pytest.fixture(scope="module")
def prod() -> dict[str, Graph]:
    return _graphs("prod")


@pytest.fixture(scope="module")
def dev() -> dict[str, Graph]:
    return _graphs("dev")


def _metrics(alarm: Resource) -> set[tuple[str, str]]:
    inputs = alarm["inputs"]
    if "metricName" in inputs:
        return {(inputs["namespace"], inputs["metricName"])}
    return {
        (q["metric"]["namespace"], q["metric"]["metricName"])
        for q in inputs["metricQueries"]
        if "metric" in q
    }


def _severity(alarm: Resource) -> str:
    return "critical" if alarm["name"].endswith("-critical") else "warning"


def _expected_thresholds(environment: str) -> dict[tuple[str, str], tuple[float, float]]:
    """(warning, critical) per metric, written from the prescription (OBS-3) and the profile's
    rows, never read back from the components."""
    a = BUILTIN_PROFILES[environment]["alarms"]
    rotation = BUILTIN_PROFILES[environment]["secrets"]["rotation_days"]
    assert (a["utilization_warning_percent"], a["utilization_critical_percent"]) == (75, 90)
    return {
        ("AWS/RDS", "CPUUtilization"): (75, 90),
        (cluster_metrics.NAMESPACE, "system.cpu.utilization"): (75, 90),
        (cluster_metrics.NAMESPACE, "system.memory.utilization"): (75, 90),
        # Every workload has a CPU limit (K8S-1), so its CPU is watched against it.
        (cluster_metrics.NAMESPACE, "k8s.pod.cpu_limit_utilization"): (75, 90),
        (cluster_metrics.NAMESPACE, "k8s.pod.memory_limit_utilization"): (75, 90),
        (delivery.NAMESPACE, delivery.DEPLOYMENT_SUCCESS): (98, 95),
        (delivery.NAMESPACE, delivery.PIPELINE_FAILURE): (5, 10),
        ("AWS/CertificateManager", "DaysToExpiry"): (30, 7),
        (age.NAMESPACE, age.METRIC): (rotation + 1, rotation + 7),
        ("AWS/Lambda", "Errors"): (a["rotation_errors_warning"], a["rotation_errors_critical"]),
    }


def _pairs(graphs: dict[str, Graph]) -> dict[tuple[str, str], dict[str, Resource]]:
    """Notifying metric alarms by (project, signal), each pair's two severities."""
    out: dict[tuple[str, str], dict[str, Resource]] = {}
    for project, graph in graphs.items():
        for alarm in graph.of_type(ALARM):
            if alarm["inputs"].get("alarmActions"):
                signal = alarm["name"].rsplit("-", 1)[0]
                out.setdefault((project, signal), {})[_severity(alarm)] = alarm
    return out


def test_every_alarm_notifies_the_environments_topic_of_its_severity(
    prod: dict[str, Graph],
) -> None:
    outputs = prod["platform"].outputs
    topics = {
        "warning": outputs["alarm_topic_arn"],
        "critical": outputs["critical_alarm_topic_arn"],
    }
    assert topics["warning"] != topics["critical"]
    checked = 0
    for graph in prod.values():
        composites = graph.of_type(COMPOSITE)
        rules = " ".join(c["inputs"]["alarmRule"] for c in composites)
        for alarm in graph.of_type(ALARM):
            actions = alarm["inputs"].get("alarmActions")
            if not actions:
                # A burn-rate window: it notifies nobody, the composite that combines it does.
                assert alarm["inputs"]["name"] in rules, alarm["name"]
                continue
            assert actions == alarm["inputs"]["okActions"] == [topics[_severity(alarm)]]
            checked += 1
        for composite in composites:
            inputs = composite["inputs"]
            severity = "critical" if topics["critical"] in inputs["alarmActions"] else "warning"
            assert inputs["alarmActions"] == inputs["okActions"] == [topics[severity]]
            checked += 1
    assert checked == 30


def test_alarms_sit_at_exactly_the_prescribed_thresholds(prod: dict[str, Graph]) -> None:
    expected = _expected_thresholds("prod")
    seen = set()
    for (project, signal), pair in _pairs(prod).items():
        assert set(pair) == {"warning", "critical"}, f"{project} {signal}"
        (metric,) = _metrics(pair["warning"])
        assert _metrics(pair["critical"]) == {metric}
        if metric in expected:
            thresholds = (
                pair["warning"]["inputs"]["threshold"],
                pair["critical"]["inputs"]["threshold"],
            )
            assert thresholds == expected[metric], f"{project} {signal}"
            seen.add(metric)
    # Every prescribed signal is alarmed somewhere in prod.
    assert seen == set(expected)


def test_database_alarms_sit_at_the_utilization_thresholds_of_its_capacity(
    prod: dict[str, Graph],
) -> None:
    pairs = _pairs(prod)
    database = BUILTIN_PROFILES["prod"]["database"]
    storage = pairs[("orders-service", "orders-db-free-storage")]
    gib = 1024**3
    allocated = database["allocated_storage_gb"] * gib
    assert storage["warning"]["inputs"]["threshold"] == pytest.approx(allocated * 0.25)
    assert storage["critical"]["inputs"]["threshold"] == pytest.approx(allocated * 0.10)
    connections = pairs[("orders-service", "orders-db-connections")]
    warning, critical = (connections[s]["inputs"]["threshold"] for s in ("warning", "critical"))
    # 75% and 90% of one max_connections.
    assert warning / 75 == pytest.approx(critical / 90, rel=0.01)


def test_the_example_service_has_burn_rate_alerts_at_its_slo(prod: dict[str, Graph]) -> None:
    slo = BUILTIN_PROFILES["prod"]["slo"]
    graph = prod["orders-service"]
    composites = graph.of_type(COMPOSITE)
    assert len(composites) == 2 * len(slo["burn_rate_alerts"])
    windows = {a["name"]: a["inputs"] for a in graph.of_type(ALARM) if "-burn-" in a["name"]}
    for alert in slo["burn_rate_alerts"]:
        budget = {
            "availability": 1 - slo["availability_target_percent"] / 100,
            "latency": 1 - slo["latency_target_percent"] / 100,
        }
        for objective, allowed in budget.items():
            matching = [
                inputs
                for name, inputs in windows.items()
                if name.startswith(f"orders-api-{objective}-burn-")
                and inputs["threshold"] == pytest.approx(alert["burn_rate"] * allowed)
            ]
            assert len(matching) == 2, (objective, alert)


def test_each_stack_has_its_dashboard_and_the_platform_its_budget_backups_and_topics(
    prod: dict[str, Graph],
) -> None:
    for graph in prod.values():
        assert len(graph.of_type("aws:cloudwatch/dashboard:Dashboard")) == 1
    platform = prod["platform"]
    assert len(platform.of_type("aws:budgets/budget:Budget")) == 1
    for kind in (
        "vault:Vault",
        "plan:Plan",
        "selection:Selection",
        "vaultLockConfiguration:VaultLockConfiguration",
    ):
        assert len(platform.of_type(f"aws:backup/{kind}")) == 1, kind
    assert {t["name"] for t in platform.of_type("aws:sns/topic:Topic")} == {
        "alerts",
        "alerts-critical",
    }


def test_dev_has_the_same_alarms_with_cheaper_retention(
    dev: dict[str, Graph], prod: dict[str, Graph]
) -> None:
    """ENV-2: the topology of alarms is one; sizes and retention differ by profile only."""
    for project in PROJECTS:
        names = {
            env: sorted(a["name"] for t in (ALARM, COMPOSITE) for a in graphs[project].of_type(t))
            for env, graphs in (("dev", dev), ("prod", prod))
        }
        assert names["dev"] == names["prod"], project
        assert names["prod"], project
    assert set(_pairs(dev)) == set(_pairs(prod))
    backup = {env: BUILTIN_PROFILES[env]["backup"]["retention_days"] for env in ("dev", "prod")}
    assert backup["dev"] < backup["prod"]
    logs = {env: BUILTIN_PROFILES[env]["logs"]["retention_days"] for env in ("dev", "prod")}
    assert logs["dev"] < logs["prod"]
    (plan,) = dev["platform"].of_type("aws:backup/plan:Plan")
    assert plan["inputs"]["rules"][0]["lifecycle"]["deleteAfter"] == backup["dev"]
    assert dev["platform"].of_type("aws:backup/vaultLockConfiguration:VaultLockConfiguration") == []
