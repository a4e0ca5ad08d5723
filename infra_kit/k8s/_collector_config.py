"""OpenTelemetry Collector configuration, built as data and checked before it is rendered (OBS-1).

Pure logic: no Pulumi runtime. Two collectors run in the ``observability`` namespace:

- the **agent** (a DaemonSet) receives OTLP from the pods of its node through the ``otel-agent``
  Service (``internalTrafficPolicy: Local``, so telemetry never leaves the node before it is
  enriched), adds Kubernetes metadata (``k8s_attributes``, filtered to its own node) and forwards
  to the gateway over OTLP/gRPC. While a node's agent restarts (one node at a time), its pods'
  SDKs find no local endpoint and retry from their own buffers; telemetry never crosses nodes
  un-enriched;
- the **gateway** (a Deployment with an HPA) exports traces to X-Ray (``awsxray``), metrics as
  CloudWatch embedded-metric-format logs (``awsemf``) and logs to CloudWatch Logs
  (``awscloudwatchlogs``). Only the gateway holds AWS credentials.

The agent also collects on its own node (:mod:`infra_kit.k8s._collector_sources`): its
kubelet's pod statistics and its node's CPU and memory, which the gateway publishes as the
cluster metrics of :mod:`infra_kit.k8s.cluster_metrics` (``awsemf/cluster``), and every
container's log files, which the gateway writes to their own log group
(``awscloudwatchlogs/containers``).

Every pipeline runs ``memory_limiter`` first and ``batch`` last. Receivers listen on the pod IP
(``${env:MY_POD_IP}``), never on ``0.0.0.0``. Memory: the limiter refuses data above its soft
limit (60% of the container's memory limit) and forces a collection at its hard limit (80%);
``GOMEMLIMIT`` is the same 80%, so the Go runtime collects aggressively at that point too, and
20% of headroom stays below the limit at which the kernel would kill the container.

Resource detection uses the ``env`` detector only, fed by ``OTEL_RESOURCE_ATTRIBUTES`` that the
component sets (cloud provider, platform, region, cluster name, environment). The ``eks`` and
``ec2`` detectors would need the instance metadata service, which the network policies block for
pods (and node IMDS hop limits usually do too), or EC2 API permissions the collectors do not need.

OTLP from the agent to the gateway is TLS 1.3 (SEC-3): the gateway's receiver serves the
certificate cert-manager issues for its Service (``tls.cert_file``, ``tls.key_file``, reloaded
hourly), and the agent's exporter verifies it against the issuing CA (``tls.ca_file``), with no
``insecure``. Both read the files from a read-only Secret volume at ``/tls``
(:mod:`infra_kit.k8s._collector_tls`). :func:`pipeline_problems` refuses any receiver or
exporter with ``insecure`` or ``insecure_skip_verify``.

Component type names follow collector-contrib 0.155: ``otlp_grpc`` (was ``otlp``),
``k8s_attributes`` (was ``k8sattributes``) and ``resource_detection`` (was ``resourcedetection``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from infra_kit.errors import ValidationError
from infra_kit.k8s import _collector_sources as sources
from infra_kit.k8s import cluster_metrics
from infra_kit.k8s._sizing import memory_bytes
from infra_kit.policy.rules.transit import plaintext_components

__all__ = [
    "AGENT_NAME",
    "AGENT_OTLP_ENDPOINT",
    "CA_FILE",
    "CERT_FILE",
    "COLLECTOR_IMAGE",
    "COLLECTOR_NAMESPACE",
    "GATEWAY_NAME",
    "GATEWAY_TLS_SECRET",
    "GOMEMLIMIT_PERCENT",
    "HEALTH_PORT",
    "KEY_FILE",
    "NODE_NAME_ENV",
    "OTLP_GRPC_PORT",
    "OTLP_HTTP_PORT",
    "POD_IP_ENV",
    "POD_NAME_ENV",
    "TLS_DIR",
    "TLS_MIN_VERSION",
    "GatewayDestinations",
    "agent_config",
    "gateway_config",
    "gomemlimit",
    "pipeline_problems",
    "render",
    "service_host",
]

#: The collector image, pinned; prod pins by digest through ``CollectorsArgs.image``.
COLLECTOR_IMAGE = "otel/opentelemetry-collector-contrib:0.155.0"
COLLECTOR_NAMESPACE = "observability"
AGENT_NAME = "otel-agent"
GATEWAY_NAME = "otel-gateway"
OTLP_GRPC_PORT = 4317
OTLP_HTTP_PORT = 4318
HEALTH_PORT = 13133
POD_IP_ENV = "MY_POD_IP"
POD_NAME_ENV = "MY_POD_NAME"
NODE_NAME_ENV = "K8S_NODE_NAME"

#: The gateway's certificate Secret (issued by cert-manager) and where collectors mount it.
GATEWAY_TLS_SECRET = "otel-gateway-tls"
TLS_DIR = "/tls"
CERT_FILE, KEY_FILE, CA_FILE = f"{TLS_DIR}/tls.crt", f"{TLS_DIR}/tls.key", f"{TLS_DIR}/ca.crt"
#: Both collectors are Go programs of one version: nothing needs anything older than TLS 1.3.
TLS_MIN_VERSION = "1.3"
#: How often the gateway rereads its certificate; cert-manager renews it 30 days before expiry.
_TLS_RELOAD_INTERVAL = "1h"

#: GOMEMLIMIT and the memory limiter's hard limit, as a percentage of the memory limit.
GOMEMLIMIT_PERCENT = 80
_MEMORY_LIMITER = {
    "check_interval": "1s",
    "limit_percentage": GOMEMLIMIT_PERCENT,
    "spike_limit_percentage": 20,
}
_PROCESSOR_FIRST, _PROCESSOR_LAST = "memory_limiter", "batch"
_LOG_GROUP = re.compile(r"^[A-Za-z0-9_./#-]{1,512}$")
_METRIC_NAMESPACE = re.compile(r"^(?!AWS/)[A-Za-z0-9 ._/#:-]{1,255}$")
_SIGNALS = ("traces", "metrics", "logs")


def service_host(name: str) -> str:
    """The cluster DNS name of a Service in the collectors' namespace."""
    return f"{name}.{COLLECTOR_NAMESPACE}.svc.cluster.local"


