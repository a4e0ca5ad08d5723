"""How IK-DR-1-BACKUP-PLAN reads a backup rule's schedule: the hours between backups."""

from __future__ import annotations

import pytest

from infra_kit.aws._backup_plan import schedule_expression
from infra_kit.core.profile.backup import BACKUP_INTERVALS_HOURS
from infra_kit.policy.rules.backups import schedule_interval_hours


@pytest.mark.parametrize("interval", BACKUP_INTERVALS_HOURS)
def test_the_interval_of_every_schedule_the_plan_builds_is_read_back(interval: int) -> None:
    assert schedule_interval_hours(schedule_expression(interval)) == interval


@pytest.mark.parametrize(
    ("schedule", "hours"),
    [
        ("cron(0 */4 ? * * *)", 4),
        ("cron(30 * ? * * *)", 1),
        ("cron(0 3 * * ? *)", 24),
        ("rate(12 hours)", 12),
        ("rate(1 day)", 24),
    ],
)
def test_other_daily_schedules_give_their_interval(schedule: str, hours: int) -> None:
    assert schedule_interval_hours(schedule) == hours


@pytest.mark.parametrize(
    "schedule",
    [
        "cron(0 1,5 ? * * *)",  # uneven: 4 then 20 hours
        "cron(0 2/5 ? * * *)",  # the last gap is 4, not 5
        "cron(0 5 ? * MON *)",  # weekly
        "cron(0 5 1 * ? *)",  # monthly
        "cron(0 25 ? * * *)",
        "every day",
        "",
    ],
)
def test_a_schedule_it_cannot_tell_gives_none(schedule: str) -> None:
    assert schedule_interval_hours(schedule) is None
