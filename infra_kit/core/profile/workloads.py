"""Default sizes and protections of Kubernetes workloads (K8S-1, SCALE-1, SCALE-2, HA-1, SEC-4)."""

from __future__ import annotations

import re
from decimal import Decimal

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from infra_kit.core.profile._base import UNSET, Frozen, check_headroom, same, table
from infra_kit.core.profile.cluster import PREVIEW_SCALE_REASON

__all__ = ["WORKLOAD_ROWS", "WorkloadProfile"]


_CPU = re.compile(r"^(\d+(?:\.\d+)?)(m)?$")
_MEMORY = re.compile(r"^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$")
_MEMORY_UNITS = {"": 1, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}
_MEMORY_UNITS.update({"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40})


def _amount(key: str, quantity: str, *, cpu: bool) -> Decimal:
    """Millicores or bytes in a Kubernetes quantity (``500m``, ``256Mi``)."""
    match = (_CPU if cpu else _MEMORY).match(quantity)
    if not match:
        raise PydanticCustomError(
            "quantity",
            "{key}='{value}' is not a Kubernetes {kind} quantity; write e.g. {example}",
            {
                "key": key,
                "value": quantity,
                "kind": "CPU" if cpu else "memory",
                "example": "'500m'" if cpu else "'256Mi'",
            },
        )
    value = Decimal(match.group(1))
    if cpu:
        return value if match.group(2) else value * 1000
    return value * _MEMORY_UNITS[match.group(2) or ""]


def _limit_not_below(key: str, limit: str, base_key: str, base: str, *, cpu: bool) -> None:
    if _amount(key, limit, cpu=cpu) < _amount(base_key, base, cpu=cpu):
        raise PydanticCustomError(
            "limit_below_request",
            "{key}={limit} is below {base_key}={base}; raise {key} to at least {base}",
            {"key": key, "limit": limit, "base_key": base_key, "base": base},
        )


class WorkloadProfile(Frozen):
    """Default sizes of Kubernetes workloads (K8S-1, SCALE-1, SCALE-2, HA-1).

    Every container gets a CPU and a memory request and limit from here unless its workload
    says otherwise. The HPA's ``cpu_target_percent`` is a share of the CPU *request* (Kubernetes
    measures resource utilization against requests), never of the limit.
    """

    min_replicas: int = Field(ge=1)
    max_replicas: int = Field(ge=1)
    cpu_target_percent: int = Field(ge=10, le=95)
    cpu_request: str
    cpu_limit: str
    memory_request: str
    memory_limit: str
    namespace_cpu_quota: str
    namespace_cpu_limit_quota: str
    namespace_memory_quota: str
    namespace_pod_quota: int = Field(ge=1)
    require_image_digest: bool
    #: ENV-1: the stack deploys its workloads into a namespace of its own, named after the stack,
    #: instead of the platform's shared ``apps`` namespace (a preview environment shares a cluster).
    create_stack_namespace: bool
    scale_limit_reason: str | None = None

    @model_validator(mode="after")
    def _replica_bounds(self) -> WorkloadProfile:
        if self.min_replicas > self.max_replicas:
            raise PydanticCustomError(
                "min_gt_max",
                "workloads.min_replicas={min} is greater than workloads.max_replicas={max}; "
                "raise max_replicas or lower min_replicas",
                {"min": self.min_replicas, "max": self.max_replicas},
            )
        # K8S-1: a limit below its request is refused by the API server; say so here first.
        for key, limit, base_key, base, cpu in (
            ("cpu_limit", self.cpu_limit, "cpu_request", self.cpu_request, True),
            ("memory_limit", self.memory_limit, "memory_request", self.memory_request, False),
            (
                "namespace_cpu_limit_quota",
                self.namespace_cpu_limit_quota,
                "namespace_cpu_quota",
                self.namespace_cpu_quota,
                True,
            ),
        ):
            _limit_not_below(f"workloads.{key}", limit, f"workloads.{base_key}", base, cpu=cpu)
        check_headroom(
            max_key="workloads.max_replicas", maximum=self.max_replicas,
            base_key="workloads.min_replicas", baseline=self.min_replicas,
            reason_key="workloads.scale_limit_reason", reason=self.scale_limit_reason,
        )  # fmt: skip
        return self


# fmt: off
WORKLOAD_ROWS = table(
    # key                                dev     preview               stage    prod
    ("workloads.min_replicas",           1,      1,                    2,       3),
    ("workloads.max_replicas",           10,     2,                    20,      30),
    ("workloads.cpu_target_percent",     *same(70)),
    # K8S-1: the request is what the scheduler reserves and what the HPA's utilization target
    # is measured against; the limit is 5x the request so that a start-up (class loading, TLS
    # handshakes, cache warm-up) and short bursts are not throttled by the CFS quota, while a
    # runaway loop still cannot take more than half a core from its node's neighbours.
    ("workloads.cpu_request",            *same("100m")),
    ("workloads.cpu_limit",              *same("500m")),
    # K8S-1: memory is not compressible, so the limit is where the kernel kills the container;
    # twice the request leaves room for a heap that grows under load before it is OOM-killed.
    ("workloads.memory_request",         *same("128Mi")),
    ("workloads.memory_limit",           *same("256Mi")),
    # A preview's namespace holds one pull request's workloads on the shared dev cluster.
    ("workloads.namespace_cpu_quota",    "8",    "2",                  "64",    "64"),
    # The sum of CPU limits may be 4x the requests: bursts of different pods rarely coincide,
    # and the nodes are packed by requests. With default sizes (500m each) the pod quota binds
    # first: 64 pods in dev (quota 50), 16 in preview (10), 512 in stage and prod (300).
    ("workloads.namespace_cpu_limit_quota", "32", "8",                 "256",   "256"),
    ("workloads.namespace_memory_quota", "16Gi", "4Gi",                "128Gi", "128Gi"),
    ("workloads.namespace_pod_quota",    50,     10,                   300,     300),
    ("workloads.require_image_digest",   False,  False,                False,   True),
    # prescription: ENV-1 -- a preview deploys into a namespace of its own on the dev cluster.
    ("workloads.create_stack_namespace", False,  True,                 False,   False),
    ("workloads.scale_limit_reason",     UNSET,  PREVIEW_SCALE_REASON, UNSET,   UNSET),
)
# fmt: on
