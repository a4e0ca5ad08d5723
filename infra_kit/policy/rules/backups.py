"""DR-1 and DR-2: the environment's AWS Backup vault is encrypted, locked where the profile says
so, and has a plan of the profile's schedule and retention; every resource of a type AWS Backup
protects carries the tag its selection picks.

The plan's checks read the Environment record's profile (``backup.retention_days``,
``backup.interval_hours``, ``backup.enable_vault_lock``). They judge what the graph shows: a
vault name or plan id known only at deploy time is taken to match.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from infra_kit.core.tags import BACKUP_TAG
from infra_kit.policy._graph import GraphDoc
from infra_kit.policy._registry import Hit, Severity, rule
from infra_kit.policy.rules._values import as_dict, as_list, is_redacted, is_set, one_or_many
from infra_kit.policy.rules.encryption import EBS_CSI_PROVISIONER
from infra_kit.policy.rules.tags import csi_tags

__all__ = [
    "ACCESS_LOGS_REASON",
    "BACKED_UP_TYPES",
    "backup_tag_problem",
    "is_access_log_bucket",
    "schedule_interval_hours",
]

VAULT_TYPE = "aws:backup/vault:Vault"
PLAN_TYPE = "aws:backup/plan:Plan"
SELECTION_TYPE = "aws:backup/selection:Selection"
LOCK_TYPE = "aws:backup/vaultLockConfiguration:VaultLockConfiguration"
BUCKET_TYPES = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")

#: Stateful types the environment's AWS Backup selection protects when they carry its tag.
BACKED_UP_TYPES: tuple[str, ...] = (
    "aws:rds/instance:Instance",
    "aws:rds/cluster:Cluster",
    *BUCKET_TYPES,
    "aws:ebs/volume:Volume",
    "aws:dynamodb/table:Table",
    "aws:efs/fileSystem:FileSystem",
)

#: Why the buckets of server access logs (a logical or bucket name ending ``-access-logs``, as
#: the infra-kit Bucket names the one it creates) need no backup.
ACCESS_LOGS_REASON = (
    "server access logs are an audit trail kept for logs.retention_days, not data a service "
    "restores; their bucket is versioned and protected like any other"
)
_ACCESS_LOGS_SUFFIX = "-access-logs"


# -- IK-DR-1-BACKUP-PLAN ------------------------------------------------------------------------
def _cron_hours(field: str) -> list[int] | None:
    """The hours of a cron hour field (``*``, ``5``, ``1,5,9``, ``*/4``, ``2/6``), or None."""
    if field == "*":
        return list(range(24))
    if "/" in field:
        start, _, step = field.partition("/")
        if not step.isdigit() or int(step) == 0 or not (start == "*" or start.isdigit()):
            return None
        return list(range(0 if start == "*" else int(start), 24, int(step)))
    parts = field.split(",")
    if not all(p.isdigit() and int(p) < 24 for p in parts):
        return None
    return sorted({int(p) for p in parts})


def schedule_interval_hours(schedule: str) -> int | None:
    """Hours between backups of an AWS Backup schedule, when they are evenly spaced around the
    day (``cron(0 5,17 ? * * *)`` gives 12, ``rate(4 hours)`` 4); None for one it cannot tell."""
    text = schedule.strip()
    rate = re.fullmatch(r"rate\((\d+) (hour|hours|day|days)\)", text)
    if rate:
        return int(rate[1]) * (24 if rate[2].startswith("day") else 1)
    cron = re.fullmatch(r"cron\((.*)\)", text)
    fields = cron[1].split() if cron else []
    daily = (fields[2], fields[4]) in (("?", "*"), ("*", "?")) if len(fields) == 6 else False
    if not daily or not fields[0].isdigit():
        return None  # not once or more every day
    hours = _cron_hours(fields[1])
    if not hours:
        return None
    gaps = {(b - a) % 24 or 24 for a, b in zip(hours, [*hours[1:], hours[0]], strict=True)}
    return gaps.pop() if len(gaps) == 1 else None


def _names_match(name: object, record: Mapping[str, Any]) -> bool:
    """Whether a vault name in another resource's inputs names ``record``'s vault."""
    if is_redacted(name):
        return True  # known only at deploy time
    if not isinstance(name, str):
        return False
    given = GraphDoc.inputs(record).get("name") or as_dict(record.get("outputs")).get("name")
    if isinstance(given, str) and given:
        return name == given
    # Pulumi's autonaming: the logical name, a dash and seven hex digits.
    return re.fullmatch(re.escape(str(record["name"])) + r"-[0-9a-f]{7}", name) is not None


def _selects(selection: Mapping[str, Any], plan: Mapping[str, Any]) -> bool:
    """Whether ``selection`` picks resources for ``plan``: it depends on the plan, or its plan id
    is the plan's (or known only at deploy time)."""
    plan_id = GraphDoc.inputs(selection).get("planId")
    return (
        plan["urn"] in as_list(selection.get("dependencies"))
        or is_redacted(plan_id)
        or (is_set(plan_id) and plan_id in (plan.get("id"), as_dict(plan.get("outputs")).get("id")))
    )


