"""HealthEndpoint: the function behind /health/infrastructure, its URL and its role (SEC-1, OBS-4)."""

from __future__ import annotations

import json
import re
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from infra_kit.aws.alarms import AlarmTopics
from infra_kit.aws.health import HealthEndpoint, HealthEndpointArgs
from infra_kit.aws.key import Key, KeyArgs
from infra_kit.core.engine import Graph
from infra_kit.core.environment import Environment
from infra_kit.errors import ValidationError
from infra_kit.testing import run_offline

FUNCTION = "aws:lambda/function:Function"
URL = "aws:lambda/functionUrl:FunctionUrl"
POLICY = "aws:iam/rolePolicy:RolePolicy"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
ROLE = "aws:iam/role:Role"
PERMISSION = "aws:lambda/permission:Permission"
ACCOUNT = "123456789012"
TOPICS = AlarmTopics(
    warning=f"arn:aws:sns:us-east-1:{ACCOUNT}:alerts",
    critical=f"arn:aws:sns:us-east-1:{ACCOUNT}:alerts-critical",
)


def _key(env: Environment, **kwargs: Any) -> Key:
    args = {"description": "env", "via_services": ("lambda",), "log_group_access": True, **kwargs}
    return Key("env-key", KeyArgs(**args), env)


def _build(**kwargs: Any) -> Any:
    def build(env: Environment) -> None:
        health = HealthEndpoint(
            "health", HealthEndpointArgs(key=_key(env), topics=TOPICS, **kwargs), env
        )
        health.grant_invoke(_operator())
        pulumi.export("url", health.url)

    return build


