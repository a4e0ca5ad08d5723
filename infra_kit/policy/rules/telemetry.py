"""OBS-1 and OBS-3: the collectors publish what the alarms read, and only with bounded dimensions.

A CloudWatch alarm on a metric nobody publishes never fires: it sits in INSUFFICIENT_DATA (or
OK, with missing data not breaching) while the resource it watches burns. Metrics in an
``AWS/...`` namespace are published by the AWS service itself; any other metric is ours, and
where an OpenTelemetry Collector of the same graph publishes to its namespace through an
``awsemf`` exporter, that exporter's ``metric_declarations`` must name the metric and the exact
dimension set the alarm reads (a metric published with other dimensions is another metric to
CloudWatch).

:func:`declared_metrics` and :func:`undeclared` are also what the cross-stack emission test
uses, over the alarms of the app stacks and the collectors of the cluster-services stack.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from infra_kit.policy._graph import GraphDoc
from infra_kit.policy._registry import Hit, Severity, rule
from infra_kit.policy.rules._values import as_dict, is_true
from infra_kit.policy.rules.transit import collector_configs

__all__ = [
    "ALARM_TYPE",
    "AlarmMetric",
    "Declared",
    "alarm_metrics",
    "declared_metrics",
    "is_declared",
    "undeclared",
]

ALARM_TYPE = "aws:cloudwatch/metricAlarm:MetricAlarm"
_EMF_EXPORTER = "awsemf"


@dataclass(frozen=True)
class AlarmMetric:
    """One metric an alarm reads: namespace, name and the names of its dimensions."""

    namespace: str
    name: str
    dimensions: frozenset[str]

    @property
    def published_by_aws(self) -> bool:
        return self.namespace.startswith("AWS/")

    def __str__(self) -> str:
        return f"{self.namespace} {self.name} {sorted(self.dimensions)}"


@dataclass(frozen=True)
class Declared:
    """What one ``awsemf`` exporter publishes: ``declarations`` is None when it declares nothing
    (it then publishes every metric with every label as a dimension)."""

    namespace: str
    declarations: tuple[tuple[tuple[str, ...], tuple[frozenset[str], ...]], ...] | None
    where: str


def _metric(value: Any) -> AlarmMetric | None:
    metric = as_dict(value)
    namespace, name = metric.get("namespace"), metric.get("metricName")
    if not isinstance(namespace, str) or not isinstance(name, str):
        return None
    return AlarmMetric(namespace, name, frozenset(as_dict(metric.get("dimensions"))))


def alarm_metrics(alarm: Mapping[str, Any]) -> list[AlarmMetric]:
    """The metrics a ``MetricAlarm`` reads, directly or through its metric queries."""
    inputs = GraphDoc.inputs(alarm)
    found = [m for m in [_metric(inputs)] if m is not None]
    for query in inputs.get("metricQueries") or []:
        metric = _metric(as_dict(query).get("metric"))
        if metric is not None:
            found.append(metric)
    return found


def _exporters_in_use(config: Mapping[str, Any]) -> set[str]:
    pipelines = as_dict(as_dict(config.get("service")).get("pipelines"))
    return {str(e) for p in pipelines.values() for e in as_dict(p).get("exporters") or []}


def declared_metrics(configs: Iterable[tuple[str, Mapping[str, Any]]]) -> list[Declared]:
    """What the ``awsemf`` exporters of ``(where, collector configuration)`` pairs publish; an
    exporter no pipeline uses publishes nothing."""
    found: list[Declared] = []
    for where, config in configs:
        used = _exporters_in_use(config)
        for name, raw_settings in as_dict(config.get("exporters")).items():
            if str(name).split("/", 1)[0] != _EMF_EXPORTER or name not in used:
                continue
            settings = as_dict(raw_settings)
            namespace = settings.get("namespace")
            if not isinstance(namespace, str):
                continue
            raw = settings.get("metric_declarations")
            declarations = None
            if raw:
                declarations = tuple(
                    (
                        tuple(str(s) for s in as_dict(d).get("metric_name_selectors") or []),
                        tuple(frozenset(map(str, ds)) for ds in as_dict(d).get("dimensions") or []),
                    )
                    for d in raw
                )
            found.append(Declared(namespace, declarations, f"{where} exporter {name}"))
    return found


def is_declared(metric: AlarmMetric, declared: Iterable[Declared]) -> bool:
    """Whether an exporter publishes ``metric`` with exactly its dimension set."""
    for exporter in declared:
        if exporter.namespace != metric.namespace:
            continue
        if exporter.declarations is None:
            return True
        for selectors, dimension_sets in exporter.declarations:
            named = any(re.search(s, metric.name) for s in selectors)
            if named and metric.dimensions in dimension_sets:
                return True
    return False


def undeclared(
    alarms: Iterable[Mapping[str, Any]], declared: list[Declared]
) -> list[tuple[Mapping[str, Any], AlarmMetric]]:
    """``(alarm, metric)`` for every non-AWS metric an alarm reads that ``declared`` lacks."""
    return [
        (alarm, metric)
        for alarm in alarms
        for metric in alarm_metrics(alarm)
        if not metric.published_by_aws and not is_declared(metric, declared)
    ]


def _graph_configs(graph: GraphDoc) -> Iterator[tuple[str, dict[str, Any]]]:
    for _, obj in graph.kubernetes_of_kind("ConfigMap"):
        meta = as_dict(obj.get("metadata"))
        for key, config in collector_configs(obj):
            yield f"ConfigMap {meta.get('namespace') or '-'}/{meta.get('name')} ({key})", config


@rule(
    id="IK-OBS-3-ALARM-METRIC-UNPUBLISHED",
    prescription="OBS-3",
    severity=Severity.ERROR,
    title="An alarm reads a metric that the collectors publishing its namespace do not declare",
    rationale="""An alarm on a metric nobody publishes never fires: it waits in
    INSUFFICIENT_DATA while what it watches fails. A collector's awsemf exporter with
    metric_declarations publishes only the declared metrics, each with only the declared
    dimension sets, and CloudWatch treats the same name with other dimensions as another
    metric. Alarms on AWS/... namespaces, and on namespaces no collector of the graph publishes
    to, are not judged here.""",
    fix="""Read the metric through infra_kit.k8s.cluster_metrics (whose catalogue the collectors
    publish), or add the metric and its exact dimension set to the exporter's
    metric_declarations.""",
)
def alarm_metric_unpublished(graph: GraphDoc) -> Iterator[Hit]:
    declared = declared_metrics(_graph_configs(graph))
    namespaces = {d.namespace for d in declared}
    alarms = graph.custom(ALARM_TYPE)
    for alarm, metric in undeclared(alarms, declared):
        if metric.namespace in namespaces:
            yield Hit(str(alarm["urn"]), f"reads {metric}, which no awsemf declaration publishes")


@rule(
    id="IK-OBS-1-EMF-UNBOUNDED-DIMENSIONS",
    prescription="OBS-1",
    severity=Severity.WARNING,
    title="An awsemf exporter turns every resource attribute into a dimension of every metric",
    rationale="""With resource_to_telemetry_conversion enabled and no metric_declarations,
    every resource attribute (pod name and UID, container ID, node) becomes a dimension, so
    each pod restart creates new CloudWatch metrics, each billed as a custom metric, and no
    alarm can name them in advance.""",
    fix="""Add metric_declarations that name the metrics and their dimension sets (as the
    Collectors' awsemf/cluster exporter does from infra_kit.k8s.cluster_metrics), or leave
    resource_to_telemetry_conversion off.""",
)
def emf_unbounded_dimensions(graph: GraphDoc) -> Iterator[Hit]:
    for record, obj in graph.kubernetes_of_kind("ConfigMap"):
        meta = as_dict(obj.get("metadata"))
        for key, config in collector_configs(obj):
            for name, raw_settings in as_dict(config.get("exporters")).items():
                settings = as_dict(raw_settings)
                if str(name).split("/", 1)[0] != _EMF_EXPORTER:
                    continue
                conversion = as_dict(settings.get("resource_to_telemetry_conversion"))
                if is_true(conversion.get("enabled")) and not settings.get("metric_declarations"):
                    yield Hit(
                        str(record["urn"]),
                        f"ConfigMap {meta.get('namespace') or '-'}/{meta.get('name')} ({key}): "
                        f"exporter {name} converts resource attributes with no declarations",
                    )
