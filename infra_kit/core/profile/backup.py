"""Backups and the recovery objectives they must meet (DR-1, DR-2).

``backup`` says how AWS Backup copies the environment's data: how often, how long recovery
points are kept, when they move to cold storage and whether the vault is locked. ``recovery``
states the environment's objectives: the RPO (how much data a restore may lose) and the RTO (how
long a restore may take). :func:`recovery_problems` refuses objectives the backups cannot meet.

Which data has point-in-time recovery (PITR):

- the RDS database, through its automated backups, whenever ``database.backup_retention_days``
  is at least 1: its latest restorable time is typically within 5 minutes of now (RDS user
  guide, "Restoring a DB instance to a specified time"), hence
  :data:`DATABASE_PITR_RPO_MINUTES`;
- nothing else: buckets and EBS volumes are restored from the last recovery point of the
  backup plan, which starts up to :data:`START_WINDOW_MINUTES` after its scheduled time.

Never touches the Pulumi runtime.
"""

from __future__ import annotations

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from infra_kit.core.profile._base import PROBLEM_SEPARATOR, UNSET, Frozen, same, table

__all__ = [
    "BACKUP_INTERVALS_HOURS",
    "BACKUP_ROWS",
    "COLD_STORAGE_MIN_DAYS",
    "DATABASE_PITR_RPO_MINUTES",
    "START_WINDOW_MINUTES",
    "BackupProfile",
    "RecoveryProfile",
    "recovery_problems",
]

#: Hours between backups a daily cron can express evenly (AWS Backup runs at most hourly).
BACKUP_INTERVALS_HOURS: tuple[int, ...] = (1, 2, 3, 4, 6, 8, 12, 24)
#: AWS Backup keeps a recovery point in cold storage at least 90 days, so a rule's retention
#: is at least its cold-storage transition plus 90 days (AWS Backup API, ``Lifecycle``).
COLD_STORAGE_MIN_DAYS = 90
#: A scheduled backup starts within this many minutes of its time, or is skipped.
START_WINDOW_MINUTES = 60
#: The RPO RDS point-in-time recovery gives: transaction logs reach S3 every 5 minutes.
DATABASE_PITR_RPO_MINUTES = 5
#: AWS Backup enforces a 72-hour cooling-off period before a vault lock takes effect.
VAULT_LOCK_MIN_CHANGEABLE_DAYS = 3


class BackupProfile(Frozen):
    """AWS Backup of the environment's buckets, EBS volumes and database (DR-1).

    ``enable_vault_lock`` puts a compliance-mode AWS Backup Vault Lock on the vault:
    recovery points can then be deleted by no one, root included, before
    ``vault_lock_min_retention_days``, and no rule may keep them beyond
    ``vault_lock_max_retention_days``. For ``vault_lock_changeable_for_days`` days after it is
    set (at least 3) the lock can still be changed or removed; **once that grace period has
    passed the lock is immutable and can never be removed, nor the vault deleted while it holds
    recovery points**. Turn it on only where that is wanted (prod).
    """

    interval_hours: int
    retention_days: int = Field(ge=1)
    #: Days after which recovery points of the types that support it move to cold storage;
    #: ``None``: never. Retention must then be at least 90 days longer.
    cold_storage_after_days: int | None = Field(default=None, ge=1)
    enable_vault_lock: bool
    vault_lock_min_retention_days: int = Field(ge=1)
    vault_lock_max_retention_days: int = Field(ge=1)
    vault_lock_changeable_for_days: int = Field(ge=VAULT_LOCK_MIN_CHANGEABLE_DAYS)

    @model_validator(mode="after")
    def _consistent(self) -> BackupProfile:
        problems = backup_problems(self)
        if problems:
            raise PydanticCustomError(
                "backup", "{problems}", {"problems": PROBLEM_SEPARATOR.join(problems)}
            )
        return self


class RecoveryProfile(Frozen):
    """The environment's recovery objectives (DR-2), stated once and checked against the backups.

    ``rpo_hours``: the most data a restore of a bucket or a volume may lose. ``database_rpo_minutes``:
    the same for the database. ``rto_hours``: how long restoring any of them may take, from the
    decision to restore to the application using the restored data (docs/runbooks/restore.md).
    """

    rpo_hours: int = Field(ge=1)
    database_rpo_minutes: int = Field(ge=1)
    rto_hours: int = Field(ge=1)


