"""Bad and good graphs for the alarm rules (see tests/policy/cases.py)."""

from __future__ import annotations

from typing import Any

from infra_kit.policy import GraphDoc
from tests.policy.cases import Case
from tests.policy.graphs import doc, k8s, resource, urn

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
COMPOSITE = "aws:cloudwatch/compositeAlarm:CompositeAlarm"
INSTANCE = "aws:rds/instance:Instance"
ROTATION = "aws:secretsmanager/secretRotation:SecretRotation"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
LISTENER = "aws:lb/listener:Listener"
WARN = "arn:aws:sns:us-east-1:123456789012:alerts"
CRIT = "arn:aws:sns:us-east-1:123456789012:alerts-critical"
CERT = "arn:aws:acm:us-east-1:123456789012:certificate/0000-1111"
SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:session-abc1234-Ab12Cd"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:p-prod-session-rotation"


def _alarm(
    name: str,
    namespace: str,
    metric: str,
    dimensions: dict[str, str],
    *,
    actions: list[str] | None = None,
    parent: str | None = None,
    stack: str = "prod",
) -> dict[str, Any]:
    topic = CRIT if name.endswith("-critical") else WARN
    inputs: dict[str, Any] = {
        "name": f"{stack}-p-{name}", "namespace": namespace, "metricName": metric,
        "dimensions": dimensions,
        "alarmActions": [topic] if actions is None else actions,
    }  # fmt: skip
    return resource(ALARM, name, inputs, stack=stack, parent=parent)


def _pair(base: str, namespace: str, metric: str, dims: dict[str, str], **kw: Any) -> list[dict]:
    return [_alarm(f"{base}-{s}", namespace, metric, dims, **kw) for s in ("warning", "critical")]


def _database(*metrics: str, stack: str = "prod") -> GraphDoc:
    dims = {"DBInstanceIdentifier": "p-prod-db"}
    alarms = [a for m in metrics for a in _pair(f"db-{m.lower()}", "AWS/RDS", m, dims, stack=stack)]
    db = resource(INSTANCE, "db", {"identifier": "p-prod-db"}, stack=stack, protect=True)
    return doc(db, *alarms, stack=stack)


_ALL_DB = ("CPUUtilization", "FreeStorageSpace", "DatabaseConnections")


def _actions(good: bool) -> GraphDoc:
    dims = {"DBInstanceIdentifier": "x"}
    long = _alarm("latency-long", "AWS/RDS", "ReadLatency", dims, actions=[])
    short = _alarm("latency-short", "AWS/RDS", "ReadLatency", dims, actions=[])
    rule = (
        f'ALARM("{long["inputs"]["name"]}") AND '
        f'ALARM("arn:aws:cloudwatch:us-east-1:123456789012:alarm:{short["inputs"]["name"]}")'
    )
    composite = resource(COMPOSITE, "latency", {"alarmRule": rule, "alarmActions": [CRIT]})
    silent = _alarm("cpu-warning", "AWS/RDS", "CPUUtilization", dims, actions=None if good else [])
    scaling = "arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:x"
    elsewhere = _alarm(
        "cpu-critical", "AWS/RDS", "CPUUtilization", dims, actions=None if good else [scaling]
    )
    return doc(long, short, composite, silent, elsewhere)


def _shared(good: bool) -> GraphDoc:
    parent = urn("infra-kit:aws:Database", "db")
    dims = {"DBInstanceIdentifier": "x"}
    return doc(
        _alarm("db-cpu-warning", "AWS/RDS", "CPUUtilization", dims, parent=parent),
        _alarm(
            "db-cpu-critical", "AWS/RDS", "CPUUtilization", dims, parent=parent,
            actions=[CRIT] if good else [WARN],
        ),
    )  # fmt: skip


def _certificate(good: bool, *, stack: str = "prod") -> GraphDoc:
    ingress = k8s(
        "Ingress", "api", {"rules": []}, stack=stack,
        metadata={"annotations": {"alb.ingress.kubernetes.io/certificate-arn": CERT}},
    )  # fmt: skip
    listener = resource(LISTENER, "edge", {"certificateArn": CERT}, stack=stack)
    alarms = (
        _pair(
            "cert-expiry",
            "AWS/CertificateManager",
            "DaysToExpiry",
            {"CertificateArn": CERT},
            stack=stack,
        )
        if good
        else []
    )
    return doc(ingress, listener, *alarms, stack=stack)


