"""The Notifications component: one encrypted topic per environment, its publishers and who reads it (OBS-3)."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest

from infra_kit.aws._topic_policy import TOPIC_ADMIN_ACTIONS, subscription_suffix
from infra_kit.aws.key import Key, KeyArgs
from infra_kit.aws.notifications import Notifications, NotificationsArgs
from infra_kit.core.engine import Graph
from infra_kit.core.environment import Environment
from infra_kit.core.profile.observability import NotificationSubscription
from infra_kit.errors import ValidationError
from infra_kit.testing import run_offline

TOPIC = "aws:sns/topic:Topic"
TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
KEY = "aws:kms/key:Key"
ACCOUNT = "123456789012"
PUBLISHERS = ["backup", "budgets", "cloudwatch", "events"]
ONCALL = {"protocol": "email", "endpoint": "platform-oncall@example.com"}
WEBHOOK = {"protocol": "https", "endpoint": "https://hooks.example.com/alerts"}


def _run(
    environment: str,
    subscriptions: list[dict[str, str]] | None = None,
    *,
    service_principals: tuple[str, ...] = tuple(PUBLISHERS),
) -> Graph:
    def build(env: Environment) -> None:
        key = Key("platform", KeyArgs(description="k", service_principals=service_principals), env)
        Notifications("alerts", NotificationsArgs(key=key), env)
        pulumi.export("key_arn", key.arn)

    overrides: dict[str, Any] = {}
    if subscriptions is not None:
        overrides["alarms"] = {"notification_subscriptions": subscriptions}
    return run_offline(build, environment=environment, overrides=overrides)


def _policy(graph: Graph) -> list[dict[str, Any]]:
    return json.loads(graph.named("alerts-policy", TOPIC_POLICY)["inputs"]["policy"])["Statement"]


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_the_topic_is_encrypted_with_the_environments_key_and_protected_where_state_is(
    environment: str,
) -> None:
    graph = _run(environment, [ONCALL])
    topic = graph.named("alerts", TOPIC)
    assert topic["inputs"]["kmsMasterKeyId"] == graph.outputs["key_arn"]
    assert graph.outputs["key_arn"].startswith("arn:aws:kms:us-east-1:")
    assert topic["parent"].endswith("infra-kit:aws:Notifications::alerts")
    assert topic["protect"] is (environment == "prod")


def test_the_key_lets_exactly_the_four_publishers_use_it_for_this_account_only() -> None:
    graph = _run("dev")
    statements = json.loads(graph.named("platform", KEY)["inputs"]["policy"])["Statement"]
    (service,) = [s for s in statements if "Service" in s["Principal"]]
    assert service["Principal"]["Service"] == [f"{p}.amazonaws.com" for p in PUBLISHERS]
    assert service["Action"] == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert service["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}


def test_the_topic_policy_admits_exactly_the_four_services_from_this_account_and_nothing_anonymous() -> (
    None
):
    statements = _policy(_run("dev"))
    allows = [s for s in statements if s["Effect"] == "Allow"]
    publishers = [s for s in allows if "sns:Publish" in s["Action"]]
    assert len(publishers) == 1
    (publish,) = publishers
    assert publish["Principal"] == {"Service": [f"{p}.amazonaws.com" for p in PUBLISHERS]}
    assert publish["Action"] == ["sns:Publish"]
    assert publish["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
    (admin,) = [s for s in allows if s is not publish]
    assert admin["Principal"] == {"AWS": [f"arn:aws:iam::{ACCOUNT}:root"]}
    assert admin["Action"] == sorted(TOPIC_ADMIN_ACTIONS)
    # No Allow names anyone but the account or the four services.
    assert all("*" not in json.dumps(s["Principal"]) for s in allows)


def test_publishing_without_tls_is_denied_to_everyone() -> None:
    statements = _policy(_run("dev"))
    (deny,) = [s for s in statements if s["Effect"] == "Deny"]
    assert deny["Principal"] == {"AWS": ["*"]}
    assert deny["Action"] == ["sns:Publish"]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_each_profile_subscription_subscribes_under_a_name_that_no_other_entry_moves() -> None:
    graph = _run("prod", [ONCALL, WEBHOOK])
    subs = {r["name"]: r["inputs"] for r in graph.of_type(SUBSCRIPTION)}
    oncall = subscription_suffix(NotificationSubscription(**ONCALL))
    webhook = subscription_suffix(NotificationSubscription(**WEBHOOK))
    topics = {
        "alerts": graph.named("alerts", TOPIC),
        "alerts-critical": graph.named("alerts-critical", TOPIC),
    }
    expected = {f"{t}-{s}" for t in topics for s in (oncall, webhook)}
    assert set(subs) == expected
    for topic_name in topics:
        assert subs[f"{topic_name}-{oncall}"]["protocol"] == "email"
        assert subs[f"{topic_name}-{oncall}"]["endpoint"] == ONCALL["endpoint"]
        assert subs[f"{topic_name}-{webhook}"]["protocol"] == "https"
    # Each severity's subscription is to its own topic.
    assert subs[f"alerts-{oncall}"]["topic"] != subs[f"alerts-critical-{oncall}"]["topic"]
    assert "example.com" not in oncall
    only_webhook = {r["name"] for r in _run("prod", [WEBHOOK]).of_type(SUBSCRIPTION)}
    assert only_webhook == {f"alerts-{webhook}", f"alerts-critical-{webhook}"}


def test_a_pager_subscribed_to_critical_alerts_only_never_hears_a_warning() -> None:
    pager = {**WEBHOOK, "severities": ["critical"]}
    graph = _run("prod", [ONCALL, pager])
    suffix = subscription_suffix(NotificationSubscription(**WEBHOOK))
    names = {r["name"] for r in graph.of_type(SUBSCRIPTION)}
    assert f"alerts-critical-{suffix}" in names
    assert f"alerts-{suffix}" not in names
    # Both topics are encrypted, protected alike and carry the same publishers' policy.
    warning, critical = graph.named("alerts", TOPIC), graph.named("alerts-critical", TOPIC)
    assert critical["inputs"]["kmsMasterKeyId"] == warning["inputs"]["kmsMasterKeyId"]
    assert critical["protect"] is warning["protect"] is True
    policies = {r["name"] for r in graph.of_type(TOPIC_POLICY)}
    assert policies == {"alerts-policy", "alerts-critical-policy"}


def test_dev_may_have_a_topic_nobody_is_subscribed_to_yet() -> None:
    graph = _run("dev")
    assert graph.named("alerts", TOPIC)
    assert graph.of_type(SUBSCRIPTION) == []


@pytest.mark.parametrize("environment", ["stage", "prod"])
def test_a_protected_environment_without_subscriptions_is_refused_naming_the_key_and_the_fix(
    environment: str,
) -> None:
    with pytest.raises(ValidationError) as caught:
        _run(environment)
    message = str(caught.value)
    assert caught.value.key == "alarms.notification_subscriptions"
    assert f"the {environment} environment requires a subscriber" in message
    assert f"Pulumi.{environment}.yaml" in message
    assert "notification_subscriptions: [{protocol: email" in message


def test_a_key_the_publishers_cannot_use_is_refused_before_the_topic_exists() -> None:
    with pytest.raises(ValidationError) as caught:
        _run("dev", service_principals=("cloudwatch",))
    assert caught.value.key == "key"
    assert "backup, budgets, events could not use the key" in str(caught.value)
    assert "service_principals=('backup', 'budgets', 'cloudwatch', 'events')" in str(caught.value)
