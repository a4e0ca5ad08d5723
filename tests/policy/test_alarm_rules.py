"""The alarm rules' pure parts: which endpoints are placeholders (OBS-3)."""

from __future__ import annotations

import pytest

from infra_kit.policy.rules.alarms import is_placeholder_endpoint


@pytest.mark.parametrize(
    "endpoint",
    [
        "platform-oncall@example.com",
        "oncall@EXAMPLE.org",
        "oncall@alerts.example.net",
        "oncall@example.com.",
        "ops@team.example",
        "ops@pager.test",
        "ops@nowhere.invalid",
        "https://hooks.example.com/alerts",
        "https://chat.test/hook?x=1",
        "https://user@localhost/hook",
    ],
)
def test_reserved_domains_are_placeholders(endpoint: str) -> None:
    assert is_placeholder_endpoint(endpoint)


@pytest.mark.parametrize(
    "endpoint",
    [
        "oncall@orders-corp.io",
        "oncall@myexample.com",
        "oncall@example.com.orders-corp.io",
        "https://hooks.orders-corp.io/example.com",
        "https://testing.orders-corp.io/hook",
    ],
)
def test_real_looking_domains_are_not(endpoint: str) -> None:
    assert not is_placeholder_endpoint(endpoint)


def test_a_composite_whose_rule_is_unknown_until_deploy_covers_the_alarms_beside_it() -> None:
    from tests.policy.graphs import doc, resource, rule_ids, urn

    parent = urn("infra-kit:test:Slo", "api")
    child = resource(
        "aws:cloudwatch/metricAlarm:MetricAlarm", "api-burn-long",
        {"name": "prod-p-api-burn-long", "metricName": "x", "alarmActions": []}, parent=parent,
    )  # fmt: skip
    stray = resource(
        "aws:cloudwatch/metricAlarm:MetricAlarm", "other",
        {"name": "prod-p-other", "metricName": "x", "alarmActions": []},
    )  # fmt: skip
    composite = resource(
        "aws:cloudwatch/compositeAlarm:CompositeAlarm", "api-burn",
        {"alarmRule": "[unknown]", "alarmActions": ["arn:aws:sns:us-east-1:123456789012:c"]},
        parent=parent,
    )  # fmt: skip
    graph = doc(child, stray, composite)
    assert rule_ids(graph, "IK-OBS-3-ALARM-ACTIONS") == [stray["urn"]]
