"""The IAM policy-document model: refusals of unscoped grants and the JSON it renders (SEC-1)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from infra_kit.aws._policy import (
    JUSTIFIED_SID_PREFIX,
    PolicyDocument,
    Statement,
    is_wildcard_action,
    is_wildcard_resource,
)
from infra_kit.errors import ValidationError
from infra_kit.policy import check_graph, rules_for
from infra_kit.policy.rules._iam_documents import (
    is_wildcard_resource as rules_is_wildcard_resource,
)
from tests.policy.cases_iam import role_policy
from tests.policy.graphs import doc

BUCKET = "arn:aws:s3:::orders-documents"
OBJECTS = "arn:aws:s3:::orders-documents/*"
WHY = "ListAllMyBuckets acts on no resource"
QUEUE = "arn:aws:sqs:us-east-1:123456789012:orders"
LOG_GROUPS = "arn:aws:logs:us-east-1:123456789012:log-group:/orders/*"


# -- what counts as a wildcard ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("resource", "wild"),
    [
        ("*", True),
        ("arn:aws:s3:::orders-documents/*", False),
        ("arn:aws:s3:::orders-*", True),
        ("arn:aws:kms:*:123456789012:key/abc", True),
        ("arn:aws:kms:us-east-1:*:key/abc", True),
        ("arn:aws:*:us-east-1:123456789012:key/abc", True),
        ("arn:*:kms:us-east-1:123456789012:key/abc", True),
        ("arn:aws:logs:us-east-1:123456789012:log-group:/orders/*", True),
        ("arn:aws:logs:us-east-1:123456789012:log-group:/orders/web:*", False),
        ("arn:aws:ec2:us-east-1:123456789012:security-group/*", True),
        ("not-an-arn*", True),
    ],
)
def test_a_wildcard_resource_is_what_check_calls_one(resource: str, wild: bool) -> None:
    assert is_wildcard_resource(resource) is wild
    assert is_wildcard_resource is rules_is_wildcard_resource


def test_the_objects_of_one_bucket_are_not_a_wildcard() -> None:
    assert is_wildcard_resource("arn:aws:s3:::bucket/*") is False


@pytest.mark.parametrize(
    ("action", "wild"), [("s3:*", True), ("s3:Get*", True), ("s3:GetObject", False)]
)
def test_an_action_with_a_star_is_a_wildcard(action: str, wild: bool) -> None:
    assert is_wildcard_action(action) is wild


# -- refusals: what infra-kit check would find is refused when the statement is built -----------

_WILDCARD_FIX = (
    r"Fix: Name exact actions and ARNs, or give the statement a reason with "
    r"Statement\(justification=\.\.\.\) \(its Sid then starts with 'Justified'\); a "
    r"justification needs at least three words \(about SEC-1: docs/prescriptions\.md#sec-1\)$"
)


def test_a_wildcard_action_without_justification_is_refused() -> None:
    with pytest.raises(
        ValidationError,
        match=r"^justification=None: the statement allows wildcard action\(s\) s3:\* without a "
        r"written reason; least privilege \(SEC-1\) refuses this, as infra-kit check does "
        r"\(IK-SEC-1-WILDCARD\)\. " + _WILDCARD_FIX,
    ):
        Statement(actions=["s3:*"], resources=[BUCKET])


def test_a_star_resource_without_justification_is_refused() -> None:
    with pytest.raises(
        ValidationError,
        match=r"^justification=None: the statement allows wildcard resource\(s\) \* without",
    ):
        Statement(actions=["s3:ListAllMyBuckets"], resources=["*"])


@pytest.mark.parametrize(
    "resource",
    [
        "arn:aws:kms:us-east-1:*:key/abc",
        "arn:aws:kms:*:123456789012:key/abc",
        "arn:aws:ec2:us-east-1:123456789012:security-group/*",
        "arn:aws:logs:us-east-1:123456789012:log-group:/orders/*",
    ],
)
def test_an_arn_with_a_wildcard_anywhere_is_refused_without_a_reason(resource: str) -> None:
    with pytest.raises(
        ValidationError,
        match=rf"^justification=None: the statement allows wildcard resource\(s\) "
        rf"{re.escape(resource)} without a written reason",
    ):
        Statement(actions=["kms:Decrypt"], resources=[resource])


def test_a_wildcard_scoped_by_a_resource_tag_needs_no_reason() -> None:
    statement = Statement(
        actions=["ec2:DeleteSecurityGroup"],
        resources=["arn:aws:ec2:us-east-1:123456789012:security-group/*"],
        conditions={"StringEquals": {"aws:ResourceTag/team": "orders"}},
    )
    assert not statement.is_justified


@pytest.mark.parametrize("justification", ["", "   ", "because", "no narrower"])
def test_a_justification_shorter_than_three_words_is_refused(justification: str) -> None:
    with pytest.raises(
        ValidationError,
        match=rf"^justification={justification!r}: the statement allows wildcard resource\(s\) "
        r"\*.*at least three words",
    ):
        Statement(actions=["s3:ListAllMyBuckets"], resources=["*"], justification=justification)


def test_an_unknown_action_is_refused_naming_the_closest_real_one() -> None:
    with pytest.raises(
        ValidationError,
        match=r"^actions=\['sqs:SendMesage'\]: the statement names action\(s\) no AWS service "
        r"defines: sqs:SendMesage, did you mean sqs:SendMessage\? .*\(IK-SEC-1-UNKNOWN-ACTION\)\. "
        r"Fix: Correct the action, or if AWS published it after that date add it to "
        r"infra_kit/policy/data/iam-additions\.json",
    ):
        Statement(actions=["sqs:SendMesage"], resources=[QUEUE])


def test_an_unknown_service_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"sqss:SendMessage \(unknown service\)"):
        Statement(actions=["sqss:SendMessage"], resources=[QUEUE])


def test_a_star_resource_on_an_action_that_accepts_arns_is_refused_even_with_a_reason() -> None:
    with pytest.raises(
        ValidationError,
        match=r"^resources=\['\*'\]: the statement grants Resource \"\*\" to action\(s\) that "
        r"accept resource ARNs: sqs:SendMessage \(queue\); least privilege \(SEC-1\) refuses "
        r"this, as infra-kit check does \(IK-SEC-1-STAR-RESOURCE\)\. Fix: Name those resources' "
        r"ARNs in a separate statement, or condition it on aws:ResourceTag/<key>",
    ):
        Statement(actions=["sqs:SendMessage"], resources=["*"], justification=WHY)


def test_a_star_resource_on_a_tagged_scopable_action_is_accepted() -> None:
    Statement(
        actions=["ec2:StopInstances"],
        resources=["*"],
        conditions={"StringEquals": {"aws:ResourceTag/team": "orders"}},
    )


def test_a_star_resource_in_a_key_policy_is_not_a_star_resource_grant() -> None:
    # In a resource policy "*" is the resource the policy is attached to.
    Statement(
        actions=["kms:Decrypt"],
        resources=["*"],
        principals={"AWS": ["arn:aws:iam::123456789012:root"]},
        justification="A key policy names only its own key",
    )


def test_a_condition_key_no_action_supports_is_refused_naming_the_key() -> None:
    with pytest.raises(
        ValidationError,
        match=r"^conditions=\['kms:ViaService'\]: the statement conditions on kms:ViaService, "
        r"which none of its actions \(sqs:SendMessage\) supports and which is not a global key.*"
        r"\(IK-SEC-1-CONDITION-KEY\)\. Fix: Use a key these actions support, fix its spelling, "
        r"or move the actions that lack it to a statement of their own",
    ):
        Statement(
            actions=["sqs:SendMessage"],
            resources=[QUEUE],
            conditions={"StringEquals": {"kms:ViaService": "sqs.us-east-1.amazonaws.com"}},
        )


def test_a_condition_key_one_action_lacks_is_refused_naming_that_action() -> None:
    with pytest.raises(
        ValidationError,
        match=r"conditions on kms:EncryptionContext:aws:logs:arn, which kms:DescribeKey do\(es\) "
        r"not support",
    ):
        Statement(
            actions=["kms:Decrypt", "kms:DescribeKey"],
            resources=["*"],
            principals={"Service": ["logs.us-east-1.amazonaws.com"]},
            conditions={"ArnLike": {"kms:EncryptionContext:aws:logs:arn": LOG_GROUPS}},
            justification="A key policy names only its own key",
        )


@pytest.mark.parametrize(
    ("statement", "rule_id"),
    [
        ({"Action": ["sqs:SendMesage"], "Resource": [QUEUE]}, "IK-SEC-1-UNKNOWN-ACTION"),
        ({"Action": ["s3:*"], "Resource": [BUCKET]}, "IK-SEC-1-WILDCARD"),
        (
            {"Action": ["sqs:SendMessage"], "Resource": ["*"], "Sid": "JustifiedOneTwoThree"},
            "IK-SEC-1-STAR-RESOURCE",
        ),
        (
            {
                "Action": ["sqs:SendMessage"],
                "Resource": [QUEUE],
                "Condition": {"StringEquals": {"aws:SourceAcount": "123456789012"}},
            },
            "IK-SEC-1-CONDITION-KEY",
        ),
    ],
)
def test_the_builder_refuses_exactly_what_the_check_rule_finds(
    statement: dict[str, Any], rule_id: str
) -> None:
    raw = {"Effect": "Allow", **statement}
    graph = doc(role_policy("app", raw))
    (rule,) = [r for r in rules_for() if r.id == rule_id]
    assert [f.rule.id for f in check_graph(graph, [rule]).findings] == [rule_id]
    with pytest.raises(ValidationError, match=rf"\({rule_id}\)"):
        Statement(
            actions=raw["Action"],
            resources=raw["Resource"],
            conditions=raw.get("Condition", {}),
            justification="One two three" if "Sid" in raw else None,
        )


@pytest.mark.parametrize(
    "action", ["GetObject", "s3:", ":GetObject", "s3:Get Object", "S3:GetObject", "s3:Get:Object"]
)
def test_a_malformed_action_name_is_refused(action: str) -> None:
    with pytest.raises(
        ValidationError,
        match=rf"^actions={action!r}: an action has the shape service:Action\. "
        r"Fix: write it like 's3:GetObject' \(see infra_kit.aws.actions\)$",
    ):
        Statement(actions=[action], resources=[BUCKET])


def test_a_statement_without_actions_is_refused() -> None:
    with pytest.raises(
        ValidationError,
        match=r"^actions=\[\]: a statement needs at least one action\. "
        r"Fix: name the exact actions, e\.g\. actions\.S3_READ$",
    ):
        Statement(actions=[], resources=[BUCKET])


def test_a_statement_with_neither_resources_nor_principals_is_refused() -> None:
    with pytest.raises(
        ValidationError,
        match=r"^resources=\[\]: a permission statement needs the ARNs it applies to\. "
        r"Fix: pass the resource ARNs; only trust policies name principals instead$",
    ):
        Statement(actions=["s3:GetObject"])


@pytest.mark.parametrize("sid", ["Read objects", "read-objects", "read_objects", ""])
def test_a_sid_with_anything_but_letters_and_digits_is_refused(sid: str) -> None:
    with pytest.raises(
        ValidationError,
        match=rf"^sid={sid!r}: a Sid holds letters and digits only\. "
        r"Fix: remove spaces and punctuation$",
    ):
        Statement(actions=["s3:GetObject"], resources=[BUCKET], sid=sid)


def test_an_empty_policy_document_is_refused() -> None:
    with pytest.raises(
        ValidationError,
        match=r"^statements=\[\]: a policy needs at least one statement\. Fix: add a Statement$",
    ):
        PolicyDocument([])


# -- rendering --------------------------------------------------------------------------------


def test_a_justified_statement_carries_its_reason_as_a_sid() -> None:
    statement = Statement(actions=["s3:ListAllMyBuckets"], resources=["*"], justification=WHY)
    assert statement.is_justified
    assert statement.to_dict() == {
        "Effect": "Allow",
        "Sid": "JustifiedListAllMyBucketsActsOnNoResource",
        "Action": ["s3:ListAllMyBuckets"],
        "Resource": ["*"],
    }
    sid = statement.statement_id()
    assert sid is not None
    assert sid.startswith(JUSTIFIED_SID_PREFIX)


def test_the_justification_replaces_an_explicit_sid() -> None:
    statement = Statement(
        actions=["s3:ListAllMyBuckets"], resources=["*"], sid="Listing", justification=WHY
    )
    assert statement.to_dict()["Sid"] == "JustifiedListAllMyBucketsActsOnNoResource"


def test_an_explicit_sid_is_kept_and_no_sid_is_rendered_without_one() -> None:
    named = Statement(actions=["s3:GetObject"], resources=[OBJECTS], sid="Read1")
    assert named.to_dict()["Sid"] == "Read1"
    assert "Sid" not in Statement(actions=["s3:GetObject"], resources=[OBJECTS]).to_dict()


def test_actions_are_sorted_and_deduplicated() -> None:
    statement = Statement(
        actions=["s3:PutObject", "s3:GetObject", "s3:PutObject"], resources=[OBJECTS]
    )
    assert statement.to_dict()["Action"] == ["s3:GetObject", "s3:PutObject"]


def test_conditions_and_principals_are_rendered() -> None:
    statement = Statement(
        actions=["kms:Decrypt"],
        resources=["arn:aws:kms:us-east-1:123456789012:key/abc"],
        conditions={"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}},
    )
    assert statement.to_dict() == {
        "Effect": "Allow",
        "Action": ["kms:Decrypt"],
        "Resource": ["arn:aws:kms:us-east-1:123456789012:key/abc"],
        "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}},
    }


def test_a_trust_statement_names_principals_and_no_resource() -> None:
    statement = Statement(
        actions=["sts:AssumeRole"], principals={"Service": ["lambda.amazonaws.com"]}
    )
    assert statement.to_dict() == {
        "Effect": "Allow",
        "Principal": {"Service": ["lambda.amazonaws.com"]},
        "Action": ["sts:AssumeRole"],
    }


def test_a_deny_with_a_star_needs_no_justification() -> None:
    statement = Statement(
        effect="Deny",
        actions=["s3:*"],
        resources=[BUCKET, OBJECTS],
        conditions={"Bool": {"aws:SecureTransport": "false"}},
        principals={"AWS": ["*"]},
    )
    assert not statement.is_justified
    assert statement.to_dict() == {
        "Effect": "Deny",
        "Principal": {"AWS": ["*"]},
        "Action": ["s3:*"],
        "Resource": [BUCKET, OBJECTS],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def test_a_document_renders_its_statements_in_order_and_adds_up() -> None:
    read = Statement(actions=["s3:GetObject"], resources=[OBJECTS])
    list_ = Statement(actions=["s3:ListBucket"], resources=[BUCKET])
    document = PolicyDocument([read]) + PolicyDocument.of([list_])
    assert document.to_dict() == {
        "Version": "2012-10-17",
        "Statement": [read.to_dict(), list_.to_dict()],
    }
