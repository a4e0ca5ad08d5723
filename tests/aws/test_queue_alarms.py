"""queue_alarms: the oldest-message and dead-letter pairs a queue component calls (OBS-3)."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

from infra_kit.aws.alarms import AlarmTopics
from infra_kit.aws.queue_alarms import queue_alarms
from infra_kit.core.component import Component
from infra_kit.core.environment import Environment
from infra_kit.testing import run_offline

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TOPICS = AlarmTopics(
    warning="arn:aws:sns:us-east-1:123456789012:w", critical="arn:aws:sns:us-east-1:123456789012:c"
)


class _Jobs(Component):
    TYPE = "infra-kit:test:Jobs"

    def __init__(self, env: Environment, *, with_dead_letters: bool = True) -> None:
        super().__init__("jobs", env, None)
        dead = aws.sqs.Queue(self.child("dead"), opts=self.child_opts())
        queue = aws.sqs.Queue("jobs", opts=self.child_opts())
        pulumi.export("queue_name", queue.name)
        pulumi.export("dead_name", dead.name)
        queue_alarms(
            self,
            "jobs",
            queue_name=queue.name,
            dead_letter_queue_name=dead.name if with_dead_letters else None,
            topics=TOPICS,
        )


def _alarms(graph: Any) -> dict[str, dict[str, Any]]:
    return {r["name"]: r["inputs"] for r in graph.of_type(ALARM)}


def test_oldest_message_and_dead_letter_pairs_on_the_right_queues() -> None:
    graph = run_offline(lambda env: _Jobs(env) and None, environment="prod")
    alarms = _alarms(graph)
    assert sorted(alarms) == [
        "jobs-jobs-dead-letters-critical",
        "jobs-jobs-dead-letters-warning",
        "jobs-jobs-oldest-message-critical",
        "jobs-jobs-oldest-message-warning",
    ]
    age_w, age_c = (
        alarms["jobs-jobs-oldest-message-warning"],
        alarms["jobs-jobs-oldest-message-critical"],
    )
    assert age_w["namespace"] == "AWS/SQS"
    assert age_w["metricName"] == "ApproximateAgeOfOldestMessage"
    assert age_w["dimensions"] == {"QueueName": graph.outputs["queue_name"]}
    assert (age_w["threshold"], age_c["threshold"]) == (300, 900)
    assert age_w["comparisonOperator"] == "GreaterThanThreshold"
    assert age_w["evaluationPeriods"] == 3
    dlq_w, dlq_c = (
        alarms["jobs-jobs-dead-letters-warning"],
        alarms["jobs-jobs-dead-letters-critical"],
    )
    assert dlq_w["metricName"] == "ApproximateNumberOfMessagesVisible"
    assert dlq_w["dimensions"] == {"QueueName": graph.outputs["dead_name"]}
    assert (dlq_w["threshold"], dlq_c["threshold"]) == (1, 10)
    assert dlq_w["comparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert dlq_w["evaluationPeriods"] == 1
    for name, inputs in alarms.items():
        assert inputs["statistic"] == "Maximum"
        assert inputs["treatMissingData"] == "notBreaching"
        topic = TOPICS.warning if name.endswith("-warning") else TOPICS.critical
        assert inputs["alarmActions"] == [topic]


def test_a_queue_without_dead_letters_gets_only_the_age_pair() -> None:
    graph = run_offline(lambda env: _Jobs(env, with_dead_letters=False) and None, environment="dev")
    assert sorted(_alarms(graph)) == [
        "jobs-jobs-oldest-message-critical",
        "jobs-jobs-oldest-message-warning",
    ]
