"""OBS-3 and OBS-4: services behind an ALB are alerted on their SLO, and alarms are on a dashboard."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from infra_kit.policy._graph import GraphDoc
from infra_kit.policy._registry import Hit, Severity, rule
from infra_kit.policy.rules._values import as_dict, as_list, is_redacted

__all__ = [
    "ALARM_TYPES",
    "COMPOSITE_ALARM_TYPE",
    "DASHBOARD_TYPE",
    "METRIC_ALARM_TYPE",
    "alarm_name",
    "dashboard_alarm_names",
]

METRIC_ALARM_TYPE = "aws:cloudwatch/metricAlarm:MetricAlarm"
COMPOSITE_ALARM_TYPE = "aws:cloudwatch/compositeAlarm:CompositeAlarm"
ALARM_TYPES = (METRIC_ALARM_TYPE, COMPOSITE_ALARM_TYPE)
DASHBOARD_TYPE = "aws:cloudwatch/dashboard:Dashboard"
_LB_NAME = "alb.ingress.kubernetes.io/load-balancer-name"
#: Environments whose services must page on their SLO: those users depend on.
_SLO_ENVIRONMENTS = ("stage", "prod")


def alarm_name(record: dict[str, Any]) -> str | None:
    """The alarm's name, when the graph knows it."""
    inputs = GraphDoc.inputs(record)
    name = inputs.get("alarmName" if record["type"] == COMPOSITE_ALARM_TYPE else "name")
    return name if isinstance(name, str) and name and not is_redacted(name) else None


def dashboard_alarm_names(body: object) -> set[str] | None:
    """Names of the alarms a dashboard body shows (alarm widgets and graph annotations), or
    ``None`` when the body cannot be read (unknown during a preview, not JSON)."""
    if not isinstance(body, str) or is_redacted(body):
        return None
    try:
        doc = json.loads(body)
    except ValueError:
        return None
    names: set[str] = set()
    for widget in as_list(as_dict(doc).get("widgets")):
        properties = as_dict(as_dict(widget).get("properties"))
        arns = [
            *as_list(properties.get("alarms")),
            *as_list(as_dict(properties.get("annotations")).get("alarms")),
        ]
        names |= {a.rsplit(":alarm:", 1)[-1] for a in arns if isinstance(a, str)}
    return names


# -- IK-OBS-4-DASHBOARD ---------------------------------------------------------------------
@rule(
    id="IK-OBS-4-DASHBOARD",
    prescription="OBS-4",
    severity=Severity.ERROR,
    title="A stack with alarms has no dashboard",
    rationale="""An alarm tells someone that something is wrong; the dashboard is where they
    look next, at the alarm and the signals around it. A stack whose alarms are on no dashboard
    leaves the operator to find each metric by hand during an incident.""",
    fix="""Create infra_kit.aws.Dashboard last in the program (Dashboard("<name>",
    DashboardArgs(), env)): it shows every alarm and graph the components registered.""",
)
def stack_without_dashboard(graph: GraphDoc) -> Iterator[Hit]:
    alarms = [r for r in graph.custom("aws:cloudwatch/") if r["type"] in ALARM_TYPES]
    if alarms and not graph.of_type(DASHBOARD_TYPE):
        yield Hit(
            graph.stack_urn,
            f"{len(alarms)} alarm(s) and no aws.cloudwatch.Dashboard in the stack",
        )


# -- IK-OBS-4-ALARM-NOT-ON-DASHBOARD --------------------------------------------------------
@rule(
    id="IK-OBS-4-ALARM-NOT-ON-DASHBOARD",
    prescription="OBS-4",
    severity=Severity.ERROR,
    title="An alarm is on none of the stack's dashboards",
    rationale="""The dashboard is generated from the alarms the program registered when it was
    created; an alarm created after it, or by hand outside alarm_pair and burn_rate_alert, is
    missing from it, so the dashboard no longer shows everything that can page.""",
    fix="""Create the alarm through infra_kit.aws.alarms.alarm_pair (or
    infra_kit.aws.burn_rate.burn_rate_alert) before the Dashboard, which must come last in the
    program.""",
)
def alarm_not_on_dashboard(graph: GraphDoc) -> Iterator[Hit]:
    dashboards = graph.of_type(DASHBOARD_TYPE)
    if not dashboards:
        return  # IK-OBS-4-DASHBOARD says so once
    shown: set[str] = set()
    for dashboard in dashboards:
        names = dashboard_alarm_names(GraphDoc.inputs(dashboard).get("dashboardBody"))
        if names is None:
            return  # not known until deploy: nothing can be judged
        shown |= names
    for record in graph.custom("aws:cloudwatch/"):
        if record["type"] not in ALARM_TYPES:
            continue
        name = alarm_name(record)
        if name is not None and name not in shown:
            yield Hit(record["urn"], f"alarm {name!r} is on no dashboard of the stack")