#: What every workload's ``OTEL_EXPORTER_OTLP_ENDPOINT`` points at: the agent of its own node.
AGENT_OTLP_ENDPOINT = f"http://{service_host(AGENT_NAME)}:{OTLP_GRPC_PORT}"


def gomemlimit(memory_limit: str) -> str:
    """``GOMEMLIMIT`` for a container limited to ``memory_limit`` (80% of it, in MiB)."""
    limit = memory_bytes("memory_limit", memory_limit)
    return f"{limit * GOMEMLIMIT_PERCENT // 100 // 2**20}MiB"


def _endpoint(port: int) -> str:
    return f"${{env:{POD_IP_ENV}}}:{port}"


def _common(processors: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "processors": {"memory_limiter": dict(_MEMORY_LIMITER), **processors},
        "extensions": {"health_check": {"endpoint": _endpoint(HEALTH_PORT)}},
    }


def _batch() -> dict[str, Any]:
    return {"send_batch_size": 1024, "send_batch_max_size": 2048, "timeout": "1s"}


def _resource_detection() -> dict[str, Any]:
    return {"detectors": ["env"], "timeout": "2s", "override": False}


def _service(
    pipelines: Mapping[str, tuple[list[str], list[str], list[str]]],
    extensions: tuple[str, ...] = (),
) -> dict[str, Any]:
    return {
        "extensions": ["health_check", *extensions],
        "telemetry": {"logs": {"level": "info", "encoding": "json"}},
        "pipelines": {
            signal: {"receivers": list(r), "processors": list(p), "exporters": list(e)}
            for signal, (r, p, e) in pipelines.items()
        },
    }


