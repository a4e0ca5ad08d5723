"""The cluster metrics the collectors publish to CloudWatch, and the alarm signals that read them.

Pure logic: no Pulumi runtime. One catalogue serves both sides of OBS-3's resource alarms:

- the gateway's ``awsemf/cluster`` exporter turns exactly these metrics into CloudWatch metrics
  (:func:`metric_declarations`), in :data:`NAMESPACE`, with exactly these dimension sets;
- :class:`~infra_kit.k8s.ClusterAlarms` and the workloads' resource alarms read them through
  :func:`~infra_kit.k8s.cluster_signals.node_cpu_signal`,
  :func:`~infra_kit.k8s.cluster_signals.node_memory_signal` and
  :func:`~infra_kit.k8s.cluster_signals.workload_signal`.

The namespace is one constant for every environment, and the cluster is a dimension
(``k8s.cluster.name``), as CloudWatch's own Container Insights does it: a program that knows the
cluster's name (every program reading the platform stack does) can compute every metric, and no
stack output has to carry the namespace (ADR 0022).

Where the values come from (collector-contrib 0.155, metric names as its receivers emit them):

- node CPU: ``host_metrics``' ``system.cpu.utilization`` (a ratio per CPU and state), averaged
  over the CPUs by ``metrics_transform`` so each node reports one ratio per state; the alarm
  reads the ``idle`` state's Minimum over the cluster's nodes, so ``100 * (1 - idle)`` is the
  busiest node's utilization in percent;
- node memory: ``host_metrics``' ``system.memory.utilization`` of state ``used``, Maximum over
  the nodes, times 100. Both read the node's ``/proc/stat`` and ``/proc/meminfo``, which the
  kernel does not namespace, so the agent needs no host mount for them;
- workloads: ``kubelet_stats``' pod metrics, enriched with the Deployment's name by
  ``k8s_attributes``: ``k8s.pod.memory_limit_utilization`` and ``k8s.pod.cpu_limit_utilization``
  (infra-kit sets both limits on every container, ADR 0027), and
  ``k8s.pod.cpu_request_utilization`` for a workload written without a CPU limit. Maximum over
  the workload's pods: the alarm fires on the hottest pod.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "CLUSTER",
    "CLUSTER_METRICS",
    "EMITTER",
    "NAMESPACE",
    "NODE_CPU",
    "NODE_MEMORY",
    "POD_CPU_LIMIT",
    "POD_CPU_REQUEST",
    "POD_MEMORY_LIMIT",
    "WORKLOAD",
    "WORKLOAD_NAMESPACE",
    "ClusterMetric",
    "metric_declarations",
]

#: The CloudWatch namespace of every cluster metric, in every environment.
NAMESPACE = "InfraKit/Kubernetes"
#: ``Metric.emitter`` of these metrics: the collectors of the cluster-services stack.
EMITTER = "collector"

#: Dimension names: the resource attributes the metrics carry (``resource_to_telemetry_conversion``).
CLUSTER = "k8s.cluster.name"
WORKLOAD_NAMESPACE = "k8s.namespace.name"
WORKLOAD = "k8s.deployment.name"


@dataclass(frozen=True)
class ClusterMetric:
    """One metric the gateway publishes: its name, its one dimension set, and the data point
    attribute values it is restricted to (``label_matchers``; e.g. the CPU's ``idle`` state)."""

    name: str
    dimensions: tuple[str, ...]
    labels: Mapping[str, str] = field(default_factory=dict)

    def declaration(self) -> dict[str, Any]:
        """Its ``awsemf`` ``metric_declarations`` entry."""
        declaration: dict[str, Any] = {
            "dimensions": [list(self.dimensions)],
            "metric_name_selectors": [f"^{_regex(self.name)}$"],
        }
        if self.labels:
            declaration["label_matchers"] = [
                {"label_names": [label], "regex": f"^{_regex(value)}$"}
                for label, value in sorted(self.labels.items())
            ]
        return declaration


def _regex(text: str) -> str:
    return text.replace(".", r"\.")


NODE_CPU = ClusterMetric("system.cpu.utilization", (CLUSTER,), {"state": "idle"})
NODE_MEMORY = ClusterMetric("system.memory.utilization", (CLUSTER,), {"state": "used"})
_WORKLOAD_DIMENSIONS = (CLUSTER, WORKLOAD_NAMESPACE, WORKLOAD)
POD_CPU_LIMIT = ClusterMetric("k8s.pod.cpu_limit_utilization", _WORKLOAD_DIMENSIONS)
POD_CPU_REQUEST = ClusterMetric("k8s.pod.cpu_request_utilization", _WORKLOAD_DIMENSIONS)
POD_MEMORY_LIMIT = ClusterMetric("k8s.pod.memory_limit_utilization", _WORKLOAD_DIMENSIONS)

#: Everything the collectors publish as CloudWatch metrics, and nothing else.
CLUSTER_METRICS: tuple[ClusterMetric, ...] = (
    NODE_CPU,
    NODE_MEMORY,
    POD_CPU_LIMIT,
    POD_CPU_REQUEST,
    POD_MEMORY_LIMIT,
)


def metric_declarations() -> list[dict[str, Any]]:
    """The ``awsemf`` ``metric_declarations`` that publish :data:`CLUSTER_METRICS`."""
    return [m.declaration() for m in CLUSTER_METRICS]
