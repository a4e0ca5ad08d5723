"""The CloudWatch dashboard of one stack, generated from everything it watches (OBS-4)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from infra_kit.aws._dashboard_body import dashboard_body
from infra_kit.aws.alarms import Graph, GraphSignal, Metric, MetricMath, Search, WatchedAlarm
from infra_kit.aws.burn_rate import WatchedComposite
from infra_kit.core.component import Component
from infra_kit.core.environment import Environment
from infra_kit.core.monitoring import Monitoring

__all__ = ["Dashboard", "DashboardArgs", "dashboard_spec"]


@dataclass(frozen=True)
class DashboardArgs:
    """Arguments of :class:`Dashboard`. Nothing is required: the dashboard shows what the
    program's components registered in ``env.monitoring``.

    Args:
        name: the dashboard's name. Default: ``<environment>-<project>-<stack>``, the prefix of
            the stack's alarm names.
    """

    name: str | None = None


def _metric(m: Metric) -> dict[str, Any]:
    return {
        "kind": "metric",
        "namespace": m.namespace,
        "name": m.name,
        "dimensions": dict(m.dimensions),
        "stat": m.stat,
        "period": m.period_seconds,
        "emitter": m.emitter,
    }


def _signal(signal: GraphSignal) -> dict[str, Any]:
    if isinstance(signal, Metric):
        return _metric(signal)
    if isinstance(signal, MetricMath):
        return {
            "kind": "math",
            "expression": signal.expression,
            "label": signal.label,
            "metrics": {k: _metric(m) for k, m in signal.metrics.items()},
        }
    assert isinstance(signal, Search)
    return {
        "kind": "search",
        "namespace": signal.namespace,
        "name": signal.name,
        "schema": list(signal.schema),
        "filters": dict(signal.filters),
        "stat": signal.stat,
        "period": signal.period_seconds,
        "emitter": signal.emitter,
    }


def dashboard_spec(monitoring: Monitoring) -> dict[str, Any]:
    """What the dashboard shows, as plain values with the graph's outputs (ARNs, dimension
    values) still inside; :func:`~infra_kit.aws._dashboard_body.dashboard_body` lays it out."""
    alarms: list[WatchedAlarm] = monitoring.alarms
    composites: list[WatchedComposite] = monitoring.composites
    graphs: list[Graph] = monitoring.graphs
    return {
        "alarms": [
            {
                "owner": a.owner,
                "signal_name": a.signal_name,
                "severity": a.severity,
                "section": a.section,
                "comparison": a.comparison,
                "threshold": a.threshold,
                "notifies": a.notifies,
                "arn": a.alarm.arn,
                "signal": _signal(a.signal),
            }
            for a in alarms
        ],
        "composites": [
            {
                "owner": c.owner,
                "name": c.name,
                "severity": c.severity,
                "section": c.section,
                "arn": c.alarm.arn,
            }
            for c in composites
        ],
        "graphs": [
            {
                "owner": g.owner,
                "section": g.section,
                "title": g.title,
                **({"region": g.region} if g.region else {}),
                "signals": [_signal(s) for s in g.signals],
            }
            for g in graphs
        ],
    }


# prescription: OBS-4 -- a dashboard per environment showing the monitoring hooks.
class Dashboard(Component):
    """The stack's CloudWatch dashboard: every alarm and graph its components registered.

    Create it last in the program, after every component that registers alarms or graphs:
    what is registered after it is not shown (``IK-OBS-4-ALARM-NOT-ON-DASHBOARD`` finds it).

    Children: ``aws.cloudwatch.Dashboard`` ``<name>``, named ``args.name`` or
    ``<environment>-<project>-<stack>``, whose body
    (:mod:`infra_kit.aws._dashboard_body`) has a section per registered section name, the
    monitoring hooks of OBS-4 first (deployments, pipeline health, resource use, scaling
    events, cost, certificate expiry, secret age), then others, then one per service.

    Prescriptions: OBS-4.

    Args:
        name: the component's name; every child's logical name starts with it.
        args: its settings, [DashboardArgs][infra_kit.aws.DashboardArgs].
        env: the stack's [Environment][infra_kit.core.environment.Environment]: profile, tags and
            AWS provider.
        opts: Pulumi options for the component; every child is parented to it.

    Attributes:
        dashboard: the ``aws.cloudwatch.Dashboard``.
        dashboard_name: its name.
    """

    TYPE = "infra-kit:aws:Dashboard"

    def __init__(
        self,
        name: str,
        args: DashboardArgs,
        env: Environment,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(name, env, opts)
        physical = args.name or f"{env.profile.name}-{env.project}-{env.stack}"
        spec = dashboard_spec(env.monitoring)
        region = env.region
        body = pulumi.Output.from_input(spec).apply(
            lambda resolved: dashboard_body(resolved, region=region)
        )
        self.dashboard = aws.cloudwatch.Dashboard(
            name,
            aws.cloudwatch.DashboardArgs(dashboard_name=physical, dashboard_body=body),
            opts=self.child_opts(),
        )
        self.dashboard_name: pulumi.Output[str] = self.dashboard.dashboard_name
        # The graphs it shows besides alarms, so checks can hold each to what emits it.
        self.register_outputs({"dashboard_name": self.dashboard_name, "graphs": spec["graphs"]})
