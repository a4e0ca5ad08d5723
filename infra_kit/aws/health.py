"""An environment's ``/health/infrastructure``: a Lambda function behind an IAM-authorized URL.

The answer and its rules are :mod:`infra_kit.aws.health_function.handler`'s; what it reads is
the delivery convention of :mod:`infra_kit.aws.delivery` and the alarm names of
:func:`~infra_kit.aws.alarms.alarm_pair`. docs/adr/0021 records the decisions.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra_kit.aws import actions
from infra_kit.aws._function_basics import function_role_and_logs
from infra_kit.aws._policy import PolicyDocument, Statement
from infra_kit.aws._rotation_rules import tracing_statement
from infra_kit.aws.alarms import AlarmTopics, alarm_prefix
from infra_kit.aws.delivery import NAMESPACE, deployments_path
from infra_kit.aws.grants import Grantee, attach_policy, log_group_write
from infra_kit.aws.health_function import HANDLER, HANDLER_FILE, HANDLER_PATH, PATH
from infra_kit.aws.health_function.handler import (
    ALARM_PREFIX_VARIABLE,
    CRITICAL_TOPIC_VARIABLE,
    DEPLOYMENTS_PATH_VARIABLE,
    ENVIRONMENT_VARIABLE,
    NAMESPACE_VARIABLE,
    WARNING_TOPIC_VARIABLE,
    WINDOW_HOURS_VARIABLE,
)
from infra_kit.aws.key import Key, lambda_function_name
from infra_kit.core.component import Component
from infra_kit.core.environment import Environment
from infra_kit.errors import ValidationError

__all__ = [
    "HEALTH_RUNTIME",
    "INVOKE_ACTIONS",
    "READ_ACTIONS",
    "HealthEndpoint",
    "HealthEndpointArgs",
]

#: The function's runtime: the newest Python runtime every pulumi-aws 7.x knows.
HEALTH_RUNTIME = aws.lambda_.Runtime.PYTHON3D13
#: Everything the function's role may do besides writing its logs and traces.
READ_ACTIONS: tuple[str, ...] = (
    *actions.CLOUDWATCH_DESCRIBE_ALARMS,
    *actions.CLOUDWATCH_GET_METRIC_DATA,
    *actions.SSM_GET_PARAMETERS_BY_PATH,
)
#: What a caller of an IAM-authorized function URL needs: both, since AWS asks for
#: ``lambda:InvokeFunction`` as well for function URLs created from October 2025.
INVOKE_ACTIONS: tuple[str, ...] = (
    *actions.LAMBDA_INVOKE_FUNCTION_URL,
    *actions.LAMBDA_INVOKE_FUNCTION,
)

_MAX_TIMEOUT = 900
_ALARM_PREFIX_REASON = (
    "Every alarm of the environment is named with its prefix and DescribeAlarms must read them all"
)
_NO_METRIC_RESOURCE = (
    "GetMetricData accepts no resource ARN and no condition key so IAM needs a star"
)


@dataclass(frozen=True)
class HealthEndpointArgs:
    """Arguments of :class:`HealthEndpoint`.

    Args:
        key: the environment's customer-managed key. Required. It encrypts the function's
            environment variables, so it must list ``"lambda"`` in ``via_services``, and its
            log group, so it needs ``log_group_access=True`` with a prefix that covers
            ``/aws/lambda/<project>-<stack>-<name>`` (the default prefixes do).
        topics: the environment's alarm topics (``AlarmTopics(notifications.topic_arn,
            notifications.critical_topic_arn)``). Required: an alarm's severity is the topic it
            notifies. CloudWatch shows composite alarms only to a role allowed DescribeAlarms on
            every alarm, so the function reads an SLO burn-rate alert from its two window
            alarms (``...-<severity>-long`` and ``...-<severity>-short``, both in ALARM).
        timeout_seconds: the function's timeout, 1 to 900. Default: 10 (the function makes
            three or four reads).
        reserved_concurrency: executions reserved for (and capping) the function. Default:
            none: a reservation fails the first deploy of an account whose concurrency quota
            is still the new-account one (docs/adr/0011 and 0021). Set a small number, such as
            2, once the account's quota is raised.

    There is no argument for the URL's authorization: it is always ``AWS_IAM``, and a function
    URL anyone may call is not offered.
    """

    key: Key
    topics: AlarmTopics
    timeout_seconds: int = 10
    reserved_concurrency: int | None = None


# prescription: SEC-1, SEC-3, OBS-2 -- an authenticated URL, exact reads, encrypted and retained logs
class HealthEndpoint(Component):
    """``GET <url>health/infrastructure``: the environment's status, deploys, alarms and rates.

    Children:

    * ``aws.iam.Role`` ``<name>-role``: assumed by Lambda for this account only.
    * ``aws.cloudwatch.LogGroup`` ``<name>-logs``: ``/aws/lambda/<function>``, created before the
      function, retention ``logs.retention_days``, encrypted with ``args.key``; protected where
      the profile protects state.
    * ``aws.lambda_.Function`` ``<name>``, named ``<project>-<stack>-<name>``: the handler of
      :mod:`infra_kit.aws.health_function.handler` on Python 3.13, arm64, 128 MB, X-Ray active
      tracing, JSON logs, environment variables encrypted with ``args.key`` (Lambda creates the
      grant for the role, docs/adr/0011).
    * ``aws.iam.RolePolicy`` ``<name>-policy``: exactly ``cloudwatch:DescribeAlarms`` on the
      environment's alarms (``alarm:<environment>-*``), ``cloudwatch:GetMetricData`` (no
      resource ARN exists), ``ssm:GetParametersByPath`` on the environment's deployments path,
      writing to its own log group, and sending traces.
    * ``aws.lambda_.FunctionUrl`` ``<name>-url``: ``authorization_type="AWS_IAM"``, always. The
      function has no resource policy: only principals of this account whose own policy allows
      :data:`INVOKE_ACTIONS` (:meth:`grant_invoke`) can call it.

    Outputs: ``url`` (the full ``.../health/infrastructure`` address), ``function_name``,
    ``function_arn``.

    Prescriptions: OBS-4 (an operator reads an environment's state in one place), SEC-1 (a
    role of its own with exact reads, an authenticated URL), SEC-3 (environment and logs
    encrypted with the environment's key), OBS-2 (the log group's retention).
    """

    TYPE = "infra-kit:aws:HealthEndpoint"

    def __init__(
        self,
        name: str,
        args: HealthEndpointArgs,
        env: Environment,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        function_name = lambda_function_name(env.project, env.stack, name)
        _check(args, function_name)
        super().__init__(name, env, opts)
        self.key = args.key
        environment = env.profile.name
        path = deployments_path(environment)
        prefix = alarm_prefix(env)

        # The log group is created before the function, so Lambda never creates it unencrypted.
        role, logs = function_role_and_logs(
            self,
            function_name=function_name,
            description=f"Health endpoint {name} of {env.project}/{env.stack}",
            key_arn=args.key.arn,
        )
        policy = PolicyDocument(
            [
                Statement(
                    actions=actions.CLOUDWATCH_DESCRIBE_ALARMS,
                    resources=[env.arn("cloudwatch", f"alarm:{prefix}*")],
                    justification=_ALARM_PREFIX_REASON,
                ),
                Statement(
                    actions=actions.CLOUDWATCH_GET_METRIC_DATA,
                    resources=["*"],
                    justification=_NO_METRIC_RESOURCE,
                ),
                # Authorized against the path asked for, not the parameters returned.
                Statement(
                    actions=actions.SSM_GET_PARAMETERS_BY_PATH,
                    resources=[env.arn("ssm", f"parameter{path}")],
                ),
                log_group_write(logs.arn),
                tracing_statement(),
            ]
        )
        role_policy = aws.iam.RolePolicy(
            self.child("policy"),
            aws.iam.RolePolicyArgs(role=role.name, policy=policy.to_json()),
            opts=self.child_opts(),
        )
        self.function = aws.lambda_.Function(
            name,
            aws.lambda_.FunctionArgs(
                name=function_name,
                role=role.arn,
                runtime=HEALTH_RUNTIME,
                handler=HANDLER,
                code=pulumi.AssetArchive({HANDLER_FILE: pulumi.FileAsset(str(HANDLER_PATH))}),
                architectures=["arm64"],
                memory_size=128,
                timeout=args.timeout_seconds,
                reserved_concurrent_executions=args.reserved_concurrency,
                description=f"/health/infrastructure of {environment}",
                environment=aws.lambda_.FunctionEnvironmentArgs(
                    variables={
                        ENVIRONMENT_VARIABLE: environment,
                        ALARM_PREFIX_VARIABLE: prefix,
                        DEPLOYMENTS_PATH_VARIABLE: path,
                        NAMESPACE_VARIABLE: NAMESPACE,
                        WINDOW_HOURS_VARIABLE: str(env.profile.alarms.delivery_window_hours),
                        WARNING_TOPIC_VARIABLE: args.topics.warning,
                        CRITICAL_TOPIC_VARIABLE: args.topics.critical,
                    }
                ),
                # prescription: SEC-3 -- Lambda creates a grant on the key for the function's role.
                kms_key_arn=args.key.arn,
                tracing_config=aws.lambda_.FunctionTracingConfigArgs(mode="Active"),
                logging_config=aws.lambda_.FunctionLoggingConfigArgs(log_format="JSON"),
            ),
            opts=self.child_opts(depends_on=[logs, role_policy]),
        )
        # prescription: SEC-1 -- signed callers of this account only; never NONE.
        self.function_url = aws.lambda_.FunctionUrl(
            self.child("url"),
            aws.lambda_.FunctionUrlArgs(
                function_name=self.function.name, authorization_type="AWS_IAM"
            ),
            opts=self.child_opts(),
        )
        self.role = role
        #: ``https://<id>.lambda-url.<region>.on.aws/health/infrastructure``.
        self.url: pulumi.Output[str] = self.function_url.function_url.apply(
            lambda base: base.rstrip("/") + PATH
        )
        self.function_name: pulumi.Output[str] = self.function.name
        self.function_arn: pulumi.Output[str] = self.function.arn
        self.register_outputs(
            {
                "url": self.url,
                "function_name": self.function_name,
                "function_arn": self.function_arn,
            }
        )

    def grant_invoke(self, grantee: Grantee) -> aws.iam.RolePolicy:
        """Let ``grantee`` call the endpoint: :data:`INVOKE_ACTIONS` on this function only,
        through its IAM-authorized URL only."""
        document = PolicyDocument(
            [
                Statement(
                    actions=actions.LAMBDA_INVOKE_FUNCTION_URL,
                    resources=[self.function_arn],
                    conditions={"StringEquals": {"lambda:FunctionUrlAuthType": "AWS_IAM"}},
                ),
                Statement(
                    actions=actions.LAMBDA_INVOKE_FUNCTION,
                    resources=[self.function_arn],
                    conditions={"Bool": {"lambda:InvokedViaFunctionUrl": "true"}},
                ),
            ]
        )
        return attach_policy(grantee, f"{self.component_name}-invoke", document, parent=self)


def _check(args: HealthEndpointArgs, function_name: str) -> None:
    key = args.key
    if "lambda" not in key.via_services:
        raise ValidationError(
            "key",
            key.component_name,
            "the key is not usable through Lambda, which encrypts the health function's "
            "environment variables with it (SEC-3)",
            "create the key with KeyArgs(via_services=(..., 'lambda'))",
        )
    key.require_log_group(f"/aws/lambda/{function_name}", what="the health function's log group")
    if not 1 <= args.timeout_seconds <= _MAX_TIMEOUT:
        raise ValidationError(
            "timeout_seconds",
            args.timeout_seconds,
            "a Lambda function runs for 1 to 900 seconds",
            "pick a timeout from 1 to 900 seconds, or omit it for 10",
        )
    concurrency = args.reserved_concurrency
    if concurrency is not None and not 1 <= concurrency <= 10:
        raise ValidationError(
            "reserved_concurrency",
            concurrency,
            "a health check needs a few executions at once; 0 would stop it and more than 10 "
            "takes capacity from the account's other functions",
            "pick 1 to 10, or omit it to reserve nothing",
        )
