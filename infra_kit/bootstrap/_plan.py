"""From what exists to what bootstrap must do: pure, so every state can be tested offline.

:func:`plan` reads :class:`AccountFacts` and returns the actions that bring the account to the
bootstrapped state, with a line for each property that is already right, or raises
:class:`BootstrapError` listing every refusal, each with its fix, before any action runs.

What is completed and what is refused. Bootstrap completes anything it created itself (the
bucket or key carries its tag), so a run that was interrupted is finished by the next. On a
bucket it did not create, it only adds what cannot take access away from anyone: versioning,
its own bucket-policy statements (TLS only, no other encryption), its own lifecycle rule, access
logging where there is none, and default encryption with the state key in place of SSE-S3 (the
encryption S3 gives every bucket; objects already there keep it). It refuses, with the command
that fixes it, a bucket that is not fully private, keeps ACLs, has no default encryption or
another KMS key, or would delete current state through a lifecycle rule.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from infra_kit.bootstrap._documents import (
    STATE_LIFECYCLE_RULE_ID,
    key_policy,
    log_bucket_statements,
    log_lifecycle_rule,
    missing_statements,
    normalised,
    rule_matches,
    state_bucket_statements,
    state_lifecycle_rule,
)
from infra_kit.bootstrap._facts import (
    FOUR_BLOCKS,
    AccountFacts,
    BucketFacts,
    KeyFacts,
    Presence,
)
from infra_kit.bootstrap._roles import SERVICE_LINKED_ROLES
from infra_kit.bootstrap._settings import ResolvedSettings
from infra_kit.errors import BootstrapError

__all__ = ["Action", "BucketRole", "Plan", "Step", "plan"]

_KEY_PLACEHOLDER = "<state key ARN>"


class Step(StrEnum):
    """One write bootstrap can make; the executor has one handler for each."""

    CREATE_SERVICE_LINKED_ROLE = "create-service-linked-role"
    CREATE_KEY = "create-key"
    ENABLE_KEY_ROTATION = "enable-key-rotation"
    PUT_KEY_POLICY = "put-key-policy"
    CREATE_ALIAS = "create-alias"
    CREATE_BUCKET = "create-bucket"
    TAG_BUCKET = "tag-bucket"
    BLOCK_PUBLIC_ACCESS = "block-public-access"
    ENFORCE_BUCKET_OWNER = "enforce-bucket-owner"
    ENABLE_VERSIONING = "enable-versioning"
    PUT_ENCRYPTION = "put-encryption"
    PUT_BUCKET_POLICY = "put-bucket-policy"
    PUT_LIFECYCLE = "put-lifecycle"
    ENABLE_LOGGING = "enable-logging"


class BucketRole(StrEnum):
    STATE = "state"
    LOGS = "logs"


@dataclass(frozen=True)
class Action:
    """A write to make: its step, what it acts on, and a line saying what it does."""

    step: Step
    target: str
    detail: str
    role: BucketRole | None = None
    data: Any = None
    """What the write needs beyond the settings: the bucket policy or lifecycle rules it merges
    with, or the service of a service-linked role."""

    def describe(self) -> str:
        return f"{self.target}: {self.detail}"


@dataclass(frozen=True)
class Plan:
    actions: tuple[Action, ...] = ()
    unchanged: tuple[str, ...] = field(default_factory=tuple)

    @property
    def is_empty(self) -> bool:
        return not self.actions


@dataclass
class _Out:
    """What planning collects: the actions, the lines for what is right, the refusals."""

    actions: list[Action] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Target:
    """One bucket being planned: where its actions and lines go."""

    out: _Out
    role: BucketRole
    name: str

    def act(self, step: Step, detail: str, data: Any = None) -> None:
        self.out.actions.append(Action(step, self.name, detail, self.role, data))


def plan(settings: ResolvedSettings, facts: AccountFacts) -> Plan:
    """The actions that bootstrap ``facts``' account, or :class:`BootstrapError` listing refusals."""
    out = _Out()
    _plan_roles(facts, out)
    _plan_key(settings, facts.key, out)
    _plan_bucket(settings, facts, BucketRole.LOGS, out)
    _plan_bucket(settings, facts, BucketRole.STATE, out)
    if out.refusals:
        raise BootstrapError(
            "refused before changing anything; fix these and run bootstrap again", out.refusals
        )
    return Plan(tuple(out.actions), tuple(out.unchanged))