# -- IK-OBS-3-SLO-ALERTS --------------------------------------------------------------------
def _load_balancer_dimensions(record: dict[str, Any]) -> list[Any]:
    inputs = GraphDoc.inputs(record)
    if is_redacted(inputs.get("metricQueries")) or is_redacted(inputs.get("dimensions")):
        return ["[unknown]"]  # a preview: whichever ALB it reads is not known yet
    found = [as_dict(inputs.get("dimensions")).get("LoadBalancer")]
    for query in as_list(inputs.get("metricQueries")):
        metric = as_dict(as_dict(query).get("metric"))
        found.append(as_dict(metric.get("dimensions")).get("LoadBalancer"))
    return [d for d in found if d is not None]


@rule(
    id="IK-OBS-3-SLO-ALERTS",
    prescription="OBS-3",
    severity=Severity.ERROR,
    title="A service behind an ALB in stage or prod has no SLO burn-rate alert",
    rationale="""Alerts are tied to SLOs: the error rate and latency users see at the load
    balancer. A stage or prod service behind an ALB without a burn-rate alert on that ALB can
    fail for everyone while nobody is told, and the ALB's name must be set for an alarm to
    find its metrics at all (the controller creates the ALB).""",
    fix="""Create the service as infra_kit.k8s.WebService with ingress=AlbIngress(...) and
    alarm_topics=AlarmTopics.from_stack(platform): it names the ALB and creates the
    multi-window burn-rate alerts of its SLO (WebServiceArgs.slo, defaults from the profile).""",
)
def service_without_slo_alerts(graph: GraphDoc) -> Iterator[Hit]:
    if graph.environment.name not in _SLO_ENVIRONMENTS:
        return
    alarms = [r for r in graph.custom("aws:cloudwatch/") if r["type"] == METRIC_ALARM_TYPE]
    rules = [
        str(GraphDoc.inputs(r).get("alarmRule", ""))
        for r in graph.custom("aws:cloudwatch/")
        if r["type"] == COMPOSITE_ALARM_TYPE
    ]
    for record, ingress in graph.kubernetes_of_kind("Ingress"):
        spec = as_dict(ingress.get("spec"))
        annotations = as_dict(as_dict(ingress.get("metadata")).get("annotations"))
        if spec.get("ingressClassName") != "alb" and not any(
            str(k).startswith("alb.ingress.kubernetes.io/") for k in annotations
        ):
            continue
        lb = annotations.get(_LB_NAME)
        if not isinstance(lb, str) or not lb:
            yield Hit(
                record["urn"],
                f"the Ingress sets no {_LB_NAME}, so no alarm can find its ALB's metrics",
            )
            continue
        parent = record.get("parent")
        watching = []
        for alarm in alarms:
            dimensions = _load_balancer_dimensions(alarm)
            if any(isinstance(d, str) and d.startswith(f"app/{lb}/") for d in dimensions) or (
                any(is_redacted(d) for d in dimensions) and alarm.get("parent") == parent
            ):
                name = alarm_name(alarm)
                if name is not None:
                    watching.append(name)
        if watching and any(is_redacted(r) for r in rules):
            continue  # a preview: the rules are not known yet
        if not any(f'"{name}"' in r or f"({name})" in r for name in watching for r in rules):
            yield Hit(
                record["urn"],
                f"no composite burn-rate alarm watches the ALB {lb!r} of this Ingress",
            )
