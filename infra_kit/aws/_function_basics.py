"""What every function infra-kit ships starts with: its role and its log group.

The role is assumed by Lambda for this account only, for at most an hour. The log group is
``/aws/lambda/<function>``, created before the function so Lambda never creates it unencrypted
and unbounded (OBS-2): retention ``logs.retention_days``, the key when it admits CloudWatch
Logs, deletion protection and Pulumi protection where the profile protects state.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from infra_kit.aws.grants import service_trust
from infra_kit.core.component import Component

__all__ = ["function_role_and_logs"]


def function_role_and_logs(
    owner: Component,
    *suffix: str,
    function_name: str,
    description: str,
    key_arn: pulumi.Input[str] | None,
) -> tuple[aws.iam.Role, aws.cloudwatch.LogGroup]:
    """``aws.iam.Role`` ``<owner>[-<suffix>]-role`` and ``aws.cloudwatch.LogGroup``
    ``<owner>[-<suffix>]-logs`` of the function ``function_name``, children of ``owner``."""
    env = owner.env
    role = aws.iam.Role(
        owner.child(*suffix, "role"),
        aws.iam.RoleArgs(
            assume_role_policy=service_trust(
                "lambda.amazonaws.com", source_account=env.account_id
            ).to_json(),
            description=description,
            max_session_duration=3600,
        ),
        opts=owner.child_opts(),
    )
    logs = aws.cloudwatch.LogGroup(
        owner.child(*suffix, "logs"),
        aws.cloudwatch.LogGroupArgs(
            name=f"/aws/lambda/{function_name}",
            retention_in_days=env.profile.logs.retention_days,
            kms_key_id=key_arn,
            deletion_protection_enabled=env.profile.protect_stateful,
        ),
        opts=owner.stateful_opts(),
    )
    return role, logs
