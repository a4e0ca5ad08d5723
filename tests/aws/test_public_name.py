"""PublicName: a DNS-validated ACM certificate for a host in the platform's zone (EDGE-1)."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from infra_kit.aws.alarms import AlarmTopics
from infra_kit.aws.public_name import PublicName, PublicNameArgs
from infra_kit.core.environment import Environment
from infra_kit.errors import SynthError, ValidationError
from infra_kit.testing import run_offline

CERT = "aws:acm/certificate:Certificate"
RECORD = "aws:route53/record:Record"
VALIDATION = "aws:acm/certificateValidation:CertificateValidation"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TOPICS = AlarmTopics(
    warning="arn:aws:sns:us-east-1:123456789012:w", critical="arn:aws:sns:us-east-1:123456789012:c"
)


def _graph(host: str = "orders.dev.example.com", zone: Any = "dev.example.com") -> Any:
    def build(env: Environment) -> None:
        # "output": the zone's name as a StackReference hands it over.
        zone_name = pulumi.Output.from_input("dev.example.com") if zone == "output" else zone
        PublicName(
            "orders-public",
            PublicNameArgs(host=host, zone_id="ZDEV", zone_name=zone_name, alarm_topics=TOPICS),
            env,
        )

    return run_offline(build, environment="prod")


@pytest.mark.parametrize("zone", ["dev.example.com", "output"])
def test_the_certificate_is_validated_by_a_record_in_the_zone(zone: str) -> None:
    graph = _graph(zone=zone)
    certificate = graph.named("orders-public", CERT)["inputs"]
    assert certificate == {
        "domainName": "orders.dev.example.com",
        "validationMethod": "DNS",
        "tags": {"Name": "orders.dev.example.com"},
    }
    record = graph.named("orders-public-validation", RECORD)["inputs"]
    assert record["zoneId"] == "ZDEV"
    assert record["type"] == "CNAME"
    assert record["ttl"] == 300
    assert record["allowOverwrite"] is True
    # The name and value ACM asks for (the offline engine imitates them per domain).
    assert record["name"].endswith(".orders.dev.example.com.")
    assert record["name"].startswith("_")
    (value,) = record["records"]
    assert value.endswith(".acm-validations.aws.")
    validation = graph.named("orders-public-validation", VALIDATION)
    assert validation["inputs"]["validationRecordFqdns"] == [record["name"]]
    assert graph.named("orders-public-validation", RECORD)["urn"] in validation["dependencies"]


def test_the_output_arn_is_the_validated_one_and_expiry_is_alarmed() -> None:
    graph = _graph()
    component = graph.named("orders-public", "infra-kit:aws:PublicName")
    validation = graph.named("orders-public-validation", VALIDATION)
    arn = component["outputs"]["certificate_arn"]
    assert arn == validation["inputs"]["certificateArn"]
    assert component["outputs"]["host"] == "orders.dev.example.com"
    for severity, days in (("warning", 30), ("critical", 7)):
        alarm = graph.named(f"orders-public-expiry-{severity}", ALARM)["inputs"]
        assert alarm["metricName"] == "DaysToExpiry"
        assert alarm["dimensions"] == {"CertificateArn": arn}
        assert alarm["threshold"] == days


def test_a_host_outside_the_zone_is_refused_naming_the_argument_before_anything_exists() -> None:
    with pytest.raises(
        ValidationError,
        match=r"^host='orders\.example\.com': not in the platform's DNS zone 'dev\.example\.com'"
        r".*Fix: use a name under dev\.example\.com",
    ):
        _graph(host="orders.example.com")


def test_a_host_outside_a_zone_read_from_another_stack_fails_the_certificate() -> None:
    def build(env: Environment) -> None:
        PublicName(
            "orders-public",
            PublicNameArgs(
                host="orders.baddev.example.com",
                zone_id="ZDEV",
                zone_name=pulumi.Output.from_input("dev.example.com"),
                alarm_topics=TOPICS,
            ),
            env,
        )

    with pytest.raises(SynthError, match="not in the platform's DNS zone"):
        run_offline(build, environment="dev")


def test_a_host_that_is_no_dns_name_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"^host='orders_api': "):
        _graph(host="orders_api")
