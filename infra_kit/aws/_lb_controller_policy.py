"""The AWS Load Balancer Controller's IAM policy (pure: no Pulumi resource is created).

Least privilege (SEC-1), narrower than the policy the controller's project publishes
(``docs/install/iam_policy.json``; see docs/adr/0013): each action gets the narrowest resource
AWS's service authorization data allows for it.

- What the controller creates (load balancers, target groups, listeners, rules, security groups)
  carries ``elbv2.k8s.aws/cluster`` = the cluster's name, set in the create call; it may create
  them only with that tag, and change, retag or delete only those carrying it.
- What the workloads name in annotations (certificates, Cognito user pools, web ACLs, Shield
  protections, customer-owned IP pools) is not known here and carries no tag the controller
  sets: those actions are scoped to this account and region, which is the narrowest form left.
- ``Resource: "*"`` stays only on the calls that accept no resource ARN.

Every statement that keeps a wildcard says why in its ``justification`` (its ``Sid``).
"""

from __future__ import annotations

import pulumi

from infra_kit.aws._cluster_policies import ArnScope, join_arn
from infra_kit.aws._policy import PolicyDocument, Statement

__all__ = ["ELBV2_CLUSTER_TAG", "load_balancer_controller_policy"]

#: The tag the AWS Load Balancer Controller puts on everything it creates: value = cluster name.
ELBV2_CLUSTER_TAG = "elbv2.k8s.aws/cluster"

#: Calls that accept only ``Resource: "*"`` in AWS's service authorization data.
_NO_RESOURCE_ARN = (
    "acm:ListCertificates",
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
    # A permission-only action for which AWS lists no resource type.
    "elasticloadbalancing:SetWebAcl",
    "iam:ListServerCertificates",
    # The controller enables Shield Advanced on a load balancer; the protection it creates has
    # no ARN yet, and the call accepts none.
    "shield:CreateProtection",
    "shield:GetSubscriptionState",
)


