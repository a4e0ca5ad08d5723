"""Bad and good graphs for each SEC-1 rule (see tests/policy/cases.py)."""

from __future__ import annotations

import json
from typing import Any

from infra_kit.policy import GraphDoc
from tests.policy.cases import Case
from tests.policy.graphs import doc, resource, urn

ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ROLE = "aws:iam/role:Role"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:orders"
BUCKET_ARN = "arn:aws:s3:::orders-data"
KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def policy(*statements: dict[str, Any]) -> str:
    """A policy document as the engine receives it: a JSON string."""
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(actions: list[str], resources: list[str] | str, **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": actions, "Resource": resources, **extra}


def role_policy(name: str, *statements: dict[str, Any]) -> dict[str, Any]:
    return resource(ROLE_POLICY, name, {"role": "app", "policy": policy(*statements)})


def bucket_policy(name: str, *statements: dict[str, Any]) -> dict[str, Any]:
    return resource(BUCKET_POLICY, name, {"bucket": "orders-data", "policy": policy(*statements)})


def attachment(name: str, arn: str) -> dict[str, Any]:
    return resource(ATTACHMENT, name, {"role": "app", "policyArn": arn})


# -- IK-SEC-1-WILDCARD ---------------------------------------------------------------------------
def _wildcard_bad() -> GraphDoc:
    return doc(role_policy("app-s3", allow(["s3:*"], "arn:aws:s3:::*")))


def _wildcard_good() -> GraphDoc:
    return doc(
        role_policy(
            "app-s3",
            allow(["s3:GetObject"], [f"{BUCKET_ARN}/*"]),
            allow(["s3:ListBucket"], [BUCKET_ARN]),
            allow(
                ["xray:PutTraceSegments"],
                "*",
                Sid="JustifiedXRayTraceIngestionAcceptsNoResourceARN",
            ),
        )
    )


# -- IK-SEC-1-UNKNOWN-ACTION ---------------------------------------------------------------------
def _typo_bad() -> GraphDoc:
    return doc(role_policy("app-queue", allow(["sqs:SendMesage"], [QUEUE_ARN])))


def _typo_good() -> GraphDoc:
    return doc(role_policy("app-queue", allow(["sqs:SendMessage"], [QUEUE_ARN])))


def _service_bad() -> GraphDoc:
    return doc(role_policy("app-queue", allow(["sqss:SendMessage"], [QUEUE_ARN])))


# -- IK-SEC-1-STAR-RESOURCE ----------------------------------------------------------------------
def _star_bad() -> GraphDoc:
    justified = allow(
        ["sqs:SendMessage", "ec2:DescribeInstances"],
        "*",
        Sid="JustifiedTheQueueIsCreatedElsewhere",
    )
    return doc(role_policy("app-queue", justified))


def _star_good() -> GraphDoc:
    tagged = allow(
        ["ec2:StopInstances"],
        "*",
        Condition={"StringEquals": {"aws:ResourceTag/team": "orders"}},
    )
    return doc(
        role_policy(
            "app-ec2",
            allow(["ec2:DescribeInstances"], "*", Sid="JustifiedDescribeAcceptsNoResourceARN"),
            tagged,
        )
    )


# -- IK-SEC-1-CONDITION-KEY ----------------------------------------------------------------------
def _condition_bad() -> GraphDoc:
    return doc(
        role_policy(
            "app-queue",
            allow(
                ["sqs:SendMessage"],
                [QUEUE_ARN],
                Condition={"StringEquals": {"kms:ViaService": "sqs.us-east-1.amazonaws.com"}},
            ),
        )
    )


def _condition_good() -> GraphDoc:
    return doc(
        role_policy(
            "app-key",
            allow(
                ["kms:Decrypt"],
                [KEY_ARN],
                Condition={
                    "StringEquals": {
                        "kms:ViaService": "sqs.us-east-1.amazonaws.com",
                        "kms:EncryptionContext:aws:sqs:arn": QUEUE_ARN,
                        "aws:SourceAccount": "123456789012",
                    }
                },
            ),
        )
    )


def _logs_context(actions: list[str]) -> dict[str, Any]:
    group = "arn:aws:logs:us-east-1:123456789012:log-group:/orders/prod/*"
    return allow(
        actions,
        "*",
        Principal={"Service": "logs.us-east-1.amazonaws.com"},
        Condition={"ArnLike": {"kms:EncryptionContext:aws:logs:arn": group}},
    )


def _condition_partly_bad() -> GraphDoc:
    # kms:DescribeKey carries no encryption context: that part of the grant never matches.
    key = {"description": "k", "policy": policy(_logs_context(["kms:Decrypt", "kms:DescribeKey"]))}
    return doc(resource("aws:kms/key:Key", "logs-key", key))


def _condition_partly_good() -> GraphDoc:
    key = {"description": "k", "policy": policy(_logs_context(["kms:Decrypt", "kms:Encrypt"]))}
    return doc(resource("aws:kms/key:Key", "logs-key", key))


# -- IK-SEC-1-MANAGED-POLICY ---------------------------------------------------------------------
def _managed_bad() -> GraphDoc:
    return doc(
        attachment("app-admin", "arn:aws:iam::aws:policy/AdministratorAccess"),
        resource(
            ROLE,
            "reader",
            {
                "assumeRolePolicy": policy(
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "ec2.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ),
                "managedPolicyArns": ["arn:aws:iam::aws:policy/AmazonSQSReadOnlyAccess"],
            },
        ),
    )


def _managed_good() -> GraphDoc:
    return doc(
        attachment("node-worker", "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy"),
        attachment("own", "arn:aws:iam::123456789012:policy/orders-read"),
    )


# -- IK-SEC-1-PRINCIPAL-WILDCARD -----------------------------------------------------------------
def _public_read(**extra: Any) -> dict[str, Any]:
    return allow(["s3:GetObject"], [f"{BUCKET_ARN}/*"], Principal="*", **extra)


def _principal_bad() -> GraphDoc:
    return doc(bucket_policy("orders-data", _public_read()))


def _principal_good() -> GraphDoc:
    return doc(
        bucket_policy(
            "orders-data",
            _public_read(Condition={"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}),
            {
                "Effect": "Deny",
                "Principal": {"AWS": "*"},
                "Action": "s3:*",
                "Resource": [BUCKET_ARN, f"{BUCKET_ARN}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
        )
    )


CASES: list[Case] = [
    Case(
        "IK-SEC-1-WILDCARD",
        bad=_wildcard_bad,
        offending=(urn(ROLE_POLICY, "app-s3"),),
        good=_wildcard_good,
        label="s3-star",
    ),
    Case(
        "IK-SEC-1-UNKNOWN-ACTION",
        bad=_typo_bad,
        offending=(urn(ROLE_POLICY, "app-queue"),),
        good=_typo_good,
        label="sqs-SendMesage",
    ),
    Case(
        "IK-SEC-1-UNKNOWN-ACTION",
        bad=_service_bad,
        offending=(urn(ROLE_POLICY, "app-queue"),),
        good=_typo_good,
        label="unknown-service",
    ),
    Case(
        "IK-SEC-1-STAR-RESOURCE",
        bad=_star_bad,
        offending=(urn(ROLE_POLICY, "app-queue"),),
        good=_star_good,
        label="justified-is-not-enough",
    ),
    Case(
        "IK-SEC-1-CONDITION-KEY",
        bad=_condition_bad,
        offending=(urn(ROLE_POLICY, "app-queue"),),
        good=_condition_good,
        label="kms-key-on-sqs",
    ),
    Case(
        "IK-SEC-1-CONDITION-KEY",
        bad=_condition_partly_bad,
        offending=(urn("aws:kms/key:Key", "logs-key"),),
        good=_condition_partly_good,
        label="describe-key-has-no-encryption-context",
    ),
    Case(
        "IK-SEC-1-MANAGED-POLICY",
        bad=_managed_bad,
        offending=(urn(ATTACHMENT, "app-admin"), urn(ROLE, "reader")),
        good=_managed_good,
        label="admin-and-unreviewed",
    ),
    Case(
        "IK-SEC-1-PRINCIPAL-WILDCARD",
        bad=_principal_bad,
        offending=(urn(BUCKET_POLICY, "orders-data"),),
        good=_principal_good,
        label="public-bucket",
    ),
]
