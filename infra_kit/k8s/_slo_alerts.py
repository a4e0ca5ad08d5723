"""A web service's burn-rate alerts and dashboard graphs, on the ALB its Ingress gets (OBS-3, OBS-4).

The AWS Load Balancer Controller creates the ALB, so its ``LoadBalancer`` dimension
(``app/<name>/<id>``) is not in the program. The Ingress names the ALB
(:data:`~infra_kit.k8s._slo.LOAD_BALANCER_NAME_ANNOTATION`); :func:`watch_service` looks it up by
that name with ``aws.lb.get_load_balancer`` (:func:`find_load_balancer`, which a canary's
analysis reads too), made dependent on the Ingress: the engine runs the
lookup only once the Ingress exists, and the Kubernetes provider reports the Ingress created
only once the controller has written its ``status.loadBalancer``, i.e. once the ALB exists.
During a preview that creates the Ingress the lookup is not run and the alarms' dimension shows
as unknown (ADR 0023).
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from infra_kit.aws.alarms import AlarmTopics, graph
from infra_kit.aws.burn_rate import burn_rate_alert
from infra_kit.core.component import Component
from infra_kit.k8s._slo import (
    SloPlan,
    availability_error_ratio,
    latency_error_ratio,
    scaling_graphs,
    service_graphs,
)

__all__ = ["SCALING_SECTION", "find_load_balancer", "service_section", "watch_service"]

SCALING_SECTION = "Scaling events"


def service_section(service: str) -> str:
    """The dashboard section of one service."""
    return f"Service {service}"


def find_load_balancer(
    owner: Component, load_balancer_name: str, ingress: k8s.networking.v1.Ingress
) -> pulumi.Output[str]:
    """The ``LoadBalancer`` dimension value (``app/<name>/<id>``) of the ALB ``ingress`` gets,
    looked up once the Ingress exists."""
    found = aws.lb.get_load_balancer_output(
        name=load_balancer_name,
        opts=pulumi.InvokeOutputOptions(parent=owner, depends_on=[ingress]),
    )
    return found.arn_suffix


def watch_service(
    owner: Component, *, plan: SloPlan, load_balancer: pulumi.Input[str], topics: AlarmTopics
) -> None:
    """Burn-rate alerts on both objectives and the service's graphs, on the ALB whose
    ``LoadBalancer`` dimension is ``load_balancer`` (:func:`find_load_balancer`)."""
    lb = load_balancer
    name = owner.component_name
    section = service_section(name)
    for alert in plan.alerts:
        if alert.objective == "availability":
            target = plan.availability_target_percent
            what = f"{name}: 5xx responses burn the {target:g}% availability budget"
            windows = tuple(
                availability_error_ratio(lb, minutes * 60)
                for minutes in (alert.long_minutes, alert.short_minutes)
            )
        else:
            target = plan.latency_target_percent
            what = (
                f"{name}: responses slower than {plan.latency_threshold_ms} ms burn the "
                f"{target:g}% latency budget"
            )
            windows = tuple(
                latency_error_ratio(lb, plan.latency_threshold_ms, minutes * 60)
                for minutes in (alert.long_minutes, alert.short_minutes)
            )
        burn_rate_alert(
            owner,
            alert.key,
            long_window=windows[0],
            short_window=windows[1],
            threshold=alert.threshold,
            severity=alert.severity,
            topics=topics,
            section=section,
            description=(
                f"{what} {alert.burn_rate:g}x too fast over {alert.long_minutes} and "
                f"{alert.short_minutes} minutes ({plan.window_days}-day SLO window)"
            ),
        )
    for title, signals in service_graphs(lb, plan.latency_threshold_ms).items():
        graph(owner, section, f"{name}: {title}", *signals)
    for title, searches in scaling_graphs(lb).items():
        graph(owner, SCALING_SECTION, f"{name}: {title}", *searches)
