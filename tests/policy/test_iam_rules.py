"""The SEC-1 rules on their edge cases: what counts as a wildcard, what scopes a star resource,
templated condition keys, managed policies, principals of resource and trust policies, and
documents that cannot be read."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra_kit.policy import RULES, Hit, rules_for
from infra_kit.policy.rules.iam import is_wildcard_resource
from tests.policy.cases_iam import (
    BUCKET_ARN,
    KEY_ARN,
    QUEUE_ARN,
    ROLE,
    ROLE_POLICY,
    allow,
    attachment,
    bucket_policy,
    policy,
    role_policy,
)
from tests.policy.graphs import doc, resource, urn

SEC1 = (
    "IK-SEC-1-WILDCARD",
    "IK-SEC-1-UNKNOWN-ACTION",
    "IK-SEC-1-STAR-RESOURCE",
    "IK-SEC-1-CONDITION-KEY",
    "IK-SEC-1-MANAGED-POLICY",
    "IK-SEC-1-PRINCIPAL-WILDCARD",
)
OIDC = "oidc.eks.us-east-1.amazonaws.com/id/ABCDEF0123456789"


def hits(rule_id: str, *resources: dict[str, Any]) -> list[Hit]:
    rules_for()
    return RULES[rule_id].run(doc(*resources))


def one(rule_id: str, *statements: dict[str, Any]) -> list[Hit]:
    return hits(rule_id, role_policy("app", *statements))


# -- IK-SEC-1-WILDCARD --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "arn",
    [
        "*",
        "arn:aws:s3:::*",
        "arn:aws:s3:::orders-*/*",
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:*",
        "arn:aws:iam::123456789012:role/*",
        "arn:aws:kms:us-east-1:123456789012:key/*",
        "arn:aws:kms:*:123456789012:key/abc",
        "arn:aws:sqs:us-east-1:*:orders",
        "arn:*:sqs:us-east-1:123456789012:orders",
        "arn:aws:logs:us-east-1:123456789012:log-group:*",
        "arn:aws:logs:us-east-1:123456789012:log-group:/app/*:*",
        "arn:aws:logs:us-east-1:123456789012:log-group:/app/orders:log-stream:web-*",
        "arn:aws:ec2:us-east-1:123456789012:security-group/*",
        "not-an-arn-*",
    ],
)
def test_a_wildcard_anywhere_in_a_resource_arn_is_a_wildcard(arn: str) -> None:
    assert is_wildcard_resource(arn)


@pytest.mark.parametrize(
    "arn",
    [
        f"{BUCKET_ARN}/*",
        f"{BUCKET_ARN}/exports/2026/*",
        BUCKET_ARN,
        "arn:aws:logs:us-east-1:123456789012:log-group:/app/orders:*",
        "arn:aws:logs:us-east-1:123456789012:log-group:/app/orders:log-stream:*",
        QUEUE_ARN,
    ],
)
def test_objects_of_one_bucket_and_streams_of_one_log_group_are_not_wildcards(arn: str) -> None:
    assert not is_wildcard_resource(arn)
    assert one("IK-SEC-1-WILDCARD", allow(["s3:GetObject"], [arn])) == []


def test_a_wildcard_resource_without_a_reason_is_found_naming_the_statement_and_arn() -> None:
    found = one(
        "IK-SEC-1-WILDCARD",
        allow(["secretsmanager:GetSecretValue"], [QUEUE_ARN], Sid="Exact"),
        allow(
            ["secretsmanager:GetSecretValue"],
            ["arn:aws:secretsmanager:us-east-1:123456789012:secret:*"],
            Sid="AllSecrets",
        ),
    )
    assert [h.urn for h in found] == [urn(ROLE_POLICY, "app")]
    assert 'statement 1 (Sid "AllSecrets")' in found[0].message
    assert "secret:*" in found[0].message
    assert "justification" in found[0].message


def test_a_justified_wildcard_passes_and_an_unjustified_sid_does_not() -> None:
    justified = allow(["s3:Get*"], "*", Sid="JustifiedReadsEveryBucketForTheBackupJob")
    assert one("IK-SEC-1-WILDCARD", justified) == []
    found = one("IK-SEC-1-WILDCARD", allow(["s3:Get*"], [BUCKET_ARN], Sid="NotJustifiedAtAll"))
    assert len(found) == 1
    assert "s3:Get*" in found[0].message


def test_each_offending_statement_is_its_own_finding() -> None:
    found = one(
        "IK-SEC-1-WILDCARD",
        allow(["s3:*"], [BUCKET_ARN]),
        allow(["sqs:SendMessage"], [QUEUE_ARN]),
        allow(["sqs:*"], [QUEUE_ARN]),
    )
    assert [h.message.split(" of ")[0] for h in found] == ["statement 0", "statement 2"]


def test_not_action_in_an_allow_statement_is_a_wildcard() -> None:
    statement = {"Effect": "Allow", "NotAction": ["iam:*"], "Resource": [QUEUE_ARN]}
    found = one("IK-SEC-1-WILDCARD", statement)
    assert len(found) == 1
    assert "NotAction" in found[0].message


def test_a_wildcard_in_a_resource_policy_is_found_too() -> None:
    found = hits(
        "IK-SEC-1-WILDCARD",
        bucket_policy(
            "orders-data",
            allow(["s3:*"], [f"{BUCKET_ARN}/*"], Principal={"AWS": "arn:aws:iam::1:root"}),
        ),
    )
    assert len(found) == 1
    assert "bucket policy" in found[0].message


# -- IK-SEC-1-UNKNOWN-ACTION --------------------------------------------------------------------
def test_a_typo_is_found_with_the_closest_real_action() -> None:
    found = one("IK-SEC-1-UNKNOWN-ACTION", allow(["sqs:SendMesage"], [QUEUE_ARN]))
    assert len(found) == 1
    assert "sqs:SendMesage" in found[0].message
    assert "did you mean sqs:SendMessage?" in found[0].message


def test_an_unknown_service_prefix_is_named_as_such() -> None:
    found = one("IK-SEC-1-UNKNOWN-ACTION", allow(["sqss:SendMessage"], [QUEUE_ARN]))
    assert "sqss:SendMessage (unknown service)" in found[0].message


def test_known_wildcard_patterns_and_star_are_known() -> None:
    assert one("IK-SEC-1-UNKNOWN-ACTION", allow(["s3:Get*", "*", "SQS:sendmessage"], "*")) == []
    found = one("IK-SEC-1-UNKNOWN-ACTION", allow(["s3:Gte*"], "*"))
    assert len(found) == 1


# -- IK-SEC-1-STAR-RESOURCE ---------------------------------------------------------------------
def test_star_on_actions_that_accept_arns_is_found_even_when_justified() -> None:
    found = one(
        "IK-SEC-1-STAR-RESOURCE",
        allow(
            ["ec2:DescribeInstances", "s3:GetObject"],
            "*",
            Sid="JustifiedTheseCallsAcceptNoResourceARN",
        ),
    )
    assert len(found) == 1
    assert "s3:GetObject (" in found[0].message
    assert "object" in found[0].message
    assert "ec2:DescribeInstances" not in found[0].message


def test_star_on_actions_that_accept_no_arn_passes() -> None:
    statement = allow(["ec2:DescribeInstances", "ec2:DescribeSubnets"], "*")
    assert one("IK-SEC-1-STAR-RESOURCE", statement) == []


def test_an_arn_whose_resource_part_is_star_counts_as_star() -> None:
    assert len(one("IK-SEC-1-STAR-RESOURCE", allow(["s3:GetObject"], "arn:aws:s3:::*"))) == 1


def test_a_tag_condition_scopes_a_star_resource_unless_it_is_if_exists() -> None:
    tagged = {"StringEquals": {"ec2:ResourceTag/team": "orders"}}
    assert one("IK-SEC-1-STAR-RESOURCE", allow(["ec2:StopInstances"], "*", Condition=tagged)) == []
    loose = {"StringEqualsIfExists": {"aws:ResourceTag/team": "orders"}}
    found = one("IK-SEC-1-STAR-RESOURCE", allow(["ec2:StopInstances"], "*", Condition=loose))
    assert len(found) == 1


def test_star_resource_is_judged_only_in_identity_policies() -> None:
    key_policy = policy(
        allow(["kms:Decrypt"], "*", Principal={"AWS": "arn:aws:iam::123456789012:root"})
    )
    assert (
        hits("IK-SEC-1-STAR-RESOURCE", resource("aws:kms/key:Key", "k", {"policy": key_policy}))
        == []
    )


def test_inline_policies_of_a_role_are_read() -> None:
    role = resource(
        ROLE,
        "app",
        {"inlinePolicies": [{"name": "q", "policy": policy(allow(["sqs:SendMessage"], "*"))}]},
    )
    found = hits("IK-SEC-1-STAR-RESOURCE", role)
    assert [h.urn for h in found] == [urn(ROLE, "app")]
    assert "inline policy 'q'" in found[0].message


# -- IK-SEC-1-CONDITION-KEY ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("action", "key"),
    [
        ("kms:Decrypt", "kms:EncryptionContext:aws:s3:arn"),
        ("s3:PutObject", "s3:RequestObjectTag/classification"),
        ("sqs:SendMessage", "aws:ResourceTag/team"),
        ("sqs:SendMessage", "aws:PrincipalOrgID"),
        ("s3:Get*", "s3:ExistingObjectTag/team"),
    ],
)
def test_templated_global_and_action_keys_pass(action: str, key: str) -> None:
    statement = allow([action], "*", Condition={"StringEquals": {key: "x"}})
    assert one("IK-SEC-1-CONDITION-KEY", statement) == []


def test_a_misspelt_global_key_is_found() -> None:
    condition = {"StringEquals": {"aws:SourceAcount": "123456789012"}}
    found = one(
        "IK-SEC-1-CONDITION-KEY", allow(["sqs:SendMessage"], [QUEUE_ARN], Condition=condition)
    )
    assert len(found) == 1
    assert "aws:SourceAcount" in found[0].message
    assert "sqs:SendMessage" in found[0].message


def test_a_key_only_some_actions_support_is_found_naming_the_actions_that_lack_it() -> None:
    # kms:ViaService never reaches sqs:SendMessage, so the SQS half of this grant never matches.
    condition = {"StringEquals": {"kms:ViaService": "sqs.us-east-1.amazonaws.com"}}
    statement = allow(["kms:Decrypt", "sqs:SendMessage"], [KEY_ARN, QUEUE_ARN], Condition=condition)
    (found,) = one("IK-SEC-1-CONDITION-KEY", statement)
    assert "conditions on kms:ViaService, which sqs:SendMessage do(es) not support" in found.message
    assert "statement of their own" in found.message


def test_describe_key_conditioned_on_an_encryption_context_is_found() -> None:
    # DescribeKey carries no encryption context: the grant of it never matches.
    condition = {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:*"}}
    statement = allow(["kms:Decrypt", "kms:DescribeKey"], "*", Condition=condition)
    (found,) = one("IK-SEC-1-CONDITION-KEY", statement)
    assert "which kms:DescribeKey do(es) not support" in found.message


def test_a_pattern_passes_when_one_action_it_matches_supports_the_key() -> None:
    condition = {"StringEquals": {"s3:ExistingObjectTag/team": "x"}}
    assert one("IK-SEC-1-CONDITION-KEY", allow(["s3:Get*"], "*", Condition=condition)) == []


def test_oidc_provider_keys_pass_on_web_identity_trust() -> None:
    trust = policy(
        {
            "Effect": "Allow",
            "Principal": {"Federated": f"arn:aws:iam::123456789012:oidc-provider/{OIDC}"},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {
                    f"{OIDC}:sub": "system:serviceaccount:apps:web",
                    f"{OIDC}:aud": "sts.amazonaws.com",
                }
            },
        }
    )
    assert hits("IK-SEC-1-CONDITION-KEY", resource(ROLE, "irsa", {"assumeRolePolicy": trust})) == []


# -- IK-SEC-1-MANAGED-POLICY --------------------------------------------------------------------
def test_a_reviewed_managed_policy_passes() -> None:
    attached = attachment("csi", "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy")
    assert hits("IK-SEC-1-MANAGED-POLICY", attached) == []


def test_an_unreviewed_managed_policy_is_found_and_says_how_to_review_it() -> None:
    found = hits(
        "IK-SEC-1-MANAGED-POLICY", attachment("x", "arn:aws:iam::aws:policy/ReadOnlyAccess")
    )
    assert len(found) == 1
    assert "ReadOnlyAccess" in found[0].message
    assert "aws-managed-policies.json" in found[0].message


def test_an_admin_class_managed_policy_is_refused_with_its_reason() -> None:
    found = hits(
        "IK-SEC-1-MANAGED-POLICY",
        attachment("a", "arn:aws:iam::aws:policy/AdministratorAccess"),
        attachment("b", "arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess"),
    )
    assert len(found) == 2
    assert "admin-class" in found[0].message
    assert "every action" in found[0].message


def test_customer_managed_policies_and_role_managed_arns_are_told_apart() -> None:
    role = resource(
        ROLE,
        "app",
        {
            "managedPolicyArns": [
                "arn:aws:iam::123456789012:policy/orders",
                "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
                "arn:aws:iam::aws:policy/IAMFullAccess",
                42,
            ]
        },
    )
    found = hits("IK-SEC-1-MANAGED-POLICY", role)
    assert [h.urn for h in found] == [urn(ROLE, "app")]
    assert "IAMFullAccess" in found[0].message


# -- IK-SEC-1-PRINCIPAL-WILDCARD ----------------------------------------------------------------
def _trust(principal: Any, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": principal,
        "Action": "sts:AssumeRole",
    }
    if condition is not None:
        statement["Condition"] = condition
    return resource(ROLE, "shared", {"assumeRolePolicy": policy(statement)})


@pytest.mark.parametrize("principal", ["*", {"AWS": "*"}, {"AWS": ["arn:aws:iam::1:root", "*"]}])
def test_a_trust_policy_open_to_everyone_is_found(principal: Any) -> None:
    found = hits("IK-SEC-1-PRINCIPAL-WILDCARD", _trust(principal))
    assert [h.urn for h in found] == [urn(ROLE, "shared")]
    assert "trust policy" in found[0].message


def test_a_trust_policy_restricted_to_an_organisation_passes() -> None:
    condition = {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}
    assert hits("IK-SEC-1-PRINCIPAL-WILDCARD", _trust("*", condition)) == []


@pytest.mark.parametrize(
    "condition",
    [
        {"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-abc123"}},
        {"StringLike": {"aws:PrincipalAccount": "*"}},
        {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
        {"Null": {"aws:SourceAccount": "false"}},
    ],
)
def test_conditions_that_do_not_name_the_caller_do_not_restrict(condition: dict[str, Any]) -> None:
    assert len(hits("IK-SEC-1-PRINCIPAL-WILDCARD", _trust("*", condition))) == 1


def test_a_service_principal_is_not_a_wildcard() -> None:
    assert hits("IK-SEC-1-PRINCIPAL-WILDCARD", _trust({"Service": "ec2.amazonaws.com"})) == []


@pytest.mark.parametrize(
    "type_",
    [
        "aws:kms/key:Key",
        "aws:s3/bucketPolicy:BucketPolicy",
        "aws:secretsmanager/secretPolicy:SecretPolicy",
        "aws:sns/topicPolicy:TopicPolicy",
        "aws:sqs/queuePolicy:QueuePolicy",
        "aws:ecr/repositoryPolicy:RepositoryPolicy",
    ],
)
def test_every_resource_policy_is_read(type_: str) -> None:
    document = policy(allow(["sqs:SendMessage"], [QUEUE_ARN], Principal={"AWS": "*"}))
    found = hits("IK-SEC-1-PRINCIPAL-WILDCARD", resource(type_, "r", {"policy": document}))
    assert [h.urn for h in found] == [urn(type_, "r")]


# -- across the rules ---------------------------------------------------------------------------
def test_deny_statements_never_fire() -> None:
    deny = {
        "Effect": "Deny",
        "Principal": "*",
        "NotAction": "x",
        "Action": ["s3:*", "sqs:SendMesage"],
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:SourceAcount": "1"}},
    }
    graph = (
        role_policy("app", {k: v for k, v in deny.items() if k != "Principal"}),
        bucket_policy("orders-data", deny),
    )
    for rule_id in SEC1:
        assert hits(rule_id, *graph) == [], rule_id


@pytest.mark.parametrize(
    "value",
    [
        "[unknown]",
        "[secret]",
        "not json",
        "{",
        42,
        None,
        ["a"],
        {"Statement": "x"},
        {"Statement": [1, "a", None]},
        {"Statement": {"Effect": "Allow", "Action": 5, "Resource": {"a": 1}, "Condition": [1]}},
        {"Statement": [{"Effect": "Allow", "Action": ["[unknown]"], "Resource": ["[unknown]"]}]},
        {"Statement": [{"Effect": "Allow", "Principal": {"AWS": 7}, "Condition": {"S": 3}}]},
    ],
)
def test_unreadable_documents_are_skipped_without_crashing(value: Any) -> None:
    records = (
        resource(ROLE_POLICY, "p", {"policy": value}),
        resource(ROLE, "r", {"assumeRolePolicy": value, "inlinePolicies": value}),
        resource(ROLE, "s", {"inlinePolicies": [value, {"name": 1, "policy": value}]}),
        resource("aws:s3/bucketPolicy:BucketPolicy", "b", {"policy": value}),
        resource("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "a", {"policyArn": value}),
        resource(ROLE, "t", {"managedPolicyArns": value}),
    )
    for rule_id in SEC1:
        assert hits(rule_id, *records) == [], rule_id


def test_a_document_already_parsed_into_a_dict_is_read() -> None:
    record = resource(ROLE_POLICY, "p", {"policy": json.loads(policy(allow(["s3:*"], "*")))})
    assert len(hits("IK-SEC-1-WILDCARD", record)) == 1


def test_a_sid_that_only_starts_with_justified_carries_no_reason() -> None:
    bare = allow(["secretsmanager:GetSecretValue"], ["arn:aws:secretsmanager:us-east-1:1:secret:*"],
                 Sid="Justified")  # fmt: skip
    assert one("IK-SEC-1-WILDCARD", bare)
    worded = allow(["secretsmanager:GetSecretValue"], ["arn:aws:secretsmanager:us-east-1:1:secret:*"],
                   Sid="JustifiedRotationReadsEverySecret")  # fmt: skip
    assert not one("IK-SEC-1-WILDCARD", worded)
