"""The environment profile: one typed, frozen model of everything an environment decides (ENV-2).

Dev, stage, prod and preview share one topology; they differ only in the sizes, counts, retention
periods and protections held here. Every environment-dependent default lives in ``BUILTIN_PROFILES``
and nowhere else. A stack file overrides only what differs; the merged result is validated as a
whole, and contradictions are refused before any resource is registered (ENV-3).

This module never touches the Pulumi runtime, so it is tested exhaustively on its own.
"""

from __future__ import annotations

import copy
import ipaddress
from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

from infra_kit.core.tags import validate_tag_value
from infra_kit.errors import ConfigError

__all__ = [
    "BUILTIN_PROFILES",
    "CLOUDWATCH_RETENTION_DAYS",
    "SUPPORTED_KUBERNETES_VERSIONS",
    "AlarmProfile",
    "BucketProfile",
    "BudgetProfile",
    "CapacityType",
    "ClusterProfile",
    "DatabaseProfile",
    "EnvironmentName",
    "EnvironmentProfile",
    "KeyProfile",
    "LogProfile",
    "NatStrategy",
    "NetworkProfile",
    "SecretProfile",
    "SupportType",
    "TagValues",
    "WorkloadProfile",
    "bound_profile_name",
    "build_profile",
    "default_profile_name",
]

EnvironmentName = Literal["dev", "stage", "prod", "preview"]

#: Retention periods CloudWatch Logs accepts, in days.
CLOUDWATCH_RETENTION_DAYS: tuple[int, ...] = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)

#: EKS Kubernetes versions infra-kit supports; the default is pinned in ``_COMMON`` below.
SUPPORTED_KUBERNETES_VERSIONS: tuple[str, ...] = ("1.32", "1.33", "1.34")


class NatStrategy(StrEnum):
    """How private subnets reach the internet (NET-1, HA-1, COST-3)."""

    NONE = "none"
    """No NAT gateway: private subnets have no internet egress at all."""
    SINGLE = "single"
    """One NAT gateway in the first AZ shared by all: cheap, but a single point of failure."""
    ONE_PER_AZ = "one_per_az"
    """A NAT gateway in every AZ, each private subnet routed through its own AZ's gateway."""


class CapacityType(StrEnum):
    """Capacity type of managed node groups."""

    ON_DEMAND = "ON_DEMAND"
    SPOT = "SPOT"


