"""A Secrets Manager secret encrypted with a customer-managed key, with automated rotation (SEC-2)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra_kit.aws import actions
from infra_kit.aws._function_basics import function_role_and_logs
from infra_kit.aws._policy import PolicyDocument, Statement
from infra_kit.aws._rotation_rules import (
    GET_RANDOM_PASSWORD,
    NO_RESOURCE,
    check_rotation,
    check_rotation_key,
    dns_suffix,
    tracing_statement,
)
from infra_kit.aws._secret_watch import watch_rotation
from infra_kit.aws.alarms import AlarmTopics
from infra_kit.aws.grants import (
    Grantee,
    attach_policy,
    kms_via_service,
    log_group_write,
)
from infra_kit.aws.key import Key, lambda_function_name
from infra_kit.aws.rotation import HANDLER, HANDLER_FILE, HANDLER_PATH
from infra_kit.aws.rotation.handler import (
    DEFAULT_EXCLUDE_CHARACTERS,
    DEFAULT_PASSWORD_FIELD,
    DEFAULT_PASSWORD_LENGTH,
    ENDPOINT_VARIABLE,
    EXCLUDE_CHARACTERS_VARIABLE,
    PASSWORD_FIELD_VARIABLE,
    PASSWORD_LENGTH_VARIABLE,
)
from infra_kit.core.component import Component
from infra_kit.core.environment import Environment
from infra_kit.errors import ValidationError

__all__ = ["ROTATION_RUNTIME", "RotationArgs", "Secret", "SecretArgs"]

#: Runtime of the rotation function: the newest Python runtime every pulumi-aws 7.x knows.
ROTATION_RUNTIME = aws.lambda_.Runtime.PYTHON3D13


@dataclass(frozen=True)
class RotationArgs:
    """Automated rotation of a :class:`Secret` by the function infra-kit ships (SEC-2).

    The secret's value is a JSON object; each rotation replaces the ``password_field`` field with
    a new random password and keeps every other field. See :mod:`infra_kit.aws.rotation.handler`.

    Args:
        automatically_after_days: days between rotations, 1 to 365. Default: the profile's
            ``secrets.rotation_days`` (30 in every built-in environment).
        rotate_immediately: rotate once as soon as the schedule is created, which gives a
            secret created without a value its first one. When False, Secrets Manager only runs
            the function's ``testSecret`` step then, on a copy of the current value, so the
            secret needs a value already (``initial_value``). Default: True.
        password_field: the JSON field that holds the password. Default: ``"password"``.
        password_length: length of generated passwords, 16 to 4096. Default: 32.
        exclude_characters: characters generated passwords never contain.
            Default: ``/@"'\\`` (they break connection strings and shell quoting).
        timeout_seconds: the function's timeout, 1 to 900. Default: 30.
    """

    automatically_after_days: int | None = None
    rotate_immediately: bool = True
    password_field: str = DEFAULT_PASSWORD_FIELD
    password_length: int = DEFAULT_PASSWORD_LENGTH
    exclude_characters: str = DEFAULT_EXCLUDE_CHARACTERS
    timeout_seconds: int = 30


@dataclass(frozen=True)
class SecretArgs:
    """Arguments of :class:`Secret`.

    Args:
        key: the customer-managed key that encrypts the secret (SEC-3). Required; it must be
            usable through Secrets Manager (``KeyArgs(via_services=("secretsmanager",))``).
        description: what the secret holds. Default: ``"<name> of <project>/<stack>"``.
        initial_value: the first value, as a Pulumi secret from config
            (``pulumi.Config().require_secret(...)``) or from another resource. It is wrapped in
            ``pulumi.Output.secret`` and never stored in clear in state; a plain string is
            refused, because a literal is a secret written in code. With rotation, a JSON object
            (its other fields are kept). Default: none; the secret has no value until the first
            rotation or until something writes one.
        rotation: automated rotation. Default: none (no rotation).
        recovery_window_days: days a deleted secret stays recoverable, 7 to 30. Default: the
            profile's ``secrets.recovery_window_days`` (dev 7, stage 14, prod 30).
        alarm_topics: where the rotation's alarms notify, usually
            ``AlarmTopics.from_stack(platform)`` (OBS-3); only with ``rotation``, since a secret
            that is not rotated has no rotation to watch. Default: none, so no alarms and no age
            publisher, and ``infra-kit check`` fails a rotated secret without them in stage and
            prod (``IK-OBS-3-SECRET-ALARMS``).
    """

    key: Key
    description: str | None = None
    initial_value: pulumi.Input[str] | None = None
    rotation: RotationArgs | None = None
    recovery_window_days: int | None = None
    alarm_topics: AlarmTopics | None = None


class Secret(Component):
    """A Secrets Manager secret, encrypted with a customer-managed key, optionally rotated.

    Children:

    * ``aws.secretsmanager.Secret`` ``<name>``: KMS key ``args.key``, recovery window from the
      profile; protected and retained on delete where the profile protects state.
    * ``aws.secretsmanager.SecretVersion`` ``<name>-initial``: only with ``initial_value``, whose
      value is a Pulumi secret.

    With ``rotation``, also:

    * ``aws.iam.Role`` ``<name>-rotation-role``: assumed by Lambda for this account only.
    * ``aws.cloudwatch.LogGroup`` ``<name>-rotation-logs``: ``/aws/lambda/<function>``, created
      before the function, retention from the profile's ``logs.retention_days``, deletion
      protection and Pulumi ``protect`` where the profile protects state; encrypted with
      ``args.key`` when the key lets CloudWatch Logs use it (``KeyArgs(log_group_access=True)``;
      a key whose ``log_group_prefixes`` leave this group out is refused), otherwise with
      CloudWatch Logs' own encryption. The function logs step names, the secret's ARN and
      version ids, never a value.
    * ``aws.lambda_.Function`` ``<name>-rotation``, named ``<project>-<stack>-<name>-rotation``
      (:func:`~infra_kit.aws.key.lambda_function_name`), so its log group falls under the key's
      default ``/aws/lambda/<project>-<stack>-`` prefix: the handler of
      :mod:`infra_kit.aws.rotation.handler`. Its environment variables are encrypted with
      ``args.key`` (which must list ``"lambda"`` in ``via_services``), X-Ray active tracing is
      on; no reserved concurrency, no VPC and no code signing (docs/adr/0011 says why).
    * ``aws.iam.RolePolicy`` ``<name>-rotation-policy``: rotate this secret only, generate
      passwords, use the key through Secrets Manager only, write to its own log group, send
      traces to X-Ray.
    * ``aws.lambda_.Permission`` ``<name>-rotation-invoke``: Secrets Manager may invoke the
      function for this secret only.
    * ``aws.secretsmanager.SecretRotation`` ``<name>-rotation-schedule``: the schedule.

    With ``rotation`` and ``alarm_topics`` (:mod:`infra_kit.aws._secret_watch`), also:

    * ``aws.cloudwatch.MetricAlarm`` ``<name>-rotation-errors-warning`` and ``-critical``: the
      rotation function's ``Errors``;
    * ``aws.cloudwatch.MetricAlarm`` ``<name>-age-warning`` and ``-critical``: ``SecretAgeDays``
      past the rotation period plus the profile's ``alarms.secret_overdue_*_days``, or missing;
    * the age publisher: ``aws.iam.Role`` ``<name>-age-role``, ``aws.cloudwatch.LogGroup``
      ``<name>-age-logs`` (as the rotation function's), ``aws.iam.RolePolicy``
      ``<name>-age-policy`` (``DescribeSecret`` on this secret, ``PutMetricData`` to its
      namespace only), ``aws.lambda_.Function`` ``<name>-age`` (named
      ``<project>-<stack>-<name>-age``, :mod:`infra_kit.aws.rotation.age`),
      ``aws.cloudwatch.EventRule`` ``<name>-age-schedule`` (hourly), ``aws.lambda_.Permission``
      ``<name>-age-invoke``, ``aws.cloudwatch.EventTarget`` ``<name>-age-target`` and
      ``aws.lambda_.Invocation`` ``<name>-age-first`` (the first datapoint, at deployment).

    Prescriptions: SEC-2 (no value in code, config or state in clear; automated rotation whose
    pending and current versions coexist until every step passed), SEC-3 (customer-managed key
    for the secret and for the function's environment),
    SEC-1 (a role for the function, scoped to this secret; ``grant_read`` for readers),
    DR-1 (recovery window from the profile; protected where the profile protects state),
    OBS-2 (the function's log group has a retention), OBS-3 (rotation failures and overdue
    rotations alarm, with ``alarm_topics``), OBS-4 (the secret's age is a metric).

    Args:
        name: the component's name; every child's logical name starts with it.
        args: its settings, [SecretArgs][infra_kit.aws.SecretArgs].
        env: the stack's [Environment][infra_kit.core.environment.Environment]: profile, tags and
            AWS provider.
        opts: Pulumi options for the component; every child is parented to it.

    Attributes:
        secret: the ``aws.secretsmanager.Secret``.
        arn: the secret's ARN: what a workload is given (``secret_arns``), never the value.
        name: the secret's name.
        key: the [Key][infra_kit.aws.Key] that encrypts it.
        initial_version: the ``aws.secretsmanager.SecretVersion`` that writes ``initial_value``;
            None without one.
        rotation_function: the rotation ``aws.lambda_.Function``; None without rotation.
        rotation_role: the rotation function's ``aws.iam.Role``; None without rotation.
        age_function: the ``aws.lambda_.Function`` that publishes the secret's age; only with
            ``rotation`` and ``alarm_topics``, else None.
    """

    TYPE = "infra-kit:aws:Secret"

    def __init__(
        self,
        name: str,
        args: SecretArgs,
        env: Environment,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        if "secretsmanager" not in args.key.via_services:
            raise ValidationError(
                "key",
                args.key.component_name,
                "the key is not usable through Secrets Manager, which must encrypt and decrypt "
                "the secret with it",
                "create the key with KeyArgs(via_services=(..., 'secretsmanager'))",
            )
        window = args.recovery_window_days
        if window is None:
            window = env.profile.secrets.recovery_window_days
        if not 7 <= window <= 30:
            raise ValidationError(
                "recovery_window_days",
                window,
                "Secrets Manager keeps a deleted secret recoverable for 7 to 30 days",
                "pick a value from 7 to 30, or omit it to use the profile's "
                "secrets.recovery_window_days",
            )
        if isinstance(args.initial_value, str):
            raise ValidationError(
                "initial_value",
                "<a plain string>",
                "a literal is a secret written in code and kept in clear in state (SEC-2)",
                "pass a Pulumi secret, e.g. pulumi.Config().require_secret('db-password'), or "
                "omit initial_value and let rotation generate the value",
            )
        if args.alarm_topics is not None and args.rotation is None:
            raise ValidationError(
                "alarm_topics",
                "<topics>",
                "the secret is not rotated, so there is no rotation to alarm on",
                "pass rotation=RotationArgs() to rotate it, or omit alarm_topics",
            )
        days, function_name, age_function_name = 0, "", ""
        if args.rotation is not None:
            function_name = lambda_function_name(env.project, env.stack, f"{name}-rotation")
            age_function_name = lambda_function_name(env.project, env.stack, f"{name}-age")
            days = args.rotation.automatically_after_days
            if days is None:
                days = env.profile.secrets.rotation_days
            check_rotation(args.rotation, days)
            check_rotation_key(args.key)
            if args.key.log_group_access:
                args.key.require_log_group(
                    f"/aws/lambda/{function_name}", what="the rotation function's log group"
                )
                if args.alarm_topics is not None:
                    args.key.require_log_group(
                        f"/aws/lambda/{age_function_name}",
                        what="the age publisher's log group",
                    )

        super().__init__(name, env, opts)
        self.key = args.key
        self.secret = aws.secretsmanager.Secret(
            name,
            aws.secretsmanager.SecretArgs(
                description=args.description or f"{name} of {env.project}/{env.stack}",
                kms_key_id=args.key.arn,
                recovery_window_in_days=window,
            ),
            opts=self.stateful_opts(),
        )
        self.arn: pulumi.Output[str] = self.secret.arn
        self.name: pulumi.Output[str] = self.secret.name

        self.initial_version: aws.secretsmanager.SecretVersion | None = None
        if args.initial_value is not None:
            self.initial_version = aws.secretsmanager.SecretVersion(
                self.child("initial"),
                aws.secretsmanager.SecretVersionArgs(
                    secret_id=self.secret.id,
                    secret_string=pulumi.Output.secret(args.initial_value),
                ),
                opts=self.child_opts(),
            )

        self.rotation_function: aws.lambda_.Function | None = None
        self.rotation_role: aws.iam.Role | None = None
        #: The function that publishes the secret's age, with ``rotation`` and ``alarm_topics``.
        self.age_function: aws.lambda_.Function | None = None
        if args.rotation is not None:
            function = self._rotate(args.rotation, days, function_name)
            if args.alarm_topics is not None:
                self.age_function = watch_rotation(
                    self,
                    rotation_function=function,
                    days=days,
                    age_function_name=age_function_name,
                    topics=args.alarm_topics,
                )

        self.register_outputs({"arn": self.arn, "name": self.name})

    def _rotate(
        self, rotation: RotationArgs, days: int, function_name: str
    ) -> aws.lambda_.Function:
        env = self.env
        # The log group is created before the function, so Lambda never creates it unencrypted.
        role, logs = function_role_and_logs(
            self,
            "rotation",
            function_name=function_name,
            description=f"Rotation function of secret {self.component_name}",
            key_arn=self.key.arn if self.key.log_group_access else None,
        )
        function = aws.lambda_.Function(
            self.child("rotation"),
            aws.lambda_.FunctionArgs(
                name=function_name,
                role=role.arn,
                runtime=ROTATION_RUNTIME,
                handler=HANDLER,
                code=pulumi.AssetArchive({HANDLER_FILE: pulumi.FileAsset(str(HANDLER_PATH))}),
                architectures=["arm64"],
                memory_size=128,
                timeout=rotation.timeout_seconds,
                description=f"Rotates secret {self.component_name}",
                environment=aws.lambda_.FunctionEnvironmentArgs(
                    variables={
                        ENDPOINT_VARIABLE: f"https://secretsmanager.{env.region}."
                        f"{dns_suffix(env.partition)}",
                        PASSWORD_FIELD_VARIABLE: rotation.password_field,
                        PASSWORD_LENGTH_VARIABLE: str(rotation.password_length),
                        EXCLUDE_CHARACTERS_VARIABLE: rotation.exclude_characters,
                    }
                ),
                # prescription: SEC-3 -- Lambda creates a grant on the key for the function's role.
                kms_key_arn=self.key.arn,
                tracing_config=aws.lambda_.FunctionTracingConfigArgs(mode="Active"),
                logging_config=aws.lambda_.FunctionLoggingConfigArgs(log_format="JSON"),
            ),
            opts=self.child_opts(depends_on=[logs]),
        )
        policy = PolicyDocument(
            [
                Statement(actions=actions.SECRETS_ROTATE, resources=[self.arn]),
                Statement(
                    actions=(GET_RANDOM_PASSWORD,), resources=["*"], justification=NO_RESOURCE
                ),
                kms_via_service(
                    self.key.arn,
                    "secretsmanager",
                    env.region,
                    ("kms:Decrypt", "kms:GenerateDataKey"),
                ),
                log_group_write(logs.arn),
                tracing_statement(),
            ]
        )
        role_policy = aws.iam.RolePolicy(
            self.child("rotation-policy"),
            aws.iam.RolePolicyArgs(role=role.name, policy=policy.to_json()),
            opts=self.child_opts(),
        )
        invoke = aws.lambda_.Permission(
            self.child("rotation-invoke"),
            aws.lambda_.PermissionArgs(
                action="lambda:InvokeFunction",
                function=function.name,
                principal="secretsmanager.amazonaws.com",
                source_arn=self.arn,
            ),
            opts=self.child_opts(),
        )
        ready: list[pulumi.Resource] = [role_policy, invoke, logs]
        if self.initial_version is not None:
            ready.append(self.initial_version)
        aws.secretsmanager.SecretRotation(
            self.child("rotation-schedule"),
            aws.secretsmanager.SecretRotationArgs(
                secret_id=self.secret.id,
                rotation_lambda_arn=function.arn,
                rotation_rules=aws.secretsmanager.SecretRotationRotationRulesArgs(
                    automatically_after_days=days
                ),
                rotate_immediately=rotation.rotate_immediately,
            ),
            opts=self.child_opts(depends_on=ready),
        )
        self.rotation_function = function
        self.rotation_role = role
        return function

    def grant_read(self, grantee: Grantee) -> aws.iam.RolePolicy:
        """Let ``grantee`` read this secret's value, decrypting through Secrets Manager only.

        Attaches ``<role>-<name>-read``: ``actions.SECRETS_READ`` on this secret's ARN, and
        ``kms:Decrypt`` on the key with ``kms:ViaService`` = ``secretsmanager.<region>``.
        """
        document = PolicyDocument(
            [
                Statement(actions=actions.SECRETS_READ, resources=[self.arn]),
                kms_via_service(self.key.arn, "secretsmanager", self.env.region),
            ]
        )
        return attach_policy(grantee, f"{self.component_name}-read", document, parent=self)
