"""SEC-3 in transit inside the cluster: OpenTelemetry Collector configurations use verified TLS.

A collector configuration is found in a ConfigMap of the graph by its shape (a mapping with
``service.pipelines`` and ``receivers`` or ``exporters``), whatever the key it is stored under.
Its receivers and exporters must not turn TLS off (``tls.insecure``), skip verifying the peer
(``tls.insecure_skip_verify``), or send OTLP/HTTP to an ``http://`` endpoint.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import yaml

from infra_kit.policy._graph import GraphDoc
from infra_kit.policy._registry import Hit, Severity, rule
from infra_kit.policy.rules._values import as_dict, is_redacted, is_true

__all__ = ["collector_configs", "is_collector_config", "plaintext_components"]

_WEAKENING_FLAGS = ("insecure", "insecure_skip_verify")
#: Exporter types whose ``endpoint`` scheme decides whether they use TLS.
_HTTP_EXPORTERS = frozenset({"otlphttp", "otlp_http"})


def is_collector_config(value: Any) -> bool:
    """Whether ``value`` (parsed YAML) looks like an OpenTelemetry Collector configuration."""
    if not isinstance(value, Mapping):
        return False
    service = value.get("service")
    has_pipelines = isinstance(service, Mapping) and isinstance(service.get("pipelines"), Mapping)
    return has_pipelines and ("receivers" in value or "exporters" in value)


def _flags(settings: Any, path: str = "") -> list[str]:
    found: list[str] = []
    for key, child in as_dict(settings).items():
        here = f"{path}.{key}" if path else str(key)
        if key == "tls" and isinstance(child, Mapping):
            found += [f"{here}.{f}: true" for f in _WEAKENING_FLAGS if is_true(child.get(f))]
        else:
            found += _flags(child, here)
    return found


def plaintext_components(config: Mapping[str, Any]) -> list[str]:
    """``exporter otlp_grpc sets tls.insecure: true``-style lines for every receiver or exporter
    of a collector configuration that drops TLS or the verification of its peer; [] when none."""
    problems: list[str] = []
    for kind in ("receivers", "exporters"):
        for name, settings in as_dict(config.get(kind)).items():
            problems += [f"{kind[:-1]} {name} sets {flag}" for flag in _flags(settings)]
            endpoint = as_dict(settings).get("endpoint")
            if (
                kind == "exporters"
                and str(name).split("/", 1)[0] in _HTTP_EXPORTERS
                and isinstance(endpoint, str)
                and endpoint.lower().startswith("http://")
            ):
                problems.append(f"exporter {name} sends to {endpoint} in plaintext")
    return problems


def collector_configs(obj: Mapping[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for key, text in as_dict(obj.get("data")).items():
        if not isinstance(text, str) or is_redacted(text):
            continue
        try:
            config = yaml.safe_load(text)
        except yaml.YAMLError:
            continue
        if is_collector_config(config):
            yield str(key), config


@rule(
    id="IK-SEC-3-COLLECTOR-PLAINTEXT",
    prescription="SEC-3",
    severity=Severity.ERROR,
    title="An OpenTelemetry Collector sends or receives telemetry without verified TLS",
    rationale="""Telemetry carries request attributes, log lines and resource names, and the
    gateway forwards it to AWS with its own credentials. Between nodes it crosses the VPC, where
    plaintext can be read or altered by anything on the path; without verifying the peer's
    certificate, any pod that answers for the gateway's name receives it.""",
    fix="""Give the receiver tls.cert_file and tls.key_file and the exporter tls.ca_file, from a
    certificate cert-manager issues (infra-kit's Collectors do this), and remove tls.insecure
    and tls.insecure_skip_verify; an otlphttp exporter uses an https:// endpoint.""",
)
def collector_plaintext(graph: GraphDoc) -> Iterator[Hit]:
    for record, obj in graph.kubernetes_of_kind("ConfigMap"):
        meta = as_dict(obj.get("metadata"))
        label = f"ConfigMap {meta.get('namespace') or '-'}/{meta.get('name')}"
        for key, config in collector_configs(obj):
            problems = plaintext_components(config)
            if problems:
                yield Hit(str(record["urn"]), f"{label} ({key}): {'; '.join(problems)}")