def _secret(*, errors: bool, age: bool, stack: str = "prod") -> GraphDoc:
    rotation = resource(
        ROTATION, "session-rotation-schedule",
        {"secretId": SECRET_ARN, "rotationLambdaArn": FUNCTION_ARN}, stack=stack,
    )  # fmt: skip
    alarms = []
    if errors:
        alarms += _pair(
            "session-rotation-errors", "AWS/Lambda", "Errors",
            {"FunctionName": "p-prod-session-rotation"}, stack=stack,
        )  # fmt: skip
    if age:
        alarms += _pair(
            "session-age", "InfraKit/Secrets", "SecretAgeDays",
            {"SecretName": "session-abc1234"}, stack=stack,
        )  # fmt: skip
    return doc(rotation, *alarms, stack=stack)


def _subscriptions(email: str, webhook: str, *, stack: str = "prod") -> GraphDoc:
    return doc(
        resource(
            SUBSCRIPTION, "alerts-email", {"protocol": "email", "endpoint": email}, stack=stack
        ),
        resource(
            SUBSCRIPTION, "alerts-https", {"protocol": "https", "endpoint": webhook}, stack=stack
        ),
        stack=stack,
    )


_PLACEHOLDERS = ("oncall@Example.COM", "https://hooks.chat.test/alerts")
_REAL = ("oncall@ops.orders-corp.io", "https://hooks.orders-corp.io/example.com")


CASES: list[Case] = [
    Case(
        "IK-OBS-3-DATABASE-ALARMS",
        bad=lambda: _database("CPUUtilization"),
        offending=(urn(INSTANCE, "db"),),
        good=lambda: _database(*_ALL_DB),
        label="storage-and-connections-unwatched",
    ),
    Case(
        "IK-OBS-3-DATABASE-ALARMS",
        bad=lambda: _database(stack="stage"),
        offending=(urn(INSTANCE, "db", stack="stage"),),
        good=lambda: _database(stack="dev"),
        label="dev-needs-none",
    ),
    Case(
        "IK-OBS-3-ALARM-ACTIONS",
        bad=lambda: _actions(good=False),
        offending=(urn(ALARM, "cpu-warning"), urn(ALARM, "cpu-critical")),
        good=lambda: _actions(good=True),
        label="no-topic-composite-members-exempt",
    ),
    Case(
        "IK-OBS-3-SHARED-ALARM-TOPIC",
        bad=lambda: _shared(good=False),
        offending=(urn(ALARM, "db-cpu-critical"),),
        good=lambda: _shared(good=True),
    ),
    Case(
        "IK-EDGE-1-CERTIFICATE-EXPIRY-ALARM",
        bad=lambda: _certificate(good=False),
        offending=(urn("kubernetes:networking.k8s.io/v1:Ingress", "api"), urn(LISTENER, "edge")),
        good=lambda: _certificate(good=True),
    ),
    Case(
        "IK-EDGE-1-CERTIFICATE-EXPIRY-ALARM",
        bad=lambda: _certificate(good=False, stack="stage"),
        offending=(
            urn("kubernetes:networking.k8s.io/v1:Ingress", "api", stack="stage"),
            urn(LISTENER, "edge", stack="stage"),
        ),
        good=lambda: _certificate(good=False, stack="dev"),
        label="dev-needs-none",
    ),
    Case(
        "IK-OBS-3-SECRET-ALARMS",
        bad=lambda: _secret(errors=True, age=False),
        offending=(urn(ROTATION, "session-rotation-schedule"),),
        good=lambda: _secret(errors=True, age=True),
        label="age-unwatched",
    ),
    Case(
        "IK-OBS-3-SECRET-ALARMS",
        bad=lambda: _secret(errors=False, age=True),
        offending=(urn(ROTATION, "session-rotation-schedule"),),
        good=lambda: _secret(errors=False, age=False, stack="dev"),
        label="errors-unwatched",
    ),
    Case(
        "IK-OBS-3-PLACEHOLDER-SUBSCRIPTION",
        bad=lambda: _subscriptions(*_PLACEHOLDERS),
        offending=(urn(SUBSCRIPTION, "alerts-email"), urn(SUBSCRIPTION, "alerts-https")),
        good=lambda: _subscriptions(*_REAL),
        label="reserved-domains-in-prod",
    ),
    Case(
        "IK-OBS-3-PLACEHOLDER-SUBSCRIPTION",
        bad=lambda: _subscriptions("oncall@mail.example.org", _REAL[1], stack="stage"),
        offending=(urn(SUBSCRIPTION, "alerts-email", stack="stage"),),
        good=lambda: _subscriptions(*_PLACEHOLDERS, stack="dev"),
        label="dev-may-use-them",
    ),
]
