"""The collector configurations are valid and ordered as OBS-1 needs them."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from infra_kit.errors import ValidationError
from infra_kit.k8s import cluster_metrics
from infra_kit.k8s._collector_config import (
    AGENT_OTLP_ENDPOINT,
    GOMEMLIMIT_PERCENT,
    GatewayDestinations,
    agent_config,
    gateway_config,
    gomemlimit,
    pipeline_problems,
    render,
)

DESTINATIONS = GatewayDestinations(
    region="eu-west-1",
    logs_log_group="/shop/prod/otel/logs",
    metrics_log_group="/shop/prod/otel/metrics",
    metrics_namespace="shop/prod",
    containers_log_group="/shop/prod/otel/containers",
)
CONFIGS = {"agent": agent_config(), "gateway": gateway_config(DESTINATIONS)}


@pytest.mark.parametrize("which", sorted(CONFIGS))
def test_the_rendered_yaml_loads_back_to_the_same_configuration(which: str) -> None:
    assert yaml.safe_load(render(CONFIGS[which])) == CONFIGS[which]


@pytest.mark.parametrize("which", sorted(CONFIGS))
def test_pipelines_reference_only_defined_components(which: str) -> None:
    config = yaml.safe_load(render(CONFIGS[which]))
    pipelines = config["service"]["pipelines"]
    own = {"metrics/cluster", "logs/containers"} if which == "gateway" else set()
    expected = {"traces", "metrics", "logs"} | own
    assert set(pipelines) == expected
    for pipeline in pipelines.values():
        for kind in ("receivers", "processors", "exporters"):
            assert pipeline[kind], kind
            assert set(pipeline[kind]) <= set(config[kind])
    assert set(config["service"]["extensions"]) <= set(config["extensions"])


@pytest.mark.parametrize("which", sorted(CONFIGS))
def test_memory_limiter_is_first_and_batch_last_in_every_pipeline(which: str) -> None:
    for pipeline in CONFIGS[which]["service"]["pipelines"].values():
        assert pipeline["processors"][0] == "memory_limiter"
        assert pipeline["processors"][-1] == "batch"


def test_the_agent_enriches_with_kubernetes_metadata_of_its_node_and_forwards_to_the_gateway() -> (
    None
):
    config = CONFIGS["agent"]
    processors = config["service"]["pipelines"]["traces"]["processors"]
    assert processors == ["memory_limiter", "k8s_attributes", "resource_detection", "batch"]
    assert config["processors"]["k8s_attributes"]["filter"] == {
        "node_from_env_var": "K8S_NODE_NAME"
    }
    assert config["processors"]["k8s_attributes"]["extract"]["metadata"] == [
        "k8s.namespace.name",
        "k8s.pod.name",
        "k8s.pod.uid",
        "k8s.pod.start_time",
        "k8s.deployment.name",
        "k8s.node.name",
    ]
    exporter = config["exporters"]["otlp_grpc"]
    assert exporter["endpoint"] == "dns:///otel-gateway.observability.svc.cluster.local:4317"
    assert exporter["balancer_name"] == "round_robin"
    assert {s: p["exporters"] for s, p in config["service"]["pipelines"].items()} == {
        "traces": ["otlp_grpc"],
        "metrics": ["otlp_grpc"],
        "logs": ["otlp_grpc"],
    }


def test_the_gateway_exports_traces_metrics_and_logs_to_aws() -> None:
    config = CONFIGS["gateway"]
    pipelines = config["service"]["pipelines"]
    assert {s: p["exporters"] for s, p in pipelines.items()} == {
        "traces": ["awsxray"],
        "metrics": ["awsemf"],
        "metrics/cluster": ["awsemf/cluster"],
        "logs": ["awscloudwatchlogs"],
        "logs/containers": ["awscloudwatchlogs/containers"],
    }
    assert config["exporters"]["awsemf"]["namespace"] == "shop/prod"
    assert config["exporters"]["awsemf"]["log_group_name"] == "/shop/prod/otel/metrics"
    assert config["exporters"]["awscloudwatchlogs"]["log_group_name"] == "/shop/prod/otel/logs"
    assert {e["region"] for e in config["exporters"].values()} == {"eu-west-1"}
    assert pipelines["logs"]["processors"] == [
        "memory_limiter",
        "filter/application-logs",
        "resource_detection",
        "batch",
    ]
    containers = config["exporters"]["awscloudwatchlogs/containers"]
    assert containers["log_group_name"] == "/shop/prod/otel/containers"


@pytest.mark.parametrize(
    ("which", "endpoints"),
    [
        ("agent", {"grpc": "${env:MY_POD_IP}:4317", "http": "${env:MY_POD_IP}:4318"}),
        ("gateway", {"grpc": "${env:MY_POD_IP}:4317"}),
    ],
)
def test_receivers_listen_on_the_pod_ip_only(which: str, endpoints: dict[str, str]) -> None:
    protocols = CONFIGS[which]["receivers"]["otlp"]["protocols"]
    assert {name: p["endpoint"] for name, p in protocols.items()} == endpoints
    assert CONFIGS[which]["extensions"]["health_check"]["endpoint"] == "${env:MY_POD_IP}:13133"


def test_resource_detection_uses_the_env_detector_only() -> None:
    for config in CONFIGS.values():
        assert config["processors"]["resource_detection"]["detectors"] == ["env"]


def test_gomemlimit_is_eighty_percent_of_the_limit_like_the_memory_limiter() -> None:
    assert gomemlimit("512Mi") == "409MiB"
    assert gomemlimit("1Gi") == "819MiB"
    for config in CONFIGS.values():
        assert GOMEMLIMIT_PERCENT == 80
        assert config["processors"]["memory_limiter"] == {
            "check_interval": "1s",
            "limit_percentage": GOMEMLIMIT_PERCENT,
            "spike_limit_percentage": 20,
        }


def test_workloads_send_to_the_node_local_agent_service() -> None:
    assert AGENT_OTLP_ENDPOINT == "http://otel-agent.observability.svc.cluster.local:4317"


def _broken(change: Any) -> list[str]:
    config = copy.deepcopy(CONFIGS["gateway"])
    change(config)
    return pipeline_problems(config)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            lambda c: c["service"]["pipelines"]["traces"]["exporters"].append("otlp_grpc"),
            "pipeline traces names undefined exporter otlp_grpc",
        ),
        (
            lambda c: c["service"]["pipelines"]["logs"]["processors"].reverse(),
            "pipeline logs does not start with memory_limiter",
        ),
        (
            lambda c: c["service"]["pipelines"]["logs"]["processors"].remove("batch"),
            "pipeline logs does not end with batch",
        ),
        (
            lambda c: c["exporters"].update({"debug": {}}),
            "exporter debug is defined but no pipeline uses it",
        ),
        (
            lambda c: c["receivers"]["otlp"]["protocols"]["grpc"].update(endpoint="0.0.0.0:4317"),
            "a receiver listens on every interface: 0.0.0.0:4317",
        ),
        (
            lambda c: c["service"].update(extensions=["pprof"]),
            "service names undefined extension pprof",
        ),
        (
            lambda c: c["receivers"]["otlp"]["protocols"]["grpc"].update(tls={"insecure": True}),
            "receiver otlp sets protocols.grpc.tls.insecure: true",
        ),
    ],
)
def test_pipeline_problems_are_found(change: Any, problem: str) -> None:
    assert problem in _broken(change)


@pytest.mark.parametrize("flag", ["insecure", "insecure_skip_verify"])
def test_an_agent_exporter_that_turns_tls_off_or_skips_verification_is_refused(flag: str) -> None:
    config = copy.deepcopy(CONFIGS["agent"])
    config["exporters"]["otlp_grpc"]["tls"][flag] = True
    assert pipeline_problems(config) == [f"exporter otlp_grpc sets tls.{flag}: true"]
    with pytest.raises(ValueError, match=f"sets tls.{flag}: true"):
        render(config)


def test_the_agent_verifies_the_gateway_with_tls_1_3_and_the_gateway_serves_it() -> None:
    assert CONFIGS["agent"]["exporters"]["otlp_grpc"]["tls"] == {
        "ca_file": "/tls/ca.crt",
        "min_version": "1.3",
    }
    grpc = CONFIGS["gateway"]["receivers"]["otlp"]["protocols"]["grpc"]
    assert {k: grpc["tls"][k] for k in ("cert_file", "key_file", "min_version")} == {
        "cert_file": "/tls/tls.crt",
        "key_file": "/tls/tls.key",
        "min_version": "1.3",
    }


def test_render_refuses_a_broken_configuration() -> None:
    config = copy.deepcopy(CONFIGS["agent"])
    config["service"]["pipelines"]["traces"]["processors"] = ["batch"]
    with pytest.raises(ValueError, match="does not start with memory_limiter"):
        render(config)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("logs_log_group", "logs with spaces"),
        ("metrics_log_group", ""),
        ("containers_log_group", "containers with spaces"),
        ("metrics_namespace", "AWS/EKS"),
    ],
)
def test_bad_destinations_are_refused(field: str, value: str) -> None:
    values = {**vars(DESTINATIONS), field: value}
    with pytest.raises(ValidationError, match=rf"^{field}="):
        GatewayDestinations(**values)


def test_the_agent_reads_its_nodes_kubelet_and_proc_verified_and_only_the_catalogue() -> None:
    config = CONFIGS["agent"]
    kubelet = config["receivers"]["kubelet_stats"]
    assert kubelet == {
        "auth_type": "serviceAccount",
        "endpoint": "${env:K8S_NODE_IP}:10250",
        "collection_interval": "60s",
        "metric_groups": ["pod"],
        "metrics": {
            "k8s.pod.cpu_limit_utilization": {"enabled": True},
            "k8s.pod.cpu_request_utilization": {"enabled": True},
            "k8s.pod.memory_limit_utilization": {"enabled": True},
        },
    }
    scrapers = config["receivers"]["host_metrics"]["scrapers"]
    assert scrapers == {
        "cpu": {"metrics": {"system.cpu.utilization": {"enabled": True}}},
        "memory": {"metrics": {"system.memory.utilization": {"enabled": True}}},
    }
    metrics = config["service"]["pipelines"]["metrics"]
    assert metrics["receivers"] == ["otlp", "kubelet_stats", "host_metrics"]
    assert metrics["processors"] == [
        "memory_limiter",
        "k8s_attributes",
        "resource_detection",
        "metrics_transform",
        "filter/cluster-metrics",
        "batch",
    ]
    (condition,) = config["processors"]["filter/cluster-metrics"]["metrics"]["metric"]
    for metric in cluster_metrics.CLUSTER_METRICS:
        assert metric.name.replace(".", r"\\.") in condition


def test_the_gateway_publishes_the_cluster_catalogue_apart_from_application_metrics() -> None:
    config = CONFIGS["gateway"]
    exporter = config["exporters"]["awsemf/cluster"]
    assert exporter["namespace"] == "InfraKit/Kubernetes"
    assert exporter["metric_declarations"] == cluster_metrics.metric_declarations()
    assert exporter["resource_to_telemetry_conversion"] == {"enabled": True}
    assert exporter["log_stream_name"] == "${env:MY_POD_NAME}-cluster"
    application = config["processors"]["filter/application-metrics"]["metrics"]["metric"]
    cluster = config["processors"]["filter/cluster-metrics"]["metrics"]["metric"]
    assert cluster == [f"not {application[0]}"]
    assert "kubeletstats|hostmetrics" in application[0]


def test_the_agent_reads_every_containers_log_file_but_its_own_and_keeps_its_place() -> None:
    config = CONFIGS["agent"]
    assert config["receivers"]["file_log"] == {
        "include": ["/var/log/pods/*/*/*.log"],
        "exclude": ["/var/log/pods/observability_otel-agent-*/*/*.log"],
        "start_at": "end",
        "include_file_path": True,
        "include_file_name": False,
        "storage": "file_storage",
        "operators": [{"type": "container", "id": "container-parser"}],
    }
    assert config["extensions"]["file_storage"] == {"directory": "/var/lib/otel-agent"}
    assert config["service"]["extensions"] == ["health_check", "file_storage"]
    assert config["service"]["pipelines"]["logs"]["receivers"] == ["otlp", "file_log"]


def test_the_gateway_keeps_container_logs_and_application_logs_apart() -> None:
    config = CONFIGS["gateway"]
    processors = config["processors"]
    assert processors["filter/application-logs"]["logs"]["log_record"] == [
        'attributes["log.file.path"] != nil'
    ]
    assert processors["filter/container-logs"]["logs"]["log_record"] == [
        'attributes["log.file.path"] == nil'
    ]
    assert config["service"]["pipelines"]["logs/containers"] == {
        "receivers": ["otlp"],
        "processors": ["memory_limiter", "filter/container-logs", "batch"],
        "exporters": ["awscloudwatchlogs/containers"],
    }
