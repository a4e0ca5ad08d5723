"""Who may use an EKS cluster: access entries and access policies from a declarative list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra_kit.aws._access_grants import (
    EKS_ACCESS_POLICIES,
    AccessGrant,
    AccessPolicy,
    AccessScope,
    access_policy_arn,
    validate_grants,
)
from infra_kit.core.component import Component
from infra_kit.core.environment import Environment

__all__ = [
    "AccessGrant",
    "AccessPolicy",
    "AccessScope",
    "ClusterAccess",
    "ClusterAccessArgs",
]


@dataclass(frozen=True, kw_only=True)
class ClusterAccessArgs:
    """Arguments of :class:`ClusterAccess`.

    Args:
        cluster_name: the EKS cluster's name (``Cluster.name``), an output so every entry
            waits for the cluster.
        grants: one :class:`AccessGrant` per principal. Labels and literal principal ARNs are
            unique; policies are AWS-managed access policies, each scoped to the cluster or to
            namespaces (a trailing ``*`` matches a prefix).
    """

    cluster_name: pulumi.Input[str]
    grants: Sequence[AccessGrant]


class ClusterAccess(Component):
    """EKS access entries (authentication mode API) for a list of grants.

    Children, per grant of label ``<label>``:

    - ``aws.eks.AccessEntry`` ``<name>-<label>`` (type STANDARD, the grant's Kubernetes groups);
    - per policy, ``aws.eks.AccessPolicyAssociation`` ``<name>-<label>-<policy>`` (``policy``
      being ``cluster-admin``, ``admin``, ``edit`` or ``view``), scoped to the cluster or to
      the grant's namespaces, created after its entry.

    Names derive from the labels, never from ARNs or positions, so reordering grants replaces
    nothing.

    Prescriptions: SEC-1 (each CI role gets the narrowest access policy and scope it needs:
    cluster admin only for the environment's deploy role, namespace-scoped admin for app teams
    and preview deployers).
    """

    TYPE = "infra-kit:aws:ClusterAccess"

    def __init__(
        self,
        name: str,
        args: ClusterAccessArgs,
        env: Environment,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        grants = validate_grants(args.grants)
        super().__init__(name, env, opts)
        self.entries: dict[str, aws.eks.AccessEntry] = {}
        self.associations: list[aws.eks.AccessPolicyAssociation] = []
        for grant in grants:
            entry = aws.eks.AccessEntry(
                self.child(grant.label),
                aws.eks.AccessEntryArgs(
                    cluster_name=args.cluster_name,
                    principal_arn=grant.principal_arn,
                    type="STANDARD",
                    kubernetes_groups=list(grant.kubernetes_groups) or None,
                ),
                opts=self.child_opts(),
            )
            self.entries[grant.label] = entry
            for policy in grant.policies:
                # prescription: SEC-1 -- the policy's scope is exactly what the grant names.
                scope = aws.eks.AccessPolicyAssociationAccessScopeArgs(
                    type=policy.scope.value,
                    namespaces=list(policy.namespaces) or None,
                )
                self.associations.append(
                    aws.eks.AccessPolicyAssociation(
                        self.child(grant.label, EKS_ACCESS_POLICIES[policy.name]),
                        aws.eks.AccessPolicyAssociationArgs(
                            cluster_name=args.cluster_name,
                            principal_arn=grant.principal_arn,
                            policy_arn=access_policy_arn(env.partition, policy.name),
                            access_scope=scope,
                        ),
                        opts=self.child_opts(depends_on=[entry]),
                    )
                )
        self.register_outputs(
            {"principal_arns": {label: e.principal_arn for label, e in self.entries.items()}}
        )
