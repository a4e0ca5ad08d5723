"""The policies and configurations bootstrap writes, and how to tell whether AWS holds them.

Pure logic: every document is built from the settings and the key's ARN, and compared with
what AWS returns after normalising what AWS may reformat (one-element lists, order).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from infra_kit.aws.key import KEY_ADMIN_ACTIONS
from infra_kit.bootstrap._settings import ResolvedSettings

__all__ = [
    "ABORT_MULTIPART_DAYS",
    "LOG_LIFECYCLE_RULE_ID",
    "MANAGED_TAG",
    "STATE_LIFECYCLE_RULE_ID",
    "key_policy",
    "log_bucket_statements",
    "log_lifecycle_rule",
    "merge_rules",
    "merge_statements",
    "missing_statements",
    "normalised",
    "rule_matches",
    "state_bucket_statements",
    "state_lifecycle_rule",
]

#: Marks what bootstrap created; only such a bucket or key is one bootstrap may finish or update.
MANAGED_TAG = ("managed-by", "infra-kit-bootstrap")
STATE_LIFECYCLE_RULE_ID = "infra-kit-state-noncurrent-versions"
LOG_LIFECYCLE_RULE_ID = "infra-kit-access-log-retention"
ABORT_MULTIPART_DAYS = 7

#: What S3 asks of the key to encrypt and read objects under SSE-KMS with a bucket key.
_S3_USE_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey")
#: What Pulumi's ``awskms://`` secrets provider calls: it encrypts the stack's data key once, at
#: ``pulumi stack init``, and decrypts it on every command that reads a secret.
_SECRETS_PROVIDER_ACTIONS = ("kms:Decrypt", "kms:Encrypt")


def key_policy(settings: ResolvedSettings) -> dict[str, Any]:
    """The state key's policy: administered by the account, used through S3 and by Pulumi.

    The account root as principal delegates to IAM: a principal of this account may use the key
    only if its own IAM policy allows it too. No other account and no service principal is named.
    """
    root = {"AWS": settings.root_arn}
    # prescription: STATE-1 -- the state key is used only by this account's principals, by S3 in
    # the bucket's region and by Pulumi's secrets provider; nobody administers it but the account.
    return {
        "Version": "2012-10-17",
        "Id": "infra-kit-state-key",
        "Statement": [
            {
                "Sid": "AccountAdministersTheKey",
                "Effect": "Allow",
                "Principal": root,
                "Action": list(KEY_ADMIN_ACTIONS),
                "Resource": "*",
            },
            {
                "Sid": "StateBucketEncryptionThroughS3",
                "Effect": "Allow",
                "Principal": root,
                "Action": list(_S3_USE_ACTIONS),
                "Resource": "*",
                "Condition": {
                    "StringEquals": {
                        "kms:ViaService": f"s3.{settings.region}.amazonaws.com",
                        "kms:CallerAccount": settings.account_id,
                    }
                },
            },
            {
                "Sid": "PulumiSecretsProvider",
                "Effect": "Allow",
                "Principal": root,
                "Action": list(_SECRETS_PROVIDER_ACTIONS),
                "Resource": "*",
                # Pulumi calls KMS directly, not through a service: a ViaService request is not
                # this statement's business.
                "Condition": {"Null": {"kms:ViaService": "true"}},
            },
        ],
    }


def _tls_only(arn: str) -> dict[str, Any]:
    # prescription: SEC-3 -- a request to the bucket that is not over TLS is denied.
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": "s3:*",
        "Resource": [arn, f"{arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def state_bucket_statements(settings: ResolvedSettings, key_arn: str) -> list[dict[str, Any]]:
    """TLS only, and no object written under any encryption but the state key.

    A put that names no encryption gets the bucket's default (the key), so Pulumi, which names
    none, is unaffected. A put that asks for SSE-S3, SSE-C or another key is denied. The key is
    compared by ARN: a client that names it by ID or alias is denied too, which is the safe side.
    """
    arn = settings.bucket_arn
    objects = f"{arn}/*"
    return [
        _tls_only(arn),
        {
            "Sid": "DenyOtherEncryption",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "s3:PutObject",
            "Resource": objects,
            "Condition": {
                "Null": {"s3:x-amz-server-side-encryption": "false"},
                "StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"},
            },
        },
        {
            "Sid": "DenyOtherKmsKey",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "s3:PutObject",
            "Resource": objects,
            "Condition": {
                "Null": {"s3:x-amz-server-side-encryption-aws-kms-key-id": "false"},
                "StringNotEquals": {"s3:x-amz-server-side-encryption-aws-kms-key-id": key_arn},
            },
        },
        {
            "Sid": "DenyCustomerProvidedKeys",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "s3:PutObject",
            "Resource": objects,
            "Condition": {"Null": {"s3:x-amz-server-side-encryption-customer-algorithm": "false"}},
        },
    ]


def log_bucket_statements(settings: ResolvedSettings) -> list[dict[str, Any]]:
    """TLS only, and the S3 logging service may write the state bucket's logs, nothing else."""
    arn = settings.log_bucket_arn
    return [
        _tls_only(arn),
        {
            "Sid": "AllowServerAccessLogDelivery",
            "Effect": "Allow",
            "Principal": {"Service": "logging.s3.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": f"{arn}/{settings.bucket}/*",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": settings.account_id},
                "ArnEquals": {"aws:SourceArn": settings.bucket_arn},
            },
        },
    ]


