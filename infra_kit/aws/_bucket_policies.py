"""The rules of a :class:`~infra_kit.aws.bucket.Bucket`: its purposes, the checks of its arguments
and the IAM statements of its policies. Pure logic: no Pulumi resources are created here.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import pulumi

from infra_kit.aws import actions
from infra_kit.aws._policy import Statement
from infra_kit.core.tags import validate_tag_value
from infra_kit.errors import ValidationError

if TYPE_CHECKING:
    from infra_kit.aws.bucket import BucketArgs

__all__ = [
    "ACCESS_LOG_SSE_S3_REASON",
    "ALB_ACCESS_LOG_SSE_S3_REASON",
    "BucketPurpose",
    "check_args",
    "load_balancer_log_principal",
    "load_balancer_log_statement",
    "log_delivery_statement",
    "objects_arn",
    "read_statements",
    "tls_only_statement",
]

_LOGGING_SERVICE = "logging.s3.amazonaws.com"
#: Who delivers ALB access logs in each Region (source and date inside the file).
ELB_LOG_DELIVERY_FILE = Path(__file__).with_name("data") / "elb-log-delivery-accounts.json"
_MIN_REASON_WORDS = 3
# S3_READ splits into object-level actions (on ``arn/*``) and ListBucket (on the bucket ARN).
_BUCKET_LEVEL_ACTIONS = frozenset({"s3:ListBucket"})


class BucketPurpose(StrEnum):
    """What a bucket holds; it decides the encryption and who may write to it."""

    DATA = "data"
    """Application data: SSE-KMS with the given customer-managed key, access-logged where the
    profile says."""
    ACCESS_LOGS = "access_logs"
    """A destination of S3 server access logs: SSE-S3, the only default encryption the S3 User
    Guide documents for a log destination (docs/adr/0010); never itself access-logged."""


#: Why an access-log bucket is encrypted with SSE-S3; kept in the graph with the suppression.
ACCESS_LOG_SSE_S3_REASON = (
    "S3 server access log destination: the Amazon S3 User Guide documents default encryption of "
    "a log destination bucket as SSE-S3 only and SSE-KMS as not supported, so this bucket cannot "
    "use a customer-managed key (docs/adr/0010-access-log-buckets-stay-sse-s3.md)."
)


#: Why an access-log bucket that also receives ALB access logs is encrypted with SSE-S3.
ALB_ACCESS_LOG_SSE_S3_REASON = (
    "S3 server access and ALB access log destination: the Amazon S3 User Guide documents SSE-S3 "
    "as the only default encryption of a server access log destination, and the Elastic Load "
    "Balancing User Guide SSE-S3 as the only server-side encryption an ALB access log bucket "
    "supports, so this bucket cannot use a customer-managed key (docs/adr/0010, docs/adr/0024)."
)


def check_args(args: BucketArgs) -> None:
    """Refuse contradictory or weakening arguments before any resource exists."""
    if args.purpose is BucketPurpose.DATA:
        if args.key is None:
            raise ValidationError(
                "key",
                None,
                "a data bucket is encrypted with a customer-managed key (SEC-3)",
                "pass key=Key(..., KeyArgs(..., via_services=['s3']))",
            )
        if "s3" not in args.key.via_services:
            raise ValidationError(
                "key",
                args.key.component_name,
                "the key is not usable through S3, so S3 could not encrypt with it",
                "add 's3' to the key's KeyArgs.via_services",
            )
        if args.access_log_source_arns:
            raise ValidationError(
                "access_log_source_arns",
                list(args.access_log_source_arns),
                "only an ACCESS_LOGS bucket receives access logs",
                "remove it, or set purpose=BucketPurpose.ACCESS_LOGS",
            )
        if args.enable_load_balancer_log_delivery:
            raise ValidationError(
                "enable_load_balancer_log_delivery",
                True,
                "only an ACCESS_LOGS bucket receives load balancer access logs",
                "remove it, or set purpose=BucketPurpose.ACCESS_LOGS",
            )
        target = args.access_log_bucket
        if target is not None and target.purpose is not BucketPurpose.ACCESS_LOGS:
            raise ValidationError(
                "access_log_bucket",
                target.component_name,
                "it is a data bucket, encrypted with a customer-managed key, and AWS documents "
                "SSE-S3 as the only default encryption of a server access log destination",
                "pass a Bucket created with purpose=BucketPurpose.ACCESS_LOGS, or leave it "
                "unset to get a dedicated one",
            )
    else:
        if args.key is not None:
            raise ValidationError(
                "key",
                args.key.component_name,
                "an access-log bucket uses SSE-S3, the only default encryption AWS documents for "
                "a server access log destination (docs/adr/0010)",
                "remove key from the ACCESS_LOGS bucket's arguments",
            )
        if args.access_log_bucket is not None:
            raise ValidationError(
                "access_log_bucket",
                args.access_log_bucket.component_name,
                "an access-log bucket is not itself access-logged (logs of logs loop)",
                "remove access_log_bucket from the ACCESS_LOGS bucket's arguments",
            )
    reason = args.allow_destroy_with_objects_reason
    if reason is not None:
        problem = validate_tag_value(reason)
        if problem or len(reason.split()) < _MIN_REASON_WORDS:
            raise ValidationError(
                "allow_destroy_with_objects_reason",
                reason,
                problem or "destroying a bucket with its objects loses them (DR-1); say why",
                "write a sentence of at least three words, letters, digits, spaces and "
                "_ . : / = + - @ only",
            )


def objects_arn(arn: pulumi.Output[str]) -> pulumi.Output[str]:
    """Every object of the bucket ``arn``: ``<arn>/*``."""
    return arn.apply(lambda a: f"{a}/*")


def tls_only_statement(arn: pulumi.Output[str]) -> Statement:
    """Deny every request to the bucket and its objects that does not use TLS."""
    # prescription: SEC-3 -- any request over plain HTTP is refused, whoever makes it.
    return Statement(
        sid="DenyInsecureTransport",
        effect="Deny",
        principals={"AWS": ["*"]},
        actions=["s3:*"],
        resources=[arn, objects_arn(arn)],
        conditions={"Bool": {"aws:SecureTransport": "false"}},
    )


def log_delivery_statement(
    arn: pulumi.Output[str],
    account_id: pulumi.Input[str],
    source_arns: Sequence[pulumi.Input[str]],
) -> Statement:
    """Let the S3 logging service put objects for ``account_id`` (and ``source_arns`` if any)."""
    conditions: dict[str, dict[str, object]] = {"StringEquals": {"aws:SourceAccount": account_id}}
    if source_arns:
        conditions["ArnEquals"] = {"aws:SourceArn": list(source_arns)}
    return Statement(
        sid="AllowServerAccessLogDelivery",
        principals={"Service": [_LOGGING_SERVICE]},
        actions=["s3:PutObject"],
        resources=[objects_arn(arn)],
        conditions=conditions,
    )


@cache
def _elb_log_delivery() -> dict[str, object]:
    return json.loads(ELB_LOG_DELIVERY_FILE.read_text(encoding="utf-8"))


def load_balancer_log_principal(region: str, partition: str) -> dict[str, list[str]]:
    """Who writes ALB access logs in ``region``: the Region's Elastic Load Balancing account
    in Regions available before August 2022, the ``logdelivery.elasticloadbalancing.amazonaws.com``
    service principal in newer ones (data/elb-log-delivery-accounts.json)."""
    data = _elb_log_delivery()
    accounts = data["accounts"]
    assert isinstance(accounts, dict)
    account = accounts.get(region)
    if account is not None:
        return {"AWS": [f"arn:{partition}:iam::{account}:root"]}
    return {"Service": [str(data["service_principal"])]}


def load_balancer_log_statement(
    arn: pulumi.Output[str], account_id: pulumi.Input[str], region: str, partition: str
) -> Statement:
    """Let Elastic Load Balancing put the access logs of ``account_id``'s load balancers in
    ``region`` under any prefix: ``<arn>/<prefix>/AWSLogs/<account>/...``, the keys it writes."""
    resource = pulumi.Output.all(arn, account_id).apply(lambda v: f"{v[0]}/*/AWSLogs/{v[1]}/*")
    return Statement(
        sid="AllowLoadBalancerAccessLogDelivery",
        principals=load_balancer_log_principal(region, partition),
        actions=["s3:PutObject"],
        resources=[resource],
    )


def read_statements(arn: pulumi.Output[str]) -> list[Statement]:
    """``actions.S3_READ`` split by scope: object reads on ``<arn>/*``, ListBucket on ``<arn>``."""
    object_actions = [a for a in actions.S3_READ if a not in _BUCKET_LEVEL_ACTIONS]
    bucket_actions = [a for a in actions.S3_READ if a in _BUCKET_LEVEL_ACTIONS]
    return [
        Statement(actions=object_actions, resources=[objects_arn(arn)]),
        Statement(actions=bucket_actions, resources=[arn]),
    ]
