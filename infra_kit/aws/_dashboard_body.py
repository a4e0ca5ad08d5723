"""The body of an environment's CloudWatch dashboard, generated from what the program watches (OBS-4).

Pure logic: no Pulumi runtime. :class:`~infra_kit.aws.dashboard.Dashboard` turns the program's
:class:`~infra_kit.core.monitoring.Monitoring` into a *spec* (plain JSON values: the alarms, the
composite alarms and the graphs, with their signals), resolves the spec's outputs, and
:func:`dashboard_body` lays it out:

- one section per section name registered, the monitoring hooks of OBS-4 first in a fixed
  order (:data:`KNOWN_SECTIONS`), then any other section in the order it was first registered,
  then each service's own section (``Service <name>``);
- each section: a text header, an alarm status widget of its notifying alarms (metric and
  composite), one of the alarms that only feed a composite (``Burn-rate windows``), a graph per
  alarmed signal with its thresholds as horizontal annotations, and a graph per registered graph.

The body follows CloudWatch's dashboard body structure: ``widgets`` with ``type``
(``text``, ``alarm``, ``metric``), ``x``/``y``/``width``/``height`` on a 24-column grid and
``properties``; a metric widget's ``metrics`` rows are ``[namespace, name, dim, value, …,
{options}]`` or ``[{"expression": …, "id": …}]``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "AWS_METRICS",
    "KNOWN_SECTIONS",
    "SECTION_NOTES",
    "dashboard_body",
    "widget_metrics",
]

#: The monitoring hooks of OBS-4, in the order the dashboard shows them.
KNOWN_SECTIONS: tuple[str, ...] = (
    "Deployments",
    "Pipeline health",
    "Resource use",
    "Scaling events",
    "Cost",
    "Certificate expiry",
    "Secret age",
)

#: What a section's header says beyond its name.
SECTION_NOTES: Mapping[str, str] = {
    "Scaling events": (
        "Healthy targets behind each service's ALB and the requests each takes. The node "
        "groups' Auto Scaling groups are EKS-managed and collect no group metrics."
    ),
    "Cost": (
        "AWS/Billing EstimatedCharges is account-wide, published only in us-east-1 and only "
        "once billing alerts are enabled by the billing owner; the environment's own share is "
        "its tag-filtered budget (COST-1) in AWS Budgets."
    ),
}

#: Metrics AWS services publish by themselves that infra-kit reads, by namespace. Sources:
#: docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html
#: and docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/monitor_estimated_charges_with_cloudwatch.html
#: (read 2026-12).
AWS_METRICS: Mapping[str, frozenset[str]] = {
    "AWS/ApplicationELB": frozenset(
        {
            "RequestCount",
            "HTTPCode_Target_5XX_Count",
            "HTTPCode_ELB_5XX_Count",
            "TargetResponseTime",
            "HealthyHostCount",
            "UnHealthyHostCount",
            "RequestCountPerTarget",
        }
    ),
    "AWS/Billing": frozenset({"EstimatedCharges"}),
    # docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheMetrics.Redis.html (read 2026-12-02)
    "AWS/ElastiCache": frozenset(
        {"EngineCPUUtilization", "DatabaseMemoryUsagePercentage", "ReplicationLag"}
    ),
    "AWS/CertificateManager": frozenset({"DaysToExpiry"}),
    "AWS/Lambda": frozenset({"Errors", "Invocations", "Throttles", "Duration"}),
    "AWS/RDS": frozenset(
        {"CPUUtilization", "FreeStorageSpace", "DatabaseConnections", "ReplicaLag"}
    ),
    "AWS/SQS": frozenset({"ApproximateAgeOfOldestMessage", "ApproximateNumberOfMessagesVisible"}),
}

_GRID = 24
_GRAPH_WIDTH, _GRAPH_HEIGHT = 8, 6
_STATUS_PER_WIDGET = 100  # CloudWatch's limit of alarms in one alarm status widget
_SERVICE_PREFIX = "Service "


def _sections(spec: Mapping[str, Any]) -> list[str]:
    seen: list[str] = []
    for kind in ("alarms", "composites", "graphs"):
        for record in spec.get(kind, []):
            if record["section"] not in seen:
                seen.append(record["section"])
    known = [s for s in KNOWN_SECTIONS if s in seen]
    services = [s for s in seen if s.startswith(_SERVICE_PREFIX) and s not in KNOWN_SECTIONS]
    others = [s for s in seen if s not in known and s not in services]
    return [*known, *others, *services]


def _metric_row(metric: Mapping[str, Any], options: Mapping[str, Any]) -> list[Any]:
    row: list[Any] = [metric["namespace"], metric["name"]]
    for key, value in sorted(metric["dimensions"].items()):
        row += [key, value]
    row.append({"stat": metric["stat"], "period": metric["period"], **options})
    return row


def _search_expression(search: Mapping[str, Any]) -> str:
    schema = ",".join([search["namespace"], *search["schema"]])
    filters = " ".join(f'{k}="{v}"' for k, v in sorted(search["filters"].items()))
    query = f'{{{schema}}} MetricName="{search["name"]}" {filters}'.strip()
    return f"SEARCH('{query}', '{search['stat']}', {search['period']})"


def _rows(signals: Sequence[Mapping[str, Any]]) -> list[list[Any]]:
    """Metric rows for a graph of ``signals``; metric math ids get a per-signal prefix."""
    rows: list[list[Any]] = []
    for n, signal in enumerate(signals):
        kind = signal["kind"]
        if kind == "metric":
            rows.append(_metric_row(signal, {"id": f"s{n}"}))
        elif kind == "search":
            rows.append([{"expression": _search_expression(signal), "id": f"s{n}"}])
        else:
            ids = {query_id: f"s{n}{query_id}" for query_id in signal["metrics"]}
            expression = signal["expression"]
            for old, new in ids.items():
                expression = re.sub(rf"\b{re.escape(old)}\b", new, expression)
            rows.append([{"expression": expression, "label": signal["label"], "id": f"s{n}"}])
            for query_id, metric in signal["metrics"].items():
                rows.append(_metric_row(metric, {"id": ids[query_id], "visible": False}))
    return rows


def widget_metrics(widget: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The metrics a metric widget reads, as ``namespace``, ``name``, ``dimensions``, ``stat``
    (searches as ``search`` with the metric they match); for tests and checks."""
    found: list[dict[str, Any]] = []
    for row in widget.get("properties", {}).get("metrics", []):
        options = row[-1] if row and isinstance(row[-1], dict) else {}
        if "expression" in options and len(row) == 1:
            match = re.match(
                r"SEARCH\('\{([^,}]+)[^}]*\} MetricName=\"([^\"]+)\"", options["expression"]
            )
            if match:
                found.append(
                    {"namespace": match[1], "name": match[2], "search": options["expression"]}
                )
            continue
        names = row[:-1] if options else row
        dims = dict(zip(names[2::2], names[3::2], strict=True))
        found.append(
            {
                "namespace": names[0],
                "name": names[1],
                "dimensions": dims,
                "stat": options.get("stat"),
            }
        )
    return found