def _plan_roles(facts: AccountFacts, out: _Out) -> None:
    actions, unchanged = out.actions, out.unchanged
    for role in SERVICE_LINKED_ROLES:
        target = f"service-linked role {role.role_name}"
        if role.role_name in facts.existing_roles:
            unchanged.append(f"{target}: exists")
        else:
            actions.append(
                Action(
                    Step.CREATE_SERVICE_LINKED_ROLE,
                    target,
                    f"create for {role.service}",
                    data=role.service,
                )
            )


def _plan_key(
    settings: ResolvedSettings,
    key: KeyFacts | None,
    out: _Out,
) -> None:
    actions, unchanged, refusals = out.actions, out.unchanged, out.refusals
    target = f"KMS key {settings.key_alias}"
    if key is None:
        # prescription: STATE-1 -- the secrets provider's key is customer-managed and rotates.
        actions += [
            Action(Step.CREATE_KEY, target, "create a symmetric customer-managed key"),
            Action(Step.ENABLE_KEY_ROTATION, target, "turn on yearly automatic rotation"),
            Action(Step.CREATE_ALIAS, target, f"create the alias {settings.key_alias}"),
        ]
        return
    where = f"--key-id {key.key_id} --region {settings.region}"
    other = "or pass another --key-alias to create a new key"
    if key.state == "PendingDeletion":
        refusals.append(
            f"{target} ({key.key_id}) is scheduled for deletion. Fix: aws kms "
            f"cancel-key-deletion {where} && aws kms enable-key {where}, {other}"
        )
    elif key.state == "Disabled":
        refusals.append(
            f"{target} ({key.key_id}) is disabled. Fix: aws kms enable-key {where}, {other}"
        )
    elif key.state != "Enabled":
        refusals.append(f"{target} ({key.key_id}) is {key.state}, not Enabled. Fix: {other}")
    if key.spec != "SYMMETRIC_DEFAULT" or key.usage != "ENCRYPT_DECRYPT":
        refusals.append(
            f"{target} ({key.key_id}) is a {key.spec} {key.usage} key; S3 and Pulumi need a "
            f"symmetric encryption key. Fix: {other}"
        )
    if key.origin != "AWS_KMS":
        refusals.append(
            f"{target} ({key.key_id}) has {key.origin} key material, which KMS cannot rotate "
            f"automatically (SEC-3). Fix: {other}"
        )
    if not key.aliased:
        actions.append(
            Action(
                Step.CREATE_ALIAS,
                target,
                f"create the alias {settings.key_alias} for the key a previous run created "
                f"({key.key_id})",
            )
        )
    if key.rotation_enabled:
        unchanged.append(f"{target}: rotation on")
    else:
        actions.append(Action(Step.ENABLE_KEY_ROTATION, target, "turn on yearly rotation"))
    if not key.managed:
        unchanged.append(
            f"{target}: not created by bootstrap, so its policy is left as it is; it must let "
            f"S3 in {settings.region} and Pulumi use the key"
        )
    elif key.policy is not None and normalised(key.policy) == normalised(key_policy(settings)):
        unchanged.append(f"{target}: key policy as bootstrap writes it")
    else:
        actions.append(Action(Step.PUT_KEY_POLICY, target, "set the key policy bootstrap writes"))


def _key_names(settings: ResolvedSettings, key: KeyFacts | None) -> set[str]:
    names = {settings.key_alias, settings.alias_arn}
    if key is not None:
        names |= {key.key_id, key.arn}
    return names