class SupportType(StrEnum):
    """What EKS does with a cluster whose Kubernetes version leaves standard support (COST-2)."""

    STANDARD = "STANDARD"
    """Upgrade the control plane to the next version automatically; no extended-support charge."""
    EXTENDED = "EXTENDED"
    """Stay on the version for up to 12 more months, billed at the extended-support rate."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)


def _check_retention(value: int) -> int:
    if value not in CLOUDWATCH_RETENTION_DAYS:
        raise PydanticCustomError(
            "retention",
            "{value} is not a retention CloudWatch Logs accepts; use one of {allowed}",
            {"value": value, "allowed": ", ".join(map(str, CLOUDWATCH_RETENTION_DAYS))},
        )
    return value


#: SCALE-2: the maximum is at least this many times the baseline, unless a reason is written.
HEADROOM_FACTOR = 10
_MIN_REASON_WORDS = 3


def _check_headroom(
    *, max_key: str, maximum: int, base_key: str, baseline: int, reason_key: str, reason: str | None
) -> None:
    if maximum >= HEADROOM_FACTOR * baseline:
        return
    if reason is not None and len(reason.split()) >= _MIN_REASON_WORDS:
        return
    raise PydanticCustomError(
        "headroom",
        "{max_key}={maximum} is less than {factor}x {base_key}={baseline}, so a 10x spike needs "
        "a manual step (SCALE-2); raise {max_key} to {needed} or write why in {reason_key} "
        "(at least three words)",
        {
            "max_key": max_key, "maximum": maximum, "factor": HEADROOM_FACTOR,
            "base_key": base_key, "baseline": baseline, "needed": HEADROOM_FACTOR * baseline,
            "reason_key": reason_key,
        },
    )  # fmt: skip


class TagValues(_Frozen):
    """Values of the required tags that only the stack's owner can know (TAG-1).

    ``environment``, ``managed-by`` and ``stack`` are filled in by infra-kit itself.
    Exactly one of ``service`` (a long-lived service) or ``feature`` (a preview environment's
    feature) must be set.
    """

    team: str
    cost_center: str
    repository: str
    service: str | None = None
    feature: str | None = None
    extra: dict[str, str] = Field(default_factory=dict)

    @field_validator("team", "cost_center", "repository", "service", "feature")
    @classmethod
    def _valid_value(cls, value: str | None) -> str | None:
        if value is None:
            return value
        if not value.strip():
            raise PydanticCustomError("tag_empty", "must not be empty")
        problem = validate_tag_value(value)
        if problem:
            raise PydanticCustomError("tag_value", "{problem}", {"problem": problem})
        return value

    @model_validator(mode="after")
    def _service_or_feature(self) -> TagValues:
        if (self.service is None) == (self.feature is None):
            raise PydanticCustomError(
                "service_or_feature",
                "tags.service / tags.feature: set exactly one of them "
                "(service for a long-lived stack, feature for a preview environment)",
            )
        return self


class NetworkProfile(_Frozen):
    """Network sizes (NET-1..4, HA-1)."""

    vpc_cidr: str
    az_count: int = Field(ge=1, le=6)
    nat_strategy: NatStrategy
    enable_interface_endpoints: bool
    interface_endpoint_services: tuple[str, ...]
    flow_log_retention_days: int
    availability_zones: tuple[str, ...] | None = None

    _retention = field_validator("flow_log_retention_days")(_check_retention)

    @model_validator(mode="after")
    def _zones_match_count(self) -> NetworkProfile:
        zones = self.availability_zones
        if zones is not None and (len(zones) != self.az_count or len(set(zones)) != len(zones)):
            raise PydanticCustomError(
                "zones",
                "network.availability_zones={zones} must name network.az_count={count} distinct "
                "AZs; list one AZ name per AZ",
                {"zones": list(zones), "count": self.az_count},
            )
        return self

    @field_validator("vpc_cidr")
    @classmethod
    def _valid_cidr(cls, value: str) -> str:
        try:
            net = ipaddress.IPv4Network(value, strict=True)
        except ValueError as exc:
            raise PydanticCustomError(
                "cidr",
                "not an IPv4 network in CIDR notation ({error}); e.g. 10.0.0.0/16",
                {"error": str(exc)},
            ) from exc
        if not 16 <= net.prefixlen <= 22:
            raise PydanticCustomError(
                "cidr_size",
                "a VPC CIDR must be between /16 and /22 (AWS allows /16 at most; anything "
                "smaller than /22 leaves no room for three subnet tiers per AZ)",
            )
        return str(net)


class KeyProfile(_Frozen):
    """KMS customer-managed keys (SEC-3)."""

    deletion_window_days: int = Field(ge=7, le=30)


class LogProfile(_Frozen):
    """Log groups (OBS-2).

    ``retention_days`` applies to application and telemetry logs; ``audit_retention_days`` to
    audit-class logs (the EKS control plane, database logs), which prod keeps at least a year.
    VPC flow logs, also audit-class, follow ``network.flow_log_retention_days``.
    """

    retention_days: int
    audit_retention_days: int

    _retention = field_validator("retention_days", "audit_retention_days")(_check_retention)


class SecretProfile(_Frozen):
    """Secrets Manager (SEC-2)."""

    recovery_window_days: int = Field(ge=7, le=30)
    rotation_days: int = Field(ge=1, le=365)


class BucketProfile(_Frozen):
    """S3 buckets (SEC-3, DR-1)."""

    noncurrent_version_expiration_days: int = Field(ge=1)
    enable_access_logging: bool


class DatabaseProfile(_Frozen):
    """RDS PostgreSQL (HA-1, DR-1)."""

    engine_version: str
    instance_class: str = Field(pattern=r"^db\.[a-z0-9]+\.[a-z0-9]+$")
    allocated_storage_gb: int = Field(ge=20, le=65536)
    max_allocated_storage_gb: int = Field(ge=20, le=65536)
    multi_az: bool
    backup_retention_days: int = Field(ge=1, le=35)
    enable_performance_insights: bool
    monitoring_interval_seconds: Literal[0, 1, 5, 10, 15, 30, 60]

    @model_validator(mode="after")
    def _storage_bounds(self) -> DatabaseProfile:
        if self.max_allocated_storage_gb < self.allocated_storage_gb:
            raise PydanticCustomError(
                "min_gt_max",
                "database.max_allocated_storage_gb={max} is below "
                "database.allocated_storage_gb={min}; raise the maximum or lower the minimum",
                {"max": self.max_allocated_storage_gb, "min": self.allocated_storage_gb},
            )
        return self


class ClusterProfile(_Frozen):
    """EKS control plane and managed node groups (NET-1, HA-1, SCALE-1)."""

    kubernetes_version: str
    support_type: SupportType

    @field_validator("kubernetes_version")
    @classmethod
    def _supported_version(cls, value: str) -> str:
        if value not in SUPPORTED_KUBERNETES_VERSIONS:
            raise PydanticCustomError(
                "kubernetes_version",
                "not a Kubernetes version infra-kit supports; use one of {allowed}",
                {"allowed": ", ".join(SUPPORTED_KUBERNETES_VERSIONS)},
            )
        return value

    public_access_cidrs: tuple[str, ...]
    admin_role_arns: tuple[str, ...]
    node_instance_types: tuple[str, ...] = Field(min_length=1)
    capacity_type: CapacityType
    nodes_min_per_az: int = Field(ge=0)
    nodes_desired_per_az: int = Field(ge=0)
    nodes_max_per_az: int = Field(ge=1)
    scale_limit_reason: str | None = None

    @field_validator("public_access_cidrs")
    @classmethod
    def _valid_cidrs(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        out = []
        for cidr in value:
            try:
                net = ipaddress.ip_network(cidr, strict=True)
            except ValueError as exc:
                raise PydanticCustomError(
                    "cidr",
                    "{cidr!r} is not a network in CIDR notation ({error})",
                    {"cidr": cidr, "error": str(exc)},
                ) from exc
            if net.prefixlen == 0:
                raise PydanticCustomError(
                    "open_cidr",
                    "{cidr} opens the API endpoint to the whole internet; list the office or "
                    "VPN ranges that need it instead",
                    {"cidr": cidr},
                )
            out.append(str(net))
        return tuple(out)

    @field_validator("admin_role_arns")
    @classmethod
    def _valid_arns(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for arn in value:
            parts = arn.split(":")
            if (
                len(parts) != 6
                or parts[0] != "arn"
                or parts[2] != "iam"
                or not parts[5].startswith("role/")
            ):
                raise PydanticCustomError(
                    "role_arn",
                    "{arn!r} is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)",
                    {"arn": arn},
                )
        return value

    @model_validator(mode="after")
    def _node_bounds(self) -> ClusterProfile:
        if not self.nodes_min_per_az <= self.nodes_desired_per_az <= self.nodes_max_per_az:
            raise PydanticCustomError(
                "min_gt_max",
                "cluster.nodes_min_per_az={min} <= nodes_desired_per_az={desired} <= "
                "nodes_max_per_az={max} does not hold; order them",
                {
                    "min": self.nodes_min_per_az,
                    "desired": self.nodes_desired_per_az,
                    "max": self.nodes_max_per_az,
                },
            )
        _check_headroom(
            max_key="cluster.nodes_max_per_az", maximum=self.nodes_max_per_az,
            base_key="cluster.nodes_desired_per_az", baseline=max(1, self.nodes_desired_per_az),
            reason_key="cluster.scale_limit_reason", reason=self.scale_limit_reason,
        )  # fmt: skip
        return self


class WorkloadProfile(_Frozen):
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
        _check_headroom(
            max_key="workloads.max_replicas", maximum=self.max_replicas,
            base_key="workloads.min_replicas", baseline=self.min_replicas,
            reason_key="workloads.scale_limit_reason", reason=self.scale_limit_reason,
        )  # fmt: skip
        return self


class AlarmProfile(_Frozen):
    """Alarm thresholds (OBS-3)."""

    utilization_warning_percent: int = Field(ge=1, le=100)
    utilization_critical_percent: int = Field(ge=1, le=100)
    notification_emails: tuple[str, ...]

    @model_validator(mode="after")
    def _ordered(self) -> AlarmProfile:
        if self.utilization_warning_percent >= self.utilization_critical_percent:
            raise PydanticCustomError(
                "threshold_order",
                "alarms.utilization_warning_percent={w} must be below "
                "alarms.utilization_critical_percent={c}",
                {"w": self.utilization_warning_percent, "c": self.utilization_critical_percent},
            )
        return self


class BudgetProfile(_Frozen):
    """Monthly cost budget (COST-1)."""

    monthly_limit_usd: int = Field(ge=1)


class EnvironmentProfile(_Frozen):
    """Everything an environment decides. Build it with :func:`build_profile`.

    ``protect_stateful`` turns on every DR-1 protection of stateful resources at once: Pulumi
    ``protect``, ``retain_on_delete``, deletion protection and final snapshots.
    """

    name: EnvironmentName
    tags: TagValues
    protect_stateful: bool
    network: NetworkProfile
    keys: KeyProfile
    logs: LogProfile
    secrets: SecretProfile
    buckets: BucketProfile
    database: DatabaseProfile
    cluster: ClusterProfile
    workloads: WorkloadProfile
    alarms: AlarmProfile
    budget: BudgetProfile
    preview_ttl_hours: int | None = Field(default=None, ge=1, le=24 * 14)

    @model_validator(mode="after")
    def _environment_rules(self) -> EnvironmentProfile:
        problems = _production_problems(self) if self.name == "prod" else []
        problems += _stateful_problems(self)
        if self.name == "preview" and self.preview_ttl_hours is None:
            problems.append(
                "preview_ttl_hours: a preview environment must expire (ENV-1); set it to the "
                "number of hours after which the environment is destroyed"
            )
        if self.name != "preview" and self.preview_ttl_hours is not None:
            problems.append(
                f"preview_ttl_hours={self.preview_ttl_hours}: only a preview environment "
                "expires; remove the key"
            )
        if problems:
            raise PydanticCustomError(
                "environment_rules", "{problems}", {"problems": _PROBLEM_SEPARATOR.join(problems)}
            )
        return self


#: Validation errors raised by a model's own validator rather than by one field.
_MODEL_LEVEL_ERRORS = frozenset(
    {
        "zones",
        "headroom",
        "min_gt_max",
        "service_or_feature",
        "threshold_order",
        "environment_rules",
    }
)
#: Joins the environment rules' problems inside one validation error; split again for the user.
_PROBLEM_SEPARATOR = "\n"


def _stateful_problems(p: EnvironmentProfile) -> list[str]:
    """Where state is protected, nothing may move it by accident (DR-1)."""
    if p.protect_stateful and p.network.availability_zones is None:
        return [
            "network.availability_zones: not set. This environment protects its state, so its "
            "subnets must not move when AWS's list of available AZs changes (a moved subnet "
            "replaces the databases and nodes in it). Fix: pin one AZ name per AZ, e.g. "
            "[us-east-1a, us-east-1b, us-east-1c]"
        ]
    return []


def _production_problems(p: EnvironmentProfile) -> list[str]:
    """What prod may not weaken (HA-1, DR-1, SCALE-2, NET-1)."""
    problems = []
    if p.network.az_count < 3:
        problems.append(
            f"network.az_count={p.network.az_count}: prod needs at least 3 AZs (HA-1); "
            "set network.az_count to 3 or more"
        )
    if p.network.nat_strategy is not NatStrategy.ONE_PER_AZ:
        problems.append(
            f"network.nat_strategy={p.network.nat_strategy.value}: prod needs a NAT gateway "
            "per AZ (HA-1); set it to one_per_az"
        )
    if not p.database.multi_az:
        problems.append("database.multi_az=false: prod needs a Multi-AZ database (HA-1)")
    if p.database.backup_retention_days < 14:
        problems.append(
            f"database.backup_retention_days={p.database.backup_retention_days}: prod keeps "
            "backups at least 14 days (DR-1)"
        )
    if not p.protect_stateful:
        problems.append("protect_stateful=false: prod protects stateful resources (DR-1)")
    if p.workloads.min_replicas < 2:
        problems.append(
            f"workloads.min_replicas={p.workloads.min_replicas}: prod runs at least 2 "
            "replicas of every service (HA-1)"
        )
    if p.cluster.public_access_cidrs:
        problems.append(
            "cluster.public_access_cidrs: the prod API endpoint is private only; remove the "
            "list and reach the cluster through the VPC"
        )
    if p.cluster.capacity_type is not CapacityType.ON_DEMAND:
        problems.append("cluster.capacity_type: prod node groups are ON_DEMAND")
    if p.cluster.nodes_min_per_az < 1:
        problems.append("cluster.nodes_min_per_az=0: prod keeps a node in every AZ (HA-1)")
    return problems


_COMMON: dict[str, Any] = {
    "alarms": {
        "utilization_warning_percent": 75,
        "utilization_critical_percent": 90,
        "notification_emails": [],
    },
    "cluster": {
        "kubernetes_version": "1.34",
        # Without an explicit policy EKS enters extended support, billed at six times the
        # standard control-plane rate; STANDARD upgrades the version instead (ADR 0006).
        "support_type": "STANDARD",
        "public_access_cidrs": [],
        "admin_role_arns": [],
    },
    "database": {"engine_version": "16.4"},
    "network": {
        # Used where network.enable_interface_endpoints is on (NET-4): the AWS APIs the nodes,
        # the platform's controllers and the collectors call (ADR 0006).
        "interface_endpoint_services": [
            "autoscaling",  # cluster autoscaler
            "ec2",  # VPC CNI, EBS CSI driver, load balancer controller, autoscaler
            "ecr.api",  # image pulls
            "ecr.dkr",
            "eks",  # cluster autoscaler (DescribeNodegroup)
            "elasticloadbalancing",  # load balancer controller
            "kms",  # workloads' envelope encryption
            "logs",  # collectors' logs and EMF metrics
            "secretsmanager",  # workloads' secrets
            "sts",  # IRSA (AssumeRoleWithWebIdentity)
            "xray",  # collectors' traces
        ],
    },
    "workloads": {
        "cpu_target_percent": 70,
        "cpu_request": "100m",
        "memory_request": "128Mi",
        "memory_limit": "256Mi",
        "require_image_digest": False,
    },
}

_SMALL_ENVIRONMENT: dict[str, Any] = {
    "protect_stateful": False,
    "network": {
        "vpc_cidr": "10.0.0.0/16",
        "az_count": 2,
        "nat_strategy": "single",
        "enable_interface_endpoints": False,
        "flow_log_retention_days": 14,
    },
    "keys": {"deletion_window_days": 7},
    "logs": {"retention_days": 14, "audit_retention_days": 14},
    "secrets": {"recovery_window_days": 7, "rotation_days": 30},
    "buckets": {"noncurrent_version_expiration_days": 7, "enable_access_logging": False},
    "database": {
        "instance_class": "db.t4g.micro",
        "allocated_storage_gb": 20,
        "max_allocated_storage_gb": 100,
        "multi_az": False,
        "backup_retention_days": 1,
        "enable_performance_insights": False,
        "monitoring_interval_seconds": 0,
    },
    "cluster": {
        "node_instance_types": ["t3.large", "t3a.large", "m5.large"],
        "capacity_type": "SPOT",
        "nodes_min_per_az": 1,
        "nodes_desired_per_az": 1,
        "nodes_max_per_az": 10,
    },
    "workloads": {
        "min_replicas": 1,
        "max_replicas": 10,
        "namespace_cpu_quota": "8",
        "namespace_memory_quota": "16Gi",
        "namespace_pod_quota": 50,
    },
    "budget": {"monthly_limit_usd": 500},
}

_LARGE_ENVIRONMENT: dict[str, Any] = {
    "protect_stateful": True,
    "network": {
        "vpc_cidr": "10.0.0.0/16",
        "az_count": 3,
        "nat_strategy": "one_per_az",
        "enable_interface_endpoints": True,
        # Flow logs are audit-class (OBS-2): a year in prod.
        "flow_log_retention_days": 365,
    },
    "keys": {"deletion_window_days": 30},
    "logs": {"retention_days": 90, "audit_retention_days": 365},
    "secrets": {"recovery_window_days": 30, "rotation_days": 30},
    "buckets": {"noncurrent_version_expiration_days": 90, "enable_access_logging": True},
    "database": {
        "instance_class": "db.r6g.large",
        "allocated_storage_gb": 100,
        "max_allocated_storage_gb": 1000,
        "multi_az": True,
        "backup_retention_days": 14,
        "enable_performance_insights": True,
        "monitoring_interval_seconds": 60,
    },
    "cluster": {
        "node_instance_types": ["m6i.large", "m5.large"],
        "capacity_type": "ON_DEMAND",
        "nodes_min_per_az": 1,
        "nodes_desired_per_az": 2,
        "nodes_max_per_az": 20,
    },
    "workloads": {
        "min_replicas": 3,
        "max_replicas": 30,
        "namespace_cpu_quota": "64",
        "namespace_memory_quota": "128Gi",
        "namespace_pod_quota": 300,
    },
    "budget": {"monthly_limit_usd": 8000},
}


def _merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge ``override`` into a copy of ``base``: mappings merge, everything else replaces."""
    out = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


