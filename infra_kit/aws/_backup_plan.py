"""The backup plan's rule, worked out from the profile: schedule, windows and lifecycle.

Pure: never touches the Pulumi runtime, and is tested exhaustively on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from infra_kit.core.profile.backup import (
    BACKUP_INTERVALS_HOURS,
    START_WINDOW_MINUTES,
    BackupProfile,
)

__all__ = [
    "FIRST_BACKUP_HOUR_UTC",
    "RuleSettings",
    "backup_hours",
    "rule_settings",
    "schedule_expression",
]

#: The UTC hour the day's backups are counted from: after the database's default automated
#: backup window (03:00-04:00 UTC, ``DatabaseArgs.backup_window``), which AWS Backup's RDS jobs
#: would otherwise wait for.
FIRST_BACKUP_HOUR_UTC = 5


def backup_hours(interval_hours: int, first: int = FIRST_BACKUP_HOUR_UTC) -> list[int]:
    """The UTC hours of a day's backups, every ``interval_hours`` from ``first``, sorted."""
    if interval_hours not in BACKUP_INTERVALS_HOURS:
        raise ValueError(f"interval_hours={interval_hours}: use one of {BACKUP_INTERVALS_HOURS}")
    return sorted((first + k * interval_hours) % 24 for k in range(24 // interval_hours))


def schedule_expression(interval_hours: int, first: int = FIRST_BACKUP_HOUR_UTC) -> str:
    """The AWS Backup cron expression of a backup every ``interval_hours`` hours, in UTC."""
    hours = ",".join(map(str, backup_hours(interval_hours, first)))
    return f"cron(0 {hours} ? * * *)"


@dataclass(frozen=True)
class RuleSettings:
    """One rule of the plan: its name, schedule, windows (minutes) and lifecycle (days)."""

    name: str
    schedule: str
    start_window_minutes: int
    completion_window_minutes: int
    delete_after_days: int
    cold_storage_after_days: int | None


def rule_settings(backup: BackupProfile) -> RuleSettings:
    """The plan's rule from the profile's ``backup`` section.

    A backup that has not started within an hour is skipped (the next one is at most
    ``interval_hours`` later, as the RPO check assumes); one that has started may run until the
    next is due, and at least the two hours AWS Backup requires beyond the start window.
    """
    interval = backup.interval_hours
    return RuleSettings(
        name=f"every-{interval}h-keep-{backup.retention_days}d",
        schedule=schedule_expression(interval),
        start_window_minutes=START_WINDOW_MINUTES,
        completion_window_minutes=max(interval * 60, START_WINDOW_MINUTES + 120),
        delete_after_days=backup.retention_days,
        cold_storage_after_days=backup.cold_storage_after_days,
    )
