"""OTLP from the agent to the gateway is TLS with a certificate cert-manager issues (SEC-3)."""

from __future__ import annotations

import itertools
from typing import Any

import pulumi_kubernetes as k8s
import pytest
import yaml

from infra_kit.core.engine import Graph
from infra_kit.k8s import Collectors, CollectorsArgs
from infra_kit.k8s._collector_tls import gateway_dns_names
from tests.k8s.helpers import OIDC, obj, synth

NS = "observability"
CERTIFICATE = "kubernetes:cert-manager.io/v1:Certificate"
ISSUER = "kubernetes:cert-manager.io/v1:Issuer"
CLUSTER_ISSUER = "kubernetes:cert-manager.io/v1:ClusterIssuer"
RELEASE = "kubernetes:helm.sh/v3:Release"


def _build(env: Any, p: Any) -> None:
    # A stand-in for the Cluster's cert-manager release: what the certificates must wait for.
    cert_manager = k8s.helm.v3.Release(
        "cert-manager", chart="cert-manager", version="v1.21.1", opts=None
    )
    Collectors(
        "otel",
        CollectorsArgs(cluster_name="main"),
        env,
        provider=p,
        oidc=OIDC,
        cert_manager=cert_manager,
    )


@pytest.fixture(scope="module", params=["dev", "prod"])
def graph(request: pytest.FixtureRequest) -> Graph:
    return synth(_build, request.param)


def _config(graph: Graph, collector: str) -> dict[str, Any]:
    data = obj(graph, "ConfigMap", f"{collector}-config", NS)["data"]["collector.yaml"]
    return yaml.safe_load(data)


def _mounted_files(graph: Graph, kind: str, name: str) -> set[str]:
    """Paths of the files a collector's container sees from its read-only Secret volumes."""
    spec = obj(graph, kind, name, NS)["spec"]["template"]["spec"]
    secrets = {v["name"]: v["secret"] for v in spec["volumes"] if "secret" in v}
    (container,) = spec["containers"]
    files = set()
    for mount in container["volumeMounts"]:
        if mount["name"] in secrets:
            assert mount["readOnly"] is True
            assert "subPath" not in mount  # renewed files must reach the pod in place
            files |= {f"{mount['mountPath']}/{i['path']}" for i in secrets[mount["name"]]["items"]}
    return files


def _strings_and_flags(value: Any) -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        return [(k, v) for k, v in value.items()] + [
            kv for v in value.values() for kv in _strings_and_flags(v)
        ]
    if isinstance(value, list):
        return [kv for v in value for kv in _strings_and_flags(v)]
    return []


def test_the_agent_exports_over_tls_verifying_the_gateway_against_the_mounted_ca(
    graph: Graph,
) -> None:
    config = _config(graph, "otel-agent")
    exporter = config["exporters"]["otlp_grpc"]
    assert exporter["tls"] == {"ca_file": "/tls/ca.crt", "min_version": "1.3"}
    assert [k for k, v in _strings_and_flags(config) if k.startswith("insecure")] == []
    assert _mounted_files(graph, "DaemonSet", "otel-agent") == {"/tls/ca.crt"}


def test_the_gateway_serves_otlp_with_its_mounted_certificate_and_key(graph: Graph) -> None:
    config = _config(graph, "otel-gateway")
    assert config["receivers"]["otlp"]["protocols"]["grpc"]["tls"] == {
        "cert_file": "/tls/tls.crt",
        "key_file": "/tls/tls.key",
        "min_version": "1.3",
        "reload_interval": "1h",
    }
    assert set(config["receivers"]["otlp"]["protocols"]) == {"grpc"}  # no plaintext HTTP
    assert _mounted_files(graph, "Deployment", "otel-gateway") == {
        "/tls/tls.crt",
        "/tls/tls.key",
    }


def test_both_collectors_mount_the_secret_of_the_gateway_certificate(graph: Graph) -> None:
    secret = obj(graph, "Certificate", "otel-gateway-tls", NS)["spec"]["secretName"]
    for kind, name in (("DaemonSet", "otel-agent"), ("Deployment", "otel-gateway")):
        volumes = obj(graph, kind, name, NS)["spec"]["template"]["spec"]["volumes"]
        assert [v["secret"]["secretName"] for v in volumes if "secret" in v] == [secret]


def test_the_certificate_names_the_gateway_service_and_the_host_the_agent_dials(
    graph: Graph,
) -> None:
    service = obj(graph, "Service", "otel-gateway", NS)["metadata"]
    names = obj(graph, "Certificate", "otel-gateway-tls", NS)["spec"]["dnsNames"]
    svc, ns = service["name"], service["namespace"]
    assert names == [svc, f"{svc}.{ns}", f"{svc}.{ns}.svc", f"{svc}.{ns}.svc.cluster.local"]
    assert names == gateway_dns_names()
    endpoint = _config(graph, "otel-agent")["exporters"]["otlp_grpc"]["endpoint"]
    host = endpoint.removeprefix("dns:///").rsplit(":", 1)[0]
    assert host in names


def test_a_self_signed_root_signs_a_ca_whose_issuer_signs_the_gateway(graph: Graph) -> None:
    root = obj(graph, "ClusterIssuer", "observability-selfsigned")
    assert root["apiVersion"] == "cert-manager.io/v1"
    assert root["spec"] == {"selfSigned": {}}
    ca = obj(graph, "Certificate", "otel-ca", NS)["spec"]
    assert ca["isCA"] is True
    assert ca["issuerRef"] == {
        "name": "observability-selfsigned",
        "kind": "ClusterIssuer",
        "group": "cert-manager.io",
    }
    assert ca["privateKey"] == {"algorithm": "ECDSA", "size": 256, "rotationPolicy": "Never"}
    issuer = obj(graph, "Issuer", "otel-ca", NS)["spec"]
    assert issuer == {"ca": {"secretName": ca["secretName"]}}
    leaf = obj(graph, "Certificate", "otel-gateway-tls", NS)["spec"]
    assert leaf["issuerRef"] == {"name": "otel-ca", "kind": "Issuer", "group": "cert-manager.io"}
    assert "isCA" not in leaf
    assert leaf["usages"] == ["server auth", "digital signature"]
    assert (leaf["duration"], leaf["renewBefore"]) == ("2160h", "720h")
    assert leaf["privateKey"]["rotationPolicy"] == "Always"


def test_certificates_wait_for_cert_manager_and_the_collectors_for_the_certificate(
    graph: Graph,
) -> None:
    release = graph.named("cert-manager", RELEASE)["urn"]
    root = graph.named("otel-selfsigned-issuer", CLUSTER_ISSUER)
    ca = graph.named("otel-ca", CERTIFICATE)
    issuer = graph.named("otel-ca-issuer", ISSUER)
    leaf = graph.named("otel-gateway-certificate", CERTIFICATE)
    chain = [root, ca, issuer, leaf]
    for before, after in itertools.pairwise(chain):
        assert before["urn"] in after["dependencies"]
    for item in chain:
        assert release in item["dependencies"]
        assert item["inputs"]["metadata"]["annotations"] == {
            "pulumi.com/waitFor": "condition=Ready"
        }
    for kind, name in (
        (k8s.apps.v1.DaemonSet, "otel-agent"),
        (k8s.apps.v1.Deployment, "otel-gateway"),
    ):
        workload = graph.named(name, f"kubernetes:apps/v1:{kind.__name__}")
        assert leaf["urn"] in workload["dependencies"]
