"""Pricers of SQS queues and ElastiCache replication groups (see :mod:`._pricers`).

A queue costs its requests; a dead-letter queue, which only failed messages and their redrives
touch, is listed at nothing rather than at a busy queue's volume. A replication group costs each
of its nodes (primary and replicas) by the hour and the snapshots it keeps beyond the free one.
"""

from __future__ import annotations

import json
from typing import Any

from infra_kit.cost._model import Lever
from infra_kit.cost._pricers import CACHES, QUEUES, Context, Item, _n, _usd
from infra_kit.policy._graph import GraphDoc

__all__ = ["QUEUE_TYPE", "REPLICATION_GROUP_TYPE", "queue", "replication_group"]

QUEUE_TYPE = "aws:sqs/queue:Queue"
REPLICATION_GROUP_TYPE = "aws:elasticache/replicationGroup:ReplicationGroup"


def _dead_letter_target(record: dict[str, Any]) -> str | None:
    """The ARN a queue's redrive policy sends failed messages to, if it has one."""
    policy = GraphDoc.inputs(record).get("redrivePolicy")
    if not isinstance(policy, str):
        return None
    try:
        target = json.loads(policy).get("deadLetterTargetArn")
    except (ValueError, AttributeError):
        return None
    return target if isinstance(target, str) else None


def _source_of(record: dict[str, Any], ctx: Context) -> dict[str, Any] | None:
    """The queue whose dead-letter queue ``record`` is: its redrive policy names ``record``'s
    ARN or, where the ARN is not known yet, it depends on ``record`` and has a redrive policy."""
    arn = (record.get("outputs") or {}).get("arn")
    for other in ctx.graph.of_type(QUEUE_TYPE):
        target = _dead_letter_target(other)
        if target is None or other is record:
            continue
        if (arn and target == arn) or record["urn"] in (other.get("dependencies") or []):
            return other
    return None


def queue(record: dict[str, Any], ctx: Context) -> list[Item]:
    fifo = bool(GraphDoc.inputs(record).get("fifoQueue"))
    rate = ctx.prices.usd("sqs.fifo_requests_million" if fifo else "sqs.standard_requests_million")
    kind = "FIFO" if fifo else "standard"
    source = _source_of(record, ctx)
    if source is not None:
        return [
            Item(
                0.0,
                f"dead-letter queue of {source['name']}: only failed messages and their redrives "
                f"(requests not modelled; {_usd(rate)}/million {kind})",
                QUEUES,
            )
        ]
    millions = ctx.u("sqs_requests_millions_per_queue")
    return [
        Item(
            millions * rate,
            f"{_n(millions)} million {kind} requests (usage.sqs_requests_millions_per_queue) x "
            f"{_usd(rate)}/million",
            QUEUES,
        )
    ]


def replication_group(record: dict[str, Any], ctx: Context) -> list[Item]:
    inputs = GraphDoc.inputs(record)
    node_type = str(inputs.get("nodeType"))
    nodes = int(inputs.get("numCacheClusters") or 1)
    hour = ctx.prices.cache_node_hour(node_type)
    backup = ctx.prices.rate("elasticache.backup_gb_month")
    free = int(backup.quantity or 0)
    kept = int(inputs.get("snapshotRetentionLimit") or 0)
    data_gb = ctx.u("cache_data_gb_per_cache")
    billed = max(kept - free, 0)
    if nodes > 1:
        ctx.levers.append(
            Lever(
                f"one node instead of {nodes} for cache {record['name']} (loses automatic "
                "failover to a replica in another AZ, HA-1; a node failure empties the cache)",
                round(-(nodes - 1) * hour * ctx.hours, 2),
                CACHES,
            )
        )
    return [
        Item(
            nodes * hour * ctx.hours,
            f"{nodes} x {node_type} x ${hour:.4f}/h x {_n(ctx.hours)} h",
            CACHES,
        ),
        # Each automatic snapshot is a full copy of the data, kept snapshotRetentionLimit days.
        Item(
            billed * data_gb * backup.usd,
            f"{billed} snapshot(s) beyond the {free} free ({kept} kept) x {_n(data_gb)} GB "
            f"(usage.cache_data_gb_per_cache) x ${backup.usd}/GB-month",
            CACHES,
        ),
    ]
