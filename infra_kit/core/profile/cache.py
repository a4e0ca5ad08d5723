"""ElastiCache for Valkey: node size, replicas, Multi-AZ and snapshots (HA-1, DR-1, COST-3).

The defaults of :class:`~infra_kit.aws.cache.Cache`. Dev and previews run one small node with no
replica (a cache there holds nothing a restart does not rebuild); stage and prod run a primary
and replicas in other AZs with automatic failover, and keep daily snapshots.

Facts, from the Amazon ElastiCache User Guide (read 2026-12-02): ElastiCache offers Valkey 9.1,
9.0 and 8.2 for node-based caches ("Engine versions and upgrading in ElastiCache"); at-rest
encryption is supported on T4g, M7g and R7g nodes among others ("At-Rest Encryption in
ElastiCache"); a replication group keeps automatic snapshots 0 (none) to 35 days, and its
snapshot window is at least 60 minutes long (``CreateReplicationGroup``).
"""

from __future__ import annotations

import re

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from infra_kit.core.profile._base import Frozen, same, table

__all__ = ["CACHE_ROWS", "CacheProfile"]

_HHMM = r"([01]\d|2[0-3]):([0-5]\d)"
_WINDOW = re.compile(rf"^{_HHMM}-{_HHMM}$")
#: The shortest snapshot window ElastiCache accepts, in minutes.
MIN_SNAPSHOT_WINDOW_MINUTES = 60


def _window_minutes(window: str) -> int:
    match = _WINDOW.match(window)
    if match is None:
        return -1
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    return ((h2 * 60 + m2) - (h1 * 60 + m1)) % (24 * 60)


class CacheProfile(Frozen):
    """ElastiCache for Valkey replication groups (HA-1, DR-1).

    ``engine_version``: the Valkey version every cache runs (pinned; minor upgrades are
    ElastiCache's, major ones a change here). ``node_type``: the node size. ``replicas``: read
    replicas besides the primary, 0 to 5; with at least one, the primary fails over to a replica
    automatically. ``multi_az``: place replicas in other AZs than the primary and fail over
    across AZs; it needs a replica. ``snapshot_retention_days``: days of daily automatic
    snapshots, 0 (none) to 35. ``snapshot_window``: the daily UTC window of those snapshots,
    ``hh:mm-hh:mm``, at least 60 minutes.
    """

    engine_version: str = Field(pattern=r"^\d+\.\d+$")
    node_type: str = Field(pattern=r"^cache\.[a-z0-9]+\.[a-z0-9]+$")
    replicas: int = Field(ge=0, le=5)
    multi_az: bool
    snapshot_retention_days: int = Field(ge=0, le=35)
    snapshot_window: str

    @field_validator("snapshot_window")
    @classmethod
    def _check_window(cls, value: str) -> str:
        if _window_minutes(value) < MIN_SNAPSHOT_WINDOW_MINUTES:
            raise PydanticCustomError(
                "snapshot_window",
                "{value!r} is not a UTC window hh:mm-hh:mm of at least {minutes} minutes; "
                "write e.g. 04:00-05:00",
                {"value": value, "minutes": MIN_SNAPSHOT_WINDOW_MINUTES},
            )
        return value

    @model_validator(mode="after")
    def _failover_needs_a_replica(self) -> CacheProfile:
        if self.multi_az and self.replicas < 1:
            raise PydanticCustomError(
                "cache_replicas",
                "cache.multi_az=true with cache.replicas=0: Multi-AZ fails over to a replica in "
                "another AZ, so it needs one; set cache.replicas to 1 or more, or multi_az false",
            )
        return self


# prescription: HA-1 -- stage and prod caches fail over to a replica in another AZ.
# prescription: COST-3 -- dev and previews run one small node without snapshots kept long.
# fmt: off
CACHE_ROWS = table(
    # key                              dev               preview           stage             prod
    ("cache.engine_version",           *same("8.2")),
    ("cache.node_type",                "cache.t4g.micro", "cache.t4g.micro", "cache.t4g.small", "cache.r7g.large"),
    ("cache.replicas",                 0,                0,                1,                2),
    ("cache.multi_az",                 False,            False,            True,             True),
    ("cache.snapshot_retention_days",  1,                0,                7,                14),
    ("cache.snapshot_window",          *same("04:00-05:00")),
)
# fmt: on
