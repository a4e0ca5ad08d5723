"""The /health/infrastructure function, run against moto's CloudWatch and Parameter Store.

The deploy records and metrics are written exactly as the deploy job writes them (the names
come from infra_kit.aws.delivery), and the alarms are named as alarm_pair names them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from infra_kit.aws.delivery import (
    DEPLOYMENT_SUCCESS,
    ENVIRONMENT_DIMENSION,
    NAMESPACE,
    PIPELINE_FAILURE,
    deployment_parameter_name,
    deployments_path,
)
from infra_kit.aws.health_function import (
    HANDLER_PATH,
    PATH,
    HealthSettings,
    check,
    handle,
    lambda_handler,
)

REGION = "us-east-1"
SETTINGS = HealthSettings(
    environment="prod",
    alarm_prefix="prod-",
    deployments_path=deployments_path("prod"),
    namespace=NAMESPACE,
    window_hours=24,
    warning_topic_arn="arn:aws:sns:us-east-1:123456789012:alerts",
    critical_topic_arn="arn:aws:sns:us-east-1:123456789012:alerts-critical",
)
NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def aws(moto_account: None) -> tuple[Any, Any]:
    return (
        boto3.client("cloudwatch", region_name=REGION),
        boto3.client("ssm", region_name=REGION),
    )


def _record(ssm: Any, project: str, stack: str, outcome: str, environment: str = "prod") -> None:
    value = {
        "outcome": outcome,
        "commit": "0123456789abcdef0123456789abcdef01234567",
        "run_url": "https://github.com/example-org/infra-kit/actions/runs/1",
        "finished_at": "2026-12-01T22:00:00Z",
    }
    ssm.put_parameter(
        Name=deployment_parameter_name(environment, project, stack),
        Value=json.dumps(value, sort_keys=True),
        Type="String",
        Overwrite=True,
    )


def _alarm(cloudwatch: Any, name: str, state: str) -> None:
    """An alarm named like alarm_pair's, notifying the topic of the severity its name ends with."""
    critical = name.endswith("-critical")
    topic = SETTINGS.critical_topic_arn if critical else SETTINGS.warning_topic_arn
    cloudwatch.put_metric_alarm(
        AlarmName=name,
        AlarmActions=[topic],
        Namespace="AWS/RDS",
        MetricName="CPUUtilization",
        Statistic="Average",
        Period=300,
        EvaluationPeriods=1,
        Threshold=75,
        ComparisonOperator="GreaterThanThreshold",
    )
    cloudwatch.set_alarm_state(AlarmName=name, StateValue=state, StateReason=f"test {state}")


def _publish(cloudwatch: Any, metric: str, *values: float, environment: str = "prod") -> None:
    cloudwatch.put_metric_data(
        Namespace=NAMESPACE,
        MetricData=[
            {
                "MetricName": metric,
                "Dimensions": [{"Name": ENVIRONMENT_DIMENSION, "Value": environment}],
                "Value": value,
                "Unit": "None",
                "Timestamp": NOW - timedelta(minutes=10 + i),
            }
            for i, value in enumerate(values)
        ],
    )


def _healthy_environment(cloudwatch: Any, ssm: Any) -> None:
    _record(ssm, "platform", "prod", "success")
    _record(ssm, "cluster-services", "prod", "success")
    _alarm(cloudwatch, "prod-platform-prod-delivery-deployment-success-warning", "OK")
    _alarm(cloudwatch, "prod-platform-prod-delivery-deployment-success-critical", "OK")
    _publish(cloudwatch, DEPLOYMENT_SUCCESS, 1, 1, 1, 0)
    _publish(cloudwatch, PIPELINE_FAILURE, 0, 0, 0, 0, 1)


def test_an_environment_whose_deploys_succeeded_and_alarms_are_quiet_is_healthy(
    aws: tuple[Any, Any],
) -> None:
    cloudwatch, ssm = aws
    _healthy_environment(cloudwatch, ssm)
    # Another environment's alarm in ALARM and its failed deploy are not this one's.
    _alarm(cloudwatch, "dev-platform-dev-delivery-deployment-success-critical", "ALARM")
    _record(ssm, "platform", "dev", "failure", environment="dev")
    body = check(cloudwatch, ssm, SETTINGS, NOW)
    assert body["status"] == "healthy", body["reasons"]
    assert body["reasons"] == []
    assert body["environment"] == "prod"
    assert [(d["project"], d["stack"], d["outcome"]) for d in body["deployments"]] == [
        ("cluster-services", "prod", "success"),
        ("platform", "prod", "success"),
    ]
    assert body["deployments"][0]["commit"] == "0123456789abcdef0123456789abcdef01234567"
    assert body["deployments"][0]["run_url"].endswith("/actions/runs/1")
    assert body["alarms"] == {"critical": [], "warning": []}
    assert body["pipeline"] == {
        "window_hours": 24,
        "deployment_success_percent": 75.0,
        "pipeline_failure_percent": 20.0,
    }


