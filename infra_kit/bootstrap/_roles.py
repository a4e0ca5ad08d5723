"""The service-linked roles the platform stack needs before AWS would create them itself."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SERVICE_LINKED_ROLES", "ServiceLinkedRole"]


@dataclass(frozen=True)
class ServiceLinkedRole:
    service: str
    role_name: str
    why: str


# AWS creates a service's linked role itself the first time that service needs it, when the
# caller may call iam:CreateServiceLinkedRole. A role belongs here only when the platform stack
# names it before that first use, so that the first `pulumi up` would fail without it.
#
# Considered and left to AWS, because nothing in the stack names them before the service makes
# them:
# - AWSServiceRoleForAmazonEKS: EKS creates it with the first cluster.
# - AWSServiceRoleForAmazonEKSNodegroup: EKS creates it with the first managed node group.
# - AWSServiceRoleForElasticLoadBalancing: ELB creates it with the first load balancer; the
#   Load Balancer Controller's own policy allows creating it (infra_kit/aws/_cluster_policies.py).
# - AWSServiceRoleForRDS: RDS creates it with the first DB instance or subnet group.
# - AWSServiceRoleForEC2Spot: spot capacity comes from node groups' Auto Scaling groups, which
#   launch it with the Auto Scaling role below.
SERVICE_LINKED_ROLES: tuple[ServiceLinkedRole, ...] = (
    ServiceLinkedRole(
        service="autoscaling.amazonaws.com",
        role_name="AWSServiceRoleForAutoScaling",
        why=(
            "the platform key's policy names it, so that Auto Scaling can launch the node "
            "groups' encrypted volumes; KMS refuses a key policy whose principal does not exist, "
            "and AWS creates this role only with the first Auto Scaling group, after the key"
        ),
    ),
)
