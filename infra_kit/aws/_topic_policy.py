"""The access policy of an environment's notification topic, and its subscriptions' names (OBS-3).

Pure logic: no Pulumi resources are created here.

The policy admits exactly the AWS services that publish alerts (CloudWatch alarms, AWS Budgets,
AWS Backup, EventBridge), each only for this account (``aws:SourceAccount``), lets the account
administer the topic, and refuses any publish that does not use TLS (``aws:SecureTransport``).
Principals of the account itself are governed by their own IAM policies, as within any account.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from infra_kit.aws._policy import PolicyDocument, Statement
from infra_kit.core.profile.observability import NotificationSubscription

__all__ = [
    "TOPIC_ADMIN_ACTIONS",
    "TOPIC_PUBLISHERS",
    "subscription_suffix",
    "topic_policy",
]

#: Services that publish alerts to the topic, by the name of their service principal
#: ``<name>.amazonaws.com``. Each also needs the topic's key (``KeyArgs.service_principals``).
TOPIC_PUBLISHERS: tuple[str, ...] = ("backup", "budgets", "cloudwatch", "events")

#: What the account administers on its topic; publishing is not among them.
TOPIC_ADMIN_ACTIONS: tuple[str, ...] = (
    "sns:AddPermission",
    "sns:DeleteTopic",
    "sns:GetTopicAttributes",
    "sns:ListSubscriptionsByTopic",
    "sns:RemovePermission",
    "sns:SetTopicAttributes",
    "sns:Subscribe",
)


def topic_policy(
    topic_arn: str, account: str, partition: str, publishers: Sequence[str] = TOPIC_PUBLISHERS
) -> PolicyDocument:
    """The topic's access policy: administration by the account, publishing by ``publishers``
    for this account only, and no publishing without TLS."""
    return PolicyDocument(
        [
            Statement(
                sid="AccountAdministers",
                actions=TOPIC_ADMIN_ACTIONS,
                resources=[topic_arn],
                principals={"AWS": [f"arn:{partition}:iam::{account}:root"]},
            ),
            Statement(
                sid="AlertingServicesPublishForThisAccount",
                actions=("sns:Publish",),
                resources=[topic_arn],
                principals={"Service": [f"{s}.amazonaws.com" for s in sorted(publishers)]},
                conditions={"StringEquals": {"aws:SourceAccount": account}},
            ),
            Statement(
                sid="PublishOnlyOverTls",
                effect="Deny",
                actions=("sns:Publish",),
                resources=[topic_arn],
                principals={"AWS": ["*"]},
                conditions={"Bool": {"aws:SecureTransport": "false"}},
            ),
        ]
    )


def subscription_suffix(subscription: NotificationSubscription) -> str:
    """A stable child-name suffix of one subscription: its protocol and 8 hex digits of its
    endpoint's hash, so adding or removing another subscription never renames this one, and an
    address never appears in a logical name."""
    digest = hashlib.sha256(subscription.endpoint.encode()).hexdigest()[:8]
    return f"{subscription.protocol}-{digest}"