def state_lifecycle_rule(settings: ResolvedSettings) -> dict[str, Any]:
    """Expire noncurrent state versions and orphaned delete markers; abort stale uploads.

    The current version of a state file never expires.
    """
    return {
        "ID": STATE_LIFECYCLE_RULE_ID,
        "Status": "Enabled",
        "Filter": {"Prefix": ""},
        "Expiration": {"ExpiredObjectDeleteMarker": True},
        "NoncurrentVersionExpiration": {"NoncurrentDays": settings.noncurrent_days},
        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": ABORT_MULTIPART_DAYS},
    }


def log_lifecycle_rule(settings: ResolvedSettings) -> dict[str, Any]:
    """Expire access logs after the retention; abort stale uploads."""
    return {
        "ID": LOG_LIFECYCLE_RULE_ID,
        "Status": "Enabled",
        "Filter": {"Prefix": ""},
        "Expiration": {"Days": settings.log_retention_days},
        "NoncurrentVersionExpiration": {"NoncurrentDays": 1},
        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": ABORT_MULTIPART_DAYS},
    }


def normalised(value: Any) -> Any:
    """``value`` as a policy evaluator reads it: one-element lists as scalars, lists in order."""
    if isinstance(value, Mapping):
        return {k: normalised(v) for k, v in sorted(value.items())}
    if isinstance(value, list | tuple):
        items = [normalised(v) for v in value]
        if len(items) == 1:
            return items[0]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True))
    return value


def missing_statements(
    existing: Mapping[str, Any] | None, wanted: Sequence[Mapping[str, Any]]
) -> list[str]:
    """The Sids of ``wanted`` that ``existing`` lacks, or holds in another form."""
    held = {
        s.get("Sid"): normalised(s)
        for s in (existing or {}).get("Statement", [])
        if isinstance(s, Mapping)
    }
    return [s["Sid"] for s in wanted if held.get(s["Sid"]) != normalised(s)]


def merge_statements(
    existing: Mapping[str, Any] | None, wanted: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """``existing`` with ``wanted`` in place of any statement of the same Sid; the rest kept."""
    ours = {s["Sid"] for s in wanted}
    kept = [
        s
        for s in (existing or {}).get("Statement", [])
        if not (isinstance(s, Mapping) and s.get("Sid") in ours)
    ]
    document: dict[str, Any] = {k: v for k, v in (existing or {}).items() if k != "Statement"}
    document.setdefault("Version", "2012-10-17")
    document["Statement"] = [*kept, *wanted]
    return document


def _rule_shape(rule: Mapping[str, Any]) -> Any:
    shape = {
        k: rule.get(k)
        for k in (
            "Status",
            "Expiration",
            "NoncurrentVersionExpiration",
            "AbortIncompleteMultipartUpload",
        )
    }
    prefix = (rule.get("Filter") or {}).get("Prefix", rule.get("Prefix", ""))
    shape["Filter"] = prefix or ""
    return normalised(shape)


def rule_matches(existing: Iterable[Mapping[str, Any]], wanted: Mapping[str, Any]) -> bool:
    """Whether a rule with ``wanted``'s ID is held with the same effect."""
    return any(
        r.get("ID") == wanted["ID"] and _rule_shape(r) == _rule_shape(wanted) for r in existing
    )


def merge_rules(existing: Iterable[Mapping[str, Any]], wanted: Mapping[str, Any]) -> list[Any]:
    """``existing`` lifecycle rules with ``wanted`` in place of any rule of the same ID."""
    return [*(dict(r) for r in existing if r.get("ID") != wanted["ID"]), dict(wanted)]
