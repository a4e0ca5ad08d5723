"""What ``infra-kit bootstrap`` is asked to create, checked before any AWS call. Pure logic."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from infra_kit.errors import ValidationError

__all__ = [
    "DEFAULT_KEY_ALIAS",
    "DEFAULT_LOG_RETENTION_DAYS",
    "DEFAULT_NONCURRENT_DAYS",
    "BootstrapSettings",
    "default_bucket_name",
    "default_log_bucket_name",
    "partition_of",
    "validate_bucket_name",
    "validate_key_alias",
    "validate_region",
]

DEFAULT_KEY_ALIAS = "alias/infra-kit-state"
#: How long an overwritten or deleted state file stays recoverable.
DEFAULT_NONCURRENT_DAYS = 90
#: Server access logs of the state bucket are audit records: kept a year (OBS-2's floor in prod).
DEFAULT_LOG_RETENTION_DAYS = 365

# Commercial, China, GovCloud and the isolated partitions: two letters, an optional partition
# infix, a direction and a number (us-east-1, cn-north-1, us-gov-west-1, us-isob-east-1).
_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")
_ALIAS = re.compile(r"^alias/[A-Za-z0-9/_-]{1,250}$")
_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", "--x-s3", "--table-s3", ".mrap")
_LOG_SUFFIX = "-access-logs"


def validate_region(region: str) -> str | None:
    """Why ``region`` is not a region name, or None."""
    if _REGION.match(region):
        return None
    return "not a region name; give one such as us-east-1 or eu-west-1"


def validate_bucket_name(name: str) -> str | None:
    """Why ``name`` cannot be the name of a TLS-only general purpose bucket, or None.

    S3's naming rules, less one it allows: a dot. A dotted name does not match S3's wildcard
    certificate in virtual-hosted addressing, and the bucket's policy refuses every request that
    is not over TLS.
    """
    if "." in name:
        return (
            "a dot in a bucket name breaks TLS with virtual-hosted addressing, and this bucket "
            "accepts TLS only; use hyphens"
        )
    if not _BUCKET.match(name):
        return (
            "not a bucket name: 3 to 63 lowercase letters, digits and hyphens, starting and "
            "ending with a letter or digit"
        )
    if any(name.startswith(p) for p in _RESERVED_PREFIXES) or any(
        name.endswith(s) for s in _RESERVED_SUFFIXES
    ):
        return "S3 reserves this prefix or suffix; choose another name"
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return None
    return "a bucket name cannot look like an IP address"


def validate_key_alias(alias: str) -> str | None:
    """Why ``alias`` cannot name a customer-managed key, or None."""
    if not alias.startswith("alias/"):
        return "a KMS alias starts with 'alias/', e.g. alias/infra-kit-state"
    if alias.startswith("alias/aws/"):
        return "alias/aws/ names AWS managed keys, which cannot be used here; choose another"
    if not _ALIAS.match(alias):
        return "after 'alias/', use up to 250 letters, digits, '/', '_' and '-'"
    return None


def partition_of(region: str) -> str:
    """The AWS partition a region belongs to (aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b)."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    if region.startswith("us-isob-"):
        return "aws-iso-b"
    if region.startswith("us-iso-"):
        return "aws-iso"
    return "aws"


def default_bucket_name(account_id: str, region: str) -> str:
    """``infra-kit-state-<account>-<region>``: unique per account and region, and at most 50."""
    return f"infra-kit-state-{account_id}-{region}"


def default_log_bucket_name(bucket: str) -> str:
    """``<bucket>-access-logs``: where the state bucket's server access logs go."""
    return f"{bucket}{_LOG_SUFFIX}"


