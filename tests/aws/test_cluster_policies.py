"""IAM documents of the EKS cluster's controllers, checked as pure data (SEC-1)."""

from __future__ import annotations

from infra_kit.aws._cluster_policies import (
    ArnScope,
    autoscaler_policy,
    autoscaler_tags,
    ebs_csi_kms_policy,
    managed_policy_arn,
    service_trust_policy,
)
from infra_kit.policy._iam import iam_data

SCOPE = ArnScope("aws", "eu-west-1", "111122223333")
KEY = "arn:aws:kms:eu-west-1:111122223333:key/1234"
NODEGROUPS = [
    "arn:aws:eks:eu-west-1:111122223333:nodegroup/shop-prod-core/shop-nodes-0-1a2b3c4/"
    "5ec8f2a0-1111-2222-3333-444455556666",
    "arn:aws:eks:eu-west-1:111122223333:nodegroup/shop-prod-core/shop-nodes-1-5d6e7f8/"
    "0fd1e2b3-7777-8888-9999-aaaabbbbcccc",
]


def autoscaler(cluster: str = "shop-prod-core") -> list[dict]:
    return autoscaler_policy(cluster, SCOPE, nodegroup_arns=NODEGROUPS).to_dict()["Statement"]


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
    statements = autoscaler()
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


def test_the_autoscaler_describes_only_the_node_groups_it_is_given_by_their_own_arns() -> None:
    (nodegroups,) = statements_with(autoscaler(), "eks:DescribeNodegroup")
    assert nodegroups["Resource"] == NODEGROUPS
    assert nodegroups["Sid"] == "DescribeOwnNodegroups"


def test_the_autoscalers_only_star_is_on_justified_describe_calls() -> None:
    statements = autoscaler("c")
    starred = [s for s in statements if s["Resource"] == ["*"]]
    assert len(starred) == 1
    assert starred[0]["Sid"].startswith("Justified")
    assert all(a.split(":")[1].startswith(("Describe", "Get")) for a in starred[0]["Action"])
    for action in starred[0]["Action"]:
        known = iam_data().lookup(action)
        assert known is not None, action
        assert not known.accepts_resource_arn, action


def test_the_ebs_csi_driver_uses_the_key_only_through_ec2_and_for_aws_grants() -> None:
    grants, use = ebs_csi_kms_policy(KEY, "eu-west-1").to_dict()["Statement"]
    assert grants["Resource"] == use["Resource"] == [KEY]
    assert grants["Condition"] == {"Bool": {"kms:GrantIsForAWSResource": "true"}}
    assert use["Condition"] == {"StringEquals": {"kms:ViaService": "ec2.eu-west-1.amazonaws.com"}}
    assert "kms:GenerateDataKeyWithoutPlaintext" in use["Action"]
