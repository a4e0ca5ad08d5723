"""The alarm signals on the cluster metrics the collectors publish (OBS-3).

Each reads a metric of :mod:`infra_kit.k8s.cluster_metrics` with exactly the dimensions it is
published with, so an alarm can never wait on a metric that nothing emits. Kept apart from the
catalogue, which the policy rules read without the Pulumi SDKs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import pulumi

from infra_kit.aws.alarms import Metric, MetricMath
from infra_kit.k8s.cluster_metrics import (
    CLUSTER,
    EMITTER,
    NAMESPACE,
    NODE_CPU,
    NODE_MEMORY,
    POD_CPU_LIMIT,
    POD_CPU_REQUEST,
    POD_MEMORY_LIMIT,
    WORKLOAD,
    WORKLOAD_NAMESPACE,
    ClusterMetric,
)

__all__ = ["node_cpu_signal", "node_memory_signal", "workload_signal"]


def _metric(
    metric: ClusterMetric,
    dimensions: Mapping[str, pulumi.Input[str]],
    stat: str,
    period_seconds: int,
) -> Metric:
    if set(dimensions) != set(metric.dimensions):
        raise ValueError(
            f"{metric.name} is published with dimensions {sorted(metric.dimensions)}, "
            f"not {sorted(dimensions)}"
        )
    return Metric(NAMESPACE, metric.name, dict(dimensions), stat, period_seconds, EMITTER)


def node_cpu_signal(cluster_name: pulumi.Input[str], period_seconds: int) -> MetricMath:
    """The busiest node's CPU utilization in percent."""
    idle = _metric(NODE_CPU, {CLUSTER: cluster_name}, "Minimum", period_seconds)
    return MetricMath("100 * (1 - idle)", {"idle": idle}, "busiest node CPU %")


def node_memory_signal(cluster_name: pulumi.Input[str], period_seconds: int) -> MetricMath:
    """The fullest node's memory utilization in percent."""
    used = _metric(NODE_MEMORY, {CLUSTER: cluster_name}, "Maximum", period_seconds)
    return MetricMath("100 * used", {"used": used}, "fullest node memory %")


def workload_signal(
    resource: Literal["cpu", "memory"],
    *,
    cluster_name: pulumi.Input[str],
    namespace: pulumi.Input[str],
    deployment: pulumi.Input[str],
    period_seconds: int,
    has_cpu_limit: bool,
) -> MetricMath:
    """The hottest pod of a Deployment, in percent of its memory limit, or of its CPU limit
    (``has_cpu_limit``) or else its CPU request."""
    if resource == "memory":
        metric, against = POD_MEMORY_LIMIT, "limit"
    elif has_cpu_limit:
        metric, against = POD_CPU_LIMIT, "limit"
    else:
        metric, against = POD_CPU_REQUEST, "request"
    dimensions = {CLUSTER: cluster_name, WORKLOAD_NAMESPACE: namespace, WORKLOAD: deployment}
    pod = _metric(metric, dimensions, "Maximum", period_seconds)
    return MetricMath("100 * pod", {"pod": pod}, f"hottest pod {resource} % of {against}")
