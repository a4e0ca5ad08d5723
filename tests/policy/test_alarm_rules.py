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
