"""Pure rules behind :class:`infra_kit.aws.database.Database`: names, engine family, windows.

Nothing here touches the Pulumi runtime, so every rule is tested on its own. Each check raises
:class:`infra_kit.errors.ValidationError` naming the argument, the value and the fix.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping

from infra_kit.errors import ValidationError

__all__ = [
    "DEFAULT_PARAMETERS",
    "FORCE_SSL",
    "IDENTIFIER_MAX",
    "RESERVED_DATABASE_NAMES",
    "RESERVED_ROLE_PREFIXES",
    "RESERVED_USERNAMES",
    "check_database_name",
    "check_iam_user",
    "check_label",
    "check_master_username",
    "check_parameters",
    "check_storage",
    "check_windows",
    "engine_major",
    "instance_identifier",
    "parameter_group_family",
]

#: The parameter that makes the server refuse connections without TLS (SEC-3).
FORCE_SSL = "rds.force_ssl"
#: What every parameter group sets: TLS required; statements slower than one second logged.
DEFAULT_PARAMETERS: Mapping[str, str] = {FORCE_SSL: "1", "log_min_duration_statement": "1000"}
#: RDS instance identifiers are at most 63 characters.
IDENTIFIER_MAX = 63

#: Names PostgreSQL or RDS keep for themselves, or that grant too much to be an app's login.
RESERVED_USERNAMES: frozenset[str] = frozenset(
    {
        "admin",
        "administrator",
        "all",
        "postgres",
        "public",
        "rdsadmin",
        "rdsrepladmin",
        "rdstopmgr",
        "root",
        "superuser",
        "user",
    }
)
#: Prefixes of roles PostgreSQL (``pg_``) and RDS (``rds_``) define.
RESERVED_ROLE_PREFIXES: tuple[str, ...] = ("pg_", "rds_")
#: Databases every RDS PostgreSQL instance already has.
RESERVED_DATABASE_NAMES: frozenset[str] = frozenset(
    {"postgres", "rdsadmin", "template0", "template1"}
)

_USERNAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_IAM_USER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_DATABASE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_LABEL = re.compile(r"^[a-z][a-z0-9-]{0,29}$")
_PARAMETER = re.compile(r"^[a-z][a-z0-9_.]*$")
_VERSION = re.compile(r"^(\d+)(?:\.(\d+))?(?:\.\d+)?$")
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HHMM = r"([01]\d|2[0-3]):([0-5]\d)"
_BACKUP_WINDOW = re.compile(rf"^{_HHMM}-{_HHMM}$")
_DAY = "(" + "|".join(_DAYS) + ")"
_MAINTENANCE_WINDOW = re.compile(rf"^{_DAY}:{_HHMM}-{_DAY}:{_HHMM}$")
_MIN_WINDOW_MINUTES = 30
_DAY_MINUTES = 24 * 60
_WEEK_MINUTES = 7 * _DAY_MINUTES
_MIN_STORAGE_GB, _MAX_STORAGE_GB = 20, 65536
_INSTANCE_CLASS = re.compile(r"^db\.[a-z0-9]+\.[a-z0-9]+$")


def engine_major(version: str) -> str:
    """``"16.4"`` -> ``"16"``; ``"9.6.24"`` -> ``"9.6"`` (before 10, the major has two parts)."""
    match = _VERSION.match(version)
    if not match:
        raise ValidationError(
            "database.engine_version",
            version,
            "not a PostgreSQL version",
            "write it like '16.4' in the stack file's database section",
        )
    major = int(match.group(1))
    if major >= 10:
        return str(major)
    if match.group(2) is None:
        raise ValidationError(
            "database.engine_version",
            version,
            "a PostgreSQL version before 10 needs its second part (e.g. 9.6)",
            "use a supported version such as '16.4'",
        )
    return f"{major}.{match.group(2)}"


def parameter_group_family(version: str) -> str:
    """The parameter group family of a PostgreSQL version: ``"16.4"`` -> ``"postgres16"``."""
    return f"postgres{engine_major(version)}"


def _check_username(key: str, value: str, pattern: re.Pattern[str], fix: str) -> None:
    if not pattern.match(value):
        raise ValidationError(
            key,
            value,
            "not an unquoted PostgreSQL identifier (lower-case letters, digits and '_', "
            "at most 63 characters)",
            fix,
        )
    if value in RESERVED_USERNAMES or value.startswith(RESERVED_ROLE_PREFIXES):
        raise ValidationError(
            key,
            value,
            "the name is reserved by PostgreSQL or RDS, or too generic for an application login",
            fix,
        )


def check_master_username(value: str) -> str:
    """The master user: a letter first, then letters, digits or '_'; not a reserved name."""
    _check_username(
        "master_username",
        value,
        _USERNAME,
        "pick a name of the application's own, e.g. 'app_admin'",
    )
    return value


def check_iam_user(value: str, *, master_username: str) -> str:
    """A database user that logs in with IAM authentication; never the master user."""
    _check_username(
        "user",
        value,
        _IAM_USER,
        "name the application's own database user, e.g. 'orders_app', created with "
        "GRANT rds_iam TO orders_app",
    )
    if value == master_username:
        raise ValidationError(
            "user",
            value,
            "it is the master user, whose password RDS keeps in Secrets Manager; workloads get "
            "their own least-privilege user",
            "create a separate user with GRANT rds_iam and grant it connect instead",
        )
    return value


def check_database_name(value: str) -> str:
    """The database RDS creates: a letter first, then letters, digits or '_'; not reserved."""
    if not _DATABASE.match(value) or value in RESERVED_DATABASE_NAMES:
        raise ValidationError(
            "database_name",
            value,
            "a database name is 1 to 63 lower-case letters, digits and '_', starting with a "
            f"letter, and none of {', '.join(sorted(RESERVED_DATABASE_NAMES))}",
            "name the application's database, e.g. 'orders'",
        )
    return value


def check_label(key: str, value: str) -> str:
    """A label that becomes part of a child's logical name: ``[a-z][a-z0-9-]``, max 30."""
    if not _LABEL.match(value) or "--" in value or value.endswith("-"):
        raise ValidationError(
            key,
            value,
            "a label is 1 to 30 lower-case letters, digits and single dashes, starting with a "
            "letter; it becomes part of a resource name",
            "use the workload's name, e.g. 'orders-api'",
        )
    return value


