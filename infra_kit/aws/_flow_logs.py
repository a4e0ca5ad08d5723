"""The flow-log children of a :class:`~infra_kit.aws.network.Network` (NET-3, OBS-2, SEC-1).

Not a component of its own: the resources are children of the network, named by it, so their
URNs are the network's to keep stable.
"""

from __future__ import annotations

from collections.abc import Callable

import pulumi_aws as aws

from infra_kit.aws._policy import PolicyDocument
from infra_kit.aws.grants import log_group_write, service_trust
from infra_kit.aws.key import Key
from infra_kit.core.component import Component

__all__ = ["build_flow_logs"]


def flow_log_group_name(project: str, stack: str, network: str) -> str:
    """The log group a network's flow logs go to."""
    return f"/vpc-flow-logs/{project}-{stack}-{network}"


def build_flow_logs(
    owner: Component,
    vpc: aws.ec2.Vpc,
    key: Key,
    label: Callable[..., str],
) -> aws.cloudwatch.LogGroup:
    """Create ``<name>-flow-logs`` (log group), ``-flow-logs-role``, ``-flow-logs-policy`` and
    ``-flow-log`` under ``owner`` for ``vpc``; ``label(*suffix)`` gives a child's ``Name`` tag.

    Returns the log group, encrypted with ``key``, with retention
    ``network.flow_log_retention_days`` and protected where the profile protects state.
    """
    env = owner.env
    # prescription: OBS-2 -- encrypted with a customer-managed key, retention from the profile.
    group = aws.cloudwatch.LogGroup(
        owner.child("flow-logs"),
        aws.cloudwatch.LogGroupArgs(
            name=flow_log_group_name(env.project, env.stack, owner.component_name),
            kms_key_id=key.arn,
            retention_in_days=env.profile.network.flow_log_retention_days,
            deletion_protection_enabled=env.profile.protect_stateful,
        ),
        opts=owner.stateful_opts(),
    )
    trust = service_trust(
        "vpc-flow-logs.amazonaws.com",
        source_account=env.account_id,
        source_arn=env.arn("ec2", "vpc-flow-log/*"),
    )
    role = aws.iam.Role(
        owner.child("flow-logs-role"),
        aws.iam.RoleArgs(
            description=f"Delivers VPC flow logs of {label('vpc')} to CloudWatch Logs",
            assume_role_policy=trust.to_json(),
        ),
        opts=owner.child_opts(),
    )
    # prescription: SEC-1 -- exact actions on this log group (":*" is its streams) only.
    # DescribeLogGroups and CreateLogGroup are not needed: the group exists before the flow log.
    write = PolicyDocument([log_group_write(group.arn)])
    policy = aws.iam.RolePolicy(
        owner.child("flow-logs-policy"),
        aws.iam.RolePolicyArgs(role=role.name, policy=write.to_json()),
        opts=owner.child_opts(),
    )
    # prescription: NET-3
    aws.ec2.FlowLog(
        owner.child("flow-log"),
        aws.ec2.FlowLogArgs(
            vpc_id=vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=group.arn,
            iam_role_arn=role.arn,
            tags={"Name": label("flow-log")},
        ),
        opts=owner.child_opts(depends_on=[policy]),
    )
    return group