def _operator() -> aws.iam.Role:
    """A role of whoever reads the endpoint."""
    return aws.iam.Role(
        "operator",
        aws.iam.RoleArgs(assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": []})),
    )


@pytest.fixture(scope="module")
def graph() -> Graph:
    return run_offline(_build(), environment="prod")


def _statements(graph: Graph, name: str) -> list[dict[str, Any]]:
    return json.loads(graph.named(name, POLICY)["inputs"]["policy"])["Statement"]


def test_the_url_is_iam_authorized_and_nothing_opens_the_function(graph: Graph) -> None:
    url = graph.named("health-url", URL)["inputs"]
    assert url["authorizationType"] == "AWS_IAM"
    assert url["functionName"] == "test-prod-health"
    # No resource policy: a caller needs its own identity policy, in this account.
    assert graph.of_type(PERMISSION) == []
    assert re.fullmatch(
        r"https://[0-9a-f]{32}\.lambda-url\.us-east-1\.on\.aws/health/infrastructure",
        graph.outputs["url"],
    )


def test_no_argument_offers_an_anonymous_url() -> None:
    fields = set(HealthEndpointArgs.__dataclass_fields__)
    assert fields == {"key", "topics", "timeout_seconds", "reserved_concurrency"}


def test_the_role_can_do_exactly_its_reads_its_logs_and_its_traces(graph: Graph) -> None:
    granted = {
        (tuple(s["Action"]), tuple(s["Resource"]), json.dumps(s.get("Condition"), sort_keys=True))
        for s in _statements(graph, "health-policy")
    }
    logs = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/test-prod-health"
    assert granted == {
        (("cloudwatch:DescribeAlarms",), (f"arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:prod-*",), "null"),
        (("cloudwatch:GetMetricData",), ("*",), "null"),
        (
            ("ssm:GetParametersByPath",),
            (f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/infra-kit/prod/deployments",),
            "null",
        ),
        (
            ("logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"),
            (logs, f"{logs}:*"),
            "null",
        ),
        (("xray:PutTelemetryRecords", "xray:PutTraceSegments"), ("*",), "null"),
    }  # fmt: skip
    sids = {s["Action"][0]: s.get("Sid", "") for s in _statements(graph, "health-policy")}
    assert sids["cloudwatch:GetMetricData"].startswith("JustifiedGetMetricDataAcceptsNoResource")
    assert sids["cloudwatch:DescribeAlarms"].startswith("Justified")
    trust = json.loads(graph.named("health-role", ROLE)["inputs"]["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": ["lambda.amazonaws.com"]}
    assert trust["Statement"][0]["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}


def test_the_function_is_encrypted_traced_on_arm64_and_reads_this_environment(
    graph: Graph,
) -> None:
    function = graph.named("health", FUNCTION)
    inputs = function["inputs"]
    key = graph.named("env-key", "infra-kit:aws:Key")
    assert inputs["kmsKeyArn"] == key["outputs"]["arn"]
    assert inputs["runtime"] == "python3.13"
    assert inputs["architectures"] == ["arm64"]
    assert inputs["tracingConfig"] == {"mode": "Active"}
    assert inputs["handler"] == "handler.lambda_handler"
    assert list(inputs["code"]["archive"]["assets"]) == ["handler.py"]
    assert "reservedConcurrentExecutions" not in inputs
    assert inputs["environment"]["variables"] == {
        "ENVIRONMENT": "prod",
        "ALARM_PREFIX": "prod-",
        "DEPLOYMENTS_PATH": "/infra-kit/prod/deployments",
        "METRIC_NAMESPACE": "InfraKit/Delivery",
        "WINDOW_HOURS": "24",
        "WARNING_TOPIC_ARN": TOPICS.warning,
        "CRITICAL_TOPIC_ARN": TOPICS.critical,
    }
    logs = graph.named("health-logs", LOG_GROUP)
    assert logs["inputs"]["name"] == "/aws/lambda/test-prod-health"
    assert logs["inputs"]["retentionInDays"] == 90
    assert logs["inputs"]["kmsKeyId"] == key["outputs"]["arn"]
    assert logs["protect"] is True
    assert logs["urn"] in function["dependencies"]


def test_a_reserved_concurrency_is_passed_when_asked_for() -> None:
    graph = run_offline(_build(reserved_concurrency=2, timeout_seconds=20), environment="dev")
    inputs = graph.named("health", FUNCTION)["inputs"]
    assert (inputs["reservedConcurrentExecutions"], inputs["timeout"]) == (2, 20)
    assert graph.named("health-logs", LOG_GROUP)["inputs"]["retentionInDays"] == 14


def test_grant_invoke_allows_the_url_and_the_invoke_through_it_only(graph: Graph) -> None:
    function_arn = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:test-prod-health"
    statements = _statements(graph, "operator-health-invoke")
    assert statements == [
        {
            "Effect": "Allow",
            "Action": ["lambda:InvokeFunctionUrl"],
            "Resource": [function_arn],
            "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "AWS_IAM"}},
        },
        {
            "Effect": "Allow",
            "Action": ["lambda:InvokeFunction"],
            "Resource": [function_arn],
            "Condition": {"Bool": {"lambda:InvokedViaFunctionUrl": "true"}},
        },
    ]


@pytest.mark.parametrize(
    ("key_args", "args", "key", "fix"),
    [
        ({"via_services": ()}, {}, "key", "via_services=(..., 'lambda')"),
        ({"log_group_access": False}, {}, "key", "log_group_access=True"),
        ({}, {"timeout_seconds": 0}, "timeout_seconds", "from 1 to 900"),
        ({}, {"reserved_concurrency": 0}, "reserved_concurrency", "pick 1 to 10"),
        ({}, {"reserved_concurrency": 50}, "reserved_concurrency", "pick 1 to 10"),
    ],
)
def test_bad_arguments_are_refused_naming_the_key_and_the_fix(
    key_args: dict[str, Any], args: dict[str, Any], key: str, fix: str
) -> None:
    def build(env: Environment) -> None:
        HealthEndpoint(
            "health", HealthEndpointArgs(key=_key(env, **key_args), topics=TOPICS, **args), env
        )

    with pytest.raises(ValidationError) as refused:
        run_offline(build, environment="dev")
    assert refused.value.key == key
    assert fix in refused.value.fix
