"""Delivery metrics: the naming convention and the alarms on the pipeline's rates (OBS-3, OBS-4)."""

from __future__ import annotations

from typing import Any

import pytest

from infra_kit.aws.alarms import AlarmTopics, Metric, MetricMath
from infra_kit.aws.delivery import (
    DEPLOYMENT_SUCCESS,
    NAMESPACE,
    PIPELINE_FAILURE,
    DeliveryAlarms,
    DeliveryAlarmsArgs,
    delivery_rate,
    deployment_parameter_name,
    deployments_path,
)
from infra_kit.core.environment import Environment
from infra_kit.errors import ValidationError
from infra_kit.testing import run_offline

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TOPICS = AlarmTopics(
    warning="arn:aws:sns:us-east-1:123456789012:w", critical="arn:aws:sns:us-east-1:123456789012:c"
)


def test_a_deploy_record_is_named_by_environment_project_and_stack() -> None:
    assert deployments_path("prod") == "/infra-kit/prod/deployments"
    assert (
        deployment_parameter_name("prod", "cluster-services", "prod")
        == "/infra-kit/prod/deployments/cluster-services/prod"
    )


@pytest.mark.parametrize(
    ("environment", "project", "stack", "key"),
    [
        ("dev", "platform", "organization/platform/dev", "stack"),
        ("dev", "", "dev", "project"),
        ("de v", "platform", "dev", "environment"),
        ("dev", "..", "dev", "project"),
    ],
)
def test_a_name_that_is_not_one_path_segment_is_refused_naming_the_key(
    environment: str, project: str, stack: str, key: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        deployment_parameter_name(environment, project, stack)
    assert refused.value.key == key
    assert "not a fully qualified" in str(refused.value)


def test_a_rate_is_the_average_over_the_window_times_one_hundred() -> None:
    rate = delivery_rate(DEPLOYMENT_SUCCESS, "stage", 24)
    assert rate.expression == "100 * value"
    metric = rate.metrics["value"]
    assert (metric.namespace, metric.name, metric.stat) == (
        NAMESPACE,
        "DeploymentSuccess",
        "Average",
    )
    assert dict(metric.dimensions) == {"Environment": "stage"}
    assert metric.period_seconds == 86400
    assert metric.emitter == "pipeline"


@pytest.mark.parametrize("hours", [0, 25])
def test_a_window_no_alarm_can_have_is_refused(hours: int) -> None:
    with pytest.raises(ValidationError, match=r"alarms\.delivery_window_hours=") as refused:
        delivery_rate(PIPELINE_FAILURE, "dev", hours)
    assert "1 to 24" in refused.value.fix


def _inputs(graph: Any, name: str) -> dict[str, Any]:
    return graph.named(name, ALARM)["inputs"]


def _build(recorded: dict[str, Any]) -> Any:
    def build(env: Environment) -> None:
        DeliveryAlarms("delivery", DeliveryAlarmsArgs(topics=TOPICS), env)
        recorded["alarms"] = list(env.monitoring.alarms)
        recorded["graphs"] = list(env.monitoring.graphs)

    return build


def test_deployment_success_alarms_fire_below_the_profiles_thresholds() -> None:
    graph = run_offline(_build({}), environment="prod")
    warning = _inputs(graph, "delivery-deployment-success-warning")
    critical = _inputs(graph, "delivery-deployment-success-critical")
    assert (warning["threshold"], critical["threshold"]) == (98, 95)
    assert warning["comparisonOperator"] == critical["comparisonOperator"] == "LessThanThreshold"
    assert warning["alarmActions"] == [TOPICS.warning]
    assert critical["alarmActions"] == [TOPICS.critical]
    assert warning["treatMissingData"] == "notBreaching"
    assert warning["name"] == "prod-test-prod-delivery-deployment-success-warning"
    queries = {q["id"]: q for q in warning["metricQueries"]}
    assert queries["result"]["expression"] == "100 * value"
    metric = queries["value"]["metric"]
    assert metric == {
        "namespace": "InfraKit/Delivery",
        "metricName": "DeploymentSuccess",
        "dimensions": {"Environment": "prod"},
        "period": 86400,
        "stat": "Average",
    }


def test_pipeline_failure_alarms_fire_above_the_profiles_thresholds_and_window() -> None:
    graph = run_offline(
        _build({}), environment="dev", overrides={"alarms": {"delivery_window_hours": 6}}
    )
    warning = _inputs(graph, "delivery-pipeline-failure-warning")
    critical = _inputs(graph, "delivery-pipeline-failure-critical")
    assert (warning["threshold"], critical["threshold"]) == (5, 10)
    assert warning["comparisonOperator"] == "GreaterThanThreshold"
    assert critical["treatMissingData"] == "notBreaching"
    metric = {q["id"]: q for q in critical["metricQueries"]}["value"]["metric"]
    assert (metric["metricName"], metric["period"], metric["dimensions"]) == (
        "PipelineFailure",
        6 * 3600,
        {"Environment": "dev"},
    )
    assert len(graph.of_type(ALARM)) == 4


def test_the_dashboard_gets_deployments_and_pipeline_health() -> None:
    recorded: dict[str, Any] = {}
    run_offline(_build(recorded), environment="stage")
    sections = {(a.section, a.signal_name, a.severity) for a in recorded["alarms"]}
    assert sections == {
        ("Deployments", "deployment-success", "warning"),
        ("Deployments", "deployment-success", "critical"),
        ("Pipeline health", "pipeline-failure", "warning"),
        ("Pipeline health", "pipeline-failure", "critical"),
    }
    graphs = [(g.section, g.title) for g in recorded["graphs"]]
    assert graphs == [
        ("Deployments", "Deployment success rate (%)"),
        ("Deployments", "Deploys per hour"),
        ("Pipeline health", "Pipeline failure rate (%)"),
        ("Pipeline health", "Pipeline runs per hour"),
    ]
    for g in recorded["graphs"]:
        for signal in g.signals:
            metrics = signal.metrics.values() if isinstance(signal, MetricMath) else [signal]
            assert all(isinstance(m, Metric) and m.emitter == "pipeline" for m in metrics)
