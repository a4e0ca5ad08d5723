"""What watches a rotated :class:`~infra_kit.aws.secret.Secret`: rotation failures and its age.

Two alarm pairs (OBS-3) and the function that publishes the age metric, children of the secret:

- ``<name>-rotation-errors``: ``AWS/Lambda`` ``Errors`` (``Sum``, one hour) of the rotation
  function at or above ``alarms.rotation_errors_warning`` / ``_critical``. Each failed step of a
  rotation is an error; missing data (no rotation that hour) is not breaching.
- ``<name>-age``: ``SecretAgeDays`` (:mod:`infra_kit.aws.rotation.age`, ``Maximum``, one hour)
  above the rotation period plus ``alarms.secret_overdue_warning_days`` / ``_critical_days``,
  three hours running. Missing data is breaching, so a publisher that stopped alarms too. This
  one also catches what ``Errors`` cannot: a rotation that never starts (a removed schedule, a
  function Secrets Manager may not invoke).

Secrets Manager publishes no age metric, so the secret gets a small publisher: a function
``<project>-<stack>-<name>-age`` (role, log group, hourly EventBridge schedule, invoke permission)
whose role may only describe this secret and publish to the :data:`~infra_kit.aws.rotation.age.NAMESPACE`
namespace (the ``cloudwatch:namespace`` condition; ``PutMetricData`` takes no resource ARN). It is
invoked once at deployment (``aws.lambda_.Invocation``), and the age alarms wait for that first
datapoint, so a new secret does not page everyone while its first hour passes in silence.

Rotation failures are not also taken from Secrets Manager's ``RotationFailed`` events through
EventBridge: delivery from EventBridge to the KMS-encrypted topic is unverified (ADR 0020, open
question), and the two alarms above already cover a failed or stalled rotation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pulumi
import pulumi_aws as aws

from infra_kit.aws import actions
from infra_kit.aws._function_basics import function_role_and_logs
from infra_kit.aws._policy import PolicyDocument, Statement
from infra_kit.aws.alarms import AlarmTopics, Metric, alarm_pair
from infra_kit.aws.grants import log_group_write
from infra_kit.aws.rotation import AGE_FILE, AGE_HANDLER, AGE_PATH
from infra_kit.aws.rotation.age import DIMENSION, METRIC, NAMESPACE

if TYPE_CHECKING:
    from infra_kit.aws.secret import Secret

__all__ = ["AGE_SCHEDULE", "ALARM_SECTION", "watch_rotation"]

#: The dashboard section of a secret's alarms (OBS-4).
ALARM_SECTION = "Secret age"
#: How often the age is published; also the alarms' period.
AGE_SCHEDULE = "rate(1 hour)"
_HOUR = 3600
_AGE_PERIODS = 3
_PUT_METRICS_REASON = "PutMetricData accepts no resource ARN; cloudwatch:namespace scopes it"


def watch_rotation(
    secret: Secret,
    *,
    rotation_function: aws.lambda_.Function,
    days: int,
    age_function_name: str,
    topics: AlarmTopics,
) -> aws.lambda_.Function:
    """The rotation-errors and age alarm pairs of ``secret``, and its age publisher."""
    limits = secret.env.profile.alarms
    alarm_pair(
        secret, "rotation-errors",
        signal=Metric(
            "AWS/Lambda", "Errors", {"FunctionName": rotation_function.name}, "Sum", _HOUR
        ),
        comparison="at-or-above",
        warning=limits.rotation_errors_warning, critical=limits.rotation_errors_critical,
        topics=topics, section=ALARM_SECTION,
        description=f"Failed steps of the rotation of secret {secret.component_name}; read the "
        "rotation function's log group, fix the cause, then rotate again "
        "(aws secretsmanager rotate-secret)",
        treat_missing_data="notBreaching",
    )  # fmt: skip
    publisher, first = _age_publisher(secret, age_function_name)
    # The alarms depend on the first datapoint, through their dimension.
    secret_name = pulumi.Output.all(secret.name, first.id).apply(lambda values: str(values[0]))
    alarm_pair(
        secret, "age",
        signal=Metric(
            NAMESPACE, METRIC, {DIMENSION: secret_name}, "Maximum", _HOUR,
            emitter=age_function_name,
        ),
        comparison="above",
        warning=days + limits.secret_overdue_warning_days,
        critical=days + limits.secret_overdue_critical_days,
        topics=topics, section=ALARM_SECTION,
        description=f"Days since secret {secret.component_name} was last rotated (every {days} "
        "days); its rotation is overdue, or the age publisher stopped: check the rotation "
        "function's and the publisher's logs",
        evaluation_periods=_AGE_PERIODS, datapoints_to_alarm=_AGE_PERIODS,
        treat_missing_data="breaching",
    )  # fmt: skip
    return publisher


def _age_publisher(
    secret: Secret, function_name: str
) -> tuple[aws.lambda_.Function, aws.lambda_.Invocation]:
    key = secret.key
    role, logs = function_role_and_logs(
        secret,
        "age",
        function_name=function_name,
        description=f"Age publisher of secret {secret.component_name}",
        key_arn=key.arn if key.log_group_access else None,
    )
    policy = PolicyDocument(
        [
            Statement(actions=("secretsmanager:DescribeSecret",), resources=[secret.arn]),
            Statement(
                actions=actions.CLOUDWATCH_PUT_METRICS,
                resources=["*"],
                conditions={"StringEquals": {"cloudwatch:namespace": NAMESPACE}},
                justification=_PUT_METRICS_REASON,
            ),
            log_group_write(logs.arn),
        ]
    )
    role_policy = aws.iam.RolePolicy(
        secret.child("age-policy"),
        aws.iam.RolePolicyArgs(role=role.name, policy=policy.to_json()),
        opts=secret.child_opts(),
    )
    function = aws.lambda_.Function(
        secret.child("age"),
        aws.lambda_.FunctionArgs(
            name=function_name,
            role=role.arn,
            runtime=aws.lambda_.Runtime.PYTHON3D13,
            handler=AGE_HANDLER,
            code=pulumi.AssetArchive({AGE_FILE: pulumi.FileAsset(str(AGE_PATH))}),
            architectures=["arm64"],
            memory_size=128,
            timeout=30,
            description=f"Publishes the age of secret {secret.component_name} ({NAMESPACE})",
            logging_config=aws.lambda_.FunctionLoggingConfigArgs(log_format="JSON"),
        ),
        opts=secret.child_opts(depends_on=[logs]),
    )
    event = pulumi.Output.json_dumps({"secret_id": secret.arn})
    schedule = aws.cloudwatch.EventRule(
        secret.child("age-schedule"),
        aws.cloudwatch.EventRuleArgs(
            description=f"Hourly age of secret {secret.component_name}",
            schedule_expression=AGE_SCHEDULE,
        ),
        opts=secret.child_opts(),
    )
    invoke = aws.lambda_.Permission(
        secret.child("age-invoke"),
        aws.lambda_.PermissionArgs(
            action="lambda:InvokeFunction",
            function=function.name,
            principal="events.amazonaws.com",
            source_arn=schedule.arn,
        ),
        opts=secret.child_opts(),
    )
    aws.cloudwatch.EventTarget(
        secret.child("age-target"),
        aws.cloudwatch.EventTargetArgs(rule=schedule.name, arn=function.arn, input=event),
        opts=secret.child_opts(depends_on=[invoke]),
    )
    first = aws.lambda_.Invocation(
        secret.child("age-first"),
        aws.lambda_.InvocationArgs(function_name=function.name, input=event),
        opts=secret.child_opts(depends_on=[role_policy, logs]),
    )
    return function, first
