"""AWS Backup of one environment: a locked, encrypted vault, a plan from the profile, and a
selection of every resource carrying the environment's backup tag (DR-1, DR-2)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra_kit.aws._backup_plan import rule_settings
from infra_kit.aws.grants import service_trust
from infra_kit.aws.key import Key
from infra_kit.core.component import Component
from infra_kit.core.environment import Environment
from infra_kit.core.tags import BACKUP_TAG, backup_tags
from infra_kit.errors import ValidationError
from infra_kit.policy.suppress import suppress

__all__ = ["BACKUP_SERVICE", "MANAGED_POLICIES", "Backups", "BackupsArgs"]

#: The service principal AWS Backup assumes its role as.
BACKUP_SERVICE = "backup.amazonaws.com"

#: The AWS-managed policies of the backup role, by child suffix: ``(path, name)``. AWS Backup
#: documents them as what its default service role holds; the S3 pair is separate because S3
#: backups need bucket and object permissions the general pair lacks.
MANAGED_POLICIES: dict[str, tuple[str, str]] = {
    "backup-policy": ("service-role/", "AWSBackupServiceRolePolicyForBackup"),
    "restore-policy": ("service-role/", "AWSBackupServiceRolePolicyForRestores"),
    "s3-backup-policy": ("", "AWSBackupServiceRolePolicyForS3Backup"),
    "s3-restore-policy": ("", "AWSBackupServiceRolePolicyForS3Restore"),
}

_MANAGED_REASON = (
    "AWS Backup snapshots and restores resources of many types whose ARNs are known only once "
    "the selection picks them by tag at run time; AWS publishes these service-role policies "
    "for exactly that role, trusted only by backup.amazonaws.com of this account, and keeps "
    "them current as resource types are added"
)


@dataclass(frozen=True)
class BackupsArgs:
    """Arguments of :class:`Backups`.

    Args:
        key: the customer-managed key that encrypts the vault's recovery points (SEC-3). It
            must be usable through AWS Backup (``KeyArgs.via_services`` includes ``"backup"``).
            Required.
        selection_value: the value of the ``infra-kit:backup`` tag the selection picks.
            Default: the environment's name, as :func:`~infra_kit.core.tags.backup_tags` sets
            it on data buckets, databases and the default StorageClass's volumes.
    """

    key: Key
    selection_value: str | None = None


class Backups(Component):
    """One environment's AWS Backup vault, plan and tag-based selection.

    Children (``<name>-<suffix>``):

    - ``aws.backup.Vault`` ``<name>`` (encrypted with the key, never force-destroyed, protected
      and retained where the profile protects state);
    - ``aws.backup.VaultLockConfiguration`` ``<name>-lock`` where ``backup.enable_vault_lock``
      (prod): compliance mode once ``backup.vault_lock_changeable_for_days`` have passed, after
      which it can never be removed;
    - ``aws.backup.Plan`` ``<name>-plan``: one rule every ``backup.interval_hours`` hours,
      deleting recovery points after ``backup.retention_days`` and moving those of types that
      support it to cold storage after ``backup.cold_storage_after_days`` where set;
    - ``aws.iam.Role`` ``<name>-role`` trusted by AWS Backup of this account only, with the
      AWS-managed backup and restore policies (``<name>-backup-policy``,
      ``<name>-restore-policy``, ``<name>-s3-backup-policy``, ``<name>-s3-restore-policy``),
      each accepted for ``IK-SEC-1-MANAGED-POLICY`` with its reason in the graph;
    - ``aws.backup.Selection`` ``<name>-selection``: every resource tagged
      ``infra-kit:backup=<environment>``, in this stack or any other of the account and region
      (the app stacks' databases and buckets too).

    Prescriptions: DR-1 (backups with the profile's frequency and retention, locked in prod),
    DR-2 (the schedule meets the profile's ``recovery.rpo_hours``, checked when it is built),
    SEC-3 (vault encrypted with the CMK), SEC-1 (the role is trusted by one service of one
    account).

    Args:
        name: the component's name; every child's logical name starts with it.
        args: its settings, [BackupsArgs][infra_kit.aws.BackupsArgs].
        env: the stack's [Environment][infra_kit.core.environment.Environment]: profile, tags and
            AWS provider.
        opts: Pulumi options for the component; every child is parented to it.

    Attributes:
        vault: the ``aws.backup.Vault``.
        vault_name: its name.
        vault_arn: its ARN.
        plan: the ``aws.backup.Plan``.
        role: the ``aws.iam.Role`` AWS Backup assumes.
        selection: the ``aws.backup.Selection`` of resources by tag.
        selection_tag: the tag (key and value) that puts a resource in the plan.
    """

    TYPE = "infra-kit:aws:Backups"

    def __init__(
        self,
        name: str,
        args: BackupsArgs,
        env: Environment,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        if "backup" not in args.key.via_services:
            raise ValidationError(
                "key",
                args.key.component_name,
                "the key is not usable through AWS Backup, so the vault could not encrypt "
                "recovery points with it",
                "add 'backup' to the key's KeyArgs.via_services",
            )
        profile = env.profile.backup
        value = args.selection_value or env.profile.name
        self.selection_tag = backup_tags(value)
        rule = rule_settings(profile)
        super().__init__(name, env, opts)

        # prescription: DR-1 -- one vault per environment, encrypted, kept when the stack goes.
        self.vault = aws.backup.Vault(
            name,
            aws.backup.VaultArgs(kms_key_arn=args.key.arn, force_destroy=False),
            opts=self.stateful_opts(),
        )
        if profile.enable_vault_lock:
            aws.backup.VaultLockConfiguration(
                self.child("lock"),
                aws.backup.VaultLockConfigurationArgs(
                    backup_vault_name=self.vault.name,
                    min_retention_days=profile.vault_lock_min_retention_days,
                    max_retention_days=profile.vault_lock_max_retention_days,
                    changeable_for_days=profile.vault_lock_changeable_for_days,
                ),
                opts=self.child_opts(),
            )

        cold = rule.cold_storage_after_days
        # prescription: DR-2 -- the schedule the profile's RPO was checked against.
        self.plan = aws.backup.Plan(
            self.child("plan"),
            aws.backup.PlanArgs(
                rules=[
                    aws.backup.PlanRuleArgs(
                        rule_name=rule.name,
                        target_vault_name=self.vault.name,
                        schedule=rule.schedule,
                        schedule_expression_timezone="Etc/UTC",
                        start_window=rule.start_window_minutes,
                        completion_window=rule.completion_window_minutes,
                        lifecycle=aws.backup.PlanRuleLifecycleArgs(
                            delete_after=rule.delete_after_days,
                            cold_storage_after=cold,
                            opt_in_to_archive_for_supported_resources=True if cold else None,
                        ),
                    )
                ],
            ),
            opts=self.child_opts(),
        )

        trust = service_trust(BACKUP_SERVICE, source_account=env.account_id)
        self.role = aws.iam.Role(
            self.child("role"),
            aws.iam.RoleArgs(
                assume_role_policy=trust.to_json(),
                description=f"AWS Backup of {env.project}/{env.stack}",
            ),
            opts=self.child_opts(),
        )
        attachments = [
            aws.iam.RolePolicyAttachment(
                self.child(suffix),
                aws.iam.RolePolicyAttachmentArgs(
                    role=self.role.name,
                    policy_arn=f"arn:{env.partition}:iam::aws:policy/{path}{policy}",
                ),
                opts=self.child_opts(),
            )
            for suffix, (path, policy) in MANAGED_POLICIES.items()
        ]
        # prescription: SEC-1 -- the managed policies are accepted with their reason in the graph.
        suppress(
            self,
            "IK-SEC-1-MANAGED-POLICY",
            _MANAGED_REASON,
            resources=[self.child(suffix) for suffix in MANAGED_POLICIES],
        )

        self.selection = aws.backup.Selection(
            self.child("selection"),
            aws.backup.SelectionArgs(
                plan_id=self.plan.id,
                iam_role_arn=self.role.arn,
                selection_tags=[
                    aws.backup.SelectionSelectionTagArgs(
                        type="STRINGEQUALS", key=BACKUP_TAG, value=value
                    )
                ],
            ),
            # The role must hold its policies before AWS Backup first assumes it.
            opts=self.child_opts(depends_on=attachments),
        )
        self.vault_name: pulumi.Output[str] = self.vault.name
        self.vault_arn: pulumi.Output[str] = self.vault.arn
        self.register_outputs(
            {
                "vault_name": self.vault_name,
                "vault_arn": self.vault_arn,
                "plan_id": self.plan.id,
                "role_arn": self.role.arn,
            }
        )
