"""A web service's canary: its steps, the analysis that judges it, and the Argo Rollouts objects
that carry both (DEP-1, DEP-2, K8S-4).

Pure logic: no Pulumi runtime. :func:`plan_canary` validates a :class:`Canary` against the
profile's ``rollouts`` section and the service's SLO, and returns ``None`` where the profile
runs no canaries (``rollouts.enable_canary`` false: dev and previews), so the service keeps its
Deployment. :func:`rollout_strategy` and :func:`analysis_spec` render the ``Rollout``'s
``strategy`` and the ``AnalysisTemplate``'s ``spec`` as plain mappings, in the shape of the
``argoproj.io/v1alpha1`` CRDs of Argo Rollouts v1.9.0 (the ``appVersion`` of the argo-helm
``argo-rollouts`` chart 2.41.0; github.com/argoproj/argo-rollouts manifests/crds and
docs/analysis/cloudwatch.md at tag v1.9.0, read 2026-12-02).

The canary is weighted by replicas, not routed (ADR 0026): ``setWeight: 10`` scales the new
version to 10% of the pods (rounded up) and the Service sends it about that share of requests.
The analysis runs in the background from the first step until full promotion; each metric reads
the service's ALB through the controller's CloudWatch provider (``GetMetricData``):

- ``error-rate``: ``(HTTPCode_Target_5XX_Count + HTTPCode_ELB_5XX_Count) / RequestCount``, as
  the SLO alerts read it (:func:`infra_kit.k8s._slo.availability_error_ratio`);
- ``latency``: ``TargetResponseTime`` at the SLO's latency target percentile (p99), against the
  SLO's latency threshold.

Both are one data point over the lookback window (its period is the whole window), so a burst
of one minute is averaged over it. With no requests there is no data point and the measurement
passes: no traffic is no evidence against the canary. A measurement fails when its value is
above the threshold; ``failureLimit`` failures are tolerated, and one more fails the run, which
aborts the rollout: the controller scales the stable version back to every replica and the
canary to none.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi

from infra_kit.core.profile import EnvironmentProfile
from infra_kit.errors import ValidationError
from infra_kit.k8s._slo import ALB_NAMESPACE, SloPlan

__all__ = [
    "ROLLOUTS_API",
    "ROLLOUT_HASH_LABEL",
    "Canary",
    "CanaryPlan",
    "analysis_spec",
    "plan_canary",
    "rollout_strategy",
]

#: The API group and version of Argo Rollouts' custom resources.
ROLLOUTS_API = "argoproj.io/v1alpha1"
#: The label Argo Rollouts puts on each revision's pods (its ``pod-template-hash``).
ROLLOUT_HASH_LABEL = "rollouts-pod-template-hash"
#: Surge while stepping, never below the desired count (K8S-4).
_MAX_SURGE = "25%"


@dataclass(frozen=True)
class Canary:
    """An opt-in canary for a :class:`~infra_kit.k8s.WebService` behind an ALB (DEP-1, DEP-2).

    Whether the environment runs canaries at all is the profile's
    ``rollouts.enable_canary`` (dev and preview: no; stage and prod: yes), so a program passes
    ``canary=Canary()`` in every environment. Every field left ``None`` takes the profile's
    ``rollouts`` value, or, for latency, the service's SLO.

    Args:
        steps: ``(weight percent, pause seconds)`` pairs, weights rising from 1 to 99; after
            the last pause the new version takes every pod. Default ``rollouts.steps``
            ((10, 300), (25, 300), (50, 300)).
        analysis_interval_seconds: how often the analysis measures. Default
            ``rollouts.analysis_interval_seconds`` (60).
        failure_limit: failed measurements tolerated; one more aborts and rolls back.
            Default ``rollouts.failure_limit`` (2).
        max_error_rate_percent: the largest 5xx share of the service's requests over the
            lookback window. Default ``rollouts.max_error_rate_percent`` (1.0).
        max_latency_ms: the largest ``TargetResponseTime`` at the SLO's latency target
            percentile. Default: the SLO's ``latency_threshold_ms`` (500).
    """

    steps: Sequence[tuple[int, int]] | None = None
    analysis_interval_seconds: int | None = None
    failure_limit: int | None = None
    max_error_rate_percent: float | None = None
    max_latency_ms: int | None = None


@dataclass(frozen=True)
class CanaryPlan:
    """A validated canary, ready to render."""

    steps: tuple[tuple[int, int], ...]
    interval_seconds: int
    lookback_seconds: int
    failure_limit: int
    max_error_ratio: float
    max_latency_ms: int
    #: The CloudWatch statistic of the latency metric, e.g. ``p99``.
    latency_stat: str

    @property
    def promotion_seconds(self) -> int:
        """How long a healthy canary takes from its first step to full promotion (the pauses)."""
        return sum(pause for _, pause in self.steps)

    @property
    def abort_seconds(self) -> int:
        """How long a failing analysis takes to abort once the failure shows in CloudWatch:
        ``failure_limit + 1`` failed measurements, one per interval."""
        return (self.failure_limit + 1) * self.interval_seconds


def _whole(key: str, value: object, low: int, high: int, fix: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(key, value, f"not a whole number from {low} to {high}", fix)
    return value


def _steps(value: object) -> tuple[tuple[int, int], ...]:
    fix = "pass steps=((10, 300), (25, 300), (50, 300)): rising weights, pauses of 60 s or more"
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or not value:
        raise ValidationError("canary.steps", value, "not a list of (weight, pause) pairs", fix)
    steps: list[tuple[int, int]] = []
    for index, step in enumerate(value):
        if isinstance(step, (str, bytes)) or not isinstance(step, Sequence) or len(step) != 2:
            raise ValidationError(f"canary.steps[{index}]", step, "not a (weight, pause) pair", fix)
        weight = _whole(f"canary.steps[{index}] weight", step[0], 1, 99, fix)
        pause = _whole(f"canary.steps[{index}] pause", step[1], 60, 86_400, fix)
        if steps and weight <= steps[-1][0]:
            raise ValidationError(
                "canary.steps",
                list(value),
                f"weight {weight} at step {index} does not rise above {steps[-1][0]}",
                fix,
            )
        steps.append((weight, pause))
    return tuple(steps)


def _percentile(target_percent: float) -> str:
    return f"p{target_percent:g}"


def plan_canary(
    canary: object, profile: EnvironmentProfile, slo: SloPlan, *, has_ingress: bool
) -> CanaryPlan | None:
    """Validate ``canary`` (filled from the profile and ``slo``); ``None`` where the profile runs
    no canaries. Bad values are refused in every environment, so dev catches what prod would."""
    if not isinstance(canary, Canary):
        raise ValidationError(
            "canary", canary, "not a Canary", "pass Canary(...) or leave it unset"
        )
    if not has_ingress:
        raise ValidationError(
            "canary",
            canary,
            "the canary's analysis reads the service's load balancer metrics, and the service "
            "has no load balancer",
            "give it an ingress=AlbIngress(...), or drop canary",
        )
    defaults = profile.rollouts
    steps = _steps(
        [(s.weight_percent, s.pause_seconds) for s in defaults.steps]
        if canary.steps is None
        else canary.steps
    )
    interval = _whole(
        "canary.analysis_interval_seconds",
        defaults.analysis_interval_seconds
        if canary.analysis_interval_seconds is None
        else canary.analysis_interval_seconds,
        30,
        600,
        "use e.g. 60",
    )
    failure_limit = _whole(
        "canary.failure_limit",
        defaults.failure_limit if canary.failure_limit is None else canary.failure_limit,
        0,
        10,
        "use e.g. 2",
    )
    error_rate = (
        defaults.max_error_rate_percent
        if canary.max_error_rate_percent is None
        else canary.max_error_rate_percent
    )
    if (
        isinstance(error_rate, bool)
        or not isinstance(error_rate, (int, float))
        or not 0 < error_rate < 100
    ):
        raise ValidationError(
            "canary.max_error_rate_percent",
            error_rate,
            "not a percentage above 0 and below 100",
            "use e.g. 1.0",
        )
    latency_ms = _whole(
        "canary.max_latency_ms",
        slo.latency_threshold_ms if canary.max_latency_ms is None else canary.max_latency_ms,
        1,
        600_000,
        "use e.g. 500",
    )
    plan = CanaryPlan(
        steps=steps,
        interval_seconds=interval,
        lookback_seconds=defaults.analysis_lookback_seconds,
        failure_limit=failure_limit,
        max_error_ratio=round(float(error_rate) / 100, 10),
        max_latency_ms=latency_ms,
        latency_stat=_percentile(slo.latency_target_percent),
    )
    if plan.promotion_seconds < plan.abort_seconds:
        raise ValidationError(
            "canary.steps",
            list(steps),
            f"the pauses add up to {plan.promotion_seconds} s, so the canary is fully promoted "
            f"before its analysis can fail it ({failure_limit + 1} measurements every "
            f"{interval} s = {plan.abort_seconds} s)",
            "lengthen the pauses, measure more often, or lower failure_limit",
        )
    return plan if defaults.enable_canary else None


def rollout_strategy(plan: CanaryPlan, analysis_template: str) -> dict[str, Any]:
    """``spec.strategy`` of the Rollout: surge-only canary steps with background analysis from
    the first step (K8S-4, DEP-2)."""
    steps: list[dict[str, Any]] = []
    for weight, pause in plan.steps:
        steps += [{"setWeight": weight}, {"pause": {"duration": f"{pause}s"}}]
    return {
        "canary": {
            # prescription: K8S-4 -- new pods first; the desired count never drops.
            "maxSurge": _MAX_SURGE,
            "maxUnavailable": 0,
            # prescription: DEP-2 -- no startingStep: the analysis judges every step.
            "analysis": {"templates": [{"templateName": analysis_template}]},
            "steps": steps,
        }
    }


def _alb_metric(
    query_id: str, metric: str, load_balancer: pulumi.Input[str], stat: str, period: int
) -> dict[str, Any]:
    return {
        "id": query_id,
        "metricStat": {
            "metric": {
                "namespace": ALB_NAMESPACE,
                "metricName": metric,
                "dimensions": [{"name": "LoadBalancer", "value": load_balancer}],
            },
            "period": period,
            "stat": stat,
        },
        "returnData": False,
    }


def _metric(
    plan: CanaryPlan, name: str, threshold: float, queries: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    return {
        "name": name,
        "interval": f"{plan.interval_seconds}s",
        # prescription: DEP-2 -- one failure more than the limit fails the run and aborts.
        "failureLimit": plan.failure_limit,
        "successCondition": f"all(result[0].Values, {{# <= {threshold:g}}})",
        "provider": {
            "cloudWatch": {
                "interval": f"{plan.lookback_seconds}s",
                "metricDataQueries": [dict(q) for q in queries],
            }
        },
    }


def analysis_spec(plan: CanaryPlan, load_balancer: pulumi.Input[str]) -> dict[str, Any]:
    """``spec`` of the AnalysisTemplate: the error rate and the latency of the service's ALB
    (``load_balancer``: its ``LoadBalancer`` dimension, ``app/<name>/<id>``)."""
    period = plan.lookback_seconds
    error_rate = _metric(
        plan,
        "error-rate",
        plan.max_error_ratio,
        [
            {
                "id": "rate",
                "expression": "(FILL(target5xx, 0) + FILL(elb5xx, 0)) / requests",
                "label": "5xx error ratio",
            },
            _alb_metric("target5xx", "HTTPCode_Target_5XX_Count", load_balancer, "Sum", period),
            _alb_metric("elb5xx", "HTTPCode_ELB_5XX_Count", load_balancer, "Sum", period),
            _alb_metric("requests", "RequestCount", load_balancer, "Sum", period),
        ],
    )
    latency_query = _alb_metric(
        "latency", "TargetResponseTime", load_balancer, plan.latency_stat, period
    )
    latency_query["returnData"] = True
    latency = _metric(plan, "latency", plan.max_latency_ms / 1000, [latency_query])
    return {"metrics": [error_rate, latency]}
