"""Default sizes and protections of Kubernetes workloads (K8S-1, SCALE-1, SCALE-2, HA-1, SEC-4)."""

from __future__ import annotations

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from infra_kit.core.profile._base import UNSET, Frozen, check_headroom, same, table
from infra_kit.core.profile.cluster import PREVIEW_SCALE_REASON

__all__ = ["WORKLOAD_ROWS", "WorkloadProfile"]


class WorkloadProfile(Frozen):
    """Default sizes of Kubernetes workloads (K8S-1, SCALE-1, SCALE-2, HA-1)."""

    min_replicas: int = Field(ge=1)
    max_replicas: int = Field(ge=1)
    cpu_target_percent: int = Field(ge=10, le=95)
    cpu_request: str
    memory_request: str
    memory_limit: str
    namespace_cpu_quota: str
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
    ("workloads.cpu_request",            *same("100m")),
    ("workloads.memory_request",         *same("128Mi")),
    ("workloads.memory_limit",           *same("256Mi")),
    # A preview's namespace holds one pull request's workloads on the shared dev cluster.
    ("workloads.namespace_cpu_quota",    "8",    "2",                  "64",    "64"),
    ("workloads.namespace_memory_quota", "16Gi", "4Gi",                "128Gi", "128Gi"),
    ("workloads.namespace_pod_quota",    50,     10,                   300,     300),
    ("workloads.require_image_digest",   False,  False,                False,   True),
    # prescription: ENV-1 -- a preview deploys into a namespace of its own on the dev cluster.
    ("workloads.create_stack_namespace", False,  True,                 False,   False),
    ("workloads.scale_limit_reason",     UNSET,  PREVIEW_SCALE_REASON, UNSET,   UNSET),
)
# fmt: on
