"""Replica bounds, autoscaling behaviour, disruption budgets and resources (SCALE-1/2, HA-1, K8S-1/3).

Pure logic: no Pulumi runtime. Every rule is derived from the environment profile, never from the
environment's name:

- ``min_replicas <= max_replicas``;
- HA floor (HA-1): where the profile's ``workloads.min_replicas`` is 2 or more, no workload may
  run fewer than 2 replicas, whatever the override;
- 10x headroom (SCALE-2): ``max_replicas >= 10 * min_replicas``, unless a written
  ``scale_limit_reason`` says why not; the reason is recorded as an annotation in the graph;
- a disruption budget never blocks a node drain (K8S-3): at least one pod may always be evicted,
  even at the minimum replica count;
- a memory limit at least the memory request, a CPU limit at least the CPU request.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import pulumi
import pulumi_kubernetes as k8s

from infra_kit.core.profile import HEADROOM_FACTOR, WorkloadProfile
from infra_kit.errors import ValidationError

__all__ = [
    "HA_MIN_REPLICAS",
    "SCALE_HEADROOM",
    "SCALE_LIMIT_ANNOTATION",
    "DisruptionBudget",
    "ReplicaBounds",
    "Resources",
    "check_disruption",
    "cpu_millis",
    "hpa_behavior",
    "hpa_spec",
    "memory_bytes",
    "pdb_spec",
    "replica_bounds",
]

#: The fewest replicas a workload runs where the profile asks for redundancy (HA-1).
HA_MIN_REPLICAS = 2
#: How many times its minimum a workload must be able to grow (SCALE-2).
SCALE_HEADROOM = HEADROOM_FACTOR
#: Where a written reason for less headroom is recorded (HPA and Deployment metadata).
SCALE_LIMIT_ANNOTATION = "infra-kit.io/scale-limit-reason"
_MIN_REASON_WORDS = 3


@dataclass(frozen=True)
class ReplicaBounds:
    """Validated replica bounds; ``scale_limit_reason`` is set only when it is needed."""

    min: int
    max: int
    scale_limit_reason: str | None = None

    @property
    def needs_disruption_budget(self) -> bool:
        return self.max > 1


def _positive(key: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError(key, value, "a replica count is a positive integer", "use 1 or more")
    return value


def replica_bounds(
    profile: WorkloadProfile,
    *,
    min_replicas: int | None = None,
    max_replicas: int | None = None,
    scale_limit_reason: str | None = None,
) -> ReplicaBounds:
    """Resolve overrides against the profile and enforce HA-1 and SCALE-2."""
    low = _positive("min_replicas", profile.min_replicas if min_replicas is None else min_replicas)
    high = _positive("max_replicas", profile.max_replicas if max_replicas is None else max_replicas)
    if low > high:
        raise ValidationError(
            "min_replicas",
            low,
            f"it is greater than max_replicas={high}",
            "raise max_replicas or lower min_replicas",
        )
    if profile.min_replicas >= HA_MIN_REPLICAS and low < HA_MIN_REPLICAS:
        raise ValidationError(
            "min_replicas",
            low,
            f"this environment runs at least {profile.min_replicas} replicas of every service "
            "(workloads.min_replicas), and a single replica is a single point of failure (HA-1)",
            f"use min_replicas >= {HA_MIN_REPLICAS}, or leave it unset for the profile's default",
        )
    if high >= SCALE_HEADROOM * low:
        return ReplicaBounds(low, high)
    # The profile's own reason (a preview environment's) covers its workloads unless they give one.
    reason = (scale_limit_reason or profile.scale_limit_reason or "").strip()
    if len(reason.split()) < _MIN_REASON_WORDS:
        raise ValidationError(
            "max_replicas",
            high,
            f"it gives less than {SCALE_HEADROOM}x the minimum capacity "
            f"({SCALE_HEADROOM} x min_replicas={low} = {SCALE_HEADROOM * low}), so a traffic "
            "spike needs a manual step (SCALE-2)",
            f"raise max_replicas to {SCALE_HEADROOM * low} or more, or pass "
            "scale_limit_reason='why the limit is lower' (at least three words; it is "
            "recorded in the graph)",
        )
    return ReplicaBounds(low, high, reason)


# -- disruption budgets ------------------------------------------------------------------------

_PERCENT = re.compile(r"^(\d{1,3})%$")


@dataclass(frozen=True)
# prescription: K8S-3 -- a budget that never blocks a node drain.
class DisruptionBudget:
    """A PodDisruptionBudget: set exactly one of the two fields. Default: ``max_unavailable=1``.

    Attributes:
        max_unavailable: pods that may be down at once, a count or a percentage.
        min_available: pods that must stay up, a count or a percentage.
    """

    max_unavailable: int | str | None = 1
    min_available: int | str | None = None


def _percent(key: str, value: str) -> int:
    match = _PERCENT.match(value)
    if not match or int(match.group(1)) > 100:
        raise ValidationError(key, value, "not an integer or a percentage", "write e.g. 1 or '25%'")
    return int(match.group(1))


def check_disruption(budget: DisruptionBudget, min_replicas: int) -> DisruptionBudget:
    """Refuse a budget that could block a drain at ``min_replicas`` pods (K8S-3).

    Kubernetes rounds percentages up, for ``maxUnavailable`` and ``minAvailable`` alike.
    """
    if (budget.max_unavailable is None) == (budget.min_available is None):
        raise ValidationError(
            "disruption",
            budget,
            "a disruption budget sets exactly one of max_unavailable and min_available",
            "use DisruptionBudget(max_unavailable=1), the default",
        )
    blocks = "the budget would block node drains and cluster upgrades (K8S-3)"
    if budget.max_unavailable is not None:
        value = budget.max_unavailable
        allowed = (
            _percent("disruption.max_unavailable", value)
            if isinstance(value, str)
            else (value if isinstance(value, int) and not isinstance(value, bool) else -1)
        )
        if allowed < 1:
            raise ValidationError(
                "disruption.max_unavailable", value, blocks, "allow at least 1 (or '1%')"
            )
        return budget
    value = budget.min_available
    assert value is not None
    if isinstance(value, str):
        required = math.ceil(_percent("disruption.min_available", value) * min_replicas / 100)
    elif isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        required = value
    else:
        raise ValidationError(
            "disruption.min_available", value, "not a count", "use a non-negative integer"
        )
    if required >= min_replicas:
        raise ValidationError(
            "disruption.min_available",
            value,
            f"at min_replicas={min_replicas} no pod could be evicted: {blocks}",
            "use max_unavailable=1 instead, or a min_available below min_replicas",
        )
    return budget


# -- autoscaling behaviour ---------------------------------------------------------------------

#: Seconds the HPA waits, taking the highest recommendation seen, before it removes pods.
SCALE_DOWN_STABILIZATION_SECONDS = 300


def hpa_behavior() -> k8s.autoscaling.v2.HorizontalPodAutoscalerBehaviorArgs:
    """Scale up fast (double, or +4 pods, every 15 s, whichever is more); scale down slowly
    (at most 20% a minute, after 5 minutes of lower load) so a spike is absorbed without flapping.
    """
    return k8s.autoscaling.v2.HorizontalPodAutoscalerBehaviorArgs(
        scale_up=k8s.autoscaling.v2.HPAScalingRulesArgs(
            stabilization_window_seconds=0,
            select_policy="Max",
            policies=[
                k8s.autoscaling.v2.HPAScalingPolicyArgs(
                    type="Percent", value=100, period_seconds=15
                ),
                k8s.autoscaling.v2.HPAScalingPolicyArgs(type="Pods", value=4, period_seconds=15),
            ],
        ),
        scale_down=k8s.autoscaling.v2.HPAScalingRulesArgs(
            stabilization_window_seconds=SCALE_DOWN_STABILIZATION_SECONDS,
            select_policy="Max",
            policies=[
                k8s.autoscaling.v2.HPAScalingPolicyArgs(
                    type="Percent", value=20, period_seconds=60
                ),
            ],
        ),
    )


# -- resources ---------------------------------------------------------------------------------

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}
_DECIMAL = {"": 1, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}
_MEMORY = re.compile(r"^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$")
_CPU = re.compile(r"^(\d+(?:\.\d+)?)(m)?$")


def memory_bytes(key: str, quantity: str) -> int:
    """Bytes in a Kubernetes memory quantity such as ``256Mi`` or ``1G``."""
    match = _MEMORY.match(quantity) if isinstance(quantity, str) else None
    if not match:
        raise ValidationError(
            key, quantity, "not a Kubernetes memory quantity", "write e.g. '256Mi' or '1Gi'"
        )
    unit = match.group(2) or ""
    factor = _BINARY.get(unit) or _DECIMAL[unit]
    return int(Decimal(match.group(1)) * factor)


def cpu_millis(key: str, quantity: str) -> int:
    """Millicores in a Kubernetes CPU quantity such as ``250m`` or ``1``."""
    match = _CPU.match(quantity) if isinstance(quantity, str) else None
    if not match:
        raise ValidationError(key, quantity, "not a Kubernetes CPU quantity", "write e.g. '250m'")
    value = Decimal(match.group(1))
    return int(value if match.group(2) else value * 1000)


@dataclass(frozen=True)
# prescription: K8S-1 -- requests and limits for every container.
class Resources:
    """Requests and limits of one container, CPU and memory alike (K8S-1).

    The requests are what the scheduler reserves and what an HPA's utilization target is a
    share of. The limits bound what the container takes from its neighbours: a CPU limit above
    the request lets it burst into idle CPU and throttles it (CFS quota) beyond that, which
    shows up as latency rather than as a failure; a memory limit is where the kernel kills it.
    Keyword arguments read best: ``Resources(cpu_request="100m", cpu_limit="500m",
    memory_request="128Mi", memory_limit="256Mi")``.

    Attributes:
        cpu_request: CPU reserved for the container, e.g. ``100m``.
        memory_request: memory reserved for the container, e.g. ``128Mi``.
        memory_limit: memory at which the kernel kills the container, e.g. ``256Mi``.
        cpu_limit: CPU above which the container is throttled, e.g. ``500m``.
    """

    cpu_request: str
    memory_request: str
    memory_limit: str
    cpu_limit: str

    def __post_init__(self) -> None:
        if memory_bytes("memory_limit", self.memory_limit) < memory_bytes(
            "memory_request", self.memory_request
        ):
            raise ValidationError(
                "memory_limit",
                self.memory_limit,
                f"it is below memory_request={self.memory_request}",
                "raise memory_limit to at least the request",
            )
        if cpu_millis("cpu_limit", self.cpu_limit) < cpu_millis("cpu_request", self.cpu_request):
            raise ValidationError(
                "cpu_limit",
                self.cpu_limit,
                f"it is below cpu_request={self.cpu_request}",
                "raise cpu_limit to at least the request",
            )

    @classmethod
    def from_profile(
        cls,
        profile: WorkloadProfile,
        *,
        cpu_request: str | None = None,
        memory_request: str | None = None,
        memory_limit: str | None = None,
        cpu_limit: str | None = None,
    ) -> Resources:
        """The profile's sizes, each overridden where given. A request raised above the
        profile's limit needs its limit given too: the limit is never raised silently."""
        for key, request, limit, default, parse in (
            ("cpu", cpu_request, cpu_limit, profile.cpu_limit, cpu_millis),
            ("memory", memory_request, memory_limit, profile.memory_limit, memory_bytes),
        ):
            if (
                request is not None
                and limit is None
                and parse(f"{key}_request", request) > parse(f"workloads.{key}_limit", default)
            ):
                raise ValidationError(
                    f"{key}_request",
                    request,
                    f"it is above the default {key}_limit (workloads.{key}_limit={default})",
                    f"pass {key}_limit as well, at least {request}",
                )
        return cls(
            cpu_request=cpu_request or profile.cpu_request,
            memory_request=memory_request or profile.memory_request,
            memory_limit=memory_limit or profile.memory_limit,
            cpu_limit=cpu_limit or profile.cpu_limit,
        )

    def to_args(self) -> k8s.core.v1.ResourceRequirementsArgs:
        return k8s.core.v1.ResourceRequirementsArgs(
            requests={"cpu": self.cpu_request, "memory": self.memory_request},
            limits={"cpu": self.cpu_limit, "memory": self.memory_limit},
        )


