"""What the agent collects on its own node, besides the OTLP its pods send (OBS-1, OBS-2, OBS-3).

Pure logic: no Pulumi runtime. :mod:`infra_kit.k8s._collector_config` assembles these into the
agent's and the gateway's configurations; component type names follow collector-contrib 0.155
(``kubelet_stats``, ``host_metrics``, ``file_log``, ``metrics_transform``, each renamed from
the form without the underscore, which 0.155 still accepts with a deprecation warning).

- **Cluster metrics** (:mod:`infra_kit.k8s.cluster_metrics`): ``kubelet_stats`` reads the pod
  statistics of the node's kubelet at ``https://<node IP>:10250`` with the agent's
  ServiceAccount token, and verifies the kubelet's serving certificate against the cluster CA
  of that token's mount (EKS kubelets serve certificates the cluster CA signs, which is why
  metrics-server needs no ``--kubelet-insecure-tls`` there): no ``insecure_skip_verify``.
  ``host_metrics`` reads the node's CPU and memory from ``/proc``, which the kernel does not
  namespace per container. ``metrics_transform`` averages the CPU ratio over the node's CPUs.
  ``filter/cluster-metrics`` drops every other metric those receivers produce, so the gateway
  is sent exactly the catalogue.
- **Container logs**: ``file_log`` tails ``/var/log/pods/*/*/*.log`` from a read-only host
  mount, parses the containerd (CRI) format and the pod's namespace, name, UID and container
  from the path, skips the agent's own logs (which would otherwise feed back into themselves
  through the gateway), and checkpoints its read offsets with ``file_storage`` in a host
  directory of its own, so a replaced agent pod resumes where the last one stopped.

The gateway tells the two kinds of metrics apart by their instrumentation scope: the receivers
above name their scope after their Go module, which no application uses.
"""

from __future__ import annotations

from typing import Any

from infra_kit.k8s import cluster_metrics

__all__ = [
    "AGENT_LOG_EXCLUDE",
    "CHECKPOINT_DIR",
    "COLLECTION_INTERVAL",
    "CONTAINER_LOG_ATTRIBUTE",
    "FROM_CLUSTER_RECEIVERS",
    "KUBELET_PORT",
    "NODE_IP_ENV",
    "POD_LOG_DIR",
    "POD_LOG_GLOB",
    "application_logs_only",
    "cluster_metric_processors",
    "cluster_metric_receivers",
    "container_log_receiver",
    "container_logs_only",
    "gateway_metric_filters",
]

KUBELET_PORT = 10250
NODE_IP_ENV = "K8S_NODE_IP"
#: How often the agent scrapes; CloudWatch stores EMF metrics at one-minute resolution.
COLLECTION_INTERVAL = "60s"

#: Where the kubelet writes every container's stdout and stderr (containerd's CRI format).
POD_LOG_DIR = "/var/log/pods"
POD_LOG_GLOB = f"{POD_LOG_DIR}/*/*/*.log"
#: The agent's own log files: ``<namespace>_<pod>_<uid>/<container>/<n>.log``.
AGENT_LOG_EXCLUDE = f"{POD_LOG_DIR}/observability_otel-agent-*/*/*.log"
#: The host directory where ``file_storage`` keeps the read offsets.
CHECKPOINT_DIR = "/var/lib/otel-agent"
#: The attribute ``file_log`` sets on every record (``include_file_path``), which OTLP logs lack.
CONTAINER_LOG_ATTRIBUTE = "log.file.path"

_SCOPE_PREFIX = r"^github\\.com/open-telemetry/opentelemetry-collector-contrib/receiver/"
#: OTTL: the metric was produced by the agent's ``kubelet_stats`` or ``host_metrics`` receiver.
FROM_CLUSTER_RECEIVERS = (
    f'IsMatch(instrumentation_scope.name, "{_SCOPE_PREFIX}(kubeletstats|hostmetrics)receiver")'
)


def _catalogued() -> str:
    names = "|".join(m.name.replace(".", r"\\.") for m in cluster_metrics.CLUSTER_METRICS)
    return f'IsMatch(name, "^({names})$")'


def cluster_metric_receivers() -> dict[str, Any]:
    """``kubelet_stats`` (pod metrics against requests and limits) and ``host_metrics``."""
    pod_metrics = sorted(
        m.name for m in cluster_metrics.CLUSTER_METRICS if m.name.startswith("k8s.pod.")
    )
    return {
        "kubelet_stats": {
            "auth_type": "serviceAccount",
            "endpoint": f"${{env:{NODE_IP_ENV}}}:{KUBELET_PORT}",
            "collection_interval": COLLECTION_INTERVAL,
            "metric_groups": ["pod"],
            # Off by default upstream; the ratios need the pods' specs from the kubelet.
            "metrics": {name: {"enabled": True} for name in pod_metrics},
        },
        "host_metrics": {
            "collection_interval": COLLECTION_INTERVAL,
            "scrapers": {
                "cpu": {"metrics": {"system.cpu.utilization": {"enabled": True}}},
                "memory": {"metrics": {"system.memory.utilization": {"enabled": True}}},
            },
        },
    }


def cluster_metric_processors() -> dict[str, Any]:
    """One CPU ratio per state for the node, then only the catalogued metrics."""
    return {
        "metrics_transform": {
            "transforms": [
                {
                    "include": cluster_metrics.NODE_CPU.name,
                    "action": "update",
                    "operations": [
                        {
                            "action": "aggregate_labels",
                            "label_set": ["state"],
                            "aggregation_type": "mean",
                        }
                    ],
                }
            ]
        },
        "filter/cluster-metrics": {
            "error_mode": "ignore",
            "metrics": {"metric": [f"{FROM_CLUSTER_RECEIVERS} and not {_catalogued()}"]},
        },
    }


def gateway_metric_filters() -> dict[str, Any]:
    """Applications' metrics to the application exporter, the cluster's to its own."""
    return {
        "filter/application-metrics": {
            "error_mode": "ignore",
            "metrics": {"metric": [FROM_CLUSTER_RECEIVERS]},
        },
        "filter/cluster-metrics": {
            "error_mode": "ignore",
            "metrics": {"metric": [f"not {FROM_CLUSTER_RECEIVERS}"]},
        },
    }


def container_log_receiver() -> dict[str, Any]:
    """``file_log`` over every container's log file but the agent's own."""
    return {
        "include": [POD_LOG_GLOB],
        "exclude": [AGENT_LOG_EXCLUDE],
        "start_at": "end",
        "include_file_path": True,
        "include_file_name": False,
        "storage": "file_storage",
        "operators": [{"type": "container", "id": "container-parser"}],
    }


def _has_file_path() -> str:
    return f'attributes["{CONTAINER_LOG_ATTRIBUTE}"] != nil'


def application_logs_only() -> dict[str, Any]:
    """Drops container log records, so applications' OTLP logs keep their own group."""
    return {"error_mode": "ignore", "logs": {"log_record": [_has_file_path()]}}


def container_logs_only() -> dict[str, Any]:
    """Drops OTLP log records, so the container log group has container logs only."""
    condition = f'attributes["{CONTAINER_LOG_ATTRIBUTE}"] == nil'
    return {"error_mode": "ignore", "logs": {"log_record": [condition]}}
