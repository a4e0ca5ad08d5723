"""Cases of the telemetry rules: alarms read what the collectors publish, with bounded dimensions."""

from __future__ import annotations

from typing import Any

import yaml

from infra_kit.k8s import cluster_metrics
from tests.policy.cases import Case
from tests.policy.graphs import doc, k8s, resource

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"


def gateway_config() -> dict[str, Any]:
    """The metrics part of the collector gateway's configuration, written out: these cases also
    run in the policy pack's environment, which has no Pulumi SDKs to render the real one with
    (tests/test_alarm_emission.py judges the rendered one)."""
    common = {"region": "us-east-1", "log_group_name": "/p/prod/otel/metrics"}
    return {
        "receivers": {"otlp": {"protocols": {"grpc": {"endpoint": "0.0.0.0:4317"}}}},
        "exporters": {
            "awsemf": {
                **common,
                "namespace": "p/prod",
                "dimension_rollup_option": "NoDimensionRollup",
            },
            "awsemf/cluster": {
                **common,
                "namespace": cluster_metrics.NAMESPACE,
                "dimension_rollup_option": "NoDimensionRollup",
                "resource_to_telemetry_conversion": {"enabled": True},
                "metric_declarations": cluster_metrics.metric_declarations(),
            },
        },
        "service": {
            "pipelines": {
                "metrics": {"receivers": ["otlp"], "exporters": ["awsemf"]},
                "metrics/cluster": {"receivers": ["otlp"], "exporters": ["awsemf/cluster"]},
            }
        },
    }


def gateway(config: dict[str, Any]) -> dict[str, Any]:
    data = {"collector.yaml": yaml.safe_dump(config)}
    return k8s("ConfigMap", "otel-gateway-config", namespace="observability", data=data)


def without_declaration(metric_name: str) -> dict[str, Any]:
    """The gateway's configuration, less the declaration of ``metric_name``."""
    config = gateway_config()
    exporter = config["exporters"]["awsemf/cluster"]
    exporter["metric_declarations"] = [
        d
        for d in exporter["metric_declarations"]
        if d["metric_name_selectors"] != [f"^{metric_name.replace('.', chr(92) + '.')}$"]
    ]
    return config


def alarm(name: str, metric: str, dimensions: dict[str, str]) -> dict[str, Any]:
    query = {
        "id": "m",
        "returnData": False,
        "metric": {
            "namespace": cluster_metrics.NAMESPACE,
            "metricName": metric,
            "dimensions": dimensions,
            "period": 300,
            "stat": "Maximum",
        },
    }
    expression = {"id": "result", "expression": "100 * m", "returnData": True}
    return resource(ALARM, name, {"metricQueries": [query, expression], "threshold": 90})


NODE_MEMORY = alarm("node-memory", "system.memory.utilization", {"k8s.cluster.name": "main"})
#: The memory metric with a dimension the collectors never publish it with.
NODE_MEMORY_BY_NODE = alarm(
    "node-memory-by-node",
    "system.memory.utilization",
    {"k8s.cluster.name": "main", "k8s.node.name": "ip-10-0-0-1"},
)
UNBOUNDED = gateway(
    {
        **gateway_config(),
        "exporters": {
            **gateway_config()["exporters"],
            "awsemf": {
                **gateway_config()["exporters"]["awsemf"],
                "resource_to_telemetry_conversion": {"enabled": True},
            },
        },
    }
)
BOUNDED = gateway(gateway_config())

CASES: list[Case] = [
    Case(
        "IK-OBS-3-ALARM-METRIC-UNPUBLISHED",
        bad=lambda: doc(gateway(without_declaration("system.memory.utilization")), NODE_MEMORY),
        offending=(NODE_MEMORY["urn"],),
        good=lambda: doc(BOUNDED, NODE_MEMORY),
        label="declaration-removed",
    ),
    Case(
        "IK-OBS-3-ALARM-METRIC-UNPUBLISHED",
        bad=lambda: doc(BOUNDED, NODE_MEMORY_BY_NODE),
        offending=(NODE_MEMORY_BY_NODE["urn"],),
        good=lambda: doc(BOUNDED, NODE_MEMORY),
        label="other-dimensions",
    ),
    Case(
        "IK-OBS-1-EMF-UNBOUNDED-DIMENSIONS",
        bad=lambda: doc(UNBOUNDED),
        offending=(UNBOUNDED["urn"],),
        good=lambda: doc(BOUNDED),
    ),
]