# prescription: SCALE-1 -- every Deployment that scales has an HPA with bounds and a metric.
def hpa_spec(
    deployment: pulumi.Input[str],
    bounds: ReplicaBounds,
    metrics: Sequence[tuple[str, int]],
    *,
    target: tuple[str, str] = ("apps/v1", "Deployment"),
) -> k8s.autoscaling.v2.HorizontalPodAutoscalerSpecArgs:
    """An autoscaling/v2 HPA of ``deployment`` on resource utilization targets (SCALE-1);
    ``target`` is its ``(apiVersion, kind)``, a Rollout's where the service rolls out by
    canary."""
    return k8s.autoscaling.v2.HorizontalPodAutoscalerSpecArgs(
        scale_target_ref=k8s.autoscaling.v2.CrossVersionObjectReferenceArgs(
            api_version=target[0], kind=target[1], name=deployment
        ),
        min_replicas=bounds.min,
        max_replicas=bounds.max,
        metrics=[
            k8s.autoscaling.v2.MetricSpecArgs(
                type="Resource",
                resource=k8s.autoscaling.v2.ResourceMetricSourceArgs(
                    name=metric,
                    target=k8s.autoscaling.v2.MetricTargetArgs(
                        type="Utilization", average_utilization=target
                    ),
                ),
            )
            for metric, target in metrics
        ],
        behavior=hpa_behavior(),
    )


def pdb_spec(
    selector: Mapping[str, str], budget: DisruptionBudget
) -> k8s.policy.v1.PodDisruptionBudgetSpecArgs:
    """A policy/v1 budget over the pods of ``selector`` that never blocks a drain (K8S-3).

    ``unhealthyPodEvictionPolicy: AlwaysAllow`` lets a drain evict pods that are not ready
    anyway, which the default policy would count against the budget.
    """
    return k8s.policy.v1.PodDisruptionBudgetSpecArgs(
        selector=k8s.meta.v1.LabelSelectorArgs(match_labels=dict(selector)),
        max_unavailable=budget.max_unavailable,
        min_available=budget.min_available,
        unhealthy_pod_eviction_policy="AlwaysAllow",
    )
