"""The notification topic of one environment, where alarms, budgets and backups report (OBS-3)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra_kit.aws._topic_policy import TOPIC_PUBLISHERS, subscription_suffix, topic_policy
from infra_kit.aws.key import Key
from infra_kit.core.component import Component
from infra_kit.core.environment import Environment
from infra_kit.core.naming import child_name
from infra_kit.core.profile.observability import NotificationSubscription
from infra_kit.errors import ValidationError

__all__ = ["Notifications", "NotificationsArgs"]


@dataclass(frozen=True)
class NotificationsArgs:
    """Arguments of :class:`Notifications`.

    Args:
        key: the environment's customer-managed key, which encrypts the topic. Required; it must
            let the publishing services use it: ``KeyArgs(service_principals=("backup",
            "budgets", "cloudwatch", "events"))``.

    Who is subscribed is not an argument: it comes from the profile's
    ``alarms.notification_subscriptions``, set per environment in the stack file.
    """

    key: Key


# prescription: OBS-3 -- a warning and a critical topic for each environment.
class Notifications(Component):
    """The alert topics of one environment, encrypted with the environment's key: one for
    warnings, one for critical alerts, so the two severities reach people differently.

    Children, for the warning topic ``<name>`` and the critical topic ``<name>-critical`` each:
    ``aws.sns.Topic`` (``kms_master_key_id`` the environment's key; protected where the profile
    protects state), ``aws.sns.TopicPolicy`` ``<topic>-policy`` and one
    ``aws.sns.TopicSubscription`` ``<topic>-<protocol>-<hash of the endpoint>`` per entry of the
    profile's ``alarms.notification_subscriptions`` whose ``severities`` include the topic's.

    The topic policy admits publishing only by CloudWatch alarms, AWS Budgets, AWS Backup and
    EventBridge acting for this account, and only over TLS; the account administers the topic
    (:mod:`infra_kit.aws._topic_policy`). Where the profile's
    ``alarms.require_notification_subscription`` is on (stage, prod), a topic without
    subscriptions is refused: its alerts would reach nobody.

    Prescriptions: OBS-3 (a notification topic per environment), SEC-3 (encrypted with the
    environment's CMK), SEC-1 (named publishers only, for this account).

    Args:
        name: the component's name; every child's logical name starts with it.
        args: its settings, [NotificationsArgs][infra_kit.aws.NotificationsArgs].
        env: the stack's [Environment][infra_kit.core.environment.Environment]: profile, tags and
            AWS provider.
        opts: Pulumi options for the component; every child is parented to it.

    Attributes:
        topic: the warning ``aws.sns.Topic`` (``alerts``).
        topic_arn: its ARN.
        critical_topic: the critical ``aws.sns.Topic`` (``alerts-critical``).
        critical_topic_arn: its ARN.
    """

    TYPE = "infra-kit:aws:Notifications"

    def __init__(
        self,
        name: str,
        args: NotificationsArgs,
        env: Environment,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        missing = sorted(set(TOPIC_PUBLISHERS) - set(args.key.service_principals))
        if missing:
            raise ValidationError(
                "key",
                f"{args.key.component_name} (service_principals="
                f"{list(args.key.service_principals)})",
                f"{', '.join(missing)} could not use the key, so their alerts to a topic "
                "encrypted with it would be dropped (OBS-3)",
                f"create the key with KeyArgs(service_principals={TOPIC_PUBLISHERS!r})",
            )
        alarms = env.profile.alarms
        subscriptions = alarms.notification_subscriptions
        if not subscriptions and alarms.require_notification_subscription:
            raise ValidationError(
                "alarms.notification_subscriptions",
                [],
                f"the {env.profile.name} environment requires a subscriber "
                "(alarms.require_notification_subscription), and a topic nobody reads sends its "
                "alerts to nobody (OBS-3)",
                f"add to Pulumi.{env.stack}.yaml under {env.project}:environment: "
                "alarms: {notification_subscriptions: [{protocol: email, endpoint: "
                "<the on-call team's address>}]}",
            )
        super().__init__(name, env, opts)
        self.topic = self._topic(name, args.key, subscriptions, "warning")
        self.critical_topic = self._topic(
            self.child("critical"), args.key, subscriptions, "critical"
        )
        #: Where warnings go: warning alarms, budgets and backups (OBS-3).
        self.topic_arn: pulumi.Output[str] = self.topic.arn
        #: Where critical alarms go; a pager subscribes here only.
        self.critical_topic_arn: pulumi.Output[str] = self.critical_topic.arn
        self.register_outputs(
            {"topic_arn": self.topic_arn, "critical_topic_arn": self.critical_topic_arn}
        )

    def _topic(
        self,
        name: str,
        key: Key,
        subscriptions: tuple[NotificationSubscription, ...],
        severity: str,
    ) -> aws.sns.Topic:
        """One encrypted topic, its policy and the subscriptions that take ``severity``."""
        topic = aws.sns.Topic(
            name, aws.sns.TopicArgs(kms_master_key_id=key.arn), opts=self.stateful_opts()
        )
        env = self.env
        policy = pulumi.Output.all(topic.arn, env.account_id).apply(
            lambda values: topic_policy(values[0], values[1], env.partition).to_dict()
        )
        aws.sns.TopicPolicy(
            child_name(name, "policy"),
            aws.sns.TopicPolicyArgs(arn=topic.arn, policy=pulumi.Output.json_dumps(policy)),
            opts=self.child_opts(),
        )
        for s in subscriptions:
            if severity in s.severities:
                aws.sns.TopicSubscription(
                    child_name(name, subscription_suffix(s)),
                    aws.sns.TopicSubscriptionArgs(
                        topic=topic.arn, protocol=s.protocol, endpoint=s.endpoint
                    ),
                    opts=self.child_opts(),
                )
        return topic