def check_parameters(extra: Mapping[str, str]) -> dict[str, str]:
    """The defaults plus ``extra``; refuses turning TLS off or malformed names."""
    for name, value in extra.items():
        if not _PARAMETER.match(name):
            raise ValidationError(
                f"parameters[{name!r}]",
                value,
                "not a PostgreSQL parameter name",
                "use the name as RDS lists it, e.g. 'log_min_duration_statement'",
            )
        if name == FORCE_SSL and str(value) != "1":
            raise ValidationError(
                f"parameters[{FORCE_SSL!r}]",
                value,
                "the database requires TLS for every connection (SEC-3)",
                f"remove {FORCE_SSL} from parameters",
            )
    return {**DEFAULT_PARAMETERS, **{k: str(v) for k, v in extra.items()}}


def check_storage(instance_class: str, allocated_gb: int, max_allocated_gb: int) -> None:
    """Instance class shape and storage bounds (gp3: 20 GiB to 64 TiB, autoscaling max >= min)."""
    if not _INSTANCE_CLASS.match(instance_class):
        raise ValidationError(
            "instance_class",
            instance_class,
            "not an RDS instance class",
            "write it like 'db.t4g.micro' or 'db.r6g.large'",
        )
    for key, value in (
        ("allocated_storage_gb", allocated_gb),
        ("max_allocated_storage_gb", max_allocated_gb),
    ):
        if not _MIN_STORAGE_GB <= value <= _MAX_STORAGE_GB:
            raise ValidationError(
                key,
                value,
                f"gp3 storage is {_MIN_STORAGE_GB} to {_MAX_STORAGE_GB} GiB",
                f"pick a size from {_MIN_STORAGE_GB} to {_MAX_STORAGE_GB}",
            )
    if max_allocated_gb < allocated_gb:
        raise ValidationError(
            "max_allocated_storage_gb",
            max_allocated_gb,
            f"it is below allocated_storage_gb={allocated_gb}, so storage could not grow",
            "raise max_allocated_storage_gb or lower allocated_storage_gb",
        )


def _minutes(hours: str, minutes: str) -> int:
    return int(hours) * 60 + int(minutes)


def _span(start: int, end: int, period: int) -> set[int]:
    """Minutes from ``start`` up to ``end`` on a clock of ``period`` minutes (wrapping)."""
    length = (end - start) % period
    return {(start + i) % period for i in range(length)}


def check_windows(backup: str, maintenance: str) -> None:
    """Both windows well-formed, at least 30 minutes long, and not overlapping (RDS rules)."""
    b = _BACKUP_WINDOW.match(backup)
    if not b:
        raise ValidationError(
            "backup_window",
            backup,
            "not a daily UTC window hh:mm-hh:mm",
            "write it like '03:00-04:00'",
        )
    m = _MAINTENANCE_WINDOW.match(maintenance.lower())
    if not m:
        raise ValidationError(
            "maintenance_window",
            maintenance,
            "not a weekly UTC window ddd:hh:mm-ddd:hh:mm",
            "write it like 'sun:04:30-sun:05:30'",
        )
    daily = _span(_minutes(b[1], b[2]), _minutes(b[3], b[4]), _DAY_MINUTES)
    start = _DAYS.index(m[1]) * _DAY_MINUTES + _minutes(m[2], m[3])
    end = _DAYS.index(m[4]) * _DAY_MINUTES + _minutes(m[5], m[6])
    weekly = _span(start, end, _WEEK_MINUTES)
    for key, value, span in (
        ("backup_window", backup, daily),
        ("maintenance_window", maintenance, weekly),
    ):
        if len(span) < _MIN_WINDOW_MINUTES:
            raise ValidationError(
                key,
                value,
                f"RDS needs a window of at least {_MIN_WINDOW_MINUTES} minutes",
                "widen the window",
            )
    if any(minute % _DAY_MINUTES in daily for minute in weekly):
        raise ValidationError(
            "maintenance_window",
            maintenance,
            f"it overlaps the daily backup_window {backup!r}, which RDS refuses",
            "move one of the two windows",
        )


def instance_identifier(project: str, stack: str, name: str) -> str:
    """A stable, unique RDS identifier ``<project>-<stack>-<name>``, valid and at most 63 chars.

    It is fixed rather than generated so that the instance's log groups can be created, with
    their retention and key, before RDS would create them itself (OBS-2).
    """
    raw = re.sub(r"[^a-z0-9]+", "-", f"{project}-{stack}-{name}".lower()).strip("-")
    if not raw[:1].isalpha():
        raw = f"db-{raw}"
    if len(raw) > IDENTIFIER_MAX:
        digest = hashlib.sha256(raw.encode()).hexdigest()[:8]
        raw = f"{raw[: IDENTIFIER_MAX - 9].rstrip('-')}-{digest}"
    return raw
