"""IAM documents of the EKS cluster's controllers, checked as pure data (SEC-1)."""

from __future__ import annotations

import pytest

from infra_kit.aws._cluster_policies import (
    ELBV2_CLUSTER_TAG,
    ArnScope,
    autoscaler_policy,
    autoscaler_tags,
    ebs_csi_kms_policy,
    load_balancer_controller_policy,
    managed_policy_arn,
    service_trust_policy,
)
from infra_kit.aws._policy import is_wildcard_action, is_wildcard_resource

SCOPE = ArnScope("aws", "eu-west-1", "111122223333")
KEY = "arn:aws:kms:eu-west-1:111122223333:key/1234"
NODES_SG = "arn:aws:ec2:eu-west-1:111122223333:security-group/sg-0nodes"


def lbc() -> list[dict]:
    doc = load_balancer_controller_policy(
        "shop-prod-core", SCOPE, vpc_id="vpc-0abc", node_security_group_arn=NODES_SG
    )
    return doc.to_dict()["Statement"]


def statements_with(statements: list[dict], action: str) -> list[dict]:
    return [s for s in statements if action in s["Action"]]


def test_managed_policy_arns_follow_the_partition_and_path() -> None:
    assert managed_policy_arn("aws", "AmazonEKSClusterPolicy") == (
        "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"
    )
    assert managed_policy_arn("aws-cn", "AmazonEBSCSIDriverPolicy") == (
        "arn:aws-cn:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"
    )


def test_a_service_trust_policy_names_one_service_principal() -> None:
    assert service_trust_policy("eks.amazonaws.com").to_dict()["Statement"] == [
        {
            "Effect": "Allow",
            "Principal": {"Service": ["eks.amazonaws.com"]},
            "Action": ["sts:AssumeRole"],
        }
    ]


def test_arns_are_scoped_to_the_partition_region_and_account() -> None:
    assert SCOPE.arn("eks", "nodegroup/x/*") == "arn:aws:eks:eu-west-1:111122223333:nodegroup/x/*"
    assert SCOPE.arn("iam", "role/r", regional=False) == "arn:aws:iam::111122223333:role/r"


def test_the_autoscaler_discovery_tags_name_the_cluster() -> None:
    assert autoscaler_tags("shop-prod-core") == {
        "k8s.io/cluster-autoscaler/enabled": "true",
        "k8s.io/cluster-autoscaler/shop-prod-core": "owned",
    }


def test_the_autoscaler_resizes_only_groups_tagged_for_this_cluster() -> None:
    statements = autoscaler_policy("shop-prod-core", SCOPE).to_dict()["Statement"]
    (resize,) = statements_with(statements, "autoscaling:SetDesiredCapacity")
    assert resize["Action"] == [
        "autoscaling:SetDesiredCapacity",
        "autoscaling:TerminateInstanceInAutoScalingGroup",
    ]
    assert resize["Resource"] == [
        "arn:aws:autoscaling:eu-west-1:111122223333:autoScalingGroup:*:autoScalingGroupName/*"
    ]
    assert resize["Condition"] == {
        "StringEquals": {
            "aws:ResourceTag/k8s.io/cluster-autoscaler/enabled": "true",
            "aws:ResourceTag/k8s.io/cluster-autoscaler/shop-prod-core": "owned",
        }
    }
    (nodegroups,) = statements_with(statements, "eks:DescribeNodegroup")
    assert nodegroups["Resource"] == [
        "arn:aws:eks:eu-west-1:111122223333:nodegroup/shop-prod-core/*"
    ]


def test_the_autoscalers_only_star_is_on_justified_describe_calls() -> None:
    statements = autoscaler_policy("c", SCOPE).to_dict()["Statement"]
    starred = [s for s in statements if s["Resource"] == ["*"]]
    assert len(starred) == 1
    assert starred[0]["Sid"].startswith("Justified")
    assert all(a.split(":")[1].startswith(("Describe", "Get")) for a in starred[0]["Action"])


def test_the_ebs_csi_driver_uses_the_key_only_through_ec2_and_for_aws_grants() -> None:
    grants, use = ebs_csi_kms_policy(KEY, "eu-west-1").to_dict()["Statement"]
    assert grants["Resource"] == use["Resource"] == [KEY]
    assert grants["Condition"] == {"Bool": {"kms:GrantIsForAWSResource": "true"}}
    assert use["Condition"] == {"StringEquals": {"kms:ViaService": "ec2.eu-west-1.amazonaws.com"}}
    assert "kms:GenerateDataKeyWithoutPlaintext" in use["Action"]


def test_no_load_balancer_controller_statement_uses_a_wildcard_action() -> None:
    for statement in lbc():
        assert not any(is_wildcard_action(a) for a in statement["Action"]), statement


def test_every_load_balancer_controller_star_resource_is_justified() -> None:
    for statement in lbc():
        if any(is_wildcard_resource(r) for r in statement["Resource"]):
            assert statement["Sid"].startswith("Justified"), statement
            assert not any(
                a.split(":")[1].startswith(("Create", "Delete", "Modify", "Set", "Register"))
                and not a.startswith(("shield:", "waf"))
                for a in statement["Action"]
            ), statement


@pytest.mark.parametrize(
    "action",
    [
        "elasticloadbalancing:DeleteLoadBalancer",
        "elasticloadbalancing:ModifyTargetGroup",
        "elasticloadbalancing:SetSecurityGroups",
        "ec2:DeleteSecurityGroup",
    ],
)
def test_load_balancer_controller_mutations_need_this_clusters_tag(action: str) -> None:
    for statement in statements_with(lbc(), action):
        assert (
            statement["Condition"]["StringEquals"][f"aws:ResourceTag/{ELBV2_CLUSTER_TAG}"]
            == "shop-prod-core"
        )


def test_load_balancers_are_created_only_with_this_clusters_tag() -> None:
    (create,) = statements_with(lbc(), "elasticloadbalancing:CreateLoadBalancer")
    assert create["Condition"] == {
        "StringEquals": {f"aws:RequestTag/{ELBV2_CLUSTER_TAG}": "shop-prod-core"}
    }
    assert all(
        r.startswith("arn:aws:elasticloadbalancing:eu-west-1:111122223333:")
        for r in create["Resource"]
    )


def test_security_groups_are_created_only_in_the_cluster_vpc() -> None:
    (create,) = statements_with(lbc(), "ec2:CreateSecurityGroup")
    assert create["Resource"] == [
        "arn:aws:ec2:eu-west-1:111122223333:vpc/vpc-0abc",
        "arn:aws:ec2:eu-west-1:111122223333:security-group/*",
    ]


def test_only_the_nodes_security_group_is_opened_without_the_cluster_tag() -> None:
    untagged = [
        s
        for s in statements_with(lbc(), "ec2:AuthorizeSecurityGroupIngress")
        if "Condition" not in s
    ]
    assert [s["Resource"] for s in untagged] == [[NODES_SG]]


def test_the_service_linked_role_is_only_the_load_balancing_one() -> None:
    (slr,) = statements_with(lbc(), "iam:CreateServiceLinkedRole")
    assert slr["Resource"] == [
        "arn:aws:iam::111122223333:role/aws-service-role/elasticloadbalancing.amazonaws.com/"
        "AWSServiceRoleForElasticLoadBalancing"
    ]
    assert slr["Condition"] == {
        "StringEquals": {"iam:AWSServiceName": "elasticloadbalancing.amazonaws.com"}
    }
