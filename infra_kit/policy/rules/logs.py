"""OBS-2: log groups have a retention and a customer-managed key; audit logs last a year in prod."""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from infra_kit.policy._graph import GraphDoc
from infra_kit.policy._registry import Hit, Severity, rule
from infra_kit.policy.rules._values import is_set, one_or_many
from infra_kit.policy.rules.encryption import is_cmk

__all__ = ["AUDIT_LOG_GROUP_PATTERNS", "AUDIT_RETENTION_DAYS", "audit_log_groups"]

LOG_GROUP_TYPE = "aws:cloudwatch/logGroup:LogGroup"
FLOW_LOG_TYPE = "aws:ec2/flowLog:FlowLog"
#: Days audit-class logs are kept at least, where the environment is prod (OBS-2).
AUDIT_RETENTION_DAYS = 365
#: Log group names AWS services write audit-class logs to: the EKS control plane (which includes
#: the Kubernetes audit log) and RDS and Aurora database logs.
AUDIT_LOG_GROUP_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"^/aws/eks/[^/]+/cluster$"),
    re.compile(r"^/aws/rds/(instance|cluster)/.+"),
)
_LOG_GROUP_ARN = re.compile(r":log-group:(?P<name>[^:]+)(:\*)?$")


def _retention(inputs: Mapping[str, Any]) -> int | None:
    """Days kept; 0 means never expire; None when missing or unreadable."""
    value = inputs.get("retentionInDays")
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


@rule(
    id="IK-OBS-2-LOG-GROUP",
    prescription="OBS-2",
    severity=Severity.ERROR,
    title="A log group keeps logs forever or is not encrypted with a customer-managed key",
    rationale="""A log group without a retention keeps every event forever and is billed for it;
    the retention is an environment decision (short in dev, long in prod). Logs hold request
    data and identifiers, so they are encrypted with a key whose policy we control.""",
    fix="""Set retention_in_days from the profile's logs.retention_days and kms_key_id to an
    infra-kit Key created with log_group_access=True (the infra-kit components do both).""",
)
def log_group_settings(graph: GraphDoc) -> Iterator[Hit]:
    for group in graph.custom(LOG_GROUP_TYPE):
        inputs = GraphDoc.inputs(group)
        problems = []
        days = _retention(inputs)
        if days is None and not is_set(inputs.get("retentionInDays")):
            problems.append("no retentionInDays (logs never expire)")
        elif days == 0:
            problems.append("retentionInDays is 0 (logs never expire)")
        if not is_cmk(inputs.get("kmsKeyId")):
            problems.append("no kmsKeyId (not encrypted with a customer-managed key)")
        if problems:
            yield Hit(group["urn"], "; ".join(problems))


def _group_name(group: Mapping[str, Any]) -> str | None:
    name = GraphDoc.inputs(group).get("name")
    return name if isinstance(name, str) else None


def _flow_log_groups(graph: GraphDoc, groups: list[dict[str, Any]]) -> set[str]:
    """URNs of the log groups VPC flow logs deliver to."""
    found: set[str] = set()
    for flow_log in graph.custom(FLOW_LOG_TYPE):
        inputs = GraphDoc.inputs(flow_log)
        if inputs.get("logDestinationType") not in (None, "cloud-watch-logs"):
            continue
        names = set()
        destination = inputs.get("logDestination")
        if isinstance(destination, str) and (match := _LOG_GROUP_ARN.search(destination)):
            names.add(match["name"])
        if isinstance(inputs.get("logGroupName"), str):
            names.add(inputs["logGroupName"])
        deps = set(one_or_many(flow_log.get("dependencies")))
        for group in groups:
            if _group_name(group) in names or (not names and group["urn"] in deps):
                found.add(group["urn"])
    return found


def audit_log_groups(graph: GraphDoc) -> list[tuple[dict[str, Any], str]]:
    """``(log group, what it holds)`` for every audit-class log group of the graph."""
    groups = graph.custom(LOG_GROUP_TYPE)
    flow = _flow_log_groups(graph, groups)
    found = []
    for group in groups:
        name = _group_name(group) or ""
        if group["urn"] in flow:
            found.append((group, "VPC flow logs"))
        elif AUDIT_LOG_GROUP_PATTERNS[0].match(name):
            found.append((group, "EKS control-plane logs"))
        elif AUDIT_LOG_GROUP_PATTERNS[1].match(name):
            found.append((group, "database logs"))
    return found