def _plan_bucket(
    settings: ResolvedSettings,
    facts: AccountFacts,
    role: BucketRole,
    out: _Out,
) -> None:
    unchanged, refusals = out.unchanged, out.refusals
    state = role is BucketRole.STATE
    name = settings.bucket if state else settings.log_bucket
    option = "--bucket" if state else "--log-bucket"
    bucket = facts.bucket if state else facts.log_bucket
    kind = "state bucket" if state else "access-log bucket"
    target = f"{kind} {name}"

    if bucket.presence is Presence.OTHER_ACCOUNT:
        refusals.append(
            f"{target}: the name is taken by another account, or this identity may not read "
            f"it (HeadBucket answered 403). Fix: pass another {option}"
        )
        return
    if bucket.presence is Presence.OTHER_REGION:
        refusals.append(
            f"{target} is in {bucket.region}, not {settings.region}. Fix: pass --region "
            f"{bucket.region}, or another {option}"
        )
        return

    here = _Target(out, role, target)
    act = here.act

    if bucket.presence is Presence.ABSENT:
        act(Step.CREATE_BUCKET, f"create in {settings.region}")
        act(Step.TAG_BUCKET, "tag as created by infra-kit bootstrap")
        bucket = BucketFacts(presence=Presence.HERE, managed=True)

    managed = bucket.managed
    s3api = f"aws s3api --region {settings.region}"

    # Who can reach it: refused on a bucket bootstrap did not create, completed on its own.
    if bucket.public_access_block == FOUR_BLOCKS:
        unchanged.append(f"{target}: public access blocked")
    elif managed:
        act(Step.BLOCK_PUBLIC_ACCESS, "block public access (all four settings)")
    else:
        refusals.append(
            f"{target}: public access is not fully blocked, and bootstrap does not take access "
            f"away from a bucket it did not create. Fix: {s3api} put-public-access-block "
            f"--bucket {name} --public-access-block-configuration BlockPublicAcls=true,"
            f"IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true, or pass "
            f"another {option}"
        )
    if bucket.ownership == "BucketOwnerEnforced":
        unchanged.append(f"{target}: ACLs disabled (bucket owner enforced)")
    elif managed:
        act(Step.ENFORCE_BUCKET_OWNER, "disable ACLs (bucket owner enforced)")
    else:
        refusals.append(
            f"{target}: ACLs are enabled (object ownership {bucket.ownership or 'not set'}), "
            f"so an object's ACL can grant access the bucket policy does not. Fix: {s3api} "
            f"put-bucket-ownership-controls --bucket {name} --ownership-controls "
            f"'Rules=[{{ObjectOwnership=BucketOwnerEnforced}}]', or pass another {option}"
        )

    if state:
        _plan_state_encryption(settings, facts.key, bucket, here)
    else:
        _plan_log_encryption(settings, bucket, here)

    if state:
        if bucket.versioning == "Enabled":
            unchanged.append(f"{target}: versioning enabled")
        else:
            # prescription: STATE-1 -- the state bucket is versioned: an overwritten or deleted
            # checkpoint can be restored.
            act(Step.ENABLE_VERSIONING, "enable versioning")

    wanted = (
        state_bucket_statements(settings, _KEY_PLACEHOLDER)
        if state
        else log_bucket_statements(settings)
    )
    missing = missing_statements(_with_key(bucket.policy, facts.key, settings), wanted)
    if not missing:
        unchanged.append(f"{target}: bucket policy holds bootstrap's statements")
    else:
        what = "add to" if bucket.policy else "set"
        act(
            Step.PUT_BUCKET_POLICY,
            f"{what} the bucket policy: {', '.join(missing)}",
            bucket.policy,
        )

    rule = state_lifecycle_rule(settings) if state else log_lifecycle_rule(settings)
    if state:
        for existing in bucket.lifecycle_rules:
            if existing.get("ID") == STATE_LIFECYCLE_RULE_ID or existing.get("Status") != "Enabled":
                continue
            expiration = existing.get("Expiration") or {}
            if "Days" in expiration or "Date" in expiration:
                refusals.append(
                    f"{target}: lifecycle rule {existing.get('ID', '(no ID)')!r} expires current "
                    f"objects, which would delete live state. Fix: remove that rule ({s3api} "
                    f"get-bucket-lifecycle-configuration --bucket {name}, then "
                    f"put-bucket-lifecycle-configuration without it), or pass another {option}"
                )
    if rule_matches(bucket.lifecycle_rules, rule):
        unchanged.append(f"{target}: lifecycle rule {rule['ID']}")
    else:
        if state:
            detail = (
                f"expire noncurrent versions after {settings.noncurrent_days} days, abort "
                "incomplete uploads after 7"
            )
        else:
            detail = f"expire logs after {settings.log_retention_days} days"
        act(Step.PUT_LIFECYCLE, f"lifecycle rule {rule['ID']}: {detail}", bucket.lifecycle_rules)

    if state:
        if bucket.logging_target is None:
            act(Step.ENABLE_LOGGING, f"send server access logs to {settings.log_bucket}")
        else:
            unchanged.append(f"{target}: access logs go to {bucket.logging_target}")


