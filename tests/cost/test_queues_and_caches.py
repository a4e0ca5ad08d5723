"""What SQS queues and ElastiCache replication groups cost.

Expected numbers are written from the rates in infra_kit/cost/data/prices.json (us-east-1, read
2026-12-02: standard requests $0.40 and FIFO $0.50 a million; Valkey nodes cache.t4g.micro
$0.0128/h and cache.r7g.large $0.1752/h; snapshots $0.085/GB-month beyond one free), 730 hours a
month, and the usage given to each graph.
"""

from __future__ import annotations

import json

import pytest

from infra_kit.cost import estimate
from tests.cost.graphs import graph, resource, urn

QUEUE = "aws:sqs/queue:Queue"
GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
DLQ_ARN = "arn:aws:sqs:us-east-1:123456789012:jobs-dead-letters"


def _redrive(target: str) -> str:
    return json.dumps({"deadLetterTargetArn": target, "maxReceiveCount": 5})


@pytest.mark.parametrize(
    ("inputs", "usd", "kind"),
    [({}, 4.00, "standard"), ({"fifoQueue": True}, 5.00, "FIFO")],
    ids=["standard", "fifo"],
)
def test_a_queue_costs_its_requests_at_its_kinds_rate(inputs: dict, usd: float, kind: str) -> None:
    est = estimate(graph(resource(QUEUE, "jobs", inputs), sqs_requests_millions_per_queue=10))
    (line,) = est.lines
    # 10 million x $0.40 (standard) or $0.50 (FIFO)
    assert line.monthly_usd == pytest.approx(usd)
    assert line.driver == "Queues"
    assert f"10 million {kind} requests (usage.sqs_requests_millions_per_queue)" in line.basis


def test_a_dead_letter_queue_named_by_a_redrive_policy_is_listed_at_nothing() -> None:
    dead = resource(QUEUE, "jobs-dead-letters")
    dead["outputs"] = {"arn": DLQ_ARN}
    source = resource(QUEUE, "jobs", {"redrivePolicy": _redrive(DLQ_ARN)})
    est = estimate(graph(dead, source, sqs_requests_millions_per_queue=10))
    assert [(line.name, line.monthly_usd) for line in est.lines] == [
        ("jobs-dead-letters", 0.0),
        ("jobs", pytest.approx(4.00)),
    ]
    assert est.lines[0].basis.startswith("dead-letter queue of jobs: only failed messages")
    assert est.unpriced == ()


def test_a_dead_letter_queue_whose_arn_is_not_known_yet_is_found_by_dependency() -> None:
    dead = resource(QUEUE, "jobs-dead-letters")
    source = resource(
        QUEUE,
        "jobs",
        {"redrivePolicy": _redrive("arn:unknown")},
        dependencies=(urn("prod", QUEUE, "jobs-dead-letters"),),
    )
    est = estimate(graph(dead, source, sqs_requests_millions_per_queue=10))
    assert [line.monthly_usd for line in est.lines] == [0.0, pytest.approx(4.00)]


def test_a_queue_another_merely_depends_on_is_not_a_dead_letter_queue() -> None:
    other = resource(QUEUE, "other")
    dependent = resource(QUEUE, "jobs", dependencies=(urn("prod", QUEUE, "other"),))
    est = estimate(graph(other, dependent, sqs_requests_millions_per_queue=1))
    assert [line.monthly_usd for line in est.lines] == [pytest.approx(0.40)] * 2


def _cache(node_type: str, nodes: int, snapshots: int) -> dict:
    return resource(
        GROUP,
        "sessions",
        {"nodeType": node_type, "numCacheClusters": nodes, "snapshotRetentionLimit": snapshots},
    )


def test_a_multi_az_cache_bills_every_node_and_the_snapshots_beyond_the_free_one() -> None:
    est = estimate(graph(_cache("cache.r7g.large", 3, 14), cache_data_gb_per_cache=5))
    # 3 x $0.1752 x 730 = $383.688; 13 snapshots x 5 GB x $0.085 = $5.525
    assert [line.monthly_usd for line in est.lines] == [
        pytest.approx(383.688),
        pytest.approx(5.525),
    ]
    assert {line.driver for line in est.lines} == {"Caches"}
    (lever,) = est.levers
    # two nodes fewer: 2 x $0.1752 x 730
    assert lever.monthly_delta_usd == pytest.approx(-255.79)
    assert lever.description.startswith(
        "one node instead of 3 for cache sessions (loses automatic failover"
    )


def test_a_single_node_cache_with_one_snapshot_costs_its_node_only_and_offers_no_lever() -> None:
    est = estimate(graph(_cache("cache.t4g.micro", 1, 1), cache_data_gb_per_cache=5))
    # $0.0128 x 730 = $9.344; the one snapshot kept is the free one
    assert [line.monthly_usd for line in est.lines] == [pytest.approx(9.344), 0.0]
    assert est.levers == ()


def test_a_cache_node_type_missing_from_the_table_is_reported_unpriced() -> None:
    est = estimate(graph(_cache("cache.x9.huge", 1, 0)))
    assert est.lines == ()
    ((_, why),) = est.unpriced
    assert why == f"{GROUP} (cache.x9.huge not in the price table)"
