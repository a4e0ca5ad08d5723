"""A KMS customer-managed key with rotation, an alias and a least-privilege key policy (SEC-3)."""

from __future__ import annotations

import hashlib
import re
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

__all__ = [
    "KEY_ADMIN_ACTIONS",
    "KNOWN_SERVICE_PRINCIPALS",
    "KNOWN_VIA_SERVICES",
    "Key",
    "KeyArgs",
    "default_log_group_prefixes",
    "lambda_function_name",
]

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
    "backup",
    "ec2",
    "eks",
    "elasticache",
    "rds",
    "s3",
    "secretsmanager",
    "sns",
    "sqs",
    "lambda",
)

#: Services that use a key on their own behalf, as the service principal ``<name>.amazonaws.com``,
#: when they publish to an SNS topic encrypted with it: CloudWatch alarms, AWS Budgets, AWS
#: Backup vault notifications and EventBridge rules (``KeyArgs.service_principals``).
KNOWN_SERVICE_PRINCIPALS: tuple[str, ...] = ("backup", "budgets", "cloudwatch", "events")

# In a key policy the resource "*" means the key the policy is attached to, nothing else.
_THIS_KEY = "A key policy resource star names only the key it is attached to"
#: Grants only for AWS resources: a service creates, lists or revokes them on the caller's
#: behalf (an encrypted volume, a cluster's secrets), never the caller for itself.
_FOR_AWS_RESOURCES = {"Bool": {"kms:GrantIsForAWSResource": "true"}}
_GRANT_ACTIONS = ("kms:CreateGrant",)
_USE_ACTIONS = actions.KMS_VOLUME_ENCRYPTION
# Characters of a CloudWatch Logs log-group name; a prefix may hold no wildcard.
_LOG_GROUP_PREFIX = re.compile(r"^[A-Za-z0-9._/#-]{1,511}$")
_FUNCTION_NAME_MAX = 64
_DIGEST = 8