def _with_key(
    policy: Mapping[str, Any] | None, key: KeyFacts | None, settings: ResolvedSettings
) -> Mapping[str, Any] | None:
    """``policy`` with the key's ARN read back as the placeholder the wanted statements hold."""
    if policy is None:
        return None
    if key is None:
        return policy
    text = json.dumps(policy).replace(json.dumps(key.arn)[1:-1], _KEY_PLACEHOLDER)
    return json.loads(text)


def _plan_state_encryption(
    settings: ResolvedSettings,
    key: KeyFacts | None,
    bucket: BucketFacts,
    here: _Target,
) -> None:
    target, act, unchanged, refusals = here.name, here.act, here.out.unchanged, here.out.refusals
    enc = bucket.encryption
    ours = (
        enc is not None
        and enc.algorithm == "aws:kms"
        and enc.kms_key_id in _key_names(settings, key)
    )
    if ours and enc is not None and enc.bucket_key_enabled:
        unchanged.append(f"{target}: encrypted with {settings.key_alias}, bucket key on")
        return
    if ours:
        act(Step.PUT_ENCRYPTION, f"turn on the bucket key with {settings.key_alias}")
        return
    if bucket.managed or (enc is not None and enc.algorithm == "AES256"):
        was = " (was SSE-S3; objects already stored keep it)" if enc else ""
        # prescription: STATE-1 -- the state bucket is encrypted with the customer-managed key.
        act(Step.PUT_ENCRYPTION, f"encrypt by default with {settings.key_alias}{was}")
        return
    fix = (
        f"aws s3api --region {settings.region} put-bucket-encryption --bucket {settings.bucket} "
        '--server-side-encryption-configuration \'{"Rules":[{"ApplyServerSideEncryptionByDefault'
        f'":{{"SSEAlgorithm":"aws:kms","KMSMasterKeyID":"{settings.alias_arn}"}},'
        '"BucketKeyEnabled":true}]}\''
    )
    if enc is None:
        refusals.append(
            f"{target} has no default encryption, and bootstrap does not change how a bucket "
            f"it did not create encrypts. Fix: {fix}, or pass another --bucket"
        )
    else:
        refusals.append(
            f"{target} is encrypted with {enc.algorithm} {enc.kms_key_id or ''}".rstrip()
            + f", not {settings.key_alias}. Fix: pass the --key-alias of its key, or {fix}"
        )


def _plan_log_encryption(
    settings: ResolvedSettings,
    bucket: BucketFacts,
    here: _Target,
) -> None:
    target, act, unchanged, refusals = here.name, here.act, here.out.unchanged, here.out.refusals
    enc = bucket.encryption
    if enc is not None and enc.algorithm == "AES256":
        unchanged.append(f"{target}: encrypted with SSE-S3 (docs/adr/0010)")
        return
    if bucket.managed:
        act(Step.PUT_ENCRYPTION, "encrypt by default with SSE-S3 (docs/adr/0010)")
        return
    fix = (
        f"aws s3api --region {settings.region} put-bucket-encryption --bucket "
        f"{settings.log_bucket} --server-side-encryption-configuration "
        '\'{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256"}}]}\''
    )
    found = "no default encryption" if enc is None else f"{enc.algorithm} encryption"
    refusals.append(
        f"{target} has {found}; S3 documents SSE-S3 as the only default encryption of a log "
        f"destination (docs/adr/0010). Fix: {fix}, or pass another --log-bucket"
    )