_PREVIEW_SCALE_REASON = (
    "A preview environment serves the test traffic of one pull request and is destroyed "
    "when it expires"
)

#: The built-in defaults of every environment, as raw mappings. The single place they are declared.
BUILTIN_PROFILES: dict[str, dict[str, Any]] = {
    "dev": _merge(_merge(_COMMON, _SMALL_ENVIRONMENT), {"name": "dev"}),
    "preview": _merge(
        _merge(_COMMON, _SMALL_ENVIRONMENT),
        {
            "name": "preview",
            "preview_ttl_hours": 72,
            "logs": {"retention_days": 3, "audit_retention_days": 3},
            "network": {"flow_log_retention_days": 3},
            "cluster": {
                "nodes_max_per_az": 2,
                "scale_limit_reason": _PREVIEW_SCALE_REASON,
            },
            "workloads": {"max_replicas": 4, "scale_limit_reason": _PREVIEW_SCALE_REASON},
            "budget": {"monthly_limit_usd": 100},
        },
    ),
    "stage": _merge(
        _merge(_COMMON, _LARGE_ENVIRONMENT),
        {
            "name": "stage",
            "network": {
                "nat_strategy": "single",
                "enable_interface_endpoints": False,
                "flow_log_retention_days": 30,
            },
            "keys": {"deletion_window_days": 14},
            "logs": {"retention_days": 30, "audit_retention_days": 90},
            "secrets": {"recovery_window_days": 14},
            "buckets": {"noncurrent_version_expiration_days": 30},
            "database": {
                "instance_class": "db.t4g.medium",
                "allocated_storage_gb": 20,
                "max_allocated_storage_gb": 200,
                "backup_retention_days": 7,
            },
            "cluster": {"capacity_type": "SPOT", "nodes_desired_per_az": 1, "nodes_max_per_az": 10},
            "workloads": {"min_replicas": 2, "max_replicas": 20},
            "budget": {"monthly_limit_usd": 2000},
        },
    ),
    "prod": _merge(
        _merge(_COMMON, _LARGE_ENVIRONMENT),
        {"name": "prod", "workloads": {"require_image_digest": True}},
    ),
}


