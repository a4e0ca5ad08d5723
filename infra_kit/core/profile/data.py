"""Data stores and how their contents are recovered: keys, secrets, buckets, the database
(SEC-2, SEC-3, DR-1, HA-1)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from infra_kit.core.profile._base import Frozen, same, table

__all__ = ["DATA_ROWS", "BucketProfile", "DatabaseProfile", "KeyProfile", "SecretProfile"]


class KeyProfile(Frozen):
    """KMS customer-managed keys (SEC-3)."""

    deletion_window_days: int = Field(ge=7, le=30)


class SecretProfile(Frozen):
    """Secrets Manager (SEC-2)."""

    recovery_window_days: int = Field(ge=7, le=30)
    rotation_days: int = Field(ge=1, le=365)


class BucketProfile(Frozen):
    """S3 buckets (SEC-3, DR-1)."""

    noncurrent_version_expiration_days: int = Field(ge=1)
    enable_access_logging: bool


class DatabaseProfile(Frozen):
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


# A preview's data stores are its own and the smallest there are: one micro instance in one AZ,
# gp3's 20 GiB minimum (the ceiling is billed only when used), a day of backups (the least the
# profile allows), the shortest key and secret windows AWS accepts, a day of old object versions.
# prescription: COST-3 -- preview data stores at their smallest sizes and shortest retention.
# fmt: off
DATA_ROWS = table(
    # key                                          dev             preview         stage            prod
    ("keys.deletion_window_days",                  7,              7,              14,              30),
    ("secrets.recovery_window_days",               7,              7,              14,              30),
    ("secrets.rotation_days",                      *same(30)),
    ("buckets.noncurrent_version_expiration_days", 7,              1,              30,              90),
    ("buckets.enable_access_logging",              False,          False,          True,            True),
    ("database.engine_version",                    *same("16.4")),
    ("database.instance_class",                    "db.t4g.micro", "db.t4g.micro", "db.t4g.medium", "db.r6g.large"),
    ("database.allocated_storage_gb",              20,             20,             20,              100),
    ("database.max_allocated_storage_gb",          100,            100,            200,             1000),
    ("database.multi_az",                          False,          False,          True,            True),
    ("database.backup_retention_days",             1,              1,              7,               14),
    ("database.enable_performance_insights",       False,          False,          True,            True),
    ("database.monitoring_interval_seconds",       0,              0,              60,              60),
)
# fmt: on
