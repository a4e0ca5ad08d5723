"""What bootstrap finds in an account, as plain values: the planner's only input from AWS."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = [
    "FOUR_BLOCKS",
    "AccountFacts",
    "BucketFacts",
    "Encryption",
    "KeyFacts",
    "Presence",
]

#: BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets: all on.
FOUR_BLOCKS = (True, True, True, True)


class Presence(StrEnum):
    """Whether a bucket name is free, ours to use, or taken where we cannot use it."""

    ABSENT = "absent"
    HERE = "here"
    """In this account and region."""
    OTHER_ACCOUNT = "other-account"
    """HeadBucket says 403: another account owns the name (or this identity may not see it)."""
    OTHER_REGION = "other-region"


@dataclass(frozen=True)
class Encryption:
    """A bucket's default encryption: ``AES256`` (SSE-S3), ``aws:kms``, ``aws:kms:dsse``."""

    algorithm: str
    kms_key_id: str | None = None
    bucket_key_enabled: bool = False


@dataclass(frozen=True)
class BucketFacts:
    """One bucket as found. Only ``presence`` (and ``region``) mean anything unless HERE."""

    presence: Presence = Presence.ABSENT
    region: str | None = None
    managed: bool = False
    """Carries bootstrap's tag: bootstrap created it, and may finish or update it."""
    public_access_block: tuple[bool, bool, bool, bool] | None = None
    ownership: str | None = None
    encryption: Encryption | None = None
    versioning: str | None = None
    policy: Mapping[str, Any] | None = None
    lifecycle_rules: tuple[Mapping[str, Any], ...] = ()
    logging_target: str | None = None


@dataclass(frozen=True)
class KeyFacts:
    """The key the alias names (``aliased``), or an unaliased key bootstrap tagged for it."""

    key_id: str
    arn: str
    state: str = "Enabled"
    manager: str = "CUSTOMER"
    spec: str = "SYMMETRIC_DEFAULT"
    usage: str = "ENCRYPT_DECRYPT"
    origin: str = "AWS_KMS"
    rotation_enabled: bool = True
    aliased: bool = True
    managed: bool = True
    policy: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class AccountFacts:
    """Everything the planner needs to know about the account, read without changing it."""

    account_id: str
    key: KeyFacts | None = None
    bucket: BucketFacts = field(default_factory=BucketFacts)
    log_bucket: BucketFacts = field(default_factory=BucketFacts)
    existing_roles: frozenset[str] = frozenset()