def agent_config() -> dict[str, Any]:
    """The agent: OTLP in, Kubernetes metadata added, OTLP/gRPC out to the gateway."""
    processors = ["memory_limiter", "k8s_attributes", "resource_detection", "batch"]
    config = _common(
        {
            "k8s_attributes": {
                "auth_type": "serviceAccount",
                "passthrough": False,
                "filter": {"node_from_env_var": NODE_NAME_ENV},
                "extract": {
                    "metadata": [
                        "k8s.namespace.name",
                        "k8s.pod.name",
                        "k8s.pod.uid",
                        "k8s.pod.start_time",
                        "k8s.deployment.name",
                        "k8s.node.name",
                    ]
                },
                "pod_association": [
                    {"sources": [{"from": "resource_attribute", "name": "k8s.pod.uid"}]},
                    {"sources": [{"from": "resource_attribute", "name": "k8s.pod.ip"}]},
                    {"sources": [{"from": "connection"}]},
                ],
            },
            "resource_detection": _resource_detection(),
            **sources.cluster_metric_processors(),
            "batch": _batch(),
        }
    )
    config["receivers"] = {
        "otlp": {
            "protocols": {
                "grpc": {"endpoint": _endpoint(OTLP_GRPC_PORT)},
                "http": {"endpoint": _endpoint(OTLP_HTTP_PORT)},
            }
        },
        **sources.cluster_metric_receivers(),
        # Every container's stdout and stderr, from the node's log files (OBS-2).
        "file_log": sources.container_log_receiver(),
    }
    config["extensions"]["file_storage"] = {"directory": sources.CHECKPOINT_DIR}
    config["exporters"] = {
        "otlp_grpc": {
            # A headless gateway Service plus round-robin spreads the agents' long-lived gRPC
            # connections over every gateway pod, including the ones the HPA just added.
            "endpoint": f"dns:///{service_host(GATEWAY_NAME)}:{OTLP_GRPC_PORT}",
            "balancer_name": "round_robin",
            # prescription: SEC-3 -- OTLP to the gateway is TLS 1.3, verified against its CA.
            "tls": {"ca_file": CA_FILE, "min_version": TLS_MIN_VERSION},
            "sending_queue": {"enabled": True, "queue_size": 1000},
            "retry_on_failure": {"enabled": True},
        }
    }
    pipelines = {s: (["otlp"], processors, ["otlp_grpc"]) for s in _SIGNALS}
    # The node's and its pods' resource use, for the resource alarms (OBS-3).
    pipelines["metrics"] = (
        ["otlp", "kubelet_stats", "host_metrics"],
        [*processors[:-1], "metrics_transform", "filter/cluster-metrics", processors[-1]],
        ["otlp_grpc"],
    )
    pipelines["logs"] = (["otlp", "file_log"], processors, ["otlp_grpc"])
    config["service"] = _service(pipelines, ("file_storage",))
    return config


@dataclass(frozen=True)
class GatewayDestinations:
    """Where the gateway exports: the region, the log groups and the CloudWatch metric namespace."""

    region: str
    logs_log_group: str
    metrics_log_group: str
    metrics_namespace: str
    containers_log_group: str

    def __post_init__(self) -> None:
        for key in ("logs_log_group", "metrics_log_group", "containers_log_group"):
            group = getattr(self, key)
            if not _LOG_GROUP.match(group):
                raise ValidationError(
                    key, group, "not a CloudWatch Logs group name", "use e.g. '/team/app/logs'"
                )
        if not _METRIC_NAMESPACE.match(self.metrics_namespace):
            raise ValidationError(
                "metrics_namespace",
                self.metrics_namespace,
                "not a CloudWatch metric namespace (or one reserved for AWS)",
                "use letters, digits, spaces and . - _ / # :, not starting with 'AWS/'",
            )