def test_a_warning_alarm_in_alarm_degrades_the_environment(aws: tuple[Any, Any]) -> None:
    cloudwatch, ssm = aws
    _healthy_environment(cloudwatch, ssm)
    _alarm(cloudwatch, "prod-platform-prod-core-nat-warning", "ALARM")
    body = check(cloudwatch, ssm, SETTINGS, NOW)
    assert body["status"] == "degraded"
    assert body["reasons"] == ["warning alarm prod-platform-prod-core-nat-warning is in ALARM"]
    assert [a["name"] for a in body["alarms"]["warning"]] == ["prod-platform-prod-core-nat-warning"]
    assert body["alarms"]["warning"][0]["state"] == "ALARM"
    assert body["alarms"]["warning"][0]["reason"] == "test ALARM"


def test_an_alarm_without_data_degrades_the_environment(aws: tuple[Any, Any]) -> None:
    cloudwatch, ssm = aws
    _healthy_environment(cloudwatch, ssm)
    _alarm(cloudwatch, "prod-orders-prod-db-cpu-critical", "INSUFFICIENT_DATA")
    body = check(cloudwatch, ssm, SETTINGS, NOW)
    assert body["status"] == "degraded"
    assert body["reasons"] == ["alarm prod-orders-prod-db-cpu-critical has insufficient data"]
    assert body["alarms"]["critical"][0]["state"] == "INSUFFICIENT_DATA"


def test_a_critical_alarm_in_alarm_fails_the_environment(aws: tuple[Any, Any]) -> None:
    cloudwatch, ssm = aws
    _healthy_environment(cloudwatch, ssm)
    _alarm(cloudwatch, "prod-platform-prod-core-nat-warning", "ALARM")
    _alarm(cloudwatch, "prod-platform-prod-delivery-deployment-success-critical", "ALARM")
    body = check(cloudwatch, ssm, SETTINGS, NOW)
    assert body["status"] == "failing"
    assert body["reasons"][0] == (
        "critical alarm prod-platform-prod-delivery-deployment-success-critical is in ALARM"
    )
    assert len(body["alarms"]["critical"]) == 1


@pytest.mark.parametrize("outcome", ["failure", "cancelled"])
def test_a_stack_whose_last_deploy_did_not_succeed_fails_the_environment(
    aws: tuple[Any, Any], outcome: str
) -> None:
    cloudwatch, ssm = aws
    _healthy_environment(cloudwatch, ssm)
    _record(ssm, "cluster-services", "prod", outcome)
    body = check(cloudwatch, ssm, SETTINGS, NOW)
    assert body["status"] == "failing"
    assert body["reasons"] == [
        f"the last deploy of cluster-services/prod did not succeed ({outcome})"
    ]


def test_an_environment_with_no_deploy_record_is_degraded(aws: tuple[Any, Any]) -> None:
    cloudwatch, ssm = aws
    body = check(cloudwatch, ssm, SETTINGS, NOW)
    assert body["status"] == "degraded"
    assert body["reasons"] == ["no deploy is recorded under /infra-kit/prod/deployments"]
    assert body["deployments"] == []
    # Nothing published in the window: no rate, and no reason of its own.
    assert body["pipeline"]["deployment_success_percent"] is None
    assert body["pipeline"]["pipeline_failure_percent"] is None


def test_a_record_that_is_not_json_degrades_and_is_named(aws: tuple[Any, Any]) -> None:
    cloudwatch, ssm = aws
    _healthy_environment(cloudwatch, ssm)
    name = deployment_parameter_name("prod", "orders", "prod")
    ssm.put_parameter(Name=name, Value="deployed", Type="String")
    body = check(cloudwatch, ssm, SETTINGS, NOW)
    assert body["status"] == "degraded"
    assert body["reasons"] == [f"the deploy record {name} is not a JSON object"]
    assert len(body["deployments"]) == 2


def test_a_source_that_cannot_be_read_degrades_instead_of_raising(aws: tuple[Any, Any]) -> None:
    cloudwatch, ssm = aws
    _healthy_environment(cloudwatch, ssm)

    class Denied:
        def get_parameters_by_path(self, **kwargs: Any) -> Any:
            from botocore.exceptions import ClientError

            raise ClientError({"Error": {"Code": "AccessDeniedException"}}, "GetParametersByPath")

    body = check(cloudwatch, Denied(), SETTINGS, NOW)
    assert body["status"] == "degraded"
    assert body["reasons"] == ["deploy records could not be read (AccessDeniedException)"]


