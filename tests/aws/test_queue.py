"""Queue: SQS with a dead-letter queue, SSE-KMS, TLS-only, exact grants, alarms, protection."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from infra_kit.aws import actions
from infra_kit.aws.alarms import AlarmTopics
from infra_kit.aws.key import Key, KeyArgs
from infra_kit.aws.queue import Queue, QueueArgs
from infra_kit.core.engine import Graph
from infra_kit.core.environment import Environment
from infra_kit.errors import ValidationError
from infra_kit.testing import run_offline
from tests.support import failing, iam_statements, unjustified_wildcards, unprotected_stateful

QUEUE = "aws:sqs/queue:Queue"
QUEUE_POLICY = "aws:sqs/queuePolicy:QueuePolicy"
REDRIVE_ALLOW = "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TOPICS = AlarmTopics(
    warning="arn:aws:sns:us-east-1:123456789012:alerts",
    critical="arn:aws:sns:us-east-1:123456789012:alerts-critical",
)
FOURTEEN_DAYS = 1_209_600


def _key(env: Environment, services: tuple[str, ...] = ("sqs",)) -> Key:
    return Key("data", KeyArgs(description="queue data", via_services=list(services)), env)


def _build(**overrides: Any) -> Callable[[Environment], None]:
    def build(env: Environment) -> None:
        key = _key(env)
        queue = Queue("jobs", QueueArgs(key=key, alarm_topics=TOPICS, **overrides), env)
        producer = aws.iam.Role("producer", aws.iam.RoleArgs(assume_role_policy="{}"))
        consumer = aws.iam.Role("consumer", aws.iam.RoleArgs(assume_role_policy="{}"))
        queue.grant_send(producer)
        queue.grant_consume(consumer)
        pulumi.export("key_arn", key.arn)
        pulumi.export("arn", queue.arn)
        pulumi.export("url", queue.url)
        pulumi.export("dead_letter_arn", queue.dead_letter_arn)

    return build


@pytest.fixture(scope="module", params=("dev", "prod"))
def graph(request: pytest.FixtureRequest) -> Graph:
    return run_offline(_build(), environment=request.param)


def _children(graph: Graph) -> set[tuple[str, str]]:
    component = graph.named("jobs", "infra-kit:aws:Queue")
    return {(r["type"], r["name"]) for r in graph.descendants(component["urn"])}


def test_the_queue_has_its_dead_letter_queue_policies_and_alarms(graph: Graph) -> None:
    children = _children(graph)
    assert {(t, n) for t, n in children if t != ALARM} == {
        (QUEUE, "jobs"),
        (QUEUE, "jobs-dead-letters"),
        (REDRIVE_ALLOW, "jobs-dead-letters-redrive-allow"),
        (QUEUE_POLICY, "jobs-policy"),
        (QUEUE_POLICY, "jobs-dead-letters-policy"),
        (ROLE_POLICY, "producer-jobs-send"),
        (ROLE_POLICY, "consumer-jobs-consume"),
    }
    assert {n for t, n in children if t == ALARM} == {
        f"jobs-{signal}-{severity}"
        for signal in ("oldest-message", "dead-letters")
        for severity in ("warning", "critical")
    }


def test_both_queues_are_encrypted_with_the_customer_managed_key(graph: Graph) -> None:
    # prescription: SEC-3
    for name in ("jobs", "jobs-dead-letters"):
        assert graph.named(name, QUEUE)["inputs"]["kmsMasterKeyId"] == graph.outputs["key_arn"]
    assert failing(graph, "IK-SEC-3-CMK") == []


def test_a_message_moves_to_the_dead_letter_queue_after_five_deliveries(graph: Graph) -> None:
    redrive = json.loads(graph.named("jobs", QUEUE)["inputs"]["redrivePolicy"])
    assert redrive == {
        "deadLetterTargetArn": graph.outputs["dead_letter_arn"],
        "maxReceiveCount": 5,
    }


def test_only_the_queue_may_use_its_dead_letter_queue(graph: Graph) -> None:
    allow = graph.named("jobs-dead-letters-redrive-allow", REDRIVE_ALLOW)["inputs"]
    assert json.loads(allow["redriveAllowPolicy"]) == {
        "redrivePermission": "byQueue",
        "sourceQueueArns": [graph.outputs["arn"]],
    }


def test_failed_messages_are_kept_fourteen_days_and_the_queue_long_polls(graph: Graph) -> None:
    # prescription: DR-1 -- what failed every delivery stays long enough to be diagnosed.
    dead = graph.named("jobs-dead-letters", QUEUE)["inputs"]
    queue = graph.named("jobs", QUEUE)["inputs"]
    assert dead["messageRetentionSeconds"] == FOURTEEN_DAYS
    assert queue["messageRetentionSeconds"] == 4 * 24 * 3600
    assert queue["receiveWaitTimeSeconds"] == 20
    assert queue["visibilityTimeoutSeconds"] == 30


def test_every_request_without_tls_is_denied_on_both_queues(graph: Graph) -> None:
    # prescription: SEC-3
    for label, arn in (("jobs-policy", "arn"), ("jobs-dead-letters-policy", "dead_letter_arn")):
        policy = json.loads(graph.named(label, QUEUE_POLICY)["inputs"]["policy"])
        assert policy["Version"] == "2012-10-17"  # SQS waits forever on a policy without it
        assert policy["Statement"] == [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": {"AWS": ["*"]},
                "Action": ["sqs:*"],
                "Resource": [graph.outputs[arn]],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ]


def test_grants_name_exact_actions_on_the_queue_and_the_key_through_sqs_only(graph: Graph) -> None:
    # prescription: SEC-1
    via = {"StringEquals": {"kms:ViaService": "sqs.us-east-1.amazonaws.com"}}
    expected = {
        "producer-jobs-send": (
            ["sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SendMessage"],
            ["kms:Decrypt", "kms:GenerateDataKey"],
        ),
        "consumer-jobs-consume": (
            [
                "sqs:ChangeMessageVisibility",
                "sqs:DeleteMessage",
                "sqs:GetQueueAttributes",
                "sqs:GetQueueUrl",
                "sqs:ReceiveMessage",
            ],
            ["kms:Decrypt"],
        ),
    }
    for name, (queue_actions, key_actions) in expected.items():
        statements = json.loads(graph.named(name, ROLE_POLICY)["inputs"]["policy"])["Statement"]
        assert statements == [
            {"Effect": "Allow", "Action": queue_actions, "Resource": [graph.outputs["arn"]]},
            {
                "Effect": "Allow",
                "Action": key_actions,
                "Resource": [graph.outputs["key_arn"]],
                "Condition": via,
            },
        ]
    assert sorted(actions.SQS_SEND) == expected["producer-jobs-send"][0]
    assert sorted(actions.SQS_CONSUME) == expected["consumer-jobs-consume"][0]
    assert unjustified_wildcards(graph) == []
    assert failing(graph, "IK-SEC-1-UNKNOWN-ACTION") == []
    assert {record["name"] for record, _ in iam_statements(graph)} >= set(expected)


def test_alarms_watch_the_oldest_message_and_the_dead_letter_queue(graph: Graph) -> None:
    # prescription: OBS-3
    # SQS's metric dimension is the queue's name, the last part of its ARN.
    queue = graph.outputs["arn"].rsplit(":", 1)[-1]
    dead = graph.outputs["dead_letter_arn"].rsplit(":", 1)[-1]
    assert queue != dead
    oldest = graph.named("jobs-oldest-message-critical", ALARM)["inputs"]
    letters = graph.named("jobs-dead-letters-warning", ALARM)["inputs"]
    assert (oldest["metricName"], oldest["dimensions"]) == (
        "ApproximateAgeOfOldestMessage",
        {"QueueName": queue},
    )
    assert (letters["metricName"], letters["dimensions"]) == (
        "ApproximateNumberOfMessagesVisible",
        {"QueueName": dead},
    )
    assert oldest["alarmActions"] == [TOPICS.critical]


def test_queues_are_protected_and_retained_where_the_profile_protects_state(graph: Graph) -> None:
    # prescription: DR-1
    protected = graph.stack == "prod"
    for name in ("jobs", "jobs-dead-letters"):
        record = graph.named(name, QUEUE)
        assert (record["protect"], record["retain_on_delete"]) == (protected, protected)
    assert unprotected_stateful(graph) == []


def test_a_fifo_queue_has_a_fifo_dead_letter_queue() -> None:
    graph = run_offline(_build(fifo=True, content_based_deduplication=True), environment="dev")
    queue = graph.named("jobs", QUEUE)["inputs"]
    dead = graph.named("jobs-dead-letters", QUEUE)["inputs"]
    assert (queue["fifoQueue"], queue["contentBasedDeduplication"]) == (True, True)
    assert dead["fifoQueue"] is True
    assert "contentBasedDeduplication" not in dead


def test_a_standard_queue_sets_no_fifo_inputs(graph: Graph) -> None:
    for name in ("jobs", "jobs-dead-letters"):
        inputs = graph.named(name, QUEUE)["inputs"]
        assert "fifoQueue" not in inputs
        assert "contentBasedDeduplication" not in inputs


def test_no_alarm_topics_means_no_alarms() -> None:
    def build(env: Environment) -> None:
        Queue("jobs", QueueArgs(key=_key(env)), env)

    graph = run_offline(build, environment="dev")
    assert graph.of_type(ALARM) == []


# -- refusals ---------------------------------------------------------------------------------
def _refused(build: Callable[[Environment], object], match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        run_offline(build, environment="dev")


def test_a_key_not_usable_through_sqs_is_refused() -> None:
    _refused(
        lambda env: Queue("jobs", QueueArgs(key=_key(env, ("s3",))), env),
        r"^key='data': the key is not usable through SQS.*Fix: add 'sqs' to its "
        r"KeyArgs.via_services",
    )


def test_deduplication_on_a_standard_queue_is_refused() -> None:
    _refused(
        lambda env: Queue("jobs", QueueArgs(key=_key(env), content_based_deduplication=True), env),
        r"^content_based_deduplication=True: only a FIFO queue deduplicates.*set fifo=True",
    )


@pytest.mark.parametrize(
    ("field", "value", "limits"),
    [
        ("visibility_timeout_seconds", 43_201, "0 to 43200"),
        ("max_receive_count", 0, "1 to 1000"),
        ("message_retention_seconds", 59, "60 to 1209600"),
        ("receive_wait_time_seconds", 21, "0 to 20"),
        ("max_receive_count", True, "1 to 1000"),
    ],
)
def test_a_setting_sqs_does_not_accept_is_refused_naming_it(
    field: str, value: Any, limits: str
) -> None:
    _refused(
        lambda env: Queue("jobs", QueueArgs(key=_key(env), **{field: value}), env),
        rf"^{field}={value!r}: SQS accepts {limits}",
    )
