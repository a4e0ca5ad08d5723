"""The whole profile of one environment, and the rules that judge its parts together (ENV-3)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from infra_kit.core.profile._base import PROBLEM_SEPARATOR, Frozen
from infra_kit.core.profile._protections import weakening_problems
from infra_kit.core.profile.backup import BackupProfile, RecoveryProfile, recovery_problems
from infra_kit.core.profile.builtin import BUILTIN_PROFILES
from infra_kit.core.profile.cache import CacheProfile
from infra_kit.core.profile.cluster import CapacityType, ClusterProfile
from infra_kit.core.profile.cost import BudgetProfile
from infra_kit.core.profile.data import (
    BucketProfile,
    DatabaseProfile,
    KeyProfile,
    SecretProfile,
)
from infra_kit.core.profile.edge import EdgeProfile
from infra_kit.core.profile.jobs import JobProfile
from infra_kit.core.profile.network import NatStrategy, NetworkProfile
from infra_kit.core.profile.observability import AlarmProfile, LogProfile, SloProfile
from infra_kit.core.profile.rollouts import RolloutProfile
from infra_kit.core.profile.tagging import TagValues
from infra_kit.core.profile.usage import UsageProfile
from infra_kit.core.profile.workloads import WorkloadProfile

__all__ = ["MODEL_LEVEL_ERRORS", "PROBLEM_SEPARATOR", "EnvironmentName", "EnvironmentProfile"]

EnvironmentName = Literal["dev", "stage", "prod", "preview"]


class EnvironmentProfile(Frozen):
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
    cache: CacheProfile
    cluster: ClusterProfile
    workloads: WorkloadProfile
    alarms: AlarmProfile
    slo: SloProfile
    rollouts: RolloutProfile
    jobs: JobProfile
    budget: BudgetProfile
    edge: EdgeProfile
    backup: BackupProfile
    recovery: RecoveryProfile
    usage: UsageProfile
    preview_ttl_hours: int | None = Field(default=None, ge=1, le=24 * 14)
    #: Why a protection is set weaker than the environment's built-in value, by dotted key
    #: (``infra_kit.core.profile._protections``); recorded in the graph with the profile.
    weakened: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _environment_rules(self) -> EnvironmentProfile:
        problems = _production_problems(self) if self.name == "prod" else []
        problems += _stateful_problems(self)
        problems += recovery_problems(
            interval_hours=self.backup.interval_hours,
            rpo_hours=self.recovery.rpo_hours,
            database_rpo_minutes=self.recovery.database_rpo_minutes,
            database_backup_retention_days=self.database.backup_retention_days,
        )
        problems += weakening_problems(
            self.model_dump(mode="json"), BUILTIN_PROFILES[self.name], self.weakened
        )
        # prescription: ENV-1 -- a preview environment always expires.
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
                "environment_rules", "{problems}", {"problems": PROBLEM_SEPARATOR.join(problems)}
            )
        return self


#: Validation errors raised by a model's own validator rather than by one field.
MODEL_LEVEL_ERRORS = frozenset(
    {
        "zones",
        "headroom",
        "min_gt_max",
        "service_or_feature",
        "threshold_order",
        "subscription_endpoint",
        "environment_rules",
        "backup",
    }
)


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
    if not p.backup.enable_vault_lock:
        problems.append(
            "backup.enable_vault_lock=false: prod's recovery points are locked against deletion "
            "(DR-1); set it to true"
        )
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
