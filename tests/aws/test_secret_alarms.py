"""A rotated Secret's alarms and age publisher (SEC-2, OBS-3, OBS-4)."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest

from infra_kit.aws.alarms import AlarmTopics
from infra_kit.aws.key import Key, KeyArgs
from infra_kit.aws.rotation import AGE_FILE, AGE_HANDLER
from infra_kit.aws.rotation.age import NAMESPACE
from infra_kit.aws.secret import RotationArgs, Secret, SecretArgs
from infra_kit.core.engine import Graph
from infra_kit.core.environment import Environment
from infra_kit.errors import ValidationError
from infra_kit.testing import run_offline
from tests.support import unjustified_wildcards

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
FUNCTION = "aws:lambda/function:Function"
TOPICS = AlarmTopics(
    warning="arn:aws:sns:us-east-1:123456789012:w", critical="arn:aws:sns:us-east-1:123456789012:c"
)


def _graph(environment: str = "prod", *, days: int | None = None) -> Graph:
    def build(env: Environment) -> None:
        key = Key(
            "data",
            KeyArgs(
                description="d", via_services=("lambda", "secretsmanager"), log_group_access=True
            ),
            env,
        )
        secret = Secret(
            "session",
            SecretArgs(
                key=key,
                rotation=RotationArgs(automatically_after_days=days),
                alarm_topics=TOPICS,
            ),
            env,
        )
        pulumi.export("secret_arn", secret.arn)
        pulumi.export("secret_name", secret.name)

    return run_offline(build, environment=environment)


@pytest.fixture(scope="module")
def prod() -> Graph:
    return _graph()


def _alarm(graph: Graph, name: str) -> dict[str, Any]:
    return graph.named(name, ALARM)["inputs"]


def test_the_secret_gets_exactly_the_alarms_and_the_publisher(prod: Graph) -> None:
    component = prod.named("session", "infra-kit:aws:Secret")
    new = {
        (r["type"], r["name"])
        for r in prod.children(component["urn"])
        if "-age" in r["name"] or "rotation-errors" in r["name"]
    }
    assert new == {
        (ALARM, "session-rotation-errors-warning"),
        (ALARM, "session-rotation-errors-critical"),
        (ALARM, "session-age-warning"),
        (ALARM, "session-age-critical"),
        ("aws:iam/role:Role", "session-age-role"),
        ("aws:cloudwatch/logGroup:LogGroup", "session-age-logs"),
        ("aws:iam/rolePolicy:RolePolicy", "session-age-policy"),
        (FUNCTION, "session-age"),
        ("aws:cloudwatch/eventRule:EventRule", "session-age-schedule"),
        ("aws:lambda/permission:Permission", "session-age-invoke"),
        ("aws:cloudwatch/eventTarget:EventTarget", "session-age-target"),
        ("aws:lambda/invocation:Invocation", "session-age-first"),
    }


def test_rotation_errors_of_the_rotation_function_warn_at_one_and_page_at_three(
    prod: Graph,
) -> None:
    function = prod.named("session-rotation", FUNCTION)["inputs"]["name"]
    for severity, threshold in (("warning", 1), ("critical", 3)):
        alarm = _alarm(prod, f"session-rotation-errors-{severity}")
        assert (alarm["namespace"], alarm["metricName"]) == ("AWS/Lambda", "Errors")
        assert alarm["dimensions"] == {"FunctionName": function}
        assert (alarm["statistic"], alarm["period"]) == ("Sum", 3600)
        assert alarm["comparisonOperator"] == "GreaterThanOrEqualToThreshold"
        assert alarm["threshold"] == threshold
        assert alarm["treatMissingData"] == "notBreaching"
        assert alarm["alarmActions"] == [
            TOPICS.warning if severity == "warning" else TOPICS.critical
        ]


def test_the_age_alarms_fire_past_the_rotation_period_and_when_the_publisher_is_silent(
    prod: Graph,
) -> None:
    # 30-day rotation; the profile allows 1 day before warning and 7 before paging.
    for severity, threshold in (("warning", 31), ("critical", 37)):
        alarm = _alarm(prod, f"session-age-{severity}")
        assert (alarm["namespace"], alarm["metricName"]) == (NAMESPACE, "SecretAgeDays")
        assert alarm["dimensions"] == {"SecretName": prod.outputs["secret_name"]}
        assert alarm["comparisonOperator"] == "GreaterThanThreshold"
        assert alarm["threshold"] == threshold
        assert alarm["treatMissingData"] == "breaching"
        assert (alarm["period"], alarm["evaluationPeriods"], alarm["datapointsToAlarm"]) == (
            3600,
            3,
            3,
        )


def test_the_age_threshold_follows_the_secret_own_rotation_period() -> None:
    graph = _graph("dev", days=7)
    assert _alarm(graph, "session-age-warning")["threshold"] == 8
    assert _alarm(graph, "session-age-critical")["threshold"] == 14


def test_the_age_alarms_wait_for_the_first_datapoint(prod: Graph) -> None:
    first = prod.named("session-age-first", "aws:lambda/invocation:Invocation")
    for severity in ("warning", "critical"):
        assert first["urn"] in prod.named(f"session-age-{severity}", ALARM)["dependencies"]


def test_the_publisher_may_describe_only_this_secret_and_publish_only_its_namespace(
    prod: Graph,
) -> None:
    policy = json.loads(
        prod.named("session-age-policy", "aws:iam/rolePolicy:RolePolicy")["inputs"]["policy"]
    )
    statements = {tuple(s["Action"]): s for s in policy["Statement"]}
    assert statements[("secretsmanager:DescribeSecret",)]["Resource"] == [
        prod.outputs["secret_arn"]
    ]
    put = statements[("cloudwatch:PutMetricData",)]
    assert put["Condition"] == {"StringEquals": {"cloudwatch:namespace": NAMESPACE}}
    assert put["Resource"] == ["*"]
    assert not any(
        a.startswith("secretsmanager:GetSecretValue")
        for s in policy["Statement"]
        for a in s["Action"]
    )
    assert unjustified_wildcards(prod) == []


def test_the_publisher_runs_hourly_with_the_secret_as_its_only_input(prod: Graph) -> None:
    function = prod.named("session-age", FUNCTION)["inputs"]
    assert function["handler"] == AGE_HANDLER
    assert function["name"].endswith("-session-age")
    assert "environment" not in function
    schedule = prod.named("session-age-schedule", "aws:cloudwatch/eventRule:EventRule")["inputs"]
    assert schedule["scheduleExpression"] == "rate(1 hour)"
    target = prod.named("session-age-target", "aws:cloudwatch/eventTarget:EventTarget")["inputs"]
    assert json.loads(target["input"]) == {"secret_id": prod.outputs["secret_arn"]}
    permission = prod.named("session-age-invoke", "aws:lambda/permission:Permission")["inputs"]
    assert permission["principal"] == "events.amazonaws.com"
    assert AGE_FILE == "age.py"


def test_alarm_topics_on_a_secret_that_is_not_rotated_are_refused() -> None:
    def build(env: Environment) -> None:
        key = Key("data", KeyArgs(description="d", via_services=("secretsmanager",)), env)
        Secret("plain", SecretArgs(key=key, alarm_topics=TOPICS), env)

    with pytest.raises(ValidationError) as info:
        run_offline(build, environment="dev")
    assert info.value.key == "alarm_topics"
    assert "rotation=RotationArgs()" in info.value.fix
