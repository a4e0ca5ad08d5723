"""IAM documents of the EKS cluster and its controllers (pure: no Pulumi resource is created).

Least privilege (SEC-1): every mutating statement names the resources it may change, scoped to
this account and region, and where the controller tags what it creates, to resources carrying
this cluster's tag. ``Resource: "*"`` appears only on read calls and on the few APIs that accept
no resource ARN, always with a written justification (it becomes the statement's ``Sid``).

ARNs that need the account id are built by :class:`ArnScope`, whose ``account`` may be a plain
string (tests) or the environment's ``Output`` account id (programs).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from infra_kit.aws import actions
from infra_kit.aws._policy import PolicyDocument, Statement
from infra_kit.aws.grants import service_trust

__all__ = [
    "ELBV2_CLUSTER_TAG",
    "ArnScope",
    "autoscaler_policy",
    "autoscaler_tags",
    "ebs_csi_kms_policy",
    "load_balancer_controller_policy",
    "managed_policy_arn",
    "service_trust_policy",
]

#: The tag the AWS Load Balancer Controller puts on everything it creates: value = cluster name.
ELBV2_CLUSTER_TAG = "elbv2.k8s.aws/cluster"

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


def _join(head: pulumi.Input[str], tail: pulumi.Input[str]) -> pulumi.Input[str]:
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


def autoscaler_policy(cluster_name: str, scope: ArnScope) -> PolicyDocument:
    """What the cluster autoscaler needs: read the groups, resize only this cluster's groups.

    EKS tags the Auto Scaling group of every managed node group with the auto-discovery tags, so
    the resize statement is conditioned on ``aws:ResourceTag`` of both tags.
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
                justification="Auto Scaling and EC2 describe calls accept no resource ARN",
            ),
            Statement(
                actions=["eks:DescribeNodegroup"],
                resources=[scope.arn("eks", f"nodegroup/{cluster_name}/*")],
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


def load_balancer_controller_policy(
    cluster_name: str,
    scope: ArnScope,
    *,
    vpc_id: pulumi.Input[str],
    node_security_group_arn: pulumi.Input[str],
) -> PolicyDocument:
    """What the AWS Load Balancer Controller needs, scoped to this account, region and cluster.

    Load balancers, target groups and security groups it creates carry ``elbv2.k8s.aws/cluster``
    = ``cluster_name``; it may change or delete only those. It may open the nodes' security group
    to its load balancers, create security groups only in this cluster's VPC, and manage
    listeners, rules and targets of load balancers in this account and region.
    """

    def elb(resource: str) -> pulumi.Input[str]:
        return scope.arn("elasticloadbalancing", resource)

    security_groups = scope.arn("ec2", "security-group/*")
    balancers = [elb("loadbalancer/app/*"), elb("loadbalancer/net/*"), elb("targetgroup/*")]
    listeners = [elb("listener/*"), elb("listener-rule/*")]
    vpc_arn = _join(scope.arn("ec2", "vpc/"), vpc_id)
    own = {"StringEquals": {f"aws:ResourceTag/{ELBV2_CLUSTER_TAG}": cluster_name}}
    untouched_tag = {"Null": {f"aws:RequestTag/{ELBV2_CLUSTER_TAG}": "true"}}
    return PolicyDocument(
        [
            Statement(
                actions=["iam:CreateServiceLinkedRole"],
                resources=[
                    scope.arn(
                        "iam",
                        "role/aws-service-role/elasticloadbalancing.amazonaws.com/"
                        "AWSServiceRoleForElasticLoadBalancing",
                        regional=False,
                    )
                ],
                conditions={
                    "StringEquals": {"iam:AWSServiceName": "elasticloadbalancing.amazonaws.com"}
                },
                sid="ElbServiceLinkedRole",
            ),
            Statement(
                actions=[
                    "acm:DescribeCertificate",
                    "acm:ListCertificates",
                    "cognito-idp:DescribeUserPoolClient",
                    "ec2:DescribeAccountAttributes",
                    "ec2:DescribeAddresses",
                    "ec2:DescribeAvailabilityZones",
                    "ec2:DescribeCoipPools",
                    "ec2:DescribeInstances",
                    "ec2:DescribeInternetGateways",
                    "ec2:DescribeIpamPools",
                    "ec2:DescribeNetworkInterfaces",
                    "ec2:DescribeRouteTables",
                    "ec2:DescribeSecurityGroups",
                    "ec2:DescribeSubnets",
                    "ec2:DescribeTags",
                    "ec2:DescribeVpcPeeringConnections",
                    "ec2:DescribeVpcs",
                    "ec2:GetCoipPoolUsage",
                    "ec2:GetSecurityGroupsForVpc",
                    "elasticloadbalancing:DescribeCapacityReservation",
                    "elasticloadbalancing:DescribeListenerAttributes",
                    "elasticloadbalancing:DescribeListenerCertificates",
                    "elasticloadbalancing:DescribeListeners",
                    "elasticloadbalancing:DescribeLoadBalancerAttributes",
                    "elasticloadbalancing:DescribeLoadBalancers",
                    "elasticloadbalancing:DescribeRules",
                    "elasticloadbalancing:DescribeSSLPolicies",
                    "elasticloadbalancing:DescribeTags",
                    "elasticloadbalancing:DescribeTargetGroupAttributes",
                    "elasticloadbalancing:DescribeTargetGroups",
                    "elasticloadbalancing:DescribeTargetHealth",
                    "elasticloadbalancing:DescribeTrustStores",
                    "iam:GetServerCertificate",
                    "iam:ListServerCertificates",
                    "shield:DescribeProtection",
                    "shield:GetSubscriptionState",
                    "waf-regional:GetWebACL",
                    "waf-regional:GetWebACLForResource",
                    "wafv2:GetWebACL",
                    "wafv2:GetWebACLForResource",
                ],
                resources=["*"],
                justification="Read calls the controller uses to discover networks, certificates "
                "and load balancers accept no resource ARN",
            ),
            Statement(
                actions=[
                    "shield:CreateProtection",
                    "shield:DeleteProtection",
                    "waf-regional:AssociateWebACL",
                    "waf-regional:DisassociateWebACL",
                    "wafv2:AssociateWebACL",
                    "wafv2:DisassociateWebACL",
                ],
                resources=["*"],
                justification="Web ACLs and Shield protections are named by the workloads "
                "annotations at run time so their ARNs are not known here",
            ),
            Statement(
                actions=["ec2:CreateSecurityGroup"],
                resources=[vpc_arn, security_groups],
                sid="CreateSecurityGroupsInClusterVpc",
            ),
            Statement(
                actions=["ec2:CreateTags"],
                resources=[security_groups],
                conditions={
                    "StringEquals": {
                        "ec2:CreateAction": "CreateSecurityGroup",
                        f"aws:RequestTag/{ELBV2_CLUSTER_TAG}": cluster_name,
                    }
                },
                sid="TagSecurityGroupsOnCreate",
            ),
            Statement(
                actions=["ec2:CreateTags", "ec2:DeleteTags"],
                resources=[security_groups],
                conditions={**own, **untouched_tag},
                sid="RetagOwnSecurityGroups",
            ),
            Statement(
                actions=[
                    "ec2:AuthorizeSecurityGroupIngress",
                    "ec2:DeleteSecurityGroup",
                    "ec2:RevokeSecurityGroupIngress",
                ],
                resources=[security_groups],
                conditions=own,
                sid="ManageOwnSecurityGroups",
            ),
            Statement(
                actions=["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"],
                resources=[node_security_group_arn],
                sid="OpenNodesToOwnLoadBalancers",
            ),
            Statement(
                actions=[
                    "elasticloadbalancing:CreateLoadBalancer",
                    "elasticloadbalancing:CreateTargetGroup",
                ],
                resources=balancers,
                conditions={"StringEquals": {f"aws:RequestTag/{ELBV2_CLUSTER_TAG}": cluster_name}},
                sid="CreateTaggedLoadBalancers",
            ),
            Statement(
                actions=["elasticloadbalancing:AddTags"],
                resources=balancers,
                conditions={
                    "StringEquals": {
                        "elasticloadbalancing:CreateAction": [
                            "CreateLoadBalancer",
                            "CreateTargetGroup",
                        ],
                        f"aws:RequestTag/{ELBV2_CLUSTER_TAG}": cluster_name,
                    }
                },
                sid="TagLoadBalancersOnCreate",
            ),
            Statement(
                actions=["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"],
                resources=balancers,
                conditions={**own, **untouched_tag},
                sid="RetagOwnLoadBalancers",
            ),
            Statement(
                actions=["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"],
                resources=listeners,
                sid="TagListenersAndRules",
            ),
            Statement(
                actions=[
                    "elasticloadbalancing:DeleteLoadBalancer",
                    "elasticloadbalancing:DeleteTargetGroup",
                    "elasticloadbalancing:ModifyCapacityReservation",
                    "elasticloadbalancing:ModifyIpPools",
                    "elasticloadbalancing:ModifyListenerAttributes",
                    "elasticloadbalancing:ModifyLoadBalancerAttributes",
                    "elasticloadbalancing:ModifyTargetGroup",
                    "elasticloadbalancing:ModifyTargetGroupAttributes",
                    "elasticloadbalancing:SetIpAddressType",
                    "elasticloadbalancing:SetSecurityGroups",
                    "elasticloadbalancing:SetSubnets",
                ],
                resources=[*balancers, elb("listener/*")],
                conditions=own,
                sid="ManageOwnLoadBalancers",
            ),
            Statement(
                actions=[
                    "elasticloadbalancing:DeregisterTargets",
                    "elasticloadbalancing:RegisterTargets",
                ],
                resources=[elb("targetgroup/*")],
                sid="RegisterTargets",
            ),
            Statement(
                actions=[
                    "elasticloadbalancing:AddListenerCertificates",
                    "elasticloadbalancing:CreateListener",
                    "elasticloadbalancing:CreateRule",
                    "elasticloadbalancing:DeleteListener",
                    "elasticloadbalancing:DeleteRule",
                    "elasticloadbalancing:ModifyListener",
                    "elasticloadbalancing:ModifyRule",
                    "elasticloadbalancing:RemoveListenerCertificates",
                    "elasticloadbalancing:SetRulePriorities",
                    "elasticloadbalancing:SetWebAcl",
                ],
                resources=[*balancers, *listeners],
                sid="ManageListenersAndRules",
            ),
        ]
    )