def _event(path: str = PATH, method: str = "GET") -> dict[str, Any]:
    return {"rawPath": path, "requestContext": {"http": {"method": method}}}


def test_the_answer_is_json_with_503_when_failing(aws: tuple[Any, Any]) -> None:
    cloudwatch, ssm = aws
    _healthy_environment(cloudwatch, ssm)
    healthy = handle(_event(), cloudwatch, ssm, SETTINGS, NOW)
    assert healthy["statusCode"] == 200
    assert healthy["headers"]["content-type"] == "application/json"
    assert json.loads(healthy["body"])["status"] == "healthy"
    _record(ssm, "platform", "prod", "failure")
    failing = handle(_event(), cloudwatch, ssm, SETTINGS, NOW)
    assert failing["statusCode"] == 503
    assert json.loads(failing["body"])["status"] == "failing"


def test_other_paths_and_methods_are_refused(aws: tuple[Any, Any]) -> None:
    cloudwatch, ssm = aws
    assert handle(_event("/"), cloudwatch, ssm, SETTINGS)["statusCode"] == 404
    assert handle(_event(PATH, "POST"), cloudwatch, ssm, SETTINGS)["statusCode"] == 405


def test_the_entry_point_reads_its_settings_from_the_environment(
    aws: tuple[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    cloudwatch, ssm = aws
    _healthy_environment(cloudwatch, ssm)
    for variable, value in {
        "ENVIRONMENT": "prod",
        "ALARM_PREFIX": "prod-",
        "DEPLOYMENTS_PATH": "/infra-kit/prod/deployments",
        "METRIC_NAMESPACE": NAMESPACE,
        "WINDOW_HOURS": "24",
        "WARNING_TOPIC_ARN": SETTINGS.warning_topic_arn,
        "CRITICAL_TOPIC_ARN": SETTINGS.critical_topic_arn,
    }.items():
        monkeypatch.setenv(variable, value)
    answer = lambda_handler(_event(), None)
    assert json.loads(answer["body"])["status"] == "healthy"
    monkeypatch.delenv("ALARM_PREFIX")
    with pytest.raises(ValueError, match="lacks ALARM_PREFIX"):
        lambda_handler(_event(), None)


def test_the_packaged_file_imports_nothing_outside_the_standard_library() -> None:
    """The archive holds handler.py alone: it must import on its own, without infra_kit."""
    code = (
        f"import sys; sys.path.insert(0, {str(HANDLER_PATH.parent)!r}); import handler; "
        "assert callable(handler.lambda_handler); "
        "assert 'infra_kit' not in sys.modules and 'boto3' not in sys.modules"
    )
    subprocess.run([sys.executable, "-I", "-c", code], check=True)


def _window(cloudwatch: Any, name: str, state: str) -> None:
    """A burn-rate window alarm: it notifies nobody, its composite does."""
    cloudwatch.put_metric_alarm(
        AlarmName=name,
        Namespace="AWS/ApplicationELB",
        MetricName="RequestCount",
        Statistic="Sum",
        Period=300,
        EvaluationPeriods=1,
        Threshold=0.01,
        ComparisonOperator="GreaterThanThreshold",
    )
    cloudwatch.set_alarm_state(AlarmName=name, StateValue=state, StateReason=f"test {state}")


@pytest.mark.parametrize(
    ("severity", "long", "short", "status"),
    [
        ("critical", "ALARM", "ALARM", "failing"),
        ("warning", "ALARM", "ALARM", "degraded"),
        # One window alone is no alert: the composite needs both.
        ("critical", "ALARM", "OK", "healthy"),
        ("critical", "OK", "ALARM", "healthy"),
    ],
)
def test_a_burn_rate_alert_fires_when_both_of_its_windows_do(
    aws: tuple[Any, Any], severity: str, long: str, short: str, status: str
) -> None:
    cloudwatch, ssm = aws
    _healthy_environment(cloudwatch, ssm)
    stem = f"prod-orders-service-prod-orders-api-availability-burn-1h-5m-{severity}"
    _window(cloudwatch, f"{stem}-long", long)
    _window(cloudwatch, f"{stem}-short", short)
    body = check(cloudwatch, ssm, SETTINGS, NOW)
    assert body["status"] == status
    names = [a["name"] for a in body["alarms"][severity]]
    assert names == ([stem] if status != "healthy" else [])