def _lambda_prefix(project: str, stack: str) -> str:
    """``<project>-<stack>-`` with every character a Lambda function name refuses made ``-``."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", f"{project}-{stack}-")


def _rds_prefix(project: str, stack: str) -> str:
    """How RDS identifiers of this stack begin (``_database_params.instance_identifier``)."""
    raw = re.sub(r"[^a-z0-9]+", "-", f"{project}-{stack}-".lower()).lstrip("-")
    return raw if raw[:1].isalpha() else f"db-{raw}"


def lambda_function_name(project: str, stack: str, name: str) -> str:
    """A Lambda function name ``<project>-<stack>-<name>``, at most 64 characters.

    Fixed rather than generated, so its log group ``/aws/lambda/<function>`` starts with a
    prefix a key policy can name. Too long a name keeps its first 55 characters and ends
    with 8 hex digits of its hash.
    """
    prefix = _lambda_prefix(project, stack)
    if len(prefix) > _FUNCTION_NAME_MAX - _DIGEST - 2:
        raise ValidationError(
            "project/stack",
            f"{project}/{stack}",
            f"{prefix!r} leaves no room in a {_FUNCTION_NAME_MAX}-character Lambda function name",
            "shorten the project or stack name",
        )
    full = prefix + re.sub(r"[^A-Za-z0-9_-]+", "-", name)
    if len(full) <= _FUNCTION_NAME_MAX:
        return full
    digest = hashlib.sha256(full.encode()).hexdigest()[:_DIGEST]
    return f"{full[: _FUNCTION_NAME_MAX - _DIGEST - 1]}-{digest}"


def default_log_group_prefixes(project: str, stack: str) -> tuple[str, ...]:
    """The log-group name prefixes infra-kit uses in one stack (``KeyArgs.log_group_prefixes``).

    - ``/vpc-flow-logs/<project>-<stack>-``: Network flow logs;
    - ``/aws/eks/<project>-<stack>-``: Cluster control-plane logs;
    - ``/aws/rds/instance/<project>-<stack>-``: Database exports, spelt as RDS identifiers are
      (lower case, ``-`` for any other character);
    - ``/aws/lambda/<project>-<stack>-``: Secret rotation functions, named by
      :func:`lambda_function_name`;
    - ``/<project>/<stack>/``: the telemetry collectors' default log groups;
    - ``aws-waf-logs-<project>-<stack>-``: web ACL request logs, whose names AWS WAF requires to
      start with ``aws-waf-logs-`` (:class:`~infra_kit.aws.web_acl.WebAcl`).
    """
    return (
        f"/vpc-flow-logs/{project}-{stack}-",
        f"/aws/eks/{project}-{stack}-",
        f"/aws/rds/instance/{_rds_prefix(project, stack)}",
        f"/aws/lambda/{_lambda_prefix(project, stack)}",
        f"/{project}/{stack}/",
        f"aws-waf-logs-{project}-{stack}-",
    )


@dataclass(frozen=True)
class KeyArgs:
    """Arguments of :class:`Key`.

    Args:
        description: what the key protects. Required.
        via_services: services (from ``KNOWN_VIA_SERVICES``) through which IAM principals of this
            account may use the key, once a ``grant_*`` gives them the permission.
            Default: none.
        log_group_access: let CloudWatch Logs of this region encrypt log groups of this account
            with the key (OBS-2), those whose names start with one of ``log_group_prefixes``.
            Default: False.
        log_group_prefixes: log-group name prefixes CloudWatch Logs may use the key for (no
            wildcards; only with ``log_group_access``). Default: the prefixes infra-kit names
            this stack's log groups with, :func:`default_log_group_prefixes`:
            ``/vpc-flow-logs/<project>-<stack>-``, ``/aws/eks/<project>-<stack>-``,
            ``/aws/rds/instance/<project>-<stack>-``, ``/aws/lambda/<project>-<stack>-`` and
            ``/<project>/<stack>/``. Pass your own for log groups named otherwise (a
            collector given ``logs_log_group``, say); they replace the defaults, so add
            ``*default_log_group_prefixes(env.project, env.stack)`` where those still apply.
        service_principals: services (from ``KNOWN_SERVICE_PRINCIPALS``) that may use the key
            on their own behalf, for this account only (``aws:SourceAccount``): what a service
            needs to publish to an SNS topic encrypted with the key (``kms:GenerateDataKey`` and
            ``kms:Decrypt``; :class:`~infra_kit.aws.notifications.Notifications`). Default: none.
        user_principal_arns: principals (roles) allowed to use the key directly, e.g. the
            Auto Scaling service-linked role for encrypted node volumes, and to create grants
            for AWS resources only. Default: none.
        alias: the alias name without ``alias/``. Default: ``<project>-<stack>-<name>``.
        deletion_window_days: days from 7 to 30. Default: the profile's
            ``keys.deletion_window_days`` (dev 7, stage 14, prod 30).
    """

    description: str
    via_services: Sequence[str] = ()
    log_group_access: bool = False
    log_group_prefixes: Sequence[str] = ()
    service_principals: Sequence[str] = ()
    user_principal_arns: Sequence[pulumi.Input[str]] = ()
    alias: str | None = None
    deletion_window_days: int | None = None


def _log_group_prefixes(args: KeyArgs, env: Environment) -> tuple[str, ...]:
    """The prefixes the key policy names for CloudWatch Logs; refuses unusable ones."""
    if isinstance(args.log_group_prefixes, str):
        raise ValidationError(
            "log_group_prefixes",
            args.log_group_prefixes,
            "a single string, not a list of prefixes",
            f"pass a tuple: log_group_prefixes=({args.log_group_prefixes!r},)",
        )
    given = tuple(args.log_group_prefixes)
    if not args.log_group_access:
        if given:
            raise ValidationError(
                "log_group_prefixes",
                list(given),
                "has no effect: CloudWatch Logs may not use the key (log_group_access=False)",
                "set log_group_access=True, or drop log_group_prefixes",
            )
        return ()
    for prefix in given:
        if not isinstance(prefix, str) or not _LOG_GROUP_PREFIX.match(prefix):
            raise ValidationError(
                "log_group_prefixes",
                prefix,
                "not the beginning of a log-group name (letters, digits and . _ / # -, no "
                "wildcard: the key policy adds the final '*')",
                "write the fixed start of the names, e.g. '/aws/lambda/orders-'",
            )
    if len(set(given)) != len(given):
        raise ValidationError(
            "log_group_prefixes", list(given), "lists a prefix twice", "list each prefix once"
        )
    return given or default_log_group_prefixes(env.project, env.stack)


class Key(Component):
    """A customer-managed KMS key.

    Children: ``aws.kms.Key`` ``<name>`` (rotation on, protected in stage and prod) and
    ``aws.kms.Alias`` ``<name>-alias``.

    The key policy lets the account's root administer the key without using it; with
    ``via_services``, lets the account's principals use it through those services only (once an
    IAM policy such as :meth:`grant_decrypt` allows it); with ``log_group_access``, lets
    CloudWatch Logs use it for the log groups of ``log_group_prefixes``; with
    ``service_principals``, lets those services use it on their own behalf for this account; with
    ``user_principal_arns``, lets those principals use it. ``kms:CreateGrant`` is allowed only
    for grants an AWS service creates for an AWS resource (``kms:GrantIsForAWSResource``).

    Prescriptions: SEC-3 (CMK with rotation), SEC-1 (use only by named services and principals),
    DR-1 (deletion window from the profile; protected where the profile protects state).

    Args:
        name: the component's name; every child's logical name starts with it.
        args: its settings, [KeyArgs][infra_kit.aws.KeyArgs].
        env: the stack's [Environment][infra_kit.core.environment.Environment]: profile, tags and
            AWS provider.
        opts: Pulumi options for the component; every child is parented to it.

    Attributes:
        key: the ``aws.kms.Key``.
        alias: the ``aws.kms.Alias`` (``alias/<alias>``).
        arn: the key's ARN, for ``kms_key_id``-style inputs and IAM policies.
        key_id: the key's id.
        via_services: the services through which the account's principals may use the key.
        log_group_access: whether CloudWatch Logs may use the key.
        service_principals: services that may use the key on their own behalf.
        log_group_prefixes: log-group name prefixes CloudWatch Logs may use the key for (empty
            without ``log_group_access``).
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
        if isinstance(args.service_principals, str):
            raise ValidationError(
                "service_principals",
                args.service_principals,
                "a single string, not a list of services",
                f"pass a tuple: service_principals=({args.service_principals!r},)",
            )
        unknown = sorted(set(args.service_principals) - set(KNOWN_SERVICE_PRINCIPALS))
        if unknown:
            raise ValidationError(
                "service_principals",
                unknown,
                "not a service infra-kit knows to use a key on its own behalf",
                f"use some of: {', '.join(KNOWN_SERVICE_PRINCIPALS)}",
            )
        window = args.deletion_window_days
        if window is None:
            window = env.profile.keys.deletion_window_days
        if not 7 <= window <= 30:
            raise ValidationError(
                "deletion_window_days",
                window,
                "KMS allows 7 to 30 days",
                "pick a value from 7 to 30, or omit it to use the profile's "
                "keys.deletion_window_days",
            )
        prefixes = _log_group_prefixes(args, env)
        super().__init__(name, env, opts)
        self.via_services = tuple(args.via_services)
        self.log_group_access = args.log_group_access
        #: Services that may use the key on their own behalf (``KeyArgs.service_principals``).
        self.service_principals = tuple(sorted(set(args.service_principals)))
        #: Log-group name prefixes CloudWatch Logs may use the key for (empty without access).
        self.log_group_prefixes = prefixes
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

    def allows_log_group(self, name: str) -> bool:
        """Whether CloudWatch Logs may encrypt the log group ``name`` with this key."""
        return any(name.startswith(prefix) for prefix in self.log_group_prefixes)

    def require_log_group(self, name: str, *, what: str) -> None:
        """Refuse, before anything is created, a log group ``name`` the key cannot encrypt."""
        if not self.log_group_access:
            raise ValidationError(
                "key",
                f"{self.component_name} (log_group_access=False)",
                f"CloudWatch Logs may not use the key, so {what} {name!r} cannot be encrypted "
                "(OBS-2)",
                "create the key with KeyArgs(log_group_access=True)",
            )
        if not self.allows_log_group(name):
            raise ValidationError(
                "key",
                f"{self.component_name} (log_group_prefixes={list(self.log_group_prefixes)})",
                f"CloudWatch Logs may use the key only for those prefixes, so {what} {name!r} "
                "cannot be encrypted (OBS-2)",
                "add a prefix of that name to KeyArgs.log_group_prefixes, or leave "
                "log_group_prefixes empty to use infra-kit's defaults",
            )

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
            via = {
                "kms:CallerAccount": account,
                "kms:ViaService": [
                    f"{s}.{env.region}.amazonaws.com" for s in sorted(args.via_services)
                ],
            }
            why = _THIS_KEY + " used through named services by this account"
            statements += [
                Statement(
                    actions=_USE_ACTIONS,
                    resources=["*"],
                    principals={"AWS": [root]},
                    conditions={"StringEquals": via},
                    justification=why,
                ),
                # GrantIsForAWSResource is absent from other requests, so it has its own statement.
                Statement(
                    actions=_GRANT_ACTIONS,
                    resources=["*"],
                    principals={"AWS": [root]},
                    conditions={"StringEquals": via, **_FOR_AWS_RESOURCES},
                    justification=why + " for grants to AWS resources",
                ),
            ]
        if self.log_group_prefixes:
            groups = [
                f"arn:{env.partition}:logs:{env.region}:{account}:log-group:{prefix}*"
                for prefix in self.log_group_prefixes
            ]
            statements.append(
                Statement(
                    actions=actions.KMS_LOG_ENCRYPTION,
                    resources=["*"],
                    principals={"Service": [f"logs.{env.region}.amazonaws.com"]},
                    conditions={"ArnLike": {"kms:EncryptionContext:aws:logs:arn": groups}},
                    justification=_THIS_KEY + " used by CloudWatch Logs for named log groups",
                )
            )
        if self.service_principals:
            # OBS-3 (in part): the services that publish alerts can use the topic's key.
            statements.append(
                Statement(
                    actions=actions.KMS_TOPIC_PUBLISH,
                    resources=["*"],
                    principals={"Service": [f"{s}.amazonaws.com" for s in self.service_principals]},
                    conditions={"StringEquals": {"aws:SourceAccount": account}},
                    justification=_THIS_KEY + " used by named services for this account",
                )
            )
        if args.user_principal_arns:
            users = list(args.user_principal_arns)
            why = _THIS_KEY + " used by the named principals"
            statements += [
                Statement(
                    actions=_USE_ACTIONS,
                    resources=["*"],
                    principals={"AWS": users},
                    justification=why,
                ),
                Statement(
                    actions=_GRANT_ACTIONS,
                    resources=["*"],
                    principals={"AWS": users},
                    conditions=_FOR_AWS_RESOURCES,
                    justification=why + " for grants to AWS resources",
                ),
            ]
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
