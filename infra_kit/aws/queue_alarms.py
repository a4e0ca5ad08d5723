"""Alarms of an SQS queue and its dead-letter queue (OBS-3), for the component that owns them.

A queue component calls :func:`queue_alarms` with its own queue's and dead-letter queue's names;
the thresholds come from the profile's ``alarms`` section:

- ``<name>-oldest-message``: ``AWS/SQS`` ``ApproximateAgeOfOldestMessage`` (``Maximum``) of the
  queue above ``queue_oldest_message_warning_seconds`` / ``_critical_seconds``, over
  ``alarms.period_seconds`` x ``evaluation_periods``: consumers are stuck or too few.
- ``<name>-dead-letters``: ``ApproximateNumberOfMessagesVisible`` (``Maximum``) of the
  dead-letter queue at or above ``dead_letter_warning_messages`` / ``_critical_messages``, after
  one period: a message there failed every retry and stays until someone acts, so waiting for more
  periods only delays the news.

Missing data is not breaching: SQS stops publishing a queue's metrics some hours after it was
last active, and an idle, empty queue is healthy.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from infra_kit.aws.alarms import AlarmTopics, Metric, Severity, alarm_pair
from infra_kit.core.component import Component

__all__ = ["ALARM_SECTION", "queue_alarms"]

#: The dashboard section of queue alarms (OBS-4).
ALARM_SECTION = "Queues"


def _metric(name: str, queue_name: pulumi.Input[str], period: int) -> Metric:
    return Metric("AWS/SQS", name, {"QueueName": queue_name}, "Maximum", period)


def _signal(name: str | None, what: str) -> str:
    return f"{name}-{what}" if name else what


def queue_alarms(
    owner: Component,
    name: str | None,
    *,
    queue_name: pulumi.Input[str],
    dead_letter_queue_name: pulumi.Input[str] | None,
    topics: AlarmTopics,
) -> dict[str, dict[Severity, aws.cloudwatch.MetricAlarm]]:
    """The oldest-message pair on ``queue_name`` and, with one, the dead-letter pair.

    ``name`` prefixes the alarms' signals (``<name>-oldest-message``, ``<name>-dead-letters``),
    children of ``owner``; ``None`` for an owner that is the queue (its alarms are then
    ``<owner>-oldest-message-*`` and ``<owner>-dead-letters-*``). ``queue_name`` and ``dead_letter_queue_name`` are the queues' names
    (``aws.sqs.Queue.name``), which is SQS's metric dimension, not their URLs or ARNs.
    """
    limits = owner.env.profile.alarms
    period = limits.period_seconds
    pairs = {
        "oldest-message": alarm_pair(
            owner,
            _signal(name, "oldest-message"),
            signal=_metric("ApproximateAgeOfOldestMessage", queue_name, period),
            comparison="above",
            warning=limits.queue_oldest_message_warning_seconds,
            critical=limits.queue_oldest_message_critical_seconds,
            topics=topics,
            section=ALARM_SECTION,
            description="Age of the oldest message in the queue (seconds); consumers are "
            "stopped, failing or too few: check their logs and scaling",
            evaluation_periods=limits.evaluation_periods,
            treat_missing_data="notBreaching",
        )
    }
    if dead_letter_queue_name is not None:
        pairs["dead-letters"] = alarm_pair(
            owner, _signal(name, "dead-letters"),
            signal=_metric("ApproximateNumberOfMessagesVisible", dead_letter_queue_name, period),
            comparison="at-or-above",
            warning=limits.dead_letter_warning_messages,
            critical=limits.dead_letter_critical_messages,
            topics=topics, section=ALARM_SECTION,
            description="Messages in the dead-letter queue, which failed every delivery; read "
            "one, fix the consumer, then redrive them to the source queue",
            evaluation_periods=1, treat_missing_data="notBreaching",
        )  # fmt: skip
    return pairs