@dataclass(frozen=True)
class BootstrapSettings:
    """What to create, every value checked by :meth:`validate` before the first AWS call.

    Attributes:
        region: The region of the bucket and key; Pulumi's backend URL and secrets provider
            name it too.
        bucket: The state bucket. Default (``None``): ``infra-kit-state-<account>-<region>``,
            resolved once the account is known.
        log_bucket: Where the state bucket's server access logs go. Default (``None``):
            ``<bucket>-access-logs``.
        key_alias: The alias of the key that encrypts the bucket and Pulumi's secrets.
        noncurrent_days: Days an overwritten or deleted state file is kept before S3 expires it.
        log_retention_days: Days server access logs are kept.
    """

    region: str
    bucket: str | None = None
    log_bucket: str | None = None
    key_alias: str = DEFAULT_KEY_ALIAS
    noncurrent_days: int = DEFAULT_NONCURRENT_DAYS
    log_retention_days: int = DEFAULT_LOG_RETENTION_DAYS

    def validate(self) -> None:
        """Raise :class:`ValidationError` naming the option of the first value that cannot work."""
        problem = validate_region(self.region)
        if problem:
            raise ValidationError("--region", self.region, problem, "pass --region REGION")
        if self.bucket is not None:
            problem = validate_bucket_name(self.bucket)
            if problem:
                raise ValidationError("--bucket", self.bucket, problem, "pass a valid --bucket")
            if self.log_bucket is None and validate_bucket_name(
                default_log_bucket_name(self.bucket)
            ):
                raise ValidationError(
                    "--bucket",
                    self.bucket,
                    f"the access-log bucket's default name, {self.bucket}{_LOG_SUFFIX}, would "
                    "be longer than 63 characters",
                    "pass a shorter --bucket, or name the log bucket with --log-bucket",
                )
        if self.log_bucket is not None:
            problem = validate_bucket_name(self.log_bucket)
            if problem:
                raise ValidationError(
                    "--log-bucket", self.log_bucket, problem, "pass a valid --log-bucket"
                )
            if self.log_bucket == self.bucket:
                raise ValidationError(
                    "--log-bucket",
                    self.log_bucket,
                    "a bucket that logs to itself logs its own log deliveries, without end",
                    "name a different --log-bucket",
                )
        problem = validate_key_alias(self.key_alias)
        if problem:
            raise ValidationError(
                "--key-alias", self.key_alias, problem, "pass a valid --key-alias"
            )
        for option, days in (
            ("--noncurrent-days", self.noncurrent_days),
            ("--log-retention-days", self.log_retention_days),
        ):
            if not 1 <= days <= 36500:
                raise ValidationError(
                    option, days, "S3 lifecycle days run from 1 to 36500", f"pass {option} DAYS"
                )

    def resolved(self, account_id: str) -> ResolvedSettings:
        """These settings with the account's defaults filled in."""
        bucket = self.bucket or default_bucket_name(account_id, self.region)
        return ResolvedSettings(
            account_id=account_id,
            region=self.region,
            partition=partition_of(self.region),
            bucket=bucket,
            log_bucket=self.log_bucket or default_log_bucket_name(bucket),
            key_alias=self.key_alias,
            noncurrent_days=self.noncurrent_days,
            log_retention_days=self.log_retention_days,
        )


@dataclass(frozen=True)
class ResolvedSettings:
    """:class:`BootstrapSettings` for one account: every name known."""

    account_id: str
    region: str
    partition: str
    bucket: str
    log_bucket: str
    key_alias: str
    noncurrent_days: int = DEFAULT_NONCURRENT_DAYS
    log_retention_days: int = DEFAULT_LOG_RETENTION_DAYS

    @property
    def bucket_arn(self) -> str:
        return f"arn:{self.partition}:s3:::{self.bucket}"

    @property
    def log_bucket_arn(self) -> str:
        return f"arn:{self.partition}:s3:::{self.log_bucket}"

    @property
    def alias_arn(self) -> str:
        return f"arn:{self.partition}:kms:{self.region}:{self.account_id}:{self.key_alias}"

    @property
    def root_arn(self) -> str:
        return f"arn:{self.partition}:iam::{self.account_id}:root"

    def backend_url(self) -> str:
        """The ``pulumi login`` URL of the state bucket (the AWS SDK v2 client, region pinned)."""
        return f"s3://{self.bucket}?region={self.region}&awssdk=v2"

    def secrets_provider(self) -> str:
        """The ``--secrets-provider`` of every stack: the key, by alias, in its region."""
        return f"awskms://{self.key_alias}?region={self.region}"
