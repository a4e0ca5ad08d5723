"""Carry out a plan with boto3, one write per action, in the plan's order."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from infra_kit.bootstrap._documents import (
    MANAGED_TAG,
    key_policy,
    log_bucket_statements,
    log_lifecycle_rule,
    merge_rules,
    merge_statements,
    state_bucket_statements,
    state_lifecycle_rule,
)
from infra_kit.bootstrap._facts import KeyFacts
from infra_kit.bootstrap._observe import ALIAS_TAG, Clients
from infra_kit.bootstrap._plan import Action, BucketRole, Plan, Step
from infra_kit.bootstrap._settings import ResolvedSettings
from infra_kit.errors import BootstrapError

__all__ = ["apply_plan"]


class _Run:
    def __init__(self, clients: Clients, settings: ResolvedSettings, key: KeyFacts | None) -> None:
        self.clients = clients
        self.settings = settings
        self.key_id = key.key_id if key else None
        self.key_arn = key.arn if key else None

    def bucket(self, action: Action) -> dict[str, str]:
        name = self.settings.bucket if action.role is BucketRole.STATE else self.settings.log_bucket
        return {"Bucket": name, "ExpectedBucketOwner": self.settings.account_id}

    def need_key(self) -> tuple[str, str]:
        if self.key_id is None or self.key_arn is None:  # the plan creates the key first
            raise BootstrapError("the plan used the state key before creating it", [])
        return self.key_id, self.key_arn


def apply_plan(
    clients: Clients,
    settings: ResolvedSettings,
    plan: Plan,
    key: KeyFacts | None,
    report: Callable[[str], None],
) -> None:
    """Make each of ``plan``'s writes and report it once AWS has accepted it.

    A refused write stops the run with :class:`BootstrapError` naming it; the writes before it
    stay made, and the next run, planning from what then exists, makes the rest.
    """
    run = _Run(clients, settings, key)
    for action in plan.actions:
        try:
            note = _HANDLERS[action.step](run, action)
        except ClientError as error:
            details = error.response.get("Error", {})
            raise BootstrapError(
                f"AWS refused to {action.describe()}: {details.get('Code')}: "
                f"{details.get('Message')}. What was done before this stays done; fix the "
                "cause and run bootstrap again to complete the rest",
                [],
            ) from error
        report(f"changed    {action.describe()}{note or ''}")


def _service_linked_role(run: _Run, action: Action) -> str | None:
    try:
        run.clients.iam.create_service_linked_role(
            AWSServiceName=action.data,
            Description="Created by infra-kit bootstrap before the platform's first deployment",
        )
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code")
        message = str(error.response.get("Error", {}).get("Message", ""))
        # IAM answers InvalidInput "... has been taken in this account" when the role exists:
        # it was created between reading and writing, by AWS or by someone else. That is done.
        if code == "EntityAlreadyExists" or (code == "InvalidInput" and "taken" in message):
            return " (it appeared meanwhile; nothing to do)"
        raise
    return None


def _create_key(run: _Run, action: Action) -> None:
    settings = run.settings
    metadata = run.clients.kms.create_key(
        Description=f"infra-kit: Pulumi state bucket {settings.bucket} and stack secrets",
        KeyUsage="ENCRYPT_DECRYPT",
        KeySpec="SYMMETRIC_DEFAULT",
        Policy=json.dumps(key_policy(settings)),
        Tags=[
            {"TagKey": MANAGED_TAG[0], "TagValue": MANAGED_TAG[1]},
            {"TagKey": ALIAS_TAG, "TagValue": settings.key_alias},
        ],
    )["KeyMetadata"]
    run.key_id, run.key_arn = metadata["KeyId"], metadata["Arn"]


def _enable_rotation(run: _Run, action: Action) -> None:
    # prescription: SEC-3 -- the state key rotates its material every year.
    run.clients.kms.enable_key_rotation(KeyId=run.need_key()[0])


def _put_key_policy(run: _Run, action: Action) -> None:
    run.clients.kms.put_key_policy(
        KeyId=run.need_key()[0], PolicyName="default", Policy=json.dumps(key_policy(run.settings))
    )


def _create_alias(run: _Run, action: Action) -> None:
    run.clients.kms.create_alias(AliasName=run.settings.key_alias, TargetKeyId=run.need_key()[0])


def _create_bucket(run: _Run, action: Action) -> None:
    name = run.bucket(action)["Bucket"]
    region = run.settings.region
    config = {} if region == "us-east-1" else {"LocationConstraint": region}
    request: dict[str, Any] = {"Bucket": name, "ObjectOwnership": "BucketOwnerEnforced"}
    if config:
        request["CreateBucketConfiguration"] = config
    try:
        run.clients.s3.create_bucket(**request)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "BucketAlreadyOwnedByYou":
            raise


def _tag_bucket(run: _Run, action: Action) -> None:
    run.clients.s3.put_bucket_tagging(
        **run.bucket(action),
        Tagging={"TagSet": [{"Key": MANAGED_TAG[0], "Value": MANAGED_TAG[1]}]},
    )


def _block_public_access(run: _Run, action: Action) -> None:
    # prescription: STATE-1 -- the state bucket and its log bucket are private.
    run.clients.s3.put_public_access_block(
        **run.bucket(action),
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )


def _enforce_owner(run: _Run, action: Action) -> None:
    run.clients.s3.put_bucket_ownership_controls(
        **run.bucket(action),
        OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
    )


def _enable_versioning(run: _Run, action: Action) -> None:
    run.clients.s3.put_bucket_versioning(
        **run.bucket(action), VersioningConfiguration={"Status": "Enabled"}
    )


def _put_encryption(run: _Run, action: Action) -> None:
    if action.role is BucketRole.STATE:
        default = {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": run.need_key()[1]}
        rule: dict[str, Any] = {"ApplyServerSideEncryptionByDefault": default}
        rule["BucketKeyEnabled"] = True
    else:
        rule = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
    run.clients.s3.put_bucket_encryption(
        **run.bucket(action), ServerSideEncryptionConfiguration={"Rules": [rule]}
    )


def _put_bucket_policy(run: _Run, action: Action) -> None:
    if action.role is BucketRole.STATE:
        wanted = state_bucket_statements(run.settings, run.need_key()[1])
    else:
        wanted = log_bucket_statements(run.settings)
    run.clients.s3.put_bucket_policy(
        **run.bucket(action), Policy=json.dumps(merge_statements(action.data, wanted))
    )


def _put_lifecycle(run: _Run, action: Action) -> None:
    if action.role is BucketRole.STATE:
        rule = state_lifecycle_rule(run.settings)
    else:
        rule = log_lifecycle_rule(run.settings)
    run.clients.s3.put_bucket_lifecycle_configuration(
        **run.bucket(action),
        LifecycleConfiguration={"Rules": merge_rules(action.data or (), rule)},
    )


def _enable_logging(run: _Run, action: Action) -> None:
    run.clients.s3.put_bucket_logging(
        **run.bucket(action),
        BucketLoggingStatus={
            "LoggingEnabled": {
                "TargetBucket": run.settings.log_bucket,
                "TargetPrefix": f"{run.settings.bucket}/",
            }
        },
    )


_HANDLERS: dict[Step, Callable[[_Run, Action], str | None]] = {
    Step.CREATE_SERVICE_LINKED_ROLE: _service_linked_role,
    Step.CREATE_KEY: _create_key,
    Step.ENABLE_KEY_ROTATION: _enable_rotation,
    Step.PUT_KEY_POLICY: _put_key_policy,
    Step.CREATE_ALIAS: _create_alias,
    Step.CREATE_BUCKET: _create_bucket,
    Step.TAG_BUCKET: _tag_bucket,
    Step.BLOCK_PUBLIC_ACCESS: _block_public_access,
    Step.ENFORCE_BUCKET_OWNER: _enforce_owner,
    Step.ENABLE_VERSIONING: _enable_versioning,
    Step.PUT_ENCRYPTION: _put_encryption,
    Step.PUT_BUCKET_POLICY: _put_bucket_policy,
    Step.PUT_LIFECYCLE: _put_lifecycle,
    Step.ENABLE_LOGGING: _enable_logging,
}