@rule(
    id="IK-OBS-2-AUDIT-RETENTION",
    prescription="OBS-2",
    severity=Severity.ERROR,
    title="Audit-class logs are kept less than a year in prod",
    rationale="""Control-plane audit logs, VPC flow logs and database logs are what an incident
    or a breach is reconstructed from, often months later; auditors commonly ask for a year.
    Applies where the environment is prod.""",
    fix="""Set the retention of these groups to 365 days or more in the prod profile
    (logs.retention_days, network.flow_log_retention_days), or retention_in_days on a
    hand-written log group.""",
)
def audit_retention(graph: GraphDoc) -> Iterator[Hit]:
    if graph.environment.name != "prod":
        return
    for group, holds in audit_log_groups(graph):
        days = _retention(GraphDoc.inputs(group))
        if days is not None and 0 < days < AUDIT_RETENTION_DAYS:
            yield Hit(
                group["urn"],
                f"{holds} kept {days} days, under the {AUDIT_RETENTION_DAYS} days prod requires",
            )


# -- OBS-2: the key admits CloudWatch Logs for the group it encrypts ------------------------------
KEY_TYPE = "aws:kms/key:Key"
_LOGS_CONTEXT = "kms:EncryptionContext:aws:logs:arn"
_LOGS_SERVICE = re.compile(r"^logs(\.[a-z0-9-]+)?\.amazonaws\.com$")


def _logs_patterns(key: Mapping[str, Any]) -> list[str] | None:
    """The log-group names (``fnmatch`` patterns) the key's policy lets CloudWatch Logs use it
    for, ``["*"]`` when it names none; ``None`` when the policy cannot be read."""
    document = GraphDoc.inputs(key).get("policy")
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return None
    if not isinstance(document, dict):
        return None
    patterns: list[str] = []
    for statement in one_or_many(document.get("Statement")):
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal")
        services = one_or_many(principal.get("Service")) if isinstance(principal, dict) else []
        if not any(isinstance(s, str) and _LOGS_SERVICE.match(s) for s in services):
            continue
        condition = statement.get("Condition")
        scoped = [
            arn
            for operator, block in (condition.items() if isinstance(condition, dict) else ())
            if operator in ("ArnLike", "ArnEquals", "StringLike", "StringEquals")
            and isinstance(block, dict)
            for arn in one_or_many(block.get(_LOGS_CONTEXT))
        ]
        if not scoped:
            return ["*"]
        patterns += [a.split(":log-group:", 1)[1] for a in scoped if ":log-group:" in a]
    return patterns


@rule(
    id="IK-OBS-2-LOG-GROUP-KEY-SCOPE",
    prescription="OBS-2",
    severity=Severity.ERROR,
    title="A log group is encrypted with a key whose policy does not let CloudWatch Logs use it "
    "for that group",
    rationale="""CloudWatch Logs encrypts a group with a customer-managed key only if the key's
    policy lets the logs service use it in that group's encryption context. infra-kit keys name
    the log-group prefixes they serve; a group outside them fails at creation with an access
    error on the first deployment, long after synthesis looked fine.""",
    fix="""Name the group under one of the key's log-group prefixes (infra-kit's defaults are
    listed by default_log_group_prefixes), or add its prefix to KeyArgs.log_group_prefixes;
    components call Key.require_log_group before creating a group.""",
)
def log_group_key_scope(graph: GraphDoc) -> Iterator[Hit]:
    keys = {key["urn"]: key for key in graph.custom(KEY_TYPE)}
    for group in graph.custom(LOG_GROUP_TYPE):
        name = _group_name(group)
        if name is None or not is_set(GraphDoc.inputs(group).get("kmsKeyId")):
            continue
        for urn in group.get("dependencies") or []:
            key = keys.get(urn)
            if key is None:
                continue
            patterns = _logs_patterns(key)
            if patterns is None:
                continue
            if not any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns):
                allowed = ", ".join(patterns) or "no log group at all"
                yield Hit(
                    group["urn"],
                    f"log group {name!r} is encrypted with key {key['name']!r}, whose policy lets "
                    f"CloudWatch Logs use it only for {allowed}",
                )