def _plan_problems(
    plan: Mapping[str, Any], rules: list[dict[str, Any]], backup: Mapping[str, Any]
) -> list[str]:
    problems = []
    retention = backup.get("retention_days")
    interval = backup.get("interval_hours")
    for entry in rules:
        name = entry.get("ruleName") or plan["name"]
        delete_after = as_dict(entry.get("lifecycle")).get("deleteAfter")
        if retention is not None and not is_redacted(delete_after) and delete_after != retention:
            kept = f"{delete_after} days" if delete_after is not None else "forever"
            problems.append(
                f"rule {name!r} keeps recovery points {kept} (lifecycle.deleteAfter), not the "
                f"profile's backup.retention_days={retention}"
            )
        schedule = entry.get("schedule")
        if interval is None or is_redacted(schedule):
            continue
        every = schedule_interval_hours(str(schedule)) if schedule else None
        if every != interval:
            seen = f"every {every} hours" if every else f"{schedule!r}, not evenly spaced"
            problems.append(
                f"rule {name!r} backs up {seen}, not every backup.interval_hours={interval} "
                "hours of the profile"
            )
    return problems


@rule(
    id="IK-DR-1-BACKUP-PLAN",
    prescription="DR-1",
    severity=Severity.ERROR,
    title="A backup vault lacks its key, lock or a plan of the profile's schedule and retention",
    rationale="""A vault is only as good as the plan that fills it and the guarantees on what it
    holds. Without a plan targeting it and a selection, nothing is ever backed up; with a rule
    that keeps recovery points less long, or runs less often, than the environment's profile
    says (backup.retention_days, backup.interval_hours), the recovery objectives stated for the
    environment (DR-2) are not met. Recovery points encrypted with an AWS-managed key cannot be
    shared or audited by key policy, and where the profile locks the vault
    (backup.enable_vault_lock, prod), a vault without its lock lets anyone with the right role,
    or an attacker holding it, delete every recovery point. The rule reads the plan's rules as
    given: an interval it can tell from a daily cron or a rate expression, and the rule's
    lifecycle.deleteAfter; it does not judge cold storage or the windows.""",
    fix="""Use the infra-kit Backups component (infra_kit.aws.backups), which builds the vault
    with the customer-managed key, the plan from the profile's backup section, the tag
    selection and, where backup.enable_vault_lock, the vault lock. A hand-built vault needs
    kms_key_arn, a Plan whose rules target it with the profile's interval and retention, a
    Selection of that plan and, where the profile locks vaults, a VaultLockConfiguration.""",
)
def backup_plan(graph: GraphDoc) -> Iterator[Hit]:
    backup = as_dict(graph.environment.profile.get("backup"))
    plans = graph.of_type(PLAN_TYPE)
    selections = graph.of_type(SELECTION_TYPE)
    locks = graph.of_type(LOCK_TYPE)
    for vault in graph.of_type(VAULT_TYPE):
        problems = []
        if not is_set(GraphDoc.inputs(vault).get("kmsKeyArn")):
            problems.append("it is not encrypted with a customer-managed key (kmsKeyArn)")
        targeting = []
        for plan in plans:
            rules = [
                as_dict(r)
                for r in one_or_many(GraphDoc.inputs(plan).get("rules"))
                if _names_match(as_dict(r).get("targetVaultName"), vault)
            ]
            if rules:
                targeting.append(plan)
                problems += _plan_problems(plan, rules, backup)
        if not targeting:
            problems.append("no backup plan has a rule that targets it")
        elif not any(_selects(selection, plan) for selection in selections for plan in targeting):
            problems.append("no selection picks resources for its plan, so nothing is backed up")
        if backup.get("enable_vault_lock") is True and not any(
            _names_match(GraphDoc.inputs(lock).get("backupVaultName"), vault) for lock in locks
        ):
            problems.append(
                "the profile sets backup.enable_vault_lock but no VaultLockConfiguration locks it"
            )
        if problems:
            yield Hit(vault["urn"], "; ".join(problems))


