"""Protections of an environment that its stack file may weaken only with a written reason (ENV-3).

Each built-in profile is a reviewed baseline. A stack file that turns one of the settings below
to something weaker than its environment's built-in value (pinned images off, shorter log
retention, no interface endpoints) must say why under ``weakened:`` in the same file, in at
least three words. The reason is part of the validated profile, so the synthesized graph records
it on the Environment record, where ``infra-kit check`` (``IK-ENV-3-WEAKENED-PROTECTION``) and
reviewers read it.

Hard floors (prod's three AZs, Multi-AZ database, two weeks of backups, protected state) are not
here: no reason lowers them. This module never touches the Pulumi runtime.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from infra_kit.core._paths import parse_path
from infra_kit.core.profile._base import MIN_REASON_WORDS

__all__ = [
    "MIN_REASON_WORDS",
    "PROTECTIONS",
    "Protection",
    "Weakening",
    "weakening_problems",
    "weakenings",
]


@dataclass(frozen=True)
class Protection:
    """A profile setting and which way is safer: ``on`` (true), ``higher`` or ``lower``."""

    key: str
    safer: Literal["on", "higher", "lower"]
    prescription: str
    #: What is lost when the setting is weakened, for the message.
    loses: str

    def is_weaker(self, value: Any, default: Any) -> bool:
        if self.safer == "on":
            return bool(default) and not bool(value)
        if not isinstance(value, (int, float)) or not isinstance(default, (int, float)):
            return False
        return value < default if self.safer == "higher" else value > default


PROTECTIONS: tuple[Protection, ...] = (
    Protection(
        "workloads.require_image_digest", "on", "SEC-4",
        "images may then be deployed by tag, which can change under the same name",
    ),
    Protection(
        "network.enable_interface_endpoints", "on", "NET-4",
        "traffic to AWS APIs then crosses the NAT gateways and the internet",
    ),
    Protection(
        "logs.retention_days", "higher", "OBS-2",
        "application and telemetry logs are then kept for less time",
    ),
    Protection(
        "logs.audit_retention_days", "higher", "OBS-2",
        "audit logs (control plane, database) are then kept for less time",
    ),
    Protection(
        "network.flow_log_retention_days", "higher", "OBS-2",
        "VPC flow logs, audit-class, are then kept for less time",
    ),
    Protection(
        "buckets.enable_access_logging", "on", "OBS-2",
        "who read or wrote bucket objects is then no longer recorded",
    ),
    Protection(
        "buckets.noncurrent_version_expiration_days", "higher", "DR-1",
        "overwritten or deleted objects can then be recovered for less time",
    ),
    Protection(
        "keys.deletion_window_days", "higher", "DR-1",
        "a key scheduled for deletion, and all data under it, can then be saved for less time",
    ),
    Protection(
        "secrets.recovery_window_days", "higher", "DR-1",
        "a deleted secret can then be restored for less time",
    ),
    Protection(
        "secrets.rotation_days", "lower", "SEC-2",
        "secrets then live longer between rotations",
    ),
    Protection(
        "backup.retention_days", "higher", "DR-1",
        "recovery points of buckets, volumes and the database are then kept for less time",
    ),
    Protection(
        "backup.interval_hours", "lower", "DR-2",
        "backups are then taken less often, so a restore loses more data",
    ),
    Protection(
        "backup.enable_vault_lock", "on", "DR-1",
        "recovery points can then be deleted by anyone allowed to, before their retention ends",
    ),
    Protection(
        "alarms.require_notification_subscription", "on", "OBS-3",
        "the notification topic may then have no subscriber, so alerts reach nobody",
    ),
    Protection(
        "cache.multi_az", "on", "HA-1",
        "the cache then runs in one AZ, and losing that AZ or its node loses the cache",
    ),
    Protection(
        "cache.snapshot_retention_days", "higher", "DR-1",
        "the cache's snapshots are then kept for less time",
    ),
    Protection(
        "database.enable_performance_insights", "on", "OBS-1",
        "database load can then no longer be traced to its queries",
    ),
    Protection(
        "rollouts.enable_canary", "on", "DEP-2",
        "a service's new version then replaces every pod with no analysis to stop and roll back "
        "a bad one",
    ),
    Protection(
        "jobs.failed_jobs_history_limit", "higher", "OBS-2",
        "failed scheduled runs, with their pods and logs, are then deleted after fewer newer "
        "failures, possibly before anyone has read why they failed",
    ),
    Protection(
        "rollouts.failure_limit", "lower", "DEP-2",
        "a failing canary then takes more failed measurements to abort, reaching more users",
    ),
    Protection(
        "rollouts.max_error_rate_percent", "lower", "DEP-2",
        "a canary may then serve more errors before its analysis fails it",
    ),
)  # fmt: skip

_BY_KEY = {p.key: p for p in PROTECTIONS}


@dataclass(frozen=True)
class Weakening:
    """One protection set weaker than the environment's built-in value."""

    protection: Protection
    value: Any
    default: Any


def _get(profile: Mapping[str, Any], key: str) -> Any:
    node: Any = profile
    for part in parse_path(key):
        if not isinstance(node, Mapping):
            return None
        node = node.get(part)
    return node


def weakenings(profile: Mapping[str, Any], builtin: Mapping[str, Any]) -> Iterator[Weakening]:
    """Every protection ``profile`` sets weaker than ``builtin`` (both as plain mappings)."""
    for protection in PROTECTIONS:
        value, default = _get(profile, protection.key), _get(builtin, protection.key)
        if value is not None and default is not None and protection.is_weaker(value, default):
            yield Weakening(protection, value, default)


def _shown(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def weakening_problems(
    profile: Mapping[str, Any], builtin: Mapping[str, Any], reasons: Mapping[str, str]
) -> list[str]:
    """One line per weakening without a reason, per reason for a key not weakened, and per reason
    too short to read; empty when every weakening is explained and every reason is used."""
    name = profile.get("name", "this environment")
    problems = []
    found = {w.protection.key: w for w in weakenings(profile, builtin)}
    for key, weakening in found.items():
        reason = reasons.get(key)
        if reason is None:
            problems.append(
                f"{key}={_shown(weakening.value)}: weaker than {name}'s default "
                f"({_shown(weakening.default)}), so {weakening.protection.loses} "
                f"({weakening.protection.prescription}). Fix: remove the override, or write why "
                f'under weakened, e.g. weakened: {{{key}: "<why, in at least three words>"}}'
            )
    for key, reason in reasons.items():
        if key not in _BY_KEY:
            problems.append(
                f"weakened.{key}: not a protection a reason can weaken. Fix: use one of "
                f"{', '.join(sorted(_BY_KEY))}"
            )
        elif key not in found:
            problems.append(
                f"weakened.{key}: the value is not weaker than {name}'s default, so there is "
                "nothing to explain. Fix: remove the entry"
            )
        elif len(str(reason).split()) < MIN_REASON_WORDS:
            problems.append(
                f"weakened.{key}={reason!r}: a reason is at least {MIN_REASON_WORDS} words. "
                "Fix: say why this environment needs the weaker setting"
            )
    return problems
