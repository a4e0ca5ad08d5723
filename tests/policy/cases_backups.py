"""Bad and good graphs for the budget and backup rules (see tests/policy/cases.py)."""

from __future__ import annotations

from typing import Any

from infra_kit.core.profile.cost import BUDGET_ALERTS
from infra_kit.core.tags import BACKUP_TAG
from infra_kit.policy import GraphDoc
from tests.policy.cases import Case
from tests.policy.graphs import doc, k8s, resource, suppression, urn

BUDGET = "aws:budgets/budget:Budget"
NOTIFICATIONS = "infra-kit:aws:Notifications"
VAULT = "aws:backup/vault:Vault"
PLAN = "aws:backup/plan:Plan"
SELECTION = "aws:backup/selection:Selection"
LOCK = "aws:backup/vaultLockConfiguration:VaultLockConfiguration"
INSTANCE = "aws:rds/instance:Instance"
BUCKET = "aws:s3/bucket:Bucket"
TABLE = "aws:dynamodb/table:Table"
STORAGE_CLASS = "kubernetes:storage.k8s.io/v1:StorageClass"
TOPIC = "arn:aws:sns:us-east-1:123456789012:alerts"
KEY = "arn:aws:kms:us-east-1:123456789012:key/1111-2222"


# -- IK-COST-1-BUDGET-ALERTS ----------------------------------------------------------------------
def _budget(alerts: tuple[tuple[int, str], ...] = BUDGET_ALERTS) -> dict[str, Any]:
    notifications = [
        {"comparisonOperator": "GREATER_THAN", "threshold": percent, "thresholdType": "PERCENTAGE",
         "notificationType": kind, "subscriberSnsTopicArns": [TOPIC]}
        for percent, kind in alerts
    ]  # fmt: skip
    return resource(BUDGET, "monthly", {"budgetType": "COST", "notifications": notifications})


def _platform(*budgets: dict[str, Any]) -> GraphDoc:
    topics = resource(NOTIFICATIONS, "alerts", custom=False, provider=None)
    return doc(topics, *budgets)


_ACTUAL_ONLY = tuple(a for a in BUDGET_ALERTS if a[1] == "ACTUAL")


# -- IK-DR-1-BACKUP-PLAN --------------------------------------------------------------------------
def _backups(
    *,
    stack: str = "prod",
    key: bool = True,
    lock: bool = True,
    selection: bool = True,
    retention: int = 365,
    schedule: str = "cron(0 1,5,9,13,17,21 ? * * *)",
    target: str = "backups-d87acb4",
) -> GraphDoc:
    vault = resource(VAULT, "backups", {"kmsKeyArn": KEY} if key else {}, stack=stack)
    rule = {"ruleName": "r", "targetVaultName": target, "schedule": schedule,
            "lifecycle": {"deleteAfter": retention}}  # fmt: skip
    plan = resource(PLAN, "backups-plan", {"rules": [rule]}, stack=stack)
    extra = []
    if selection:
        chosen = resource(SELECTION, "backups-selection", {"planId": "8a11"}, stack=stack)
        chosen["dependencies"] = [plan["urn"]]
        extra.append(chosen)
    if lock:
        extra.append(
            resource(LOCK, "backups-lock", {"backupVaultName": "backups-d87acb4"}, stack=stack)
        )
    return doc(vault, plan, *extra, stack=stack)


def _dev_backups(*, selection: bool) -> GraphDoc:
    """dev's profile: daily, kept a week, no vault lock."""
    return _backups(
        stack="dev", lock=False, selection=selection, retention=7, schedule="cron(0 5 ? * * *)"
    )


# -- IK-DR-1-BACKUP-TAG ---------------------------------------------------------------------------
def _data(*, tagged: bool, stack: str = "prod", suppressed: bool = False) -> GraphDoc:
    tags = {BACKUP_TAG: stack} if tagged else {}
    db = resource(INSTANCE, "db", {"tags": tags}, stack=stack)
    wrong = resource(BUCKET, "documents", {"tags": {BACKUP_TAG: "dev" if not tagged else stack}},
                     stack=stack)  # fmt: skip
    logs = resource(BUCKET, "documents-access-logs", {"tags": {}}, stack=stack)
    scratch = resource(TABLE, "scratch", {}, stack=stack)
    accepted = (
        [suppression(scratch["urn"], "IK-DR-1-BACKUP-TAG", "a cache rebuilt from the queue",
                     stack=stack)]
        if suppressed
        else []
    )  # fmt: skip
    return doc(db, wrong, logs, scratch, *accepted, stack=stack)


def _storage_class(*, tagged: bool) -> GraphDoc:
    parameters = {"type": "gp3", "tagSpecification_1": "environment=prod"}
    if tagged:
        parameters["tagSpecification_2"] = f"{BACKUP_TAG}=prod"
    return doc(
        k8s("StorageClass", "gp3", namespace=None, provisioner="ebs.csi.aws.com",
            parameters=parameters),
        k8s("StorageClass", "efs", namespace=None, provisioner="efs.csi.aws.com", parameters={}),
    )  # fmt: skip


CASES: list[Case] = [
    Case(
        "IK-COST-1-BUDGET-ALERTS",
        bad=lambda: _platform(_budget(_ACTUAL_ONLY)),
        offending=(urn(BUDGET, "monthly"),),
        good=lambda: _platform(_budget()),
        label="forecast-unheard",
    ),
    Case(
        "IK-COST-1-BUDGET-ALERTS",
        bad=_platform,
        offending=(urn(NOTIFICATIONS, "alerts"),),
        good=doc,
        label="the-platform-has-none",
    ),
    Case(
        "IK-DR-1-BACKUP-PLAN",
        bad=lambda: _backups(key=False, lock=False),
        offending=(urn(VAULT, "backups"),),
        good=_backups,
        label="no-key-no-lock",
    ),
    Case(
        "IK-DR-1-BACKUP-PLAN",
        bad=lambda: _backups(retention=30, schedule="cron(0 5 ? * * *)"),
        offending=(urn(VAULT, "backups"),),
        good=lambda: _backups(schedule="rate(4 hours)"),
        label="retention-and-interval-of-the-profile",
    ),
    Case(
        "IK-DR-1-BACKUP-PLAN",
        bad=lambda: _backups(target="backups-archive-0a1b2c3"),
        offending=(urn(VAULT, "backups"),),
        good=lambda: _backups(target="[unknown]"),
        label="the-plan-fills-another-vault",
    ),
    Case(
        "IK-DR-1-BACKUP-PLAN",
        bad=lambda: _dev_backups(selection=False),
        offending=(urn(VAULT, "backups", stack="dev"),),
        good=lambda: _dev_backups(selection=True),
        label="no-selection-dev-needs-no-lock",
    ),
    Case(
        "IK-DR-1-BACKUP-TAG",
        bad=lambda: _data(tagged=False),
        offending=(urn(INSTANCE, "db"), urn(BUCKET, "documents"), urn(TABLE, "scratch")),
        good=lambda: _data(tagged=True, suppressed=True),
        label="access-logs-exempt",
    ),
    Case(
        "IK-DR-1-BACKUP-TAG",
        bad=lambda: _storage_class(tagged=False),
        offending=(urn(STORAGE_CLASS, "gp3"),),
        good=lambda: _storage_class(tagged=True),
        label="csi-volumes",
    ),
]
