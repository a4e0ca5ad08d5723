"""Read what exists with boto3, changing nothing: the facts the planner works from."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from infra_kit.bootstrap._documents import MANAGED_TAG
from infra_kit.bootstrap._facts import AccountFacts, BucketFacts, Encryption, KeyFacts, Presence
from infra_kit.bootstrap._roles import SERVICE_LINKED_ROLES
from infra_kit.bootstrap._settings import ResolvedSettings

__all__ = ["ALIAS_TAG", "Clients", "caller_account", "observe"]

#: On a key bootstrap created: the alias it was created for, so that a run interrupted between
#: creating the key and its alias finds the key again instead of making a second one.
ALIAS_TAG = "infra-kit:alias"


@dataclass(frozen=True)
class Clients:
    """boto3 clients of one session and region."""

    s3: Any
    kms: Any
    iam: Any
    sts: Any

    @classmethod
    def from_session(cls, session: Any, region: str) -> Clients:
        def make(service: str) -> Any:
            return session.client(service, region_name=region)

        return cls(s3=make("s3"), kms=make("kms"), iam=make("iam"), sts=make("sts"))


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _status(error: ClientError) -> int:
    return int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))


def caller_account(clients: Clients) -> tuple[str, str]:
    """The account id and partition of the credentials in use."""
    identity = clients.sts.get_caller_identity()
    return str(identity["Account"]), str(identity["Arn"]).split(":")[1]


def observe(clients: Clients, settings: ResolvedSettings) -> AccountFacts:
    """Everything :func:`~infra_kit.bootstrap._plan.plan` needs, read without a single write."""
    return AccountFacts(
        account_id=settings.account_id,
        key=_key(clients.kms, settings.key_alias),
        bucket=_bucket(clients.s3, settings.bucket, settings),
        log_bucket=_bucket(clients.s3, settings.log_bucket, settings),
        existing_roles=frozenset(
            r.role_name for r in SERVICE_LINKED_ROLES if _role_exists(clients.iam, r.role_name)
        ),
    )


def _role_exists(iam: Any, name: str) -> bool:
    try:
        iam.get_role(RoleName=name)
    except ClientError as error:
        if _code(error) == "NoSuchEntity":
            return False
        raise
    return True


def _key(kms: Any, alias: str) -> KeyFacts | None:
    try:
        metadata = kms.describe_key(KeyId=alias)["KeyMetadata"]
    except ClientError as error:
        if _code(error) != "NotFoundException":
            raise
        metadata = _unaliased_key(kms, alias)
        if metadata is None:
            return None
        return _key_facts(kms, metadata, aliased=False)
    return _key_facts(kms, metadata, aliased=True)


def _tags(kms: Any, key_id: str) -> dict[str, str]:
    tags: dict[str, str] = {}
    for page in kms.get_paginator("list_resource_tags").paginate(KeyId=key_id):
        tags.update({t["TagKey"]: t["TagValue"] for t in page.get("Tags", [])})
    return tags


def _unaliased_key(kms: Any, alias: str) -> dict[str, Any] | None:
    """A usable key bootstrap created for ``alias`` whose alias was never made, if any."""
    for page in kms.get_paginator("list_keys").paginate():
        for entry in page.get("Keys", []):
            try:
                tags = _tags(kms, entry["KeyId"])
            except ClientError:
                continue  # AWS managed keys and keys this identity may not read.
            if tags.get(ALIAS_TAG) != alias or tags.get(MANAGED_TAG[0]) != MANAGED_TAG[1]:
                continue
            metadata = kms.describe_key(KeyId=entry["KeyId"])["KeyMetadata"]
            if metadata.get("KeyState") == "Enabled":
                return metadata
    return None


def _key_facts(kms: Any, metadata: dict[str, Any], *, aliased: bool) -> KeyFacts:
    key_id = metadata["KeyId"]
    usable = metadata.get("KeyState") == "Enabled"
    managed = _tags(kms, key_id).get(MANAGED_TAG[0]) == MANAGED_TAG[1]
    rotation = usable and bool(kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"])
    policy = None
    if managed:
        policy = json.loads(kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"])
    return KeyFacts(
        key_id=key_id,
        arn=metadata["Arn"],
        state=metadata.get("KeyState", "Enabled"),
        manager=metadata.get("KeyManager", "CUSTOMER"),
        spec=metadata.get("KeySpec", "SYMMETRIC_DEFAULT"),
        usage=metadata.get("KeyUsage", "ENCRYPT_DECRYPT"),
        origin=metadata.get("Origin", "AWS_KMS"),
        rotation_enabled=rotation,
        aliased=aliased,
        managed=managed,
        policy=policy,
    )


def _absent_as_none(call: Any, missing: str, **kwargs: Any) -> Any:
    try:
        return call(**kwargs)
    except ClientError as error:
        if _code(error) == missing:
            return None
        raise


def _bucket(s3: Any, name: str, settings: ResolvedSettings) -> BucketFacts:
    owner = {"Bucket": name, "ExpectedBucketOwner": settings.account_id}
    try:
        head = s3.head_bucket(**owner)
    except ClientError as error:
        status = _status(error)
        if status == 404:
            return BucketFacts(presence=Presence.ABSENT)
        if status == 403:
            return BucketFacts(presence=Presence.OTHER_ACCOUNT)
        region = _header(error.response, "x-amz-bucket-region")
        if status == 301 and region:
            return BucketFacts(presence=Presence.OTHER_REGION, region=region)
        raise
    region = head.get("BucketRegion") or _header(head, "x-amz-bucket-region")
    if region and region != settings.region:
        return BucketFacts(presence=Presence.OTHER_REGION, region=region)

    block = _absent_as_none(
        s3.get_public_access_block, "NoSuchPublicAccessBlockConfiguration", **owner
    )
    ownership = _absent_as_none(
        s3.get_bucket_ownership_controls, "OwnershipControlsNotFoundError", **owner
    )
    encryption = _absent_as_none(
        s3.get_bucket_encryption, "ServerSideEncryptionConfigurationNotFoundError", **owner
    )
    policy = _absent_as_none(s3.get_bucket_policy, "NoSuchBucketPolicy", **owner)
    lifecycle = _absent_as_none(
        s3.get_bucket_lifecycle_configuration, "NoSuchLifecycleConfiguration", **owner
    )
    tagging = _absent_as_none(s3.get_bucket_tagging, "NoSuchTagSet", **owner)
    tags = {t["Key"]: t["Value"] for t in (tagging or {}).get("TagSet", [])}
    logging = s3.get_bucket_logging(**owner).get("LoggingEnabled") or {}
    return BucketFacts(
        presence=Presence.HERE,
        region=region,
        managed=tags.get(MANAGED_TAG[0]) == MANAGED_TAG[1],
        public_access_block=_blocks(block),
        ownership=_ownership(ownership),
        encryption=_encryption(encryption),
        versioning=s3.get_bucket_versioning(**owner).get("Status"),
        policy=json.loads(policy["Policy"]) if policy else None,
        lifecycle_rules=tuple(lifecycle.get("Rules", [])) if lifecycle else (),
        logging_target=logging.get("TargetBucket"),
    )


def _header(response: dict[str, Any], name: str) -> str | None:
    return response.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get(name)


def _blocks(response: dict[str, Any] | None) -> tuple[bool, bool, bool, bool] | None:
    if response is None:
        return None
    config = response["PublicAccessBlockConfiguration"]
    return (
        bool(config.get("BlockPublicAcls")),
        bool(config.get("IgnorePublicAcls")),
        bool(config.get("BlockPublicPolicy")),
        bool(config.get("RestrictPublicBuckets")),
    )


def _ownership(response: dict[str, Any] | None) -> str | None:
    rules = (response or {}).get("OwnershipControls", {}).get("Rules", [])
    return rules[0].get("ObjectOwnership") if rules else None


def _encryption(response: dict[str, Any] | None) -> Encryption | None:
    rules = (response or {}).get("ServerSideEncryptionConfiguration", {}).get("Rules", [])
    if not rules:
        return None
    default = rules[0].get("ApplyServerSideEncryptionByDefault", {})
    return Encryption(
        algorithm=default.get("SSEAlgorithm", ""),
        kms_key_id=default.get("KMSMasterKeyID"),
        bucket_key_enabled=bool(rules[0].get("BucketKeyEnabled")),
    )
