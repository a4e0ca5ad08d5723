"""Least-privilege grants: how components give a role exactly the access it needs (SEC-1).

Components expose ``grant_*`` methods that take the grantee first, e.g. ``bucket.grant_read(role)``.
Each call attaches one inline policy to the grantee's role with exact actions, drawn from
:mod:`infra_kit.aws.actions`, scoped to the resource's ARN. Where the resource is encrypted with
a customer-managed key, the grant also allows the key's use through that service only
(a ``kms:ViaService`` condition).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import pulumi
import pulumi_aws as aws

from infra_kit.aws import actions
from infra_kit.aws._policy import PolicyDocument, Statement
from infra_kit.errors import ValidationError

__all__ = [
    "Grantee",
    "HasRole",
    "attach_policy",
    "kms_via_service",
    "log_group_write",
    "role_of",
    "service_trust",
]


@runtime_checkable
class HasRole(Protocol):
    """Anything that owns an IAM role, such as an IRSA role or a workload.

    Attributes:
        iam_role: the ``aws.iam.Role`` that ``grant_*`` methods attach policies to.
    """

    @property
    def iam_role(self) -> aws.iam.Role: ...


Grantee = aws.iam.Role | HasRole


def role_of(grantee: Grantee) -> aws.iam.Role:
    """The IAM role behind ``grantee``; refuses anything that has none."""
    if isinstance(grantee, aws.iam.Role):
        return grantee
    role = getattr(grantee, "iam_role", None)
    if isinstance(role, aws.iam.Role):
        return role
    raise ValidationError(
        "grantee",
        type(grantee).__name__,
        "it has no IAM role to grant to",
        "pass an aws.iam.Role, an IrsaRole, or a workload created with AWS access",
    )


def _logical_name(resource: pulumi.Resource) -> str:
    # The logical name is the stable part of the URN; the SDK keeps it on the instance.
    return str(resource._name)  # pyright: ignore[reportAttributeAccessIssue] -- set by pulumi.Resource


def kms_via_service(
    key_arn: pulumi.Input[str],
    service: str,
    region: str,
    key_actions: Sequence[str] = actions.KMS_DECRYPT,
) -> Statement:
    """Use of ``key_arn`` only when ``service`` calls KMS on the caller's behalf."""
    return Statement(
        actions=key_actions,
        resources=[key_arn],
        conditions={"StringEquals": {"kms:ViaService": f"{service}.{region}.amazonaws.com"}},
    )


def service_trust(
    service: str,
    *,
    source_account: pulumi.Input[str] | None = None,
    source_arn: pulumi.Input[str] | None = None,
) -> PolicyDocument:
    """A trust policy letting the AWS ``service`` principal assume a role.

    ``source_account`` and ``source_arn`` add the ``aws:SourceAccount`` / ``aws:SourceArn``
    conditions that keep the service from acting for another account (the confused deputy).
    """
    conditions: dict[str, dict[str, object]] = {}
    if source_account is not None:
        conditions["StringEquals"] = {"aws:SourceAccount": source_account}
    if source_arn is not None:
        conditions["ArnLike"] = {"aws:SourceArn": source_arn}
    return PolicyDocument(
        [
            Statement(
                actions=["sts:AssumeRole"], principals={"Service": [service]}, conditions=conditions
            )
        ]
    )


def log_group_write(
    group_arn: pulumi.Output[str], log_actions: Sequence[str] = actions.LOGS_WRITE
) -> Statement:
    """Writing to one log group and its streams (``<arn>:*``), nothing else."""
    return Statement(
        actions=log_actions, resources=[group_arn, pulumi.Output.concat(group_arn, ":*")]
    )


def attach_policy(
    grantee: Grantee, label: str, document: PolicyDocument, *, parent: pulumi.Resource
) -> aws.iam.RolePolicy:
    """Attach ``document`` to the grantee's role as an inline policy named ``<role>-<label>``.

    ``parent`` is the resource that grants (its component), so the grant is removed with it.
    """
    role = role_of(grantee)
    name = f"{_logical_name(role)}-{label}"
    return aws.iam.RolePolicy(
        name,
        aws.iam.RolePolicyArgs(role=role.name, policy=document.to_json()),
        opts=pulumi.ResourceOptions(parent=parent),
    )