def _loc(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc)


def _describe(error: Mapping[str, Any], overrides: Mapping[str, Any]) -> list[str]:
    key = _loc(tuple(error["loc"]))
    kind = error["type"]
    message = str(error["msg"]).removeprefix("Value error, ")
    if kind == "extra_forbidden":
        parent = tuple(error["loc"][:-1])
        known = _known_keys(parent)
        return [f"{key}: unknown key. Fix: remove it or use one of: {', '.join(known)}"]
    if kind == "missing":
        return [f"{key}: required but not set. Fix: add {key} to the stack file"]
    if kind == "environment_rules":
        return message.split(_PROBLEM_SEPARATOR)
    if kind in {"service_or_feature", "headroom", "zones"}:
        return [message]
    value = error.get("input")
    if isinstance(value, Mapping):
        return [f"{key}: {message}"]
    if kind == "string_type" and isinstance(value, (bool, int, float)):
        return [
            f"{key}={value!r}: YAML read this value as a {type(value).__name__}, not text "
            f"(yes, no, on, off and numbers are read that way). Fix: quote it in the stack "
            f'file, e.g. {error["loc"][-1]}: "{value}"'
        ]
    shown = key or "environment"
    return [f"{shown}={value!r}: {message}. Fix: correct {shown} in the stack file"]