def backup_problems(b: BackupProfile) -> list[str]:
    """What is wrong with a ``backup`` section on its own, one line per problem with its fix."""
    problems = []
    if b.interval_hours not in BACKUP_INTERVALS_HOURS:
        problems.append(
            f"backup.interval_hours={b.interval_hours}: not an interval a daily schedule repeats "
            f"evenly. Fix: use one of {', '.join(map(str, BACKUP_INTERVALS_HOURS))}"
        )
    cold = b.cold_storage_after_days
    if cold is not None and b.retention_days < cold + COLD_STORAGE_MIN_DAYS:
        problems.append(
            f"backup.retention_days={b.retention_days}: recovery points stay in cold storage at "
            f"least {COLD_STORAGE_MIN_DAYS} days, so with backup.cold_storage_after_days={cold} "
            f"they are kept at least {cold + COLD_STORAGE_MIN_DAYS}. Fix: raise "
            f"backup.retention_days to {cold + COLD_STORAGE_MIN_DAYS}, or lower or remove "
            "backup.cold_storage_after_days"
        )
    low, high = b.vault_lock_min_retention_days, b.vault_lock_max_retention_days
    if low > high:
        problems.append(
            f"backup.vault_lock_min_retention_days={low} is above "
            f"backup.vault_lock_max_retention_days={high}. Fix: lower the minimum or raise the "
            "maximum"
        )
    elif b.enable_vault_lock and not low <= b.retention_days <= high:
        problems.append(
            f"backup.retention_days={b.retention_days}: outside the vault lock's "
            f"{low} to {high} days (backup.vault_lock_min_retention_days, "
            "backup.vault_lock_max_retention_days), so every backup job would fail. Fix: set "
            "backup.retention_days within them, or change the lock's limits"
        )
    return problems


def recovery_problems(
    *,
    interval_hours: int,
    rpo_hours: int,
    database_rpo_minutes: int,
    database_backup_retention_days: int,
) -> list[str]:
    """Recovery objectives the backups cannot meet (DR-2), one line each, naming keys and fix.

    An RPO shorter than the time between backups (plus the start window) is refused, unless the
    data has point-in-time recovery: only the database does, while its automated backups are on.
    """
    problems = []
    # prescription: DR-2 -- an RPO is refused unless the backups or PITR can meet it.
    worst_minutes = interval_hours * 60 + START_WINDOW_MINUTES
    if rpo_hours * 60 < worst_minutes:
        needed = -(-worst_minutes // 60)
        fitting = [
            h for h in BACKUP_INTERVALS_HOURS if h * 60 + START_WINDOW_MINUTES <= rpo_hours * 60
        ]
        shorter = (
            f"set backup.interval_hours to {fitting[-1]} or less" if fitting else "no interval fits"
        )
        problems.append(
            f"recovery.rpo_hours={rpo_hours}: shorter than backup.interval_hours={interval_hours} "
            f"plus the {START_WINDOW_MINUTES}-minute start window, and buckets and volumes have no "
            f"point-in-time recovery: a restore may lose up to {worst_minutes} minutes. Fix: "
            f"raise recovery.rpo_hours to {needed}, or {shorter}"
        )
    if database_rpo_minutes < worst_minutes:
        if database_backup_retention_days < 1:
            problems.append(
                f"recovery.database_rpo_minutes={database_rpo_minutes}: shorter than "
                f"backup.interval_hours={interval_hours} plus the start window, and "
                f"database.backup_retention_days={database_backup_retention_days} turns off the "
                "database's point-in-time recovery. Fix: set database.backup_retention_days to "
                f"1 or more, or raise recovery.database_rpo_minutes to {worst_minutes}"
            )
        elif database_rpo_minutes < DATABASE_PITR_RPO_MINUTES:
            problems.append(
                f"recovery.database_rpo_minutes={database_rpo_minutes}: point-in-time recovery "
                f"restores to at most {DATABASE_PITR_RPO_MINUTES} minutes ago (RDS ships "
                "transaction logs every 5 minutes). Fix: raise recovery.database_rpo_minutes to "
                f"{DATABASE_PITR_RPO_MINUTES}, or use a replica-based design this profile does not "
                "offer"
            )
    return problems


# Prod backs up every 4 hours and keeps a year, moving recovery points of the types that support
# it to cold storage after 90 days (a year of warm EBS snapshots costs about four times as much),
# in a vault whose compliance lock becomes permanent 7 days after it is set. Stage and dev back up
# daily; a preview keeps a day, the least AWS Backup allows. The database's 5-minute RPO is its
# point-in-time recovery (database.backup_retention_days in data.py). The RTOs are what the
# restores of docs/runbooks/restore.md take with each environment's sizes, with margin.
# prescription: DR-1 -- backup frequency and retention per environment.
# fmt: off
BACKUP_ROWS = table(
    # key                                     dev     preview  stage   prod
    ("backup.interval_hours",                 24,     24,      12,     4),
    ("backup.retention_days",                 7,      1,       35,     365),
    ("backup.cold_storage_after_days",        UNSET,  UNSET,   UNSET,  90),
    ("backup.enable_vault_lock",              False,  False,   False,  True),
    ("backup.vault_lock_min_retention_days",  *same(7)),
    ("backup.vault_lock_max_retention_days",  *same(3653)),
    ("backup.vault_lock_changeable_for_days", *same(7)),
    ("recovery.rpo_hours",                    48,     48,      24,     6),
    ("recovery.database_rpo_minutes",         *same(DATABASE_PITR_RPO_MINUTES)),
    ("recovery.rto_hours",                    24,     24,      8,      4),
)
# fmt: on
