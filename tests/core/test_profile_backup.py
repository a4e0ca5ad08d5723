"""The backup and recovery concern of the profile: values per environment and the refusals of
objectives the backups cannot meet (DR-1, DR-2)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from infra_kit.core.profile import build_profile
from infra_kit.core.profile.backup import (
    BACKUP_INTERVALS_HOURS,
    COLD_STORAGE_MIN_DAYS,
    DATABASE_PITR_RPO_MINUTES,
    START_WINDOW_MINUTES,
    recovery_problems,
)
from infra_kit.errors import ConfigError
from tests.core.test_profile import TAGS, ZONES, profile


def _refused(name: str, **sections: Any) -> list[str]:
    config: dict[str, Any] = {"name": name, "tags": TAGS, **sections}
    if name in {"stage", "prod"}:
        config.setdefault("network", ZONES["network"])
    with pytest.raises(ConfigError) as caught:
        build_profile(config, source="Pulumi.test.yaml")
    return caught.value.problems


#: Per environment: (interval hours, retention days, cold after days, locked, RPO h, RTO h).
STATED = {
    "dev": (24, 7, None, False, 48, 24),
    "preview": (24, 1, None, False, 48, 24),
    "stage": (12, 35, None, False, 24, 8),
    "prod": (4, 365, 90, True, 6, 4),
}


@pytest.mark.parametrize("name", sorted(STATED))
def test_each_environment_states_its_backups_rpo_and_rto(name: str) -> None:
    p = profile(name)
    b, r = p.backup, p.recovery
    stated = (b.interval_hours, b.retention_days, b.cold_storage_after_days, b.enable_vault_lock)
    assert (*stated, r.rpo_hours, r.rto_hours) == STATED[name]
    # DR-2: the database's RPO is its point-in-time recovery, on in every environment.
    assert r.database_rpo_minutes == DATABASE_PITR_RPO_MINUTES
    assert p.database.backup_retention_days >= 1


def test_prods_cold_storage_leaves_the_ninety_days_aws_requires() -> None:
    backup = profile("prod").backup
    assert backup.cold_storage_after_days is not None
    assert backup.retention_days >= backup.cold_storage_after_days + COLD_STORAGE_MIN_DAYS


def test_prods_retention_lies_within_its_vault_locks_limits() -> None:
    b = profile("prod").backup
    assert b.vault_lock_min_retention_days <= b.retention_days <= b.vault_lock_max_retention_days
    assert b.vault_lock_changeable_for_days >= 3


def test_an_rpo_shorter_than_the_backup_interval_is_refused_naming_both_keys_and_the_fix() -> None:
    problems = _refused("stage", recovery={"rpo_hours": 6})
    assert problems == [
        "recovery.rpo_hours=6: shorter than backup.interval_hours=12 plus the 60-minute start "
        "window, and buckets and volumes have no point-in-time recovery: a restore may lose up "
        "to 780 minutes. Fix: raise recovery.rpo_hours to 13, or set backup.interval_hours to 4 "
        "or less"
    ]


def test_a_database_rpo_shorter_than_the_interval_is_met_by_point_in_time_recovery() -> None:
    assert profile("dev", recovery={"database_rpo_minutes": 5}).recovery.database_rpo_minutes == 5


def test_a_database_rpo_below_what_point_in_time_recovery_gives_is_refused() -> None:
    problems = _refused("prod", recovery={"database_rpo_minutes": 1})
    assert len(problems) == 1
    assert problems[0].startswith("recovery.database_rpo_minutes=1: point-in-time recovery")
    assert "Fix: raise recovery.database_rpo_minutes to 5" in problems[0]


def test_without_automated_backups_the_database_has_no_point_in_time_recovery() -> None:
    problems = recovery_problems(
        interval_hours=24, rpo_hours=48, database_rpo_minutes=5, database_backup_retention_days=0
    )
    assert len(problems) == 1
    assert "database.backup_retention_days=0 turns off" in problems[0]
    assert "set database.backup_retention_days to 1 or more" in problems[0]


def test_cold_storage_without_ninety_more_days_of_retention_is_refused() -> None:
    problems = _refused("prod", backup={"retention_days": 150})
    assert problems == [
        "backup.retention_days=150: recovery points stay in cold storage at least 90 days, so "
        "with backup.cold_storage_after_days=90 they are kept at least 180. Fix: raise "
        "backup.retention_days to 180, or lower or remove backup.cold_storage_after_days"
    ]


def test_an_interval_a_day_does_not_divide_is_refused() -> None:
    problems = _refused("dev", backup={"interval_hours": 5})
    assert problems == [
        "backup.interval_hours=5: not an interval a daily schedule repeats evenly. Fix: use one "
        "of 1, 2, 3, 4, 6, 8, 12, 24"
    ]


def test_a_retention_outside_the_vault_lock_is_refused() -> None:
    problems = _refused("prod", backup={"vault_lock_max_retention_days": 200})
    assert len(problems) == 1
    assert problems[0].startswith("backup.retention_days=365: outside the vault lock's 7 to 200")


def test_prod_refuses_an_unlocked_vault() -> None:
    problems = _refused("prod", backup={"enable_vault_lock": False})
    assert any(p.startswith("backup.enable_vault_lock=false: prod") for p in problems), problems


def test_a_shorter_backup_retention_needs_a_written_reason() -> None:
    problems = _refused("stage", backup={"retention_days": 7})
    assert problems[0].startswith("backup.retention_days=7: weaker than stage's default (35)")
    reason = {"backup.retention_days": "stage data is rebuilt from prod weekly"}
    assert (
        profile("stage", backup={"retention_days": 7}, weakened=reason).backup.retention_days == 7
    )


@given(
    interval=st.sampled_from(BACKUP_INTERVALS_HOURS),
    rpo_hours=st.integers(min_value=1, max_value=72),
    database_rpo=st.integers(min_value=1, max_value=72 * 60),
    retention=st.integers(min_value=0, max_value=35),
)
def test_an_objective_is_refused_exactly_when_neither_backups_nor_pitr_can_meet_it(
    interval: int, rpo_hours: int, database_rpo: int, retention: int
) -> None:
    problems = recovery_problems(
        interval_hours=interval,
        rpo_hours=rpo_hours,
        database_rpo_minutes=database_rpo,
        database_backup_retention_days=retention,
    )
    worst = interval * 60 + START_WINDOW_MINUTES
    files_refused = rpo_hours * 60 < worst
    database_refused = database_rpo < worst and (
        retention < 1 or database_rpo < DATABASE_PITR_RPO_MINUTES
    )
    assert [p.split("=")[0] for p in problems] == (
        ["recovery.rpo_hours"] * files_refused
        + ["recovery.database_rpo_minutes"] * database_refused
    )
    # Every refusal says how to fix it.
    assert all("Fix: " in p for p in problems)
