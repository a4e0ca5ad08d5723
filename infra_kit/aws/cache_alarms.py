"""Alarms of an ElastiCache for Valkey replication group (OBS-3), for :class:`~infra_kit.aws.cache.Cache`.

Each signal is read on every node of the group (``CacheClusterId`` ``<id>-001``, ``-002``, ...)
and the alarm watches the busiest one (``MAX`` of the nodes, as metric math; a single node is
read directly), so a failover that moves the primary does not move the alarm off it. Thresholds
come from the profile's ``alarms`` section, over ``alarms.period_seconds`` x
``evaluation_periods``:

- ``<name>-engine-cpu``: ``EngineCPUUtilization`` (``Maximum``), the Valkey thread's CPU,
  above ``utilization_warning_percent`` / ``_critical_percent``;
- ``<name>-memory``: ``DatabaseMemoryUsagePercentage`` (``Maximum``), memory in use as a share
  of ``maxmemory``, above the same percentages: at 100% keys are evicted;
- ``<name>-replication-lag``, with replicas only: ``ReplicationLag`` (``Maximum``, seconds,
  published by replicas) above ``replica_lag_warning_seconds`` / ``_critical_seconds``.

Metric names from the ElastiCache User Guide, "Metrics for Valkey and Redis OSS" (read
2026-12-02).
"""

from __future__ import annotations

import pulumi_aws as aws

from infra_kit.aws import _cache_rules as rules
from infra_kit.aws.alarms import AlarmTopics, Metric, MetricMath, Severity, Signal, alarm_pair
from infra_kit.core.component import Component

__all__ = ["ALARM_SECTION", "NAMESPACE", "cache_alarms"]

#: The dashboard section of a cache's alarms (OBS-4).
ALARM_SECTION = "Resource use"
NAMESPACE = "AWS/ElastiCache"


def _busiest(metric: str, members: tuple[str, ...], period: int) -> Signal:
    nodes = {
        f"n{i}": Metric(NAMESPACE, metric, {"CacheClusterId": member}, "Maximum", period)
        for i, member in enumerate(members, start=1)
    }
    if len(nodes) == 1:
        return next(iter(nodes.values()))
    return MetricMath(f"MAX([{', '.join(nodes)}])", nodes, f"{metric}, busiest node")


def cache_alarms(
    owner: Component, group_id: str, replicas: int, topics: AlarmTopics
) -> dict[str, dict[Severity, aws.cloudwatch.MetricAlarm]]:
    """The engine CPU and memory pairs and, with ``replicas``, the replication lag pair."""
    limits = owner.env.profile.alarms
    members = rules.member_ids(group_id, replicas)
    period, periods = limits.period_seconds, limits.evaluation_periods
    warning, critical = limits.utilization_warning_percent, limits.utilization_critical_percent
    pairs = {
        "engine-cpu": alarm_pair(
            owner, "engine-cpu", signal=_busiest("EngineCPUUtilization", members, period),
            comparison="above", warning=warning, critical=critical,
            description=f"Engine CPU of cache {group_id} (percent of the Valkey thread, busiest "
            "node); look for slow or O(N) commands in SLOWLOG, then scale the node type",
            topics=topics, section=ALARM_SECTION, evaluation_periods=periods,
        ),
        "memory": alarm_pair(
            owner, "memory", signal=_busiest("DatabaseMemoryUsagePercentage", members, period),
            comparison="above", warning=warning, critical=critical,
            description=f"Memory of cache {group_id} in use (percent of maxmemory, busiest "
            "node); at 100% keys are evicted: set TTLs or scale the node type",
            topics=topics, section=ALARM_SECTION, evaluation_periods=periods,
        ),
    }  # fmt: skip
    if replicas > 0:
        pairs["replication-lag"] = alarm_pair(
            owner, "replication-lag", signal=_busiest("ReplicationLag", members, period),
            comparison="above",
            warning=limits.replica_lag_warning_seconds,
            critical=limits.replica_lag_critical_seconds,
            description=f"Replication lag of cache {group_id} (seconds, furthest replica); a "
            "failover now loses these writes: look at write volume and the primary's CPU",
            topics=topics, section=ALARM_SECTION, evaluation_periods=periods,
        )  # fmt: skip
    return pairs
