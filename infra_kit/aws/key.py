"""A KMS customer-managed key with rotation, an alias and a least-privilege key policy (SEC-3)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra_kit.aws import actions
from infra_kit.aws._policy import PolicyDocument, Statement
from infra_kit.aws.grants import Grantee, attach_policy, kms_via_service
from infra_kit.core.component import Component
from infra_kit.core.environment import Environment
from infra_kit.errors import ValidationError

__all__ = ["KEY_ADMIN_ACTIONS", "KNOWN_VIA_SERVICES", "Key", "KeyArgs"]

#: What the account administers on a key; none of these uses the key's material.
KEY_ADMIN_ACTIONS: tuple[str, ...] = (
    "kms:CancelKeyDeletion",
    "kms:CreateAlias",
    "kms:DeleteAlias",
    "kms:DescribeKey",
    "kms:DisableKey",
    "kms:DisableKeyRotation",
    "kms:EnableKey",
    "kms:EnableKeyRotation",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListAliases",
    "kms:ListGrants",
    "kms:ListKeyPolicies",
    "kms:ListResourceTags",
    "kms:PutKeyPolicy",
    "kms:RevokeGrant",
    "kms:RetireGrant",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateAlias",
    "kms:UpdateKeyDescription",
)

#: Services that may use a key on behalf of IAM principals of the account (``kms:ViaService``).
KNOWN_VIA_SERVICES: tuple[str, ...] = (
    "ec2",
    "eks",
    "rds",
    "s3",
    "secretsmanager",
    "sns",
    "sqs",
    "lambda",
)

# In a key policy the resource "*" means the key the policy is attached to, nothing else.
_THIS_KEY = "A key policy resource star names only the key it is attached to"


@dataclass(frozen=True)
class KeyArgs:
    """Arguments of :class:`Key`.

    Args:
        description: what the key protects. Required.
        via_services: services (from ``KNOWN_VIA_SERVICES``) through which IAM principals of this
            account may use the key, once a ``grant_*`` gives them the permission.
            Default: none.
        log_group_access: let CloudWatch Logs of this region encrypt log groups of this account
            with the key (OBS-2). Default: False.
        user_principal_arns: principals (roles) allowed to use the key directly, e.g. the
            Auto Scaling service-linked role for encrypted node volumes. Default: none.
        alias: the alias name without ``alias/``. Default: ``<project>-<stack>-<name>``.
        deletion_window_days: default from the profile's ``keys.deletion_window_days``
            (dev 7, stage 14, prod 30).
    """

    description: str
    via_services: Sequence[str] = ()
    log_group_access: bool = False
    user_principal_arns: Sequence[pulumi.Input[str]] = ()
    alias: str | None = None
    deletion_window_days: int | None = None


class Key(Component):
    """A customer-managed KMS key.

    Children: ``aws.kms.Key`` ``<name>`` (rotation on, protected in stage and prod) and
    ``aws.kms.Alias`` ``<name>-alias``.
    Prescriptions: SEC-3 (CMK with rotation), SEC-1 (use only by named services and principals),
    DR-1 (deletion window from the profile; protected where the profile protects state).
    """

    TYPE = "infra-kit:aws:Key"

    def __init__(
        self, name: str, args: KeyArgs, env: Environment, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        unknown = sorted(set(args.via_services) - set(KNOWN_VIA_SERVICES))
        if unknown:
            raise ValidationError(
                "via_services",
                unknown,
                "not a service infra-kit knows to use KMS on a caller's behalf",
                f"use some of: {', '.join(KNOWN_VIA_SERVICES)}",
            )
        window = args.deletion_window_days or env.profile.keys.deletion_window_days
        if not 7 <= window <= 30:
            raise ValidationError(
                "deletion_window_days",
                window,
                "KMS allows 7 to 30 days",
                "pick a value from 7 to 30",
            )
        super().__init__(name, env, opts)
        self.via_services = tuple(args.via_services)
        self.log_group_access = args.log_group_access
        policy = env.account_id.apply(lambda account: self._policy(account, args).to_dict())
        self.key = aws.kms.Key(
            name,
            aws.kms.KeyArgs(
                description=args.description,
                enable_key_rotation=True,
                rotation_period_in_days=365,
                deletion_window_in_days=window,
                key_usage="ENCRYPT_DECRYPT",
                customer_master_key_spec="SYMMETRIC_DEFAULT",
                policy=pulumi.Output.json_dumps(policy),
            ),
            opts=self.stateful_opts(),
        )
        alias = args.alias or f"{env.project}-{env.stack}-{name}"
        self.alias = aws.kms.Alias(
            self.child("alias"),
            aws.kms.AliasArgs(name=f"alias/{alias}", target_key_id=self.key.key_id),
            opts=self.child_opts(),
        )
        self.arn: pulumi.Output[str] = self.key.arn
        self.key_id: pulumi.Output[str] = self.key.key_id
        self.register_outputs({"arn": self.arn, "alias": self.alias.name})

    def _policy(self, account: str, args: KeyArgs) -> PolicyDocument:
        env = self.env
        root = f"arn:{env.partition}:iam::{account}:root"
        statements = [
            Statement(
                sid=None,
                actions=KEY_ADMIN_ACTIONS,
                resources=["*"],
                principals={"AWS": [root]},
                justification=_THIS_KEY,
            ),
        ]
        if args.via_services:
            statements.append(
                Statement(
                    actions=(
                        *actions.KMS_ENCRYPT_DECRYPT,
                        "kms:GenerateDataKeyWithoutPlaintext",
                        "kms:CreateGrant",
                    ),
                    resources=["*"],
                    principals={"AWS": [root]},
                    conditions={
                        "StringEquals": {
                            "kms:CallerAccount": account,
                            "kms:ViaService": [
                                f"{s}.{env.region}.amazonaws.com" for s in sorted(args.via_services)
                            ],
                        }
                    },
                    justification=_THIS_KEY + " used through named services by this account",
                )
            )
        if args.log_group_access:
            statements.append(
                Statement(
                    actions=actions.KMS_ENCRYPT_DECRYPT,
                    resources=["*"],
                    principals={"Service": [f"logs.{env.region}.amazonaws.com"]},
                    conditions={
                        "ArnLike": {
                            "kms:EncryptionContext:aws:logs:arn": f"arn:{env.partition}:logs:{env.region}:{account}:log-group:*"
                        }
                    },
                    justification=_THIS_KEY + " used by CloudWatch Logs of this account",
                )
            )
        if args.user_principal_arns:
            statements.append(
                Statement(
                    actions=(
                        *actions.KMS_ENCRYPT_DECRYPT,
                        "kms:GenerateDataKeyWithoutPlaintext",
                        "kms:CreateGrant",
                    ),
                    resources=["*"],
                    principals={"AWS": list(args.user_principal_arns)},
                    justification=_THIS_KEY + " used by the named principals",
                )
            )
        return PolicyDocument(statements)

    def grant_decrypt(self, grantee: Grantee, *, via_service: str) -> aws.iam.RolePolicy:
        """Let ``grantee`` decrypt with this key through ``via_service`` only."""
        return self._grant(grantee, via_service, actions.KMS_DECRYPT, "decrypt")

    def grant_encrypt_decrypt(self, grantee: Grantee, *, via_service: str) -> aws.iam.RolePolicy:
        """Let ``grantee`` encrypt and decrypt with this key through ``via_service`` only."""
        return self._grant(grantee, via_service, actions.KMS_ENCRYPT_DECRYPT, "encrypt-decrypt")

    def _grant(
        self, grantee: Grantee, service: str, key_actions: Sequence[str], verb: str
    ) -> aws.iam.RolePolicy:
        if service not in self.via_services:
            raise ValidationError(
                "via_service",
                service,
                f"key {self.component_name!r} is not usable through it",
                f"add {service!r} to KeyArgs.via_services, or use one of {list(self.via_services)}",
            )
        doc = PolicyDocument([kms_via_service(self.arn, service, self.env.region, key_actions)])
        return attach_policy(grantee, f"{self.component_name}-{verb}", doc, parent=self)