def gateway_config(destinations: GatewayDestinations) -> dict[str, Any]:
    """The gateway: OTLP/gRPC in from the agents; X-Ray, EMF metrics and CloudWatch Logs out."""
    processors = ["memory_limiter", "resource_detection", "batch"]
    config = _common(
        {
            "resource_detection": _resource_detection(),
            **sources.gateway_metric_filters(),
            "filter/application-logs": sources.application_logs_only(),
            "filter/container-logs": sources.container_logs_only(),
            "batch": _batch(),
        }
    )
    config["receivers"] = {
        "otlp": {
            "protocols": {
                "grpc": {
                    "endpoint": _endpoint(OTLP_GRPC_PORT),
                    "tls": {
                        "cert_file": CERT_FILE,
                        "key_file": KEY_FILE,
                        "min_version": TLS_MIN_VERSION,
                        "reload_interval": _TLS_RELOAD_INTERVAL,
                    },
                    # Agents reconnect every minute, so new gateway pods receive load quickly.
                    "keepalive": {
                        "server_parameters": {
                            "max_connection_age": "60s",
                            "max_connection_age_grace": "10s",
                        }
                    },
                }
            }
        }
    }
    stream = f"${{env:{POD_NAME_ENV}}}"
    config["exporters"] = {
        "awsxray": {"region": destinations.region, "telemetry": {"enabled": True}},
        "awsemf": {
            "region": destinations.region,
            "namespace": destinations.metrics_namespace,
            "log_group_name": destinations.metrics_log_group,
            "log_stream_name": stream,
            "dimension_rollup_option": "NoDimensionRollup",
        },
        # Exactly the cluster metrics the resource alarms read (OBS-3), in their own namespace.
        "awsemf/cluster": {
            "region": destinations.region,
            "namespace": cluster_metrics.NAMESPACE,
            "log_group_name": destinations.metrics_log_group,
            "log_stream_name": f"{stream}-cluster",
            "dimension_rollup_option": "NoDimensionRollup",
            "resource_to_telemetry_conversion": {"enabled": True},
            "metric_declarations": cluster_metrics.metric_declarations(),
        },
        "awscloudwatchlogs": {
            "region": destinations.region,
            "log_group_name": destinations.logs_log_group,
            "log_stream_name": stream,
        },
        # Node-collected container logs (OBS-2), apart from what applications send.
        "awscloudwatchlogs/containers": {
            "region": destinations.region,
            "log_group_name": destinations.containers_log_group,
            "log_stream_name": stream,
        },
    }
    config["service"] = _service(
        {
            "traces": (["otlp"], processors, ["awsxray"]),
            "metrics": (
                ["otlp"],
                ["memory_limiter", "filter/application-metrics", *processors[1:]],
                ["awsemf"],
            ),
            "metrics/cluster": (
                ["otlp"],
                ["memory_limiter", "filter/cluster-metrics", "batch"],
                ["awsemf/cluster"],
            ),
            "logs": (
                ["otlp"],
                ["memory_limiter", "filter/application-logs", *processors[1:]],
                ["awscloudwatchlogs"],
            ),
            "logs/containers": (
                ["otlp"],
                ["memory_limiter", "filter/container-logs", "batch"],
                ["awscloudwatchlogs/containers"],
            ),
        }
    )
    return config


def pipeline_problems(config: Mapping[str, Any]) -> list[str]:
    """Why a collector configuration would not start, or breaks infra-kit's rules; [] when sound.

    Checks that every component a pipeline or the service names is defined, that every defined
    component is used, that ``memory_limiter`` comes first and ``batch`` last, that no
    receiver listens on every interface, and that no receiver or exporter turns TLS off or skips
    verifying its peer (SEC-3).
    """
    problems: list[str] = []
    service = config.get("service") or {}
    pipelines = service.get("pipelines") or {}
    if not pipelines:
        problems.append("service.pipelines is empty")
    used: dict[str, set[str]] = {"receivers": set(), "processors": set(), "exporters": set()}
    for name, pipeline in pipelines.items():
        for kind, seen in used.items():
            ids = pipeline.get(kind) or []
            if kind != "processors" and not ids:
                problems.append(f"pipeline {name} has no {kind}")
            for component in ids:
                seen.add(component)
                if component not in (config.get(kind) or {}):
                    problems.append(f"pipeline {name} names undefined {kind[:-1]} {component}")
        processors = pipeline.get("processors") or []
        if not processors or processors[0] != _PROCESSOR_FIRST:
            problems.append(f"pipeline {name} does not start with {_PROCESSOR_FIRST}")
        if not processors or processors[-1] != _PROCESSOR_LAST:
            problems.append(f"pipeline {name} does not end with {_PROCESSOR_LAST}")
    for kind, names in used.items():
        for component in sorted(set(config.get(kind) or {}) - names):
            problems.append(f"{kind[:-1]} {component} is defined but no pipeline uses it")
    for extension in service.get("extensions") or []:
        if extension not in (config.get("extensions") or {}):
            problems.append(f"service names undefined extension {extension}")
    for text in _strings(config.get("receivers")):
        if text.startswith(("0.0.0.0", ":")):
            problems.append(f"a receiver listens on every interface: {text}")
    problems += plaintext_components(config)  # the same test as IK-SEC-3-COLLECTOR-PLAINTEXT
    return problems


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def render(config: Mapping[str, Any]) -> str:
    """The configuration as YAML; raises ``ValueError`` if :func:`pipeline_problems` finds any."""
    problems = pipeline_problems(config)
    if problems:
        raise ValueError("invalid collector configuration: " + "; ".join(problems))
    return yaml.safe_dump(dict(config), sort_keys=True, default_flow_style=False)