def load_balancer_controller_policy(
    cluster_name: str,
    scope: ArnScope,
    *,
    vpc_id: pulumi.Input[str],
    node_security_group_arn: pulumi.Input[str],
) -> PolicyDocument:
    """What the AWS Load Balancer Controller needs, scoped to this account, region and cluster.

    The controller must run with its ``ListenerRulesTagging`` feature gate on (the chart values
    set it), so that listeners and rules carry the cluster's tag too.
    """

    def elb(*resources: str) -> list[pulumi.Input[str]]:
        return [scope.arn("elasticloadbalancing", r) for r in resources]

    security_groups = scope.arn("ec2", "security-group/*")
    # Under a condition on the cluster's tag, one pattern per resource type keeps the document
    # well under IAM's 10,240-character limit for a role's inline policies.
    balancers = elb("loadbalancer/*", "targetgroup/*")
    albs = elb("loadbalancer/app/*")
    listeners = elb("listener/*")
    rules = elb("listener-rule/*")
    vpc_arn = join_arn(scope.arn("ec2", "vpc/"), vpc_id)
    own = {"StringEquals": {f"aws:ResourceTag/{ELBV2_CLUSTER_TAG}": cluster_name}}
    created_own = {"StringEquals": {f"aws:RequestTag/{ELBV2_CLUSTER_TAG}": cluster_name}}
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
                actions=_NO_RESOURCE_ARN,
                resources=["*"],
                justification="These calls accept no resource ARN",
            ),
            # ELB checks this call on the controller's behalf when it sets a load balancer's
            # security groups. It is a recent EC2 action (the controller's published policy added
            # it in October 2024), so IAM databases older than it call it unknown; AWS's current
            # service authorization data, infra-kit's snapshot, defines it on the VPC. It is kept
            # for that reason, and scoped to the cluster's VPC.
            Statement(
                actions=["ec2:GetSecurityGroupsForVpc"],
                resources=[vpc_arn],
                sid="ListSecurityGroupsOfClusterVpc",
            ),
            Statement(
                actions=["acm:DescribeCertificate"],
                resources=[scope.arn("acm", "certificate/*")],
                justification="Certificates are found at run time untagged so this account and "
                "region is narrowest",
            ),
            Statement(
                actions=["iam:GetServerCertificate"],
                resources=[scope.arn("iam", "server-certificate/*", regional=False)],
                justification="Server certificates are named at run time untagged so this "
                "account is narrowest",
            ),
            Statement(
                actions=["cognito-idp:DescribeUserPoolClient"],
                resources=[scope.arn("cognito-idp", "userpool/*")],
                justification="User pools are named at run time untagged so this account and "
                "region is narrowest",
            ),
            Statement(
                actions=["ec2:GetCoipPoolUsage"],
                resources=[scope.arn("ec2", "coip-pool/*")],
                justification="IP pools are named at run time untagged so this account and "
                "region is narrowest",
            ),
            Statement(
                actions=[
                    "waf-regional:AssociateWebACL",
                    "waf-regional:GetWebACL",
                    "waf-regional:GetWebACLForResource",
                    "waf-regional:DisassociateWebACL",
                ],
                resources=[scope.arn("waf-regional", "webacl/*"), *albs],
                justification="Classic WAF has no condition keys and ACLs are named at run time "
                "so this account and region is narrowest",
            ),
            Statement(
                actions=[
                    "wafv2:AssociateWebACL",
                    "wafv2:DisassociateWebACL",
                    "wafv2:GetWebACL",
                    "wafv2:GetWebACLForResource",
                ],
                resources=[scope.arn("wafv2", "regional/webacl/*"), *albs],
                justification="WAF has no condition key on these calls and ACLs are named at run "
                "time so this account and region is narrowest",
            ),
            Statement(
                actions=["shield:DeleteProtection", "shield:DescribeProtection"],
                resources=[scope.arn("shield", "protection/*", regional=False)],
                justification="Protections are created untagged with generated ids so this "
                "account is narrowest",
            ),
            Statement(
                actions=["ec2:CreateSecurityGroup"],
                resources=[vpc_arn, security_groups],
                conditions=created_own,
                sid="CreateTaggedSecurityGroupsInClusterVpc",
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
                conditions=created_own,
                sid="CreateTaggedLoadBalancers",
            ),
            Statement(
                actions=["elasticloadbalancing:AddTags"],
                resources=[*balancers, *listeners, *rules],
                conditions={
                    "StringEquals": {
                        "elasticloadbalancing:CreateAction": [
                            "CreateListener",
                            "CreateLoadBalancer",
                            "CreateRule",
                            "CreateTargetGroup",
                        ],
                        f"aws:RequestTag/{ELBV2_CLUSTER_TAG}": cluster_name,
                    }
                },
                sid="TagOnCreate",
            ),
            Statement(
                actions=["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"],
                resources=[*balancers, *listeners, *rules],
                conditions={**own, **untouched_tag},
                sid="RetagOwn",
            ),
            # One statement: each action applies only to the resource types AWS lists for it,
            # so sharing the list of resources grants nothing more. Target groups that a
            # TargetGroupBinding names must carry the cluster's tag too.
            Statement(
                actions=[
                    "elasticloadbalancing:AddListenerCertificates",
                    "elasticloadbalancing:CreateListener",
                    "elasticloadbalancing:CreateRule",
                    "elasticloadbalancing:DeleteListener",
                    "elasticloadbalancing:DeleteLoadBalancer",
                    "elasticloadbalancing:DeleteRule",
                    "elasticloadbalancing:DeleteTargetGroup",
                    "elasticloadbalancing:DeregisterTargets",
                    "elasticloadbalancing:ModifyCapacityReservation",
                    "elasticloadbalancing:ModifyIpPools",
                    "elasticloadbalancing:ModifyListener",
                    "elasticloadbalancing:ModifyListenerAttributes",
                    "elasticloadbalancing:ModifyLoadBalancerAttributes",
                    "elasticloadbalancing:ModifyRule",
                    "elasticloadbalancing:ModifyTargetGroup",
                    "elasticloadbalancing:ModifyTargetGroupAttributes",
                    "elasticloadbalancing:RegisterTargets",
                    "elasticloadbalancing:RemoveListenerCertificates",
                    "elasticloadbalancing:SetIpAddressType",
                    "elasticloadbalancing:SetSecurityGroups",
                    "elasticloadbalancing:SetSubnets",
                ],
                resources=[*balancers, *listeners, *rules],
                conditions=own,
                sid="ManageOwn",
            ),
            Statement(
                actions=["elasticloadbalancing:SetRulePriorities"],
                resources=elb("listener-rule/app/*", "listener-rule/net/*"),
                justification="SetRulePriorities has no condition keys and rule ids are "
                "generated so this account and region is narrowest",
            ),
        ]
    )
