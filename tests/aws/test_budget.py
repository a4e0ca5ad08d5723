"""The Budget component: the profile's monthly limit, filtered by the environment tag, alerting the topic (COST-1)."""

from __future__ import annotations

from typing import Any

import pytest

from infra_kit.aws.budget import COST_ALLOCATION_TAG_KEYS, Budget, BudgetArgs
from infra_kit.core.engine import Graph
from infra_kit.core.environment import Environment
from infra_kit.core.profile import BUILTIN_PROFILES
from infra_kit.errors import ValidationError
from infra_kit.testing import run_offline

BUDGET = "aws:budgets/budget:Budget"
TAG = "aws:costexplorer/costAllocationTag:CostAllocationTag"
TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:alerts"


def _run(environment: str, **args: Any) -> Graph:
    def build(env: Environment) -> None:
        Budget("monthly", BudgetArgs(topic_arn=TOPIC_ARN, **args), env)

    return run_offline(build, environment=environment)


# prescription: COST-1 -- a budget per environment, filtered by the cost tags, with alerts.
@pytest.mark.parametrize("environment", ["dev", "stage", "prod"])
def test_the_budget_is_the_profiles_monthly_cost_limit_for_costs_tagged_with_the_environment(
    environment: str,
) -> None:
    inputs = _run(environment).named("monthly", BUDGET)["inputs"]
    limit = BUILTIN_PROFILES[environment]["budget"]["monthly_limit_usd"]
    assert inputs["limitAmount"] == str(limit)
    assert inputs["limitUnit"] == "USD"
    assert inputs["budgetType"] == "COST"
    assert inputs["timeUnit"] == "MONTHLY"
    assert inputs["name"] == f"test-{environment}-monthly"
    assert inputs["costFilters"] == [
        {"name": "TagKeyValue", "values": [f"user:environment${environment}"]}
    ]


def test_the_limits_differ_by_environment_as_the_profile_says() -> None:
    limits = {e: _run(e).named("monthly", BUDGET)["inputs"]["limitAmount"] for e in ("dev", "prod")}
    assert limits == {"dev": "500", "prod": "8000"}


def test_the_budget_alerts_the_topic_at_80_and_100_percent_actual_and_forecast() -> None:
    notifications = _run("prod").named("monthly", BUDGET)["inputs"]["notifications"]
    assert sorted((n["threshold"], n["notificationType"]) for n in notifications) == [
        (80, "ACTUAL"),
        (80, "FORECASTED"),
        (100, "ACTUAL"),
        (100, "FORECASTED"),
    ]
    for n in notifications:
        assert n["comparisonOperator"] == "GREATER_THAN"
        assert n["thresholdType"] == "PERCENTAGE"
        assert n["subscriberSnsTopicArns"] == [TOPIC_ARN]
        assert "subscriberEmailAddresses" not in n


def test_by_default_the_stack_leaves_the_account_wide_cost_tags_alone() -> None:
    # Activation fails on a fresh account and in an organization's member accounts (ADR 0020).
    assert _run("dev").of_type(TAG) == []


def test_opted_in_the_cost_tags_are_activated_and_survive_the_stack() -> None:
    graph = _run("dev", activate_cost_allocation_tags_in_stack=True)
    tags = {r["inputs"]["tagKey"]: r for r in graph.of_type(TAG)}
    assert set(tags) == {"environment", "team", "service", "cost-center"}
    assert set(tags) == set(COST_ALLOCATION_TAG_KEYS)
    for key, tag in tags.items():
        assert tag["name"] == f"monthly-tag-{key}"
        assert tag["inputs"]["status"] == "Active"
        # Account-wide: destroying one stack must not deactivate what another's budget reads.
        assert tag["retain_on_delete"] is True
    budget = graph.named("monthly", BUDGET)
    assert {t["urn"] for t in tags.values()} <= set(budget["dependencies"])


def test_a_budget_without_the_environment_tag_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        _run("dev", cost_allocation_tag_keys=("team",))
    assert caught.value.key == "cost_allocation_tag_keys"
    assert "filters its costs by that tag" in str(caught.value)


def test_a_tag_infra_kit_does_not_put_on_resources_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        _run("dev", cost_allocation_tag_keys=("environment", "owner"))
    assert caught.value.value == ["owner"]
