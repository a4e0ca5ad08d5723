"""Pure rules behind :class:`infra_kit.aws.cache.Cache`: identifiers, users, access strings,
the maintenance window and the member nodes its alarms read.

Nothing here touches the Pulumi runtime. Each check raises
:class:`infra_kit.errors.ValidationError` naming the argument, the value and the fix.

Facts, from the Amazon ElastiCache API Reference and User Guide (read 2026-12-02): a replication
group id is 1 to 40 letters, digits and hyphens, starts with a letter, has no two consecutive
hyphens and does not end with one (``CreateReplicationGroup``); the nodes of a replication group
without cluster mode are the cache clusters ``<id>-001``, ``<id>-002``, ... (their
``CacheClusterId``, the dimension of the ``AWS/ElastiCache`` node metrics); an IAM-enabled user's
user name and user id must be identical ("Authenticating with IAM"); passwords cannot be set in
an access string, and a user whose access string says neither ``on`` nor ``off`` is ``off``
("Role-Based Access Control").
"""

from __future__ import annotations

import hashlib
import re

from infra_kit.errors import ValidationError

__all__ = [
    "DEFAULT_ACCESS_STRING",
    "DISABLED_DEFAULT_ACCESS_STRING",
    "REPLICATION_GROUP_ID_MAX",
    "USER_MAX",
    "check_access_string",
    "check_maintenance_window",
    "check_user",
    "member_ids",
    "replication_group_id",
    "user_id",
]

#: ElastiCache's limit on a replication group id.
REPLICATION_GROUP_ID_MAX = 40
#: The longest user label: ``<group id>-<user>`` then stays short enough to read in ACL LOG.
USER_MAX = 20
#: What a granted user may do unless told otherwise: every key, every command except those
#: Valkey classes as dangerous (``FLUSHALL``, ``CONFIG``, ``KEYS``, ``DEBUG``, ...); no Pub/Sub
#: channels (add ``&*`` or ``&<prefix>*`` for them).
DEFAULT_ACCESS_STRING = "on ~* +@all -@dangerous"
#: The group's ``default`` user: switched off, no keys, no commands. A client that connects
#: without authenticating as a granted user can do nothing.
DISABLED_DEFAULT_ACCESS_STRING = "off ~* -@all"

_USER = re.compile(r"^[a-z][a-z0-9-]*$")
_HHMM = r"([01]\d|2[0-3]):([0-5]\d)"
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_DAY = "(" + "|".join(_DAYS) + ")"
_MAINTENANCE_WINDOW = re.compile(rf"^{_DAY}:{_HHMM}-{_DAY}:{_HHMM}$")
_MIN_MAINTENANCE_MINUTES = 60
_WEEK = 7 * 24 * 60
#: Access-string rules that set or drop passwords, or reset the user: ElastiCache manages those.
_PASSWORD_RULES = ("nopass", "resetpass", "reset")


def replication_group_id(project: str, stack: str, name: str) -> str:
    """A stable, unique replication group id ``<project>-<stack>-<name>``, at most 40 chars.

    Fixed rather than generated so the alarms can name the member nodes before AWS creates them.
    A name too long keeps its start and ends with a hash of the whole.
    """
    raw = re.sub(r"[^a-z0-9]+", "-", f"{project}-{stack}-{name}".lower()).strip("-")
    if not raw[:1].isalpha():
        raw = f"c-{raw}"
    if len(raw) > REPLICATION_GROUP_ID_MAX:
        digest = hashlib.sha256(raw.encode()).hexdigest()[:8]
        raw = f"{raw[: REPLICATION_GROUP_ID_MAX - 9].rstrip('-')}-{digest}"
    return raw


def member_ids(group_id: str, replicas: int) -> tuple[str, ...]:
    """The cache clusters of a replication group without cluster mode: primary and replicas."""
    return tuple(f"{group_id}-{index:03d}" for index in range(1, replicas + 2))


def check_user(user: str) -> str:
    """A user label: lower-case letters, digits and single hyphens, at most 20 characters."""
    if (
        not _USER.match(user)
        or "--" in user
        or user.endswith("-")
        or len(user) > USER_MAX
        or user == "default"
    ):
        raise ValidationError(
            "user",
            user,
            f"a cache user is 1 to {USER_MAX} lower-case letters, digits and single hyphens, "
            "starting with a letter, and not 'default' (the group's disabled default user)",
            "name it after the workload, e.g. 'orders-api'",
        )
    return user


def user_id(group_id: str, user: str) -> str:
    """The ElastiCache user id, and user name, of ``user`` on the cache ``group_id``.

    User ids are unique in an account's region, so the group's id prefixes the label; IAM
    authentication needs the user name to equal the id, so a client connects with this name.
    """
    return f"{group_id}-{user}"


def check_access_string(access_string: str) -> str:
    """An access string for a granted user: switched ``on``, and with no password rules."""
    rules = access_string.split()
    problem = None
    if "on" not in rules or "off" in rules:
        problem = "the user must be switched on ('on') to connect, and never 'off'"
    elif any(r in _PASSWORD_RULES or r[:1] in (">", "<", "#", "!") for r in rules):
        problem = "passwords cannot be set in an access string; the user authenticates with IAM"
    if problem is not None:
        raise ValidationError(
            "access_string",
            access_string,
            problem,
            f"start from the default {DEFAULT_ACCESS_STRING!r} and narrow keys (~prefix:*) or "
            "commands (-@write)",
        )
    return access_string


def check_maintenance_window(window: str, snapshot_window: str) -> str:
    """A weekly UTC window of at least 60 minutes that does not overlap the daily snapshots."""
    match = _MAINTENANCE_WINDOW.match(window.lower())
    if match is None:
        raise ValidationError(
            "maintenance_window",
            window,
            "not a weekly UTC window ddd:hh:mm-ddd:hh:mm",
            "write it like 'sun:05:30-sun:06:30'",
        )
    start = _DAYS.index(match[1]) * 1440 + int(match[2]) * 60 + int(match[3])
    end = _DAYS.index(match[4]) * 1440 + int(match[5]) * 60 + int(match[6])
    minutes = {(start + m) % _WEEK for m in range((end - start) % _WEEK)}
    if len(minutes) < _MIN_MAINTENANCE_MINUTES:
        raise ValidationError(
            "maintenance_window",
            window,
            f"ElastiCache needs a maintenance window of at least {_MIN_MAINTENANCE_MINUTES} "
            "minutes",
            "widen the window",
        )
    s1, s2 = (int(p[:2]) * 60 + int(p[3:]) for p in snapshot_window.split("-"))
    daily = {(s1 + m) % 1440 for m in range((s2 - s1) % 1440)}
    if any(m % 1440 in daily for m in minutes):
        raise ValidationError(
            "maintenance_window",
            window,
            f"it overlaps the daily snapshot window {snapshot_window!r} (the profile's "
            "cache.snapshot_window), so maintenance could interrupt or delay a snapshot",
            "move the maintenance window outside it",
        )
    return window.lower()
