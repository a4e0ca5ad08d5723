"""The Backups component: vault, lock, plan, role and tag selection from the profile (DR-1, DR-2)."""

from __future__ import annotations

import json
from functools import cache

import pytest

from infra_kit.aws.backups import Backups, BackupsArgs
from infra_kit.aws.key import Key, KeyArgs
from infra_kit.core.engine import Graph
from infra_kit.core.environment import Environment
from infra_kit.errors import ValidationError
from infra_kit.testing import run_offline
from tests.support import failing, unprotected_stateful

VAULT = "aws:backup/vault:Vault"
LOCK = "aws:backup/vaultLockConfiguration:VaultLockConfiguration"
PLAN = "aws:backup/plan:Plan"
SELECTION = "aws:backup/selection:Selection"
ROLE = "aws:iam/role:Role"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
SUPPRESSION = "infra-kit:policy:Suppression"


def _build(env: Environment) -> None:
    key = Key("data", KeyArgs(description="backups", via_services=("backup",)), env)
    Backups("backups", BackupsArgs(key=key), env)


@cache
def _graph(environment: str) -> Graph:
    return run_offline(_build, environment=environment)


def _children(graph: Graph) -> set[tuple[str, str]]:
    parent = graph.named("backups", "infra-kit:aws:Backups")["urn"]
    return {(r["type"], r["name"]) for r in graph.children(parent)}


def test_dev_has_a_vault_plan_role_and_selection_but_no_lock() -> None:
    assert _children(_graph("dev")) == {
        (VAULT, "backups"),
        (PLAN, "backups-plan"),
        (ROLE, "backups-role"),
        (ATTACHMENT, "backups-backup-policy"),
        (ATTACHMENT, "backups-restore-policy"),
        (ATTACHMENT, "backups-s3-backup-policy"),
        (ATTACHMENT, "backups-s3-restore-policy"),
        (SELECTION, "backups-selection"),
        (SUPPRESSION, "backups-ik-sec-1-managed-policy"),
    }


def test_prod_locks_the_vault_with_the_profiles_limits_and_grace_days() -> None:
    graph = _graph("prod")
    assert (LOCK, "backups-lock") in _children(graph)
    lock = graph.named("backups-lock", LOCK)["inputs"]
    assert lock["minRetentionDays"] == 7
    assert lock["maxRetentionDays"] == 3653
    assert lock["changeableForDays"] == 7


def test_the_vault_is_encrypted_with_the_key_and_never_force_destroyed() -> None:
    graph = _graph("prod")
    vault = graph.named("backups", VAULT)
    assert vault["inputs"]["kmsKeyArn"].startswith("arn:aws:kms:us-east-1:123456789012:key/")
    assert vault["inputs"]["forceDestroy"] is False
    assert unprotected_stateful(graph) == []


@pytest.mark.parametrize(
    ("environment", "schedule", "delete_after", "cold"),
    [
        ("dev", "cron(0 5 ? * * *)", 7, None),
        ("stage", "cron(0 5,17 ? * * *)", 35, None),
        ("prod", "cron(0 1,5,9,13,17,21 ? * * *)", 365, 90),
    ],
)
def test_the_plans_rule_takes_schedule_and_lifecycle_from_the_profile(
    environment: str, schedule: str, delete_after: int, cold: int | None
) -> None:
    (rule,) = _graph(environment).named("backups-plan", PLAN)["inputs"]["rules"]
    assert rule["schedule"] == schedule
    assert rule["scheduleExpressionTimezone"] == "Etc/UTC"
    assert rule["startWindow"] == 60
    assert rule["lifecycle"]["deleteAfter"] == delete_after
    assert rule["lifecycle"].get("coldStorageAfter") == cold


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_the_selection_picks_every_resource_tagged_for_the_environment(environment: str) -> None:
    graph = _graph(environment)
    selection = graph.named("backups-selection", SELECTION)["inputs"]
    assert selection["selectionTags"] == [
        {"type": "STRINGEQUALS", "key": "infra-kit:backup", "value": environment}
    ]
    assert "resources" not in selection
    assert selection["iamRoleArn"].startswith("arn:aws:iam::123456789012:role/backups-role-")


def test_only_aws_backup_of_this_account_may_assume_the_role() -> None:
    role = _graph("dev").named("backups-role", ROLE)["inputs"]
    (statement,) = json.loads(role["assumeRolePolicy"])["Statement"]
    assert statement["Principal"] == {"Service": ["backup.amazonaws.com"]}
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}


def test_the_managed_policies_are_accepted_with_a_written_reason_and_nothing_else_fails() -> None:
    graph = _graph("prod")
    arns = sorted(r["inputs"]["policyArn"] for r in graph.of_type(ATTACHMENT))
    assert arns == [
        "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Backup",
        "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Restore",
        "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
        "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
    ]
    marker = graph.named("backups-ik-sec-1-managed-policy", SUPPRESSION)["outputs"]
    assert marker["rule"] == "IK-SEC-1-MANAGED-POLICY"
    assert "backup.amazonaws.com" in marker["reason"]
    assert failing(graph, "IK-SEC-1-MANAGED-POLICY") == []


def test_a_key_aws_backup_cannot_use_is_refused_before_anything_is_created() -> None:
    def build(env: Environment) -> None:
        key = Key("data", KeyArgs(description="no backup", via_services=("s3",)), env)
        Backups("backups", BackupsArgs(key=key), env)

    with pytest.raises(ValidationError, match=r"add 'backup' to the key's KeyArgs.via_services"):
        run_offline(build)