def _with_builtin_values(
    merged: Mapping[str, Any], builtin: Mapping[str, Any], errors: list[Any]
) -> dict[str, Any] | None:
    """``merged`` with each value a field error names replaced by the built-in profile's, so the
    environment's own rules can still judge everything else; ``None`` if one cannot be."""
    repaired = copy.deepcopy(dict(merged))
    for error in errors:
        loc = tuple(error["loc"])
        if not loc or error["type"] in {"environment_rules", "extra_forbidden"}:
            if error["type"] == "extra_forbidden" and loc:
                parent: Any = repaired
                for part in loc[:-1]:
                    parent = parent.get(part, {}) if isinstance(parent, dict) else {}
                if isinstance(parent, dict):
                    parent.pop(loc[-1], None)
            continue
        source: Any = builtin
        target: Any = repaired
        for part in loc[:-1]:
            source = source.get(part) if isinstance(source, Mapping) else None
            target = target.get(part) if isinstance(target, dict) else None
        if not isinstance(target, dict) or not isinstance(source, Mapping) or loc[-1] not in source:
            return None
        target[loc[-1]] = copy.deepcopy(source[loc[-1]])
    return repaired


def _known_keys(loc: tuple[int | str, ...]) -> list[str]:
    model: type[BaseModel] = EnvironmentProfile
    for part in loc:
        field = model.model_fields.get(str(part))
        annotation = field.annotation if field else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        model = annotation
    return sorted(model.model_fields)