class _Layout:
    def __init__(self) -> None:
        self.widgets: list[dict[str, Any]] = []
        self.y = 0
        self.x = 0
        self.row_height = 0

    def _newline(self) -> None:
        if self.x:
            self.y += self.row_height
            self.x, self.row_height = 0, 0

    def full(self, kind: str, height: int, properties: Mapping[str, Any]) -> None:
        self._newline()
        self.widgets.append(
            {
                "type": kind,
                "x": 0,
                "y": self.y,
                "width": _GRID,
                "height": height,
                "properties": dict(properties),
            }
        )
        self.y += height

    def graph(self, properties: Mapping[str, Any]) -> None:
        if self.x + _GRAPH_WIDTH > _GRID:
            self._newline()
        self.widgets.append(
            {
                "type": "metric",
                "x": self.x,
                "y": self.y,
                "width": _GRAPH_WIDTH,
                "height": _GRAPH_HEIGHT,
                "properties": dict(properties),
            }
        )
        self.x += _GRAPH_WIDTH
        self.row_height = max(self.row_height, _GRAPH_HEIGHT)


def _status(layout: _Layout, title: str, arns: Sequence[str]) -> None:
    for start in range(0, len(arns), _STATUS_PER_WIDGET):
        chunk = list(arns[start : start + _STATUS_PER_WIDGET])
        layout.full(
            "alarm",
            2 + (len(chunk) + 3) // 4,
            {"title": title, "alarms": chunk, "sortBy": "stateUpdatedTimestamp"},
        )


def dashboard_body(spec: Mapping[str, Any], *, region: str) -> str:
    """The dashboard body (JSON) for a resolved ``spec``; see the module's docstring."""
    layout = _Layout()
    alarms = list(spec.get("alarms", []))
    composites = list(spec.get("composites", []))
    graphs = list(spec.get("graphs", []))
    for section in _sections(spec):
        note = SECTION_NOTES.get(section, "")
        layout.full("text", 2 if note else 1, {"markdown": f"## {section}\n{note}".strip()})
        notifying = [a["arn"] for a in alarms if a["section"] == section and a["notifies"]]
        notifying += [c["arn"] for c in composites if c["section"] == section]
        if notifying:
            _status(layout, f"{section}: alarms", notifying)
        windows = [a["arn"] for a in alarms if a["section"] == section and not a["notifies"]]
        if windows:
            _status(layout, f"{section}: burn-rate windows (no actions of their own)", windows)
        pairs: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
        for alarm in alarms:
            if alarm["section"] == section and alarm["notifies"]:
                pairs.setdefault((alarm["owner"], alarm["signal_name"]), []).append(alarm)
        for (owner, signal_name), members in pairs.items():
            layout.graph(
                {
                    "title": f"{owner}: {signal_name}",
                    "region": region,
                    "view": "timeSeries",
                    "metrics": _rows([members[0]["signal"]]),
                    "annotations": {
                        "horizontal": [
                            {
                                "label": f"{a['severity']} ({a['comparison']})",
                                "value": a["threshold"],
                            }
                            for a in members
                        ]
                    },
                }
            )
        for record in graphs:
            if record["section"] != section:
                continue
            properties: dict[str, Any] = {
                "title": record["title"],
                "region": record.get("region") or region,
                "view": "timeSeries",
                "metrics": _rows(record["signals"]),
            }
            layout.graph(properties)
    return json.dumps({"widgets": layout.widgets}, sort_keys=True, separators=(",", ":"))
