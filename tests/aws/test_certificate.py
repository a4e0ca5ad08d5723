"""CertificateAlarms: ACM DaysToExpiry, a warning at 30 days and a critical at 7 (EDGE-1, OBS-3)."""

from __future__ import annotations

from typing import Any

from infra_kit.aws.alarms import AlarmTopics
from infra_kit.aws.certificate import CertificateAlarms, CertificateAlarmsArgs
from infra_kit.core.environment import Environment
from infra_kit.testing import run_offline

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
ARN = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000009"
TOPICS = AlarmTopics(
    warning="arn:aws:sns:us-east-1:123456789012:w", critical="arn:aws:sns:us-east-1:123456789012:c"
)


def _graph(environment: str = "prod") -> Any:
    def build(env: Environment) -> None:
        CertificateAlarms(
            "edge", CertificateAlarmsArgs(certificate_arn=ARN, alarm_topics=TOPICS), env
        )

    return run_offline(build, environment=environment)


def test_the_pair_reads_days_to_expiry_of_the_certificate_once_a_day() -> None:
    graph = _graph()
    component = graph.named("edge", "infra-kit:aws:CertificateAlarms")
    children = {(r["type"], r["name"]) for r in graph.descendants(component["urn"])}
    assert children == {(ALARM, "edge-expiry-warning"), (ALARM, "edge-expiry-critical")}
    for severity, days, topic in (
        ("warning", 30, TOPICS.warning),
        ("critical", 7, TOPICS.critical),
    ):
        inputs = graph.named(f"edge-expiry-{severity}", ALARM)["inputs"]
        assert inputs["namespace"] == "AWS/CertificateManager"
        assert inputs["metricName"] == "DaysToExpiry"
        assert inputs["dimensions"] == {"CertificateArn": ARN}
        assert inputs["statistic"] == "Minimum"
        assert inputs["period"] == 86400
        assert inputs["comparisonOperator"] == "LessThanOrEqualToThreshold"
        assert inputs["threshold"] == days
        assert inputs["alarmActions"] == inputs["okActions"] == [topic]


def test_silence_is_breaching_because_acm_stops_publishing_once_a_certificate_expired() -> None:
    for alarm in _graph("dev").of_type(ALARM):
        assert alarm["inputs"]["treatMissingData"] == "breaching"


def test_the_thresholds_come_from_the_profile() -> None:
    recorded: list[Any] = []

    def build(env: Environment) -> None:
        CertificateAlarms(
            "edge", CertificateAlarmsArgs(certificate_arn=ARN, alarm_topics=TOPICS), env
        )
        recorded.extend(env.monitoring.alarms)
        assert env.profile.alarms.certificate_expiry_warning_days == 30

    run_offline(build, environment="stage")
    assert [(a.severity, a.threshold, a.section) for a in recorded] == [
        ("warning", 30, "Certificate expiry"),
        ("critical", 7, "Certificate expiry"),
    ]
