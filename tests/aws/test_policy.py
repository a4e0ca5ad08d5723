"""The IAM policy-document model: refusals of unscoped grants and the JSON it renders (SEC-1)."""

from __future__ import annotations

import re

import pytest

from infra_kit.aws._policy import (
    JUSTIFIED_SID_PREFIX,
    PolicyDocument,
    Statement,
    is_wildcard_action,
    is_wildcard_resource,
)
from infra_kit.errors import ValidationError

BUCKET = "arn:aws:s3:::orders-documents"
OBJECTS = "arn:aws:s3:::orders-documents/*"
WHY = "ListAllMyBuckets acts on no resource"


# -- what counts as a wildcard ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("resource", "wild"),
    [
        ("*", True),
        ("arn:aws:s3:::orders-documents/*", False),
        ("arn:aws:s3:::orders-*", False),
        ("arn:aws:kms:*:123456789012:key/abc", True),
        ("arn:aws:kms:us-east-1:*:key/abc", True),
        ("arn:aws:*:us-east-1:123456789012:key/abc", True),
        ("arn:*:kms:us-east-1:123456789012:key/abc", True),
        ("arn:aws:logs:us-east-1:123456789012:log-group:/orders/*", False),
        ("not-an-arn*", False),
    ],
)
def test_a_wildcard_resource_is_a_star_or_an_arn_with_a_wildcard_field(
    resource: str, wild: bool
) -> None:
    assert is_wildcard_resource(resource) is wild


def test_the_objects_of_one_bucket_are_not_a_wildcard() -> None:
    assert is_wildcard_resource("arn:aws:s3:::bucket/*") is False


@pytest.mark.parametrize(
    ("action", "wild"), [("s3:*", True), ("s3:Get*", True), ("s3:GetObject", False)]
)
def test_an_action_with_a_star_is_a_wildcard(action: str, wild: bool) -> None:
    assert is_wildcard_action(action) is wild


# -- refusals ---------------------------------------------------------------------------------


def test_a_wildcard_action_without_justification_is_refused() -> None:
    with pytest.raises(
        ValidationError,
        match=r"^justification=None: s3:\* is a wildcard, which least privilege \(SEC-1\) "
        r"allows only with a written reason\. Fix: name exact actions and resource ARNs, or pass "
        r"justification='why no narrower grant works' \(at least three words\) "
        r"\(about SEC-1: docs/prescriptions\.md#sec-1\)$",
    ):
        Statement(actions=["s3:*"], resources=[BUCKET])


def test_a_star_resource_without_justification_is_refused() -> None:
    with pytest.raises(
        ValidationError, match=r"^justification=None: \* is a wildcard, which least privilege"
    ):
        Statement(actions=["s3:ListAllMyBuckets"], resources=["*"])


@pytest.mark.parametrize(
    "resource",
    ["arn:aws:kms:us-east-1:*:key/abc", "arn:aws:kms:*:123456789012:key/abc"],
)
def test_an_arn_with_a_wildcard_account_or_region_is_refused(resource: str) -> None:
    with pytest.raises(
        ValidationError, match=rf"^justification=None: {re.escape(resource)} is a wildcard"
    ):
        Statement(actions=["kms:Decrypt"], resources=[resource])


@pytest.mark.parametrize("justification", ["", "   ", "because", "no narrower"])
def test_a_justification_shorter_than_three_words_is_refused(justification: str) -> None:
    with pytest.raises(
        ValidationError,
        match=rf"^justification={justification!r}: \* is a wildcard.*at least three words",
    ):
        Statement(actions=["s3:ListAllMyBuckets"], resources=["*"], justification=justification)


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
