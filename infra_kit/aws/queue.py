"""An SQS queue with its dead-letter queue: encrypted with the key, TLS-only, exactly granted."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra_kit.aws import actions
from infra_kit.aws._policy import PolicyDocument, Statement
from infra_kit.aws.alarms import AlarmTopics
from infra_kit.aws.grants import Grantee, attach_policy, kms_via_service
from infra_kit.aws.key import Key
from infra_kit.aws.queue_alarms import queue_alarms
from infra_kit.core.component import Component
from infra_kit.core.environment import Environment
from infra_kit.errors import ValidationError

__all__ = [
    "DEAD_LETTER_RETENTION_SECONDS",
    "MAX_VISIBILITY_TIMEOUT_SECONDS",
    "Queue",
    "QueueArgs",
]

#: The longest SQS keeps a message (14 days): what the dead-letter queue keeps, so a message
#: that failed every delivery stays there long enough to be read and redriven.
DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3600
#: The longest a received message may stay hidden from other consumers (12 hours).
MAX_VISIBILITY_TIMEOUT_SECONDS = 12 * 3600
#: The shortest and the longest a queue keeps a message: 1 minute to 14 days.
_RETENTION_RANGE = (60, DEAD_LETTER_RETENTION_SECONDS)


@dataclass(frozen=True)
class QueueArgs:
    """Arguments of :class:`Queue`.

    Args:
        key: the customer-managed key that encrypts messages at rest (SEC-3); it must be usable
            through SQS (``KeyArgs.via_services`` includes ``"sqs"``).
        fifo: a FIFO queue (and FIFO dead-letter queue): ordered per message group,
            exactly-once processing; names end in ``.fifo``. Default: False (standard).
        content_based_deduplication: for a FIFO queue, deduplicate on a hash of the body when a
            producer sends no deduplication id. Default: False. Refused on a standard queue.
        visibility_timeout_seconds: how long a received message stays hidden from other
            consumers, 0 to 43200; set it above the longest time a consumer takes to process
            one (and delete it), or a slow message is delivered twice. Default: 30.
        max_receive_count: deliveries of one message before SQS moves it to the dead-letter
            queue, 1 to 1000. Default: 5.
        message_retention_seconds: how long the queue keeps an unconsumed message, 60 to
            1209600. Default: 345600 (4 days, SQS's own). The dead-letter queue always keeps
            messages 14 days, the most SQS allows.
        receive_wait_time_seconds: long polling, 0 to 20: a receive waits this long for a
            message instead of returning empty at once. Default: 20 (fewer empty receives).
        alarm_topics: where the queue's alarms notify, usually ``AlarmTopics.from_stack(platform)``
            (OBS-3): the age of the oldest message and any message in the dead-letter queue.
            Default: none, so no alarms are created.
    """

    key: Key
    fifo: bool = False
    content_based_deduplication: bool = False
    visibility_timeout_seconds: int = 30
    max_receive_count: int = 5
    message_retention_seconds: int = 4 * 24 * 3600
    receive_wait_time_seconds: int = 20
    alarm_topics: AlarmTopics | None = None


def _check(args: QueueArgs) -> None:
    if "sqs" not in args.key.via_services:
        raise ValidationError(
            "key",
            args.key.component_name,
            "the key is not usable through SQS, so nothing could send to the queue",
            "add 'sqs' to its KeyArgs.via_services",
        )
    if args.content_based_deduplication and not args.fifo:
        raise ValidationError(
            "content_based_deduplication",
            True,
            "only a FIFO queue deduplicates",
            "set fifo=True, or drop content_based_deduplication",
        )
    ranges = {
        "visibility_timeout_seconds": (0, MAX_VISIBILITY_TIMEOUT_SECONDS),
        "max_receive_count": (1, 1000),
        "message_retention_seconds": _RETENTION_RANGE,
        "receive_wait_time_seconds": (0, 20),
    }
    for field, (low, high) in ranges.items():
        value = getattr(args, field)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValidationError(
                field, value, f"SQS accepts {low} to {high}", "give a whole number in that range"
            )


def _tls_only(queue_arn: pulumi.Output[str]) -> PolicyDocument:
    # prescription: SEC-3 -- any request to the queue over plain HTTP is refused, whoever makes it.
    return PolicyDocument(
        [
            Statement(
                sid="DenyInsecureTransport",
                effect="Deny",
                principals={"AWS": ["*"]},
                actions=["sqs:*"],
                resources=[queue_arn],
                conditions={"Bool": {"aws:SecureTransport": "false"}},
            )
        ]
    )


class Queue(Component):
    """An SQS queue whose failed messages go to a dead-letter queue, both encrypted and TLS-only.

    Children, for a queue named ``<name>``:

    - ``aws.sqs.Queue`` ``<name>-dead-letters`` (keeps messages 14 days; SSE-KMS with the key;
      FIFO when the queue is; protected and retained where the profile protects state);
    - ``aws.sqs.Queue`` ``<name>`` (SSE-KMS with the key, long polling, a redrive policy that
      moves a message to the dead-letter queue after ``max_receive_count`` deliveries;
      protected and retained where the profile protects state);
    - ``aws.sqs.RedriveAllowPolicy`` ``<name>-dead-letters-redrive-allow``: only this queue
      may use the dead-letter queue;
    - ``aws.sqs.QueuePolicy`` ``<name>-policy`` and ``<name>-dead-letters-policy``: deny any
      request without TLS;
    - with ``alarm_topics``, the warning and critical ``aws.cloudwatch.MetricAlarm`` pairs of
      :func:`infra_kit.aws.queue_alarms.queue_alarms`: ``<name>-oldest-message-*`` and
      ``<name>-dead-letters-*``.

    Attributes: ``queue`` and ``dead_letter_queue`` (the ``aws.sqs.Queue`` children); ``arn``,
    ``url`` and ``queue_name`` of the queue; ``dead_letter_arn``; ``key``; ``alarms``.

    Grants: :meth:`grant_send` and :meth:`grant_consume` add one inline policy to the grantee's
    role, with the exact actions of :data:`infra_kit.aws.actions.SQS_SEND` or ``SQS_CONSUME``
    on this queue and the key's use through SQS only.

    Prescriptions: SEC-1 (exact grants), SEC-3 (CMK at rest, TLS in transit), DR-1 (protected and
    retained where the profile says; failed messages kept, not dropped), OBS-3 (alarms).

    Args:
        name: the component's name; every child's logical name starts with it.
        args: its settings, [QueueArgs][infra_kit.aws.QueueArgs].
        env: the stack's [Environment][infra_kit.core.environment.Environment]: profile, tags and
            AWS provider.
        opts: Pulumi options for the component; every child is parented to it.

    Attributes:
        queue: the ``aws.sqs.Queue``.
        dead_letter_queue: its dead-letter ``aws.sqs.Queue``.
        url: the queue's URL, what a producer or consumer is given.
        arn: the queue's ARN.
        queue_name: the queue's name.
        dead_letter_arn: the dead-letter queue's ARN.
        key: the [Key][infra_kit.aws.Key] that encrypts both queues.
        fifo: whether both are FIFO queues.
        alarms: the alarms on the queues, by signal; empty without ``alarm_topics``.
    """

    TYPE = "infra-kit:aws:Queue"

    def __init__(
        self,
        name: str,
        args: QueueArgs,
        env: Environment,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        _check(args)
        super().__init__(name, env, opts)
        self.key = args.key
        self.fifo = args.fifo
        fifo = args.fifo or None
        self.dead_letter_queue = aws.sqs.Queue(
            self.child("dead-letters"),
            aws.sqs.QueueArgs(
                fifo_queue=fifo,
                kms_master_key_id=args.key.arn,
                message_retention_seconds=DEAD_LETTER_RETENTION_SECONDS,
                receive_wait_time_seconds=args.receive_wait_time_seconds,
                visibility_timeout_seconds=args.visibility_timeout_seconds,
            ),
            opts=self.stateful_opts(),
        )
        redrive = self.dead_letter_queue.arn.apply(
            lambda arn: json.dumps(
                {"deadLetterTargetArn": arn, "maxReceiveCount": args.max_receive_count},
                sort_keys=True,
            )
        )
        self.queue = aws.sqs.Queue(
            name,
            aws.sqs.QueueArgs(
                fifo_queue=fifo,
                content_based_deduplication=args.content_based_deduplication or None,
                kms_master_key_id=args.key.arn,
                message_retention_seconds=args.message_retention_seconds,
                receive_wait_time_seconds=args.receive_wait_time_seconds,
                visibility_timeout_seconds=args.visibility_timeout_seconds,
                redrive_policy=redrive,
            ),
            opts=self.stateful_opts(),
        )
        self.arn: pulumi.Output[str] = self.queue.arn
        self.url: pulumi.Output[str] = self.queue.url
        self.queue_name: pulumi.Output[str] = self.queue.name
        self.dead_letter_arn: pulumi.Output[str] = self.dead_letter_queue.arn
        allow = self.queue.arn.apply(
            lambda arn: json.dumps(
                {"redrivePermission": "byQueue", "sourceQueueArns": [arn]}, sort_keys=True
            )
        )
        aws.sqs.RedriveAllowPolicy(
            self.child("dead-letters", "redrive-allow"),
            aws.sqs.RedriveAllowPolicyArgs(
                queue_url=self.dead_letter_queue.url, redrive_allow_policy=allow
            ),
            opts=self.child_opts(),
        )
        for label, queue in (
            ("policy", self.queue),
            ("dead-letters-policy", self.dead_letter_queue),
        ):
            aws.sqs.QueuePolicy(
                self.child(label),
                aws.sqs.QueuePolicyArgs(queue_url=queue.url, policy=_tls_only(queue.arn).to_json()),
                opts=self.child_opts(),
            )
        self.alarms = (
            queue_alarms(
                self,
                None,
                queue_name=self.queue.name,
                dead_letter_queue_name=self.dead_letter_queue.name,
                topics=args.alarm_topics,
            )
            if args.alarm_topics is not None
            else {}
        )
        self.register_outputs(
            {"arn": self.arn, "url": self.url, "dead_letter_arn": self.dead_letter_arn}
        )

    # -- grants ---------------------------------------------------------------------------------
    def grant_send(self, grantee: Grantee) -> aws.iam.RolePolicy:
        """Let ``grantee`` send messages to the queue (and encrypt them with the key).

        One inline policy ``<role>-<name>-send``: :data:`actions.SQS_SEND` on the queue, and
        :data:`actions.KMS_SQS_SEND` on the key through SQS only.
        """
        return self._grant(grantee, "send", actions.SQS_SEND, actions.KMS_SQS_SEND)

    def grant_consume(self, grantee: Grantee) -> aws.iam.RolePolicy:
        """Let ``grantee`` receive, delete and extend messages of the queue (and decrypt them).

        One inline policy ``<role>-<name>-consume``: :data:`actions.SQS_CONSUME` on the queue,
        and ``kms:Decrypt`` on the key through SQS only. The dead-letter queue is not granted:
        redriving its messages is an operator's act.
        """
        return self._grant(grantee, "consume", actions.SQS_CONSUME, actions.KMS_DECRYPT)

    def _grant(
        self,
        grantee: Grantee,
        verb: str,
        queue_actions: tuple[str, ...],
        key_actions: tuple[str, ...],
    ) -> aws.iam.RolePolicy:
        document = PolicyDocument(
            [
                Statement(actions=queue_actions, resources=[self.arn]),
                kms_via_service(self.key.arn, "sqs", self.env.region, key_actions),
            ]
        )
        return attach_policy(grantee, f"{self.component_name}-{verb}", document, parent=self)
