"""WebAcl: the environment's WAFv2 web ACL, its rules, metrics and redacted log (EDGE-1)."""

from __future__ import annotations

from typing import Any

import pytest

from infra_kit.aws._web_acl_rules import metric_name, plan_rules
from infra_kit.aws.key import Key, KeyArgs
from infra_kit.aws.web_acl import WebAcl, WebAclArgs
from infra_kit.core.environment import Environment
from infra_kit.errors import ValidationError
from infra_kit.policy import RULES, GraphDoc, rules_for
from infra_kit.testing import run_offline

ACL = "aws:wafv2/webAcl:WebAcl"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
LOGGING = "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"
#: The rate limits and retentions the built-in profiles give (infra_kit/core/profile/edge.py).
RATE = {"dev": 2000, "preview": 1000, "stage": 2000, "prod": 2000}
RETENTION = {"dev": 14, "preview": 3, "stage": 30, "prod": 90}


def _graph(environment: str, overrides: dict[str, Any] | None = None) -> Any:
    def build(env: Environment) -> None:
        key = Key("edge-key", KeyArgs(description="edge", log_group_access=True), env)
        WebAcl("edge", WebAclArgs(key=key), env)

    return run_offline(build, environment=environment, overrides=overrides)


def _visibility(metric: str) -> dict[str, Any]:
    return {"cloudwatchMetricsEnabled": True, "metricName": metric, "sampledRequestsEnabled": True}


@pytest.mark.parametrize("environment", sorted(RATE))
def test_the_acl_runs_the_three_managed_groups_and_a_blocking_rate_rule(environment: str) -> None:
    inputs = _graph(environment).named("edge", ACL)["inputs"]
    name = f"test-{environment}-edge"
    assert inputs["name"] == name
    assert inputs["scope"] == "REGIONAL"
    assert inputs["defaultAction"] == {"allow": {}}
    assert inputs["visibilityConfig"] == _visibility(name)

    def group(group_name: str, priority: int) -> dict[str, Any]:
        return {
            "name": group_name,
            "priority": priority,
            "overrideAction": {"none": {}},
            "statement": {"managedRuleGroupStatement": {"vendorName": "AWS", "name": group_name}},
            "visibilityConfig": _visibility(f"{name}-{group_name}"),
        }

    assert inputs["rules"] == [
        group("AWSManagedRulesAmazonIpReputationList", 0),
        group("AWSManagedRulesCommonRuleSet", 1),
        group("AWSManagedRulesKnownBadInputsRuleSet", 2),
        {
            "name": "rate-limit-per-client",
            "priority": 3,
            "action": {"block": {}},
            "statement": {
                "rateBasedStatement": {
                    "limit": RATE[environment],
                    "aggregateKeyType": "IP",
                    "evaluationWindowSec": 300,
                }
            },
            "visibilityConfig": _visibility(f"{name}-rate-limit-per-client"),
        },
    ]


def test_the_rate_limit_comes_from_the_profile() -> None:
    inputs = _graph("dev", {"edge": {"waf_rate_limit_per_5_minutes": 500}}).named("edge", ACL)[
        "inputs"
    ]
    assert inputs["rules"][-1]["statement"]["rateBasedStatement"]["limit"] == 500


@pytest.mark.parametrize(("environment", "protected"), [("dev", False), ("prod", True)])
def test_every_request_is_logged_encrypted_with_credentials_redacted(
    environment: str, protected: bool
) -> None:
    graph = _graph(environment)
    group = graph.named("edge-logs", LOG_GROUP)
    assert group["inputs"]["name"] == f"aws-waf-logs-test-{environment}-edge"
    assert group["inputs"]["retentionInDays"] == RETENTION[environment]
    assert group["inputs"]["kmsKeyId"].startswith("arn:aws:kms:us-east-1:123456789012:key/")
    assert group["protect"] is protected
    assert group["inputs"]["deletionProtectionEnabled"] is protected
    logging = graph.named("edge-logging", LOGGING)["inputs"]
    assert logging["resourceArn"].startswith(
        "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/"
    )
    assert logging["logDestinationConfigs"] == [
        f"arn:aws:logs:us-east-1:123456789012:log-group:aws-waf-logs-test-{environment}-edge"
    ]
    assert logging["redactedFields"] == [
        {"singleHeader": {"name": "authorization"}},
        {"singleHeader": {"name": "cookie"}},
    ]


def test_the_acl_meets_its_own_rule_and_its_key_admits_its_log_group() -> None:
    rules_for()
    graph = GraphDoc(_graph("prod").to_contract())
    assert RULES["IK-EDGE-1-WAF-RULES"].run(graph) == []
    # CloudWatch Logs may use the environment's key for the aws-waf-logs- group (OBS-2).
    assert RULES["IK-OBS-2-LOG-GROUP-KEY-SCOPE"].run(graph) == []


def test_a_key_that_cannot_encrypt_the_waf_log_group_is_refused_before_anything_exists() -> None:
    def build(env: Environment) -> None:
        key = Key(
            "edge-key",
            KeyArgs(description="edge", log_group_access=True, log_group_prefixes=("/other/",)),
            env,
        )
        WebAcl("edge", WebAclArgs(key=key), env)

    with pytest.raises(ValidationError) as caught:
        run_offline(build, environment="prod")
    assert caught.value.key == "key"
    assert "aws-waf-logs-test-prod-edge" in str(caught.value)
    assert "log_group_prefixes" in caught.value.fix


def test_metric_names_keep_to_the_characters_waf_accepts() -> None:
    assert metric_name("a.b c", "d/e") == "a-b-c-d-e"
    assert len(metric_name("x" * 200)) == 128


@pytest.mark.parametrize("limit", [9, 2_000_000_001])
def test_a_rate_limit_outside_what_waf_accepts_is_refused(limit: int) -> None:
    with pytest.raises(ValueError, match="outside WAF's 10..2000000000"):
        plan_rules("acl", limit)
