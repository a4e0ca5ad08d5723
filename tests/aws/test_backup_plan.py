"""The backup plan's rule worked out from the profile: schedule, windows, lifecycle (DR-1, DR-2)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from infra_kit.aws._backup_plan import (
    FIRST_BACKUP_HOUR_UTC,
    backup_hours,
    rule_settings,
    schedule_expression,
)
from infra_kit.core.profile.backup import BACKUP_INTERVALS_HOURS, START_WINDOW_MINUTES
from tests.core.test_profile import profile


def test_a_daily_backup_runs_once_after_the_databases_backup_window() -> None:
    assert schedule_expression(24) == "cron(0 5 ? * * *)"


def test_a_four_hourly_backup_runs_six_times_a_day_through_midnight() -> None:
    assert schedule_expression(4) == "cron(0 1,5,9,13,17,21 ? * * *)"


def test_an_interval_a_day_does_not_divide_has_no_schedule() -> None:
    with pytest.raises(ValueError, match="interval_hours=5"):
        backup_hours(5)


@given(interval=st.sampled_from(BACKUP_INTERVALS_HOURS))
def test_backups_are_evenly_spaced_around_the_clock(interval: int) -> None:
    hours = backup_hours(interval)
    assert FIRST_BACKUP_HOUR_UTC in hours
    assert len(hours) == 24 // interval
    gaps = [(b - a) % 24 for a, b in zip(hours, hours[1:] + hours[:1], strict=True)]
    # Every gap, the one across midnight included, is the interval: the RPO check assumes it.
    assert gaps == [interval % 24 or 24] * len(hours) if len(hours) > 1 else gaps == [0]


def test_prods_rule_keeps_a_year_and_moves_to_cold_storage_after_ninety_days() -> None:
    rule = rule_settings(profile("prod").backup)
    assert rule.name == "every-4h-keep-365d"
    assert (rule.delete_after_days, rule.cold_storage_after_days) == (365, 90)
    assert rule.start_window_minutes == START_WINDOW_MINUTES
    assert rule.completion_window_minutes == 240


@pytest.mark.parametrize("name", ["dev", "preview", "stage"])
def test_other_environments_never_move_to_cold_storage(name: str) -> None:
    assert rule_settings(profile(name).backup).cold_storage_after_days is None


@given(interval=st.sampled_from(BACKUP_INTERVALS_HOURS))
def test_a_job_may_run_until_the_next_is_due_and_beyond_its_start_window(interval: int) -> None:
    rule = rule_settings(profile("dev", backup={"interval_hours": interval}).backup)
    assert rule.completion_window_minutes >= interval * 60
    assert rule.completion_window_minutes >= rule.start_window_minutes + 120