#: Stacks named after a long-lived environment use its profile unless their file names another.
_STACKS_NAMED_AFTER_THEIR_PROFILE = frozenset({"dev", "stage", "prod"})


#: Preview stacks, one per pull request, are named ``pr-<number>`` and are always previews.
PREVIEW_STACK_PREFIX = "pr-"


def default_profile_name(stack: str) -> str | None:
    """The profile a stack uses when its file sets no ``name``: ``dev``, ``stage`` and ``prod``
    stacks use theirs, ``pr-*`` stacks the preview profile; any other stack must say ``name``."""
    return bound_profile_name(stack)


def bound_profile_name(stack: str) -> str | None:
    """The only profile a stack may use, or ``None`` when its name binds none (ENV-3).

    A stack named ``prod`` is prod, whatever its file says: one line of config must never turn
    prod into something with weaker protections.
    """
    if stack in _STACKS_NAMED_AFTER_THEIR_PROFILE:
        return stack
    if stack.startswith(PREVIEW_STACK_PREFIX):
        return "preview"
    return None


def build_profile(
    overrides: Mapping[str, Any],
    *,
    default_name: str | None = None,
    source: str = "config",
    stack: str | None = None,
) -> EnvironmentProfile:
    """Merge stack-file ``overrides`` over the built-in profile of their ``name`` and validate.

    ``name`` comes from ``overrides["name"]`` or else ``default_name`` (the stack's name). Where
    ``stack`` binds a profile (:func:`bound_profile_name`), any other ``name`` is refused.
    ``source`` names the stack file in error messages. Raises :class:`ConfigError` listing every
    offending key, with its value and the fix.
    """
    if not isinstance(overrides, Mapping):
        raise ConfigError(source, [f"environment: expected a mapping, got {overrides!r}"])
    name = overrides.get("name", default_name)
    bound = bound_profile_name(stack) if stack is not None else None
    if bound is not None and name != bound:
        raise ConfigError(
            source,
            [
                f"name={name!r}: the stack {stack!r} is the {bound} environment and cannot use "
                f"the {name} profile (ENV-3). Fix: remove name from the stack file, or give this "
                f"configuration a stack of its own"
            ],
        )
    if name not in BUILTIN_PROFILES:
        raise ConfigError(
            source,
            [
                f"name={name!r}: not an environment infra-kit knows. Fix: set name to one of "
                f"{', '.join(sorted(BUILTIN_PROFILES))} (a preview stack sets name: preview)"
            ],
        )
    builtin = BUILTIN_PROFILES[str(name)]
    merged = _merge(builtin, overrides)
    try:
        return EnvironmentProfile.model_validate(merged)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
    problems = [line for err in errors for line in _describe(err, overrides)]
    # Field errors stop pydantic before the environment's own rules run; judge those rules too,
    # on the config with the faulty values set aside, so every problem is reported at once.
    # Only field errors are set aside: a model-level error (AZs that do not match the count)
    # says nothing about which value to trust, so the rules are then left to the next run.
    leaf_only = all(
        len(err["loc"]) >= 2 and err["type"] not in _MODEL_LEVEL_ERRORS for err in errors
    )
    repaired = _with_builtin_values(merged, builtin, errors) if leaf_only else None
    if repaired is not None:
        try:
            EnvironmentProfile.model_validate(repaired)
        except ValidationError as again:
            for err in again.errors(include_url=False):
                if err["type"] == "environment_rules":
                    problems += _describe(err, overrides)
    raise ConfigError(source, list(dict.fromkeys(problems)))