# -- IK-DR-1-BACKUP-TAG -------------------------------------------------------------------------
def is_access_log_bucket(record: Mapping[str, Any]) -> bool:
    bucket = GraphDoc.inputs(record).get("bucket")
    return record["type"] in BUCKET_TYPES and (
        str(record["name"]).endswith(_ACCESS_LOGS_SUFFIX)
        or (isinstance(bucket, str) and bucket.endswith(_ACCESS_LOGS_SUFFIX))
    )


def _selected_values(graph: GraphDoc) -> set[str]:
    """The backup tag values a selection of this graph picks, else the environment's name (what
    the infra-kit Backups selection picks by default, in the platform's stack)."""
    values = {
        str(tag.get("value"))
        for selection in graph.of_type(SELECTION_TYPE)
        for tag in map(as_dict, as_list(GraphDoc.inputs(selection).get("selectionTags")))
        if tag.get("key") == BACKUP_TAG and isinstance(tag.get("value"), str)
    }
    return values or {graph.environment.name}


def backup_tag_problem(tags: Mapping[str, str], values: set[str]) -> str | None:
    """Why ``tags`` do not put a resource in a selection picking ``BACKUP_TAG`` in ``values``."""
    value = tags.get(BACKUP_TAG)
    if value is None:
        return f"it carries no {BACKUP_TAG} tag"
    if value not in values:
        return f"{BACKUP_TAG}={value} is not what the selection picks ({', '.join(sorted(values))})"
    return None


@rule(
    id="IK-DR-1-BACKUP-TAG",
    prescription="DR-1",
    severity=Severity.ERROR,
    title="Data AWS Backup could protect is left out of the environment's backup selection",
    rationale="""The environment's AWS Backup selection picks resources by the infra-kit:backup
    tag, in every stack of the account and region. A database, data bucket, EBS volume,
    DynamoDB table or EFS file system without it is never backed up, and nothing says so until
    a restore is needed. Volumes the EBS CSI driver creates carry only the tags their
    StorageClass passes. The tag's value must be what the selection picks: the environment's
    name by default. Access-log buckets (named *-access-logs) are exempt: """
    + ACCESS_LOGS_REASON
    + ".",
    fix="""Merge backup_tags(env.profile.name) (infra_kit.core.tags) into the resource's tags;
    the infra-kit Database and Bucket do so already, and the infra-kit Cluster's default
    StorageClass passes it as a tagSpecification_<n> parameter. Give a hand-built EBS CSI
    StorageClass a tagSpecification_<n> parameter "infra-kit:backup=<environment>". Data that
    is deliberately not backed up needs suppress(resource, "IK-DR-1-BACKUP-TAG", reason=...)
    saying why.""",
)
def backup_tag(graph: GraphDoc) -> Iterator[Hit]:
    values = _selected_values(graph)
    for record in graph.custom("aws:"):
        if record["type"] not in BACKED_UP_TYPES or is_access_log_bucket(record):
            continue
        if GraphDoc.inputs(record).get("tags") in ("[unknown]", "[secret]"):
            continue  # tags computed at deploy time cannot be judged here
        problem = backup_tag_problem(graph.effective_tags(record), values)
        if problem:
            yield Hit(record["urn"], f"{problem}, so AWS Backup never copies it")
    for record, obj in graph.kubernetes_of_kind("StorageClass"):
        if obj.get("provisioner") != EBS_CSI_PROVISIONER:
            continue
        problem = backup_tag_problem(csi_tags(as_dict(obj.get("parameters"))), values)
        if problem:
            name = as_dict(obj.get("metadata")).get("name")
            yield Hit(
                record["urn"],
                f"StorageClass {name!r} gives its volumes no backup tag: {problem} "
                "(tagSpecification_<n> parameters)",
            )
