"""A private, encrypted, versioned S3 bucket with TLS-only access and least-privilege grants."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra_kit.aws import actions
from infra_kit.aws._bucket_policies import (
    ACCESS_LOG_SSE_S3_REASON,
    ALB_ACCESS_LOG_SSE_S3_REASON,
    BucketPurpose,
    check_args,
    load_balancer_log_statement,
    log_delivery_statement,
    objects_arn,
    read_statements,
    tls_only_statement,
)
from infra_kit.aws._policy import PolicyDocument, Statement
from infra_kit.aws.grants import Grantee, attach_policy, kms_via_service
from infra_kit.aws.key import Key
from infra_kit.core.component import Component
from infra_kit.core.environment import Environment
from infra_kit.core.tags import backup_tags
from infra_kit.policy.suppress import suppress

__all__ = [
    "ABORT_INCOMPLETE_MULTIPART_UPLOAD_DAYS",
    "DESTROY_WITH_OBJECTS_TAG",
    "KMS_S3_WRITE",
    "Bucket",
    "BucketArgs",
    "BucketPurpose",
]

#: Days after which S3 removes the parts of a multipart upload that never completed.
ABORT_INCOMPLETE_MULTIPART_UPLOAD_DAYS = 7
#: The tag that records why a bucket may be destroyed with its objects still in it.
DESTROY_WITH_OBJECTS_TAG = "infra-kit:destroy-with-objects-reason"
#: What writing through S3 needs from the bucket's key (multipart uploads also decrypt).
KMS_S3_WRITE: tuple[str, ...] = ("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey")


@dataclass(frozen=True)
class BucketArgs:
    """Arguments of :class:`Bucket`.

    Args:
        key: the customer-managed key that encrypts the objects (SEC-3). It must be usable
            through S3 (``KeyArgs.via_services`` includes ``"s3"``). Required for a ``DATA``
            bucket; refused for an ``ACCESS_LOGS`` bucket, which uses SSE-S3. Default: none,
            which only an ``ACCESS_LOGS`` bucket accepts.
        purpose: what the bucket holds. Default: ``BucketPurpose.DATA``.
        access_log_bucket: an ``ACCESS_LOGS`` bucket that receives this bucket's server access
            logs. Given: logs go there in every environment. Default (None): when the profile's
            ``buckets.enable_access_logging`` is on (stage and prod), a dedicated
            ``<name>-access-logs`` bucket is created; when it is off (dev, preview), no logs.
        access_log_source_arns: for an ``ACCESS_LOGS`` bucket, the ARNs of the buckets whose
            logs it accepts (``aws:SourceArn``). Default: any bucket of this account
            (``aws:SourceAccount`` only). Refused on a ``DATA`` bucket.
        enable_load_balancer_log_delivery: for an ``ACCESS_LOGS`` bucket, also let Elastic
            Load Balancing deliver the access logs of this account's load balancers in the
            stack's region (any prefix), with the principal AWS documents for the region: its
            ELB account in regions available before August 2022, the
            ``logdelivery.elasticloadbalancing.amazonaws.com`` service otherwise. ALB access logs
            also support SSE-S3 only (ADR 0024). Default: False. Refused on a ``DATA`` bucket.
        allow_destroy_with_objects_reason: lets ``pulumi destroy`` delete the bucket with its
            objects (``force_destroy``), losing them. Give a sentence saying why; it is kept in
            the ``infra-kit:destroy-with-objects-reason`` tag. Default (None): a bucket that still
            holds objects is never deleted. Pulumi ``protect`` still applies in stage and prod.
    """

    key: Key | None = None
    purpose: BucketPurpose = BucketPurpose.DATA
    access_log_bucket: Bucket | None = None
    access_log_source_arns: Sequence[pulumi.Input[str]] = ()
    enable_load_balancer_log_delivery: bool = False
    allow_destroy_with_objects_reason: str | None = None


class Bucket(Component):
    """A private S3 bucket: encrypted, versioned, TLS-only, ACLs disabled, expiring old versions.

    Children, for a bucket named ``<name>`` (the ``<name>-access-logs`` set repeats them for the
    dedicated log bucket when one is created):

    - ``aws.s3.Bucket`` ``<name>`` (protected and retained in stage and prod; ``force_destroy``
      off unless ``allow_destroy_with_objects_reason``; a ``DATA`` bucket carries the
      ``infra-kit:backup`` tag that puts it in the environment's AWS Backup plan, an access-log
      bucket does not);
    - ``aws.s3.BucketPublicAccessBlock`` ``<name>-public-access-block`` (all four blocks on);
    - ``aws.s3.BucketOwnershipControls`` ``<name>-ownership`` (``BucketOwnerEnforced``);
    - ``aws.s3.BucketServerSideEncryptionConfiguration`` ``<name>-encryption`` (SSE-KMS with the
      key and an S3 Bucket Key; SSE-S3 for an access-log bucket, which AWS documents as the only
      default encryption of a log destination, with a suppression of ``IK-SEC-3-CMK`` under the
      bucket, ``<name>-ik-sec-3-cmk``, whose reason says so: docs/adr/0010);
    - ``aws.s3.BucketVersioning`` ``<name>-versioning`` (Enabled);
    - ``aws.s3.BucketLifecycleConfiguration`` ``<name>-lifecycle`` (abort incomplete multipart
      uploads after 7 days; expire noncurrent versions after the profile's
      ``buckets.noncurrent_version_expiration_days``; an access-log bucket also expires logs
      after ``logs.retention_days``);
    - ``aws.s3.BucketPolicy`` ``<name>-policy`` (deny any request without TLS; an access-log
      bucket also lets ``logging.s3.amazonaws.com`` put objects for this account, and with
      ``enable_load_balancer_log_delivery`` Elastic Load Balancing put ``*/AWSLogs/<account>/*``);
    - ``aws.s3.BucketLogging`` ``<name>-logging`` when access logging is on.

    Grants: :meth:`grant_read` and :meth:`grant_write` add one inline policy to the grantee's role.

    Prescriptions: SEC-1 (exact grants), SEC-3 (CMK at rest, TLS in transit), DR-1 (backup tag, versioning,
    noncurrent retention from the profile, protect and retain in stage and prod, no silent
    ``force_destroy``), OBS-2 (server access logs with a retention where the profile says).

    Args:
        name: the component's name; every child's logical name starts with it.
        args: its settings, [BucketArgs][infra_kit.aws.BucketArgs].
        env: the stack's [Environment][infra_kit.core.environment.Environment]: profile, tags and
            AWS provider.
        opts: Pulumi options for the component; every child is parented to it.

    Attributes:
        bucket: the ``aws.s3.Bucket``.
        name: the bucket's name.
        arn: the bucket's ARN.
        key: the [Key][infra_kit.aws.Key] that encrypts it; None for an SSE-S3 bucket.
        purpose: its [BucketPurpose][infra_kit.aws.BucketPurpose].
        policy: the bucket's ``aws.s3.BucketPolicy``.
        access_log_bucket: the bucket its server access logs go to; None where it has none.
    """

    TYPE = "infra-kit:aws:Bucket"

    def __init__(
        self,
        name: str,
        args: BucketArgs,
        env: Environment,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        check_args(args)
        super().__init__(name, env, opts)
        self.purpose = args.purpose
        self.key: Key | None = args.key
        self._reason = args.allow_destroy_with_objects_reason
        self._load_balancer_logs = args.enable_load_balancer_log_delivery
        source_arns = list(args.access_log_source_arns)
        self.bucket, self.policy = self._bucket(name, args.purpose, source_arns)
        self.arn: pulumi.Output[str] = self.bucket.arn
        self.name: pulumi.Output[str] = self.bucket.id

        self.access_log_bucket: aws.s3.Bucket | None = None
        if args.purpose is BucketPurpose.DATA:
            target: aws.s3.Bucket | None = None
            target_policy: aws.s3.BucketPolicy | None = None
            if args.access_log_bucket is not None:
                target = args.access_log_bucket.bucket
                target_policy = args.access_log_bucket.policy
            elif env.profile.buckets.enable_access_logging:
                target, target_policy = self._bucket(
                    self.child("access-logs"), BucketPurpose.ACCESS_LOGS, [self.bucket.arn]
                )
                self.access_log_bucket = target
            if target is not None and target_policy is not None:
                aws.s3.BucketLogging(
                    self.child("logging"),
                    aws.s3.BucketLoggingInitArgs(
                        bucket=self.bucket.id,
                        target_bucket=target.id,
                        target_prefix=f"{name}/",
                        target_object_key_format=aws.s3.BucketLoggingTargetObjectKeyFormatArgs(
                            partitioned_prefix=aws.s3.BucketLoggingTargetObjectKeyFormatPartitionedPrefixArgs(
                                partition_date_source="EventTime"
                            )
                        ),
                    ),
                    # Delivery is allowed by the target's policy: enable logging after it.
                    opts=self.child_opts(depends_on=[target_policy]),
                )
        self.register_outputs(
            {
                "arn": self.arn,
                "name": self.name,
                "key": self.key.arn if self.key is not None else None,
            }
        )

    def _bucket(
        self,
        name: str,
        purpose: BucketPurpose,
        log_source_arns: Sequence[pulumi.Input[str]],
    ) -> tuple[aws.s3.Bucket, aws.s3.BucketPolicy]:
        """The bucket ``name`` and its companion resources ``<name>-<suffix>``."""
        tags = {DESTROY_WITH_OBJECTS_TAG: self._reason} if self._reason else {}
        if purpose is BucketPurpose.DATA:
            # Access logs are not backed up: they are an audit trail kept for
            # logs.retention_days, not data a service restores (DR-1).
            tags.update(backup_tags(self.env.profile.name))
        if self._reason:
            pulumi.log.warn(
                f"bucket {name!r} may be destroyed with its objects: {self._reason}", self
            )
        bucket = aws.s3.Bucket(
            name,
            aws.s3.BucketArgs(force_destroy=self._reason is not None, tags=tags or None),
            opts=self.stateful_opts(),
        )
        block = aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access-block",
            aws.s3.BucketPublicAccessBlockArgs(
                bucket=bucket.id,
                block_public_acls=True,
                block_public_policy=True,
                ignore_public_acls=True,
                restrict_public_buckets=True,
            ),
            opts=self.child_opts(),
        )
        aws.s3.BucketOwnershipControls(
            f"{name}-ownership",
            aws.s3.BucketOwnershipControlsArgs(
                bucket=bucket.id,
                rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
            ),
            opts=self.child_opts(),
        )
        if purpose is BucketPurpose.DATA:
            assert self.key is not None  # checked by check_args
            by_default = aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                sse_algorithm="aws:kms", kms_master_key_id=self.key.arn
            )
            bucket_key: bool | None = True
        else:
            by_default = aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                sse_algorithm="AES256"
            )
            bucket_key = None
            # prescription: SEC-3 -- the AWS limitation is stated in the graph, not hidden in a rule.
            reason = (
                ALB_ACCESS_LOG_SSE_S3_REASON
                if self._load_balancer_logs
                else ACCESS_LOG_SSE_S3_REASON
            )
            suppress(bucket, "IK-SEC-3-CMK", reason)
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption",
            aws.s3.BucketServerSideEncryptionConfigurationInitArgs(
                bucket=bucket.id,
                rules=[
                    aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                        apply_server_side_encryption_by_default=by_default,
                        bucket_key_enabled=bucket_key,
                    )
                ],
            ),
            opts=self.child_opts(),
        )
        versioning = aws.s3.BucketVersioning(
            f"{name}-versioning",
            aws.s3.BucketVersioningInitArgs(
                bucket=bucket.id,
                versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(
                    status="Enabled"
                ),
            ),
            opts=self.child_opts(),
        )
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle",
            aws.s3.BucketLifecycleConfigurationArgs(bucket=bucket.id, rules=self._rules(purpose)),
            opts=self.child_opts(depends_on=[versioning]),
        )
        statements = [tls_only_statement(bucket.arn)]
        if purpose is BucketPurpose.ACCESS_LOGS:
            statements.append(
                log_delivery_statement(bucket.arn, self.env.account_id, log_source_arns)
            )
            if self._load_balancer_logs:
                statements.append(
                    load_balancer_log_statement(
                        bucket.arn, self.env.account_id, self.env.region, self.env.partition
                    )
                )
        policy = aws.s3.BucketPolicy(
            f"{name}-policy",
            aws.s3.BucketPolicyArgs(bucket=bucket.id, policy=PolicyDocument(statements).to_json()),
            opts=self.child_opts(depends_on=[block]),
        )
        return bucket, policy

    def _rules(self, purpose: BucketPurpose) -> list[aws.s3.BucketLifecycleConfigurationRuleArgs]:
        profile = self.env.profile
        every_object = aws.s3.BucketLifecycleConfigurationRuleFilterArgs()
        rules = [
            aws.s3.BucketLifecycleConfigurationRuleArgs(
                id="abort-incomplete-multipart-uploads",
                status="Enabled",
                filter=every_object,
                abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                    days_after_initiation=ABORT_INCOMPLETE_MULTIPART_UPLOAD_DAYS
                ),
            ),
            aws.s3.BucketLifecycleConfigurationRuleArgs(
                id="expire-noncurrent-versions",
                status="Enabled",
                filter=every_object,
                noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                    noncurrent_days=profile.buckets.noncurrent_version_expiration_days
                ),
            ),
        ]
        if purpose is BucketPurpose.ACCESS_LOGS:
            rules.append(
                aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id="expire-access-logs",
                    status="Enabled",
                    filter=every_object,
                    expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(
                        days=profile.logs.retention_days
                    ),
                )
            )
        return rules

    # -- grants ---------------------------------------------------------------------------------
    def grant_read(self, grantee: Grantee) -> aws.iam.RolePolicy:
        """Let ``grantee`` list the bucket and read objects and their versions (and decrypt them).

        One inline policy ``<role>-<name>-read``: ``s3:GetObject`` and ``s3:GetObjectVersion`` on
        ``<arn>/*``, ``s3:ListBucket`` on ``<arn>``, and ``kms:Decrypt`` on the key through S3 only.
        """
        return self._grant(grantee, "read", read_statements(self.arn), actions.KMS_DECRYPT)

    def grant_write(self, grantee: Grantee) -> aws.iam.RolePolicy:
        """Let ``grantee`` put objects (no delete, no ACLs) and encrypt them with the key.

        One inline policy ``<role>-<name>-write``: ``actions.S3_WRITE`` on ``<arn>/*`` and
        ``kms:GenerateDataKey``, ``kms:Encrypt``, ``kms:Decrypt`` on the key through S3 only.
        """
        statements = [Statement(actions=actions.S3_WRITE, resources=[objects_arn(self.arn)])]
        return self._grant(grantee, "write", statements, KMS_S3_WRITE)

    def _grant(
        self,
        grantee: Grantee,
        verb: str,
        statements: list[Statement],
        key_actions: Sequence[str],
    ) -> aws.iam.RolePolicy:
        if self.key is not None:
            statements.append(kms_via_service(self.key.arn, "s3", self.env.region, key_actions))
        document = PolicyDocument(statements)
        return attach_policy(grantee, f"{self.component_name}-{verb}", document, parent=self)
