"""IAM documents of the EKS cluster and its controllers (pure: no Pulumi resource is created).

Least privilege (SEC-1): every statement names the resources it may act on, scoped to this
account and region, and where the controller tags what it creates, to resources carrying this
cluster's tag. ``Resource: "*"`` appears only on calls that accept no resource ARN in AWS's
service authorization data, always with a written justification (it becomes the statement's
``Sid``). The load balancer controller's policy is in :mod:`infra_kit.aws._lb_controller_policy`.

ARNs that need the account id are built by :class:`ArnScope`, whose ``account`` may be a plain
string (tests) or the environment's ``Output`` account id (programs).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi

from infra_kit.aws import actions
from infra_kit.aws._policy import PolicyDocument, Statement
from infra_kit.aws.grants import service_trust

__all__ = [
    "ArnScope",
    "autoscaler_policy",
    "autoscaler_tags",
    "ebs_csi_kms_policy",
    "join_arn",
    "managed_policy_arn",
    "service_trust_policy",
]

#: AWS-managed policies the cluster attaches, by name, with their path.
_MANAGED_PATHS = {
    "AmazonEKSClusterPolicy": "",
    "AmazonEKSWorkerNodePolicy": "",
    "AmazonEC2ContainerRegistryReadOnly": "",
    "AmazonEKS_CNI_Policy": "",
    "AmazonEBSCSIDriverPolicy": "service-role/",
}


def managed_policy_arn(partition: str, name: str) -> str:
    """``arn:<partition>:iam::aws:policy/[path]<name>`` of an AWS-managed policy."""
    return f"arn:{partition}:iam::aws:policy/{_MANAGED_PATHS[name]}{name}"


@dataclass(frozen=True)
class ArnScope:
    """Builds ARNs inside one partition, region and account."""

    partition: str
    region: str
    account: pulumi.Input[str]

    def arn(self, service: str, resource: str, *, regional: bool = True) -> pulumi.Input[str]:
        region = self.region if regional else ""
        prefix = f"arn:{self.partition}:{service}:{region}:"
        if isinstance(self.account, str):
            return f"{prefix}{self.account}:{resource}"
        return pulumi.Output.from_input(self.account).apply(lambda a: f"{prefix}{a}:{resource}")


def join_arn(head: pulumi.Input[str], tail: pulumi.Input[str]) -> pulumi.Input[str]:
    if isinstance(head, str) and isinstance(tail, str):
        return head + tail
    return pulumi.Output.concat(head, tail)


def service_trust_policy(service: str) -> PolicyDocument:
    """A trust policy letting one AWS service principal (``eks.amazonaws.com``) assume the role."""
    return service_trust(service)


def autoscaler_tags(cluster_name: str) -> dict[str, str]:
    """The auto-discovery tags of the cluster autoscaler on this cluster's node groups."""
    return {
        "k8s.io/cluster-autoscaler/enabled": "true",
        f"k8s.io/cluster-autoscaler/{cluster_name}": "owned",
    }


def autoscaler_policy(
    cluster_name: str, scope: ArnScope, *, nodegroup_arns: Sequence[pulumi.Input[str]]
) -> PolicyDocument:
    """What the cluster autoscaler needs: read the groups, resize only this cluster's groups.

    ``eks:DescribeNodegroup`` names the cluster's node groups by their own ARNs (which end in an
    id EKS generates, so they come from the node groups' ``arn`` outputs). EKS tags the Auto
    Scaling group of every managed node group with the auto-discovery tags, so the resize
    statement is conditioned on ``aws:ResourceTag`` of both tags.
    """
    return PolicyDocument(
        [
            Statement(
                actions=[
                    "autoscaling:DescribeAutoScalingGroups",
                    "autoscaling:DescribeAutoScalingInstances",
                    "autoscaling:DescribeLaunchConfigurations",
                    "autoscaling:DescribeScalingActivities",
                    "autoscaling:DescribeTags",
                    "ec2:DescribeImages",
                    "ec2:DescribeInstanceTypes",
                    "ec2:DescribeLaunchTemplateVersions",
                    "ec2:GetInstanceTypesFromInstanceRequirements",
                ],
                resources=["*"],
                justification="These Auto Scaling and EC2 read calls accept no resource ARN",
            ),
            Statement(
                actions=["eks:DescribeNodegroup"],
                resources=list(nodegroup_arns),
                sid="DescribeOwnNodegroups",
            ),
            Statement(
                actions=[
                    "autoscaling:SetDesiredCapacity",
                    "autoscaling:TerminateInstanceInAutoScalingGroup",
                ],
                resources=[scope.arn("autoscaling", "autoScalingGroup:*:autoScalingGroupName/*")],
                conditions={
                    "StringEquals": {
                        f"aws:ResourceTag/{k}": v for k, v in autoscaler_tags(cluster_name).items()
                    }
                },
                sid="ResizeOwnNodeGroupsOnly",
            ),
        ]
    )


def ebs_csi_kms_policy(key_arn: pulumi.Input[str], region: str) -> PolicyDocument:
    """Use of the cluster key by the EBS CSI driver, through EC2 only, for encrypted volumes."""
    return PolicyDocument(
        [
            Statement(
                actions=["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
                resources=[key_arn],
                conditions={"Bool": {"kms:GrantIsForAWSResource": "true"}},
                sid="GrantsForEbsOnly",
            ),
            Statement(
                actions=actions.KMS_VOLUME_ENCRYPTION,
                resources=[key_arn],
                conditions={"StringEquals": {"kms:ViaService": f"ec2.{region}.amazonaws.com"}},
                sid="UseKeyThroughEc2",
            ),
        ]
    )
