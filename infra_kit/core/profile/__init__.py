"""The environment profile: one typed, frozen model of everything an environment decides (ENV-2).

Dev, stage, prod and preview share one topology; they differ only in the sizes, counts, retention
periods and protections held here. Each concern is a small module (``network``, ``cluster``,
``workloads``, ``data``, ``cache``, ``observability``, ``rollouts``, ``jobs``, ``cost``, ``edge``,
``backup``, ``usage``, ``tagging``) holding its model and its row
of built-in values per environment; :mod:`.builtin` puts the rows together, side by side, and
nothing else declares an environment-dependent default. A stack file overrides only what
differs; the merged result is validated as a whole, and contradictions are refused before any
resource is registered (ENV-3).

Nothing here touches the Pulumi runtime, so it is tested exhaustively on its own.
"""

from __future__ import annotations

from infra_kit.core.profile._base import CLOUDWATCH_RETENTION_DAYS, HEADROOM_FACTOR
from infra_kit.core.profile._build import (
    PREVIEW_STACK_PREFIX,
    bound_profile_name,
    build_profile,
    default_profile_name,
    first_availability_zones,
)
from infra_kit.core.profile._model import EnvironmentName, EnvironmentProfile
from infra_kit.core.profile.backup import BackupProfile, RecoveryProfile
from infra_kit.core.profile.builtin import BUILTIN_PROFILES
from infra_kit.core.profile.cache import CacheProfile
from infra_kit.core.profile.cluster import (
    SUPPORTED_KUBERNETES_VERSIONS,
    CapacityType,
    ClusterProfile,
    SupportType,
)
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
from infra_kit.core.profile.rollouts import CanaryStep, RolloutProfile
from infra_kit.core.profile.tagging import TagValues
from infra_kit.core.profile.usage import UsageProfile
from infra_kit.core.profile.workloads import WorkloadProfile

__all__ = [
    "BUILTIN_PROFILES",
    "CLOUDWATCH_RETENTION_DAYS",
    "HEADROOM_FACTOR",
    "PREVIEW_STACK_PREFIX",
    "SUPPORTED_KUBERNETES_VERSIONS",
    "AlarmProfile",
    "BackupProfile",
    "BucketProfile",
    "BudgetProfile",
    "CacheProfile",
    "CanaryStep",
    "CapacityType",
    "ClusterProfile",
    "DatabaseProfile",
    "EdgeProfile",
    "EnvironmentName",
    "EnvironmentProfile",
    "JobProfile",
    "KeyProfile",
    "LogProfile",
    "NatStrategy",
    "NetworkProfile",
    "RecoveryProfile",
    "RolloutProfile",
    "SecretProfile",
    "SloProfile",
    "SupportType",
    "TagValues",
    "UsageProfile",
    "WorkloadProfile",
    "bound_profile_name",
    "build_profile",
    "default_profile_name",
    "first_availability_zones",
]
