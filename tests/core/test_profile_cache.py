"""The profile's cache section: one small node in dev, Multi-AZ replicas in stage and prod."""

from __future__ import annotations

import pytest

from infra_kit.core.profile import BUILTIN_PROFILES, build_profile
from infra_kit.errors import ConfigError
from tests.core.test_profile import TAGS, profile

#: HA-1, DR-1, COST-3: (node type, replicas, Multi-AZ, snapshot days) per environment.
EXPECTED = {
    "dev": ("cache.t4g.micro", 0, False, 1),
    "preview": ("cache.t4g.micro", 0, False, 0),
    "stage": ("cache.t4g.small", 1, True, 7),
    "prod": ("cache.r7g.large", 2, True, 14),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_environment_sizes_its_caches(name: str) -> None:
    cache = profile(name).cache
    assert (cache.node_type, cache.replicas, cache.multi_az, cache.snapshot_retention_days) == (
        EXPECTED[name]
    )
    assert (cache.engine_version, cache.snapshot_window) == ("8.2", "04:00-05:00")


def test_every_environment_has_a_cache_row() -> None:
    assert set(EXPECTED) == set(BUILTIN_PROFILES)


def test_multi_az_without_a_replica_is_refused() -> None:
    with pytest.raises(ConfigError) as caught:
        build_profile({"name": "dev", "tags": TAGS, "cache": {"multi_az": True}})
    assert any(
        "cache.multi_az=true with cache.replicas=0" in p and "set cache.replicas to 1" in p
        for p in caught.value.problems
    ), caught.value.problems


@pytest.mark.parametrize("window", ["04:00-04:30", "4am", "23:30-24:30"])
def test_a_snapshot_window_elasticache_refuses_is_refused(window: str) -> None:
    with pytest.raises(ConfigError) as caught:
        build_profile({"name": "dev", "tags": TAGS, "cache": {"snapshot_window": window}})
    assert any(
        "cache.snapshot_window" in p and "at least 60 minutes" in p for p in caught.value.problems
    ), caught.value.problems


def test_a_window_across_midnight_is_accepted() -> None:
    cache = build_profile(
        {"name": "dev", "tags": TAGS, "cache": {"snapshot_window": "23:30-00:30"}}
    )
    assert cache.cache.snapshot_window == "23:30-00:30"
