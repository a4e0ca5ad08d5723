"""The AWS Load Balancer Controller's IAM policy, checked as pure data against AWS's service
authorization data and the SEC-1 rules (SEC-1)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra_kit.aws._cluster_policies import ArnScope
from infra_kit.aws._lb_controller_policy import ELBV2_CLUSTER_TAG, load_balancer_controller_policy
from infra_kit.policy import check_graph, rules_for
from infra_kit.policy._iam import iam_data
from infra_kit.policy.rules._iam_documents import is_star_resource, is_wildcard_resource
from tests.policy.graphs import doc, resource

SCOPE = ArnScope("aws", "eu-west-1", "111122223333")
NODES_SG = "arn:aws:ec2:eu-west-1:111122223333:security-group/sg-0nodes"
CLUSTER = "shop-prod-core"
OWN = {"StringEquals": {f"aws:ResourceTag/{ELBV2_CLUSTER_TAG}": CLUSTER}}
ACCOUNT_REGION = "eu-west-1:111122223333:"
WAF_ACTIONS = ("GetWebACL", "GetWebACLForResource", "AssociateWebACL", "DisassociateWebACL")
IAM_RULES = (
    "IK-SEC-1-WILDCARD",
    "IK-SEC-1-STAR-RESOURCE",
    "IK-SEC-1-UNKNOWN-ACTION",
    "IK-SEC-1-CONDITION-KEY",
)


def lbc(scope: ArnScope = SCOPE, cluster: str = CLUSTER) -> list[dict[str, Any]]:
    doc_ = load_balancer_controller_policy(
        cluster, scope, vpc_id="vpc-0abc", node_security_group_arn=NODES_SG
    )
    return doc_.to_dict()["Statement"]


def statements_with(action: str) -> list[dict[str, Any]]:
    return [s for s in lbc() if action in s["Action"]]


def test_check_finds_nothing_in_the_policy() -> None:
    policy = json.dumps({"Version": "2012-10-17", "Statement": lbc()})
    graph = doc(resource("aws:iam/rolePolicy:RolePolicy", "lbc", {"role": "r", "policy": policy}))
    report = check_graph(graph, [r for r in rules_for() if r.id in IAM_RULES])
    assert [f.message for f in report.findings] == []


def test_resource_star_is_granted_only_to_actions_that_accept_no_arn() -> None:
    starred = [s for s in lbc() if any(is_star_resource(r) for r in s["Resource"])]
    assert [s["Sid"] for s in starred] == ["JustifiedTheseCallsAcceptNoResourceARN"]
    for action in starred[0]["Action"]:
        known = iam_data().lookup(action)
        assert known is not None, action
        assert not known.accepts_resource_arn, action


# Actions the controller's own published policy grants on "*" although they accept ARNs.
@pytest.mark.parametrize(
    ("action", "resources"),
    [
        ("acm:DescribeCertificate", ["arn:aws:acm:eu-west-1:111122223333:certificate/*"]),
        ("iam:GetServerCertificate", ["arn:aws:iam::111122223333:server-certificate/*"]),
        (
            "cognito-idp:DescribeUserPoolClient",
            ["arn:aws:cognito-idp:eu-west-1:111122223333:userpool/*"],
        ),
        ("ec2:GetCoipPoolUsage", ["arn:aws:ec2:eu-west-1:111122223333:coip-pool/*"]),
        ("ec2:GetSecurityGroupsForVpc", ["arn:aws:ec2:eu-west-1:111122223333:vpc/vpc-0abc"]),
        ("shield:DescribeProtection", ["arn:aws:shield::111122223333:protection/*"]),
        ("shield:DeleteProtection", ["arn:aws:shield::111122223333:protection/*"]),
        *[
            (
                f"waf-regional:{name}",
                [
                    "arn:aws:waf-regional:eu-west-1:111122223333:webacl/*",
                    "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/*",
                ],
            )
            for name in WAF_ACTIONS
        ],
        *[
            (
                f"wafv2:{name}",
                [
                    "arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/*",
                    "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/*",
                ],
            )
            for name in WAF_ACTIONS
        ],
    ],
)
def test_actions_that_accept_arns_are_scoped_to_this_account(
    action: str, resources: list[str]
) -> None:
    (statement,) = statements_with(action)
    assert statement["Resource"] == resources


def test_the_newer_security_group_listing_is_kept_and_known_to_the_iam_data() -> None:
    (statement,) = statements_with("ec2:GetSecurityGroupsForVpc")
    assert statement["Sid"] == "ListSecurityGroupsOfClusterVpc"
    known = iam_data().lookup("ec2:GetSecurityGroupsForVpc")
    assert known is not None
    assert [r.name for r in known.resource_types] == ["vpc"]


def test_every_wildcard_is_under_this_clusters_tag_or_says_why_it_is_the_narrowest() -> None:
    for statement in lbc():
        wild = [r for r in statement["Resource"] if is_wildcard_resource(r)]
        if not wild:
            continue
        conditions = json.dumps(statement.get("Condition", {}))
        if ELBV2_CLUSTER_TAG in conditions:
            continue
        sid = statement["Sid"]
        assert sid.startswith("Justified"), statement
        assert sid.endswith(("AcceptNoResourceARN", "IsNarrowest")), sid
        for arn in wild:
            assert arn == "*" or ACCOUNT_REGION in arn or "::111122223333:" in arn, arn


@pytest.mark.parametrize(
    "action",
    [
        "elasticloadbalancing:DeleteLoadBalancer",
        "elasticloadbalancing:ModifyTargetGroup",
        "elasticloadbalancing:SetSecurityGroups",
        "elasticloadbalancing:RegisterTargets",
        "elasticloadbalancing:DeregisterTargets",
        "elasticloadbalancing:CreateListener",
        "elasticloadbalancing:CreateRule",
        "elasticloadbalancing:DeleteListener",
        "elasticloadbalancing:ModifyListener",
        "elasticloadbalancing:AddListenerCertificates",
        "elasticloadbalancing:DeleteRule",
        "elasticloadbalancing:ModifyRule",
        "ec2:DeleteSecurityGroup",
    ],
)
def test_mutations_need_this_clusters_tag(action: str) -> None:
    (statement,) = statements_with(action)
    assert statement["Condition"]["StringEquals"] == OWN["StringEquals"]


def test_listeners_and_rules_are_tagged_only_on_creation_with_this_clusters_tag() -> None:
    (on_create,) = [s for s in lbc() if s.get("Sid") == "TagOnCreate"]
    assert on_create["Condition"]["StringEquals"][f"aws:RequestTag/{ELBV2_CLUSTER_TAG}"] == CLUSTER
    assert set(on_create["Condition"]["StringEquals"]["elasticloadbalancing:CreateAction"]) == {
        "CreateListener",
        "CreateLoadBalancer",
        "CreateRule",
        "CreateTargetGroup",
    }


def test_set_web_acl_accepts_no_resource_so_it_is_granted_on_star() -> None:
    (statement,) = statements_with("elasticloadbalancing:SetWebAcl")
    assert statement["Resource"] == ["*"]


def test_load_balancers_are_created_only_with_this_clusters_tag() -> None:
    (create,) = statements_with("elasticloadbalancing:CreateLoadBalancer")
    assert create["Condition"] == {"StringEquals": {f"aws:RequestTag/{ELBV2_CLUSTER_TAG}": CLUSTER}}
    assert all(
        r.startswith(f"arn:aws:elasticloadbalancing:{ACCOUNT_REGION}") for r in create["Resource"]
    )


def test_security_groups_are_created_only_in_the_cluster_vpc_with_this_clusters_tag() -> None:
    (create,) = statements_with("ec2:CreateSecurityGroup")
    assert create["Resource"] == [
        "arn:aws:ec2:eu-west-1:111122223333:vpc/vpc-0abc",
        "arn:aws:ec2:eu-west-1:111122223333:security-group/*",
    ]
    assert create["Condition"] == {"StringEquals": {f"aws:RequestTag/{ELBV2_CLUSTER_TAG}": CLUSTER}}


def test_only_the_nodes_security_group_is_opened_without_the_cluster_tag() -> None:
    untagged = [
        s for s in statements_with("ec2:AuthorizeSecurityGroupIngress") if "Condition" not in s
    ]
    assert [s["Resource"] for s in untagged] == [[NODES_SG]]


def test_the_service_linked_role_is_only_the_load_balancing_one() -> None:
    (slr,) = statements_with("iam:CreateServiceLinkedRole")
    assert slr["Resource"] == [
        "arn:aws:iam::111122223333:role/aws-service-role/elasticloadbalancing.amazonaws.com/"
        "AWSServiceRoleForElasticLoadBalancing"
    ]
    assert slr["Condition"] == {
        "StringEquals": {"iam:AWSServiceName": "elasticloadbalancing.amazonaws.com"}
    }


def test_the_policy_fits_iams_limit_for_a_roles_inline_policies() -> None:
    # IAM counts a role's inline policies together, without white space, up to 10,240
    # characters; the longest region name and a long cluster name leave room to spare.
    scope = ArnScope("aws-us-gov", "ap-southeast-5", "111122223333")
    statements = lbc(scope, cluster="a-long-project-name-prod-platform")
    size = len(
        json.dumps({"Version": "2012-10-17", "Statement": statements}, separators=(",", ":"))
    )
    assert size < 9_500
