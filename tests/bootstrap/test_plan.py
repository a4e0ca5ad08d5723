"""The bootstrap planner, offline: every state of the account it can find (IAC-1, STATE-1)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infra_kit.bootstrap import (
    AccountFacts,
    BucketFacts,
    BucketRole,
    Encryption,
    KeyFacts,
    Plan,
    Presence,
    ResolvedSettings,
    Step,
    key_policy,
    plan,
)
from infra_kit.bootstrap._documents import (
    log_bucket_statements,
    log_lifecycle_rule,
    merge_rules,
    merge_statements,
    state_bucket_statements,
    state_lifecycle_rule,
)
from infra_kit.errors import BootstrapError

ACCOUNT = "123456789012"
SETTINGS = ResolvedSettings(
    account_id=ACCOUNT,
    region="eu-west-1",
    partition="aws",
    bucket="state-bucket",
    log_bucket="state-bucket-access-logs",
    key_alias="alias/infra-kit-state",
)
KEY_ARN = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/k-1"


def _key(**changes: Any) -> KeyFacts:
    return dataclasses.replace(
        KeyFacts(key_id="k-1", arn=KEY_ARN, policy=key_policy(SETTINGS)), **changes
    )


def _done_bucket(role: BucketRole, **changes: Any) -> BucketFacts:
    state = role is BucketRole.STATE
    bucket = BucketFacts(
        presence=Presence.HERE,
        region="eu-west-1",
        managed=True,
        public_access_block=(True, True, True, True),
        ownership="BucketOwnerEnforced",
        encryption=Encryption("aws:kms", KEY_ARN, True) if state else Encryption("AES256"),
        versioning="Enabled" if state else None,
        policy=merge_statements(
            None,
            state_bucket_statements(SETTINGS, KEY_ARN)
            if state
            else log_bucket_statements(SETTINGS),
        ),
        lifecycle_rules=(
            state_lifecycle_rule(SETTINGS) if state else log_lifecycle_rule(SETTINGS),
        ),
        logging_target=SETTINGS.log_bucket if state else None,
    )
    return dataclasses.replace(bucket, **changes)


DONE = AccountFacts(
    account_id=ACCOUNT,
    key=_key(),
    bucket=_done_bucket(BucketRole.STATE),
    log_bucket=_done_bucket(BucketRole.LOGS),
    existing_roles=frozenset({"AWSServiceRoleForAutoScaling"}),
)


def _steps(result: Plan, role: BucketRole | None = None) -> list[Step]:
    return [a.step for a in result.actions if role is None or a.role is role]


def _refusals(facts: AccountFacts) -> list[str]:
    with pytest.raises(BootstrapError) as refused:
        plan(SETTINGS, facts)
    return refused.value.problems


def test_a_fresh_account_gets_every_step_with_the_key_before_the_buckets() -> None:
    result = plan(SETTINGS, AccountFacts(account_id=ACCOUNT))
    assert _steps(result)[:4] == [
        Step.CREATE_SERVICE_LINKED_ROLE,
        Step.CREATE_KEY,
        Step.ENABLE_KEY_ROTATION,
        Step.CREATE_ALIAS,
    ]
    assert _steps(result, BucketRole.STATE) == [
        Step.CREATE_BUCKET,
        Step.TAG_BUCKET,
        Step.BLOCK_PUBLIC_ACCESS,
        Step.ENFORCE_BUCKET_OWNER,
        Step.PUT_ENCRYPTION,
        Step.ENABLE_VERSIONING,
        Step.PUT_BUCKET_POLICY,
        Step.PUT_LIFECYCLE,
        Step.ENABLE_LOGGING,
    ]
    # The log bucket exists before the state bucket points its logs at it.
    roles = [a.role for a in result.actions if a.role is not None]
    assert roles.index(BucketRole.STATE) > max(
        i for i, r in enumerate(roles) if r is BucketRole.LOGS
    )


def test_a_bootstrapped_account_plans_nothing_and_lists_what_it_checked() -> None:
    result = plan(SETTINGS, DONE)
    assert result.is_empty
    assert "state bucket state-bucket: versioning enabled" in result.unchanged
    assert "KMS key alias/infra-kit-state: rotation on" in result.unchanged


def test_a_bucket_without_its_key_gets_only_the_key_and_then_encryption_with_it() -> None:
    facts = dataclasses.replace(DONE, key=None)
    result = plan(SETTINGS, facts)
    # The bucket was encrypted with a key that is gone from the alias: the new key replaces it.
    assert _steps(result) == [
        Step.CREATE_KEY,
        Step.ENABLE_KEY_ROTATION,
        Step.CREATE_ALIAS,
        Step.PUT_ENCRYPTION,
        Step.PUT_BUCKET_POLICY,
    ]


def test_a_bucket_encrypted_by_alias_is_already_on_the_key() -> None:
    bucket = _done_bucket(
        BucketRole.STATE, encryption=Encryption("aws:kms", SETTINGS.key_alias, True)
    )
    assert plan(SETTINGS, dataclasses.replace(DONE, bucket=bucket)).is_empty


def test_a_missing_service_linked_role_is_created_and_an_existing_one_left() -> None:
    result = plan(SETTINGS, dataclasses.replace(DONE, existing_roles=frozenset()))
    (action,) = result.actions
    assert action.step is Step.CREATE_SERVICE_LINKED_ROLE
    assert action.data == "autoscaling.amazonaws.com"


def test_a_key_created_but_not_aliased_by_an_interrupted_run_gets_its_alias() -> None:
    result = plan(SETTINGS, dataclasses.replace(DONE, key=_key(aliased=False)))
    assert _steps(result) == [Step.CREATE_ALIAS]


def test_rotation_turned_off_is_turned_back_on() -> None:
    result = plan(SETTINGS, dataclasses.replace(DONE, key=_key(rotation_enabled=False)))
    assert _steps(result) == [Step.ENABLE_KEY_ROTATION]


def test_a_key_bootstrap_did_not_create_keeps_its_policy() -> None:
    result = plan(SETTINGS, dataclasses.replace(DONE, key=_key(managed=False, policy=None)))
    assert result.is_empty
    assert any("its policy is left as it is" in line for line in result.unchanged)


@pytest.mark.parametrize(
    ("key", "fix"),
    [
        (_key(state="PendingDeletion"), "aws kms cancel-key-deletion --key-id k-1"),
        (_key(state="Disabled"), "aws kms enable-key --key-id k-1"),
        (_key(spec="RSA_2048"), "another --key-alias"),
        (_key(origin="EXTERNAL"), "another --key-alias"),
    ],
)
def test_an_unusable_key_is_refused_with_its_fix(key: KeyFacts, fix: str) -> None:
    (problem,) = _refusals(dataclasses.replace(DONE, key=key))
    assert fix in problem


def _foreign(**changes: Any) -> AccountFacts:
    bucket = _done_bucket(BucketRole.STATE, managed=False, **changes)
    return dataclasses.replace(DONE, bucket=bucket)


def test_a_public_bucket_bootstrap_did_not_create_is_refused_with_the_command() -> None:
    (problem,) = _refusals(_foreign(public_access_block=(True, True, False, False)))
    assert problem.startswith("state bucket state-bucket: public access is not fully blocked")
    assert (
        "aws s3api --region eu-west-1 put-public-access-block --bucket state-bucket "
        "--public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,"
        "BlockPublicPolicy=true,RestrictPublicBuckets=true" in problem
    )


def test_an_unencrypted_bucket_bootstrap_did_not_create_is_refused_with_the_command() -> None:
    (problem,) = _refusals(_foreign(encryption=None))
    assert "has no default encryption" in problem
    assert "put-bucket-encryption --bucket state-bucket" in problem
    assert f'"KMSMasterKeyID":"{SETTINGS.alias_arn}"' in problem


def test_every_refusal_is_listed_at_once() -> None:
    problems = _refusals(
        _foreign(public_access_block=None, ownership="ObjectWriter", encryption=None)
    )
    assert len(problems) == 3


def test_a_bucket_on_another_key_is_refused_naming_both_fixes() -> None:
    (problem,) = _refusals(_foreign(encryption=Encryption("aws:kms", "arn:other", True)))
    assert "pass the --key-alias of its key" in problem


def test_a_foreign_bucket_on_sse_s3_is_moved_to_the_key() -> None:
    result = plan(SETTINGS, _foreign(encryption=Encryption("AES256")))
    (action,) = result.actions
    assert action.step is Step.PUT_ENCRYPTION
    assert "objects already stored keep it" in action.detail


def test_a_lifecycle_rule_that_deletes_current_state_is_refused() -> None:
    rule = {"ID": "cleanup", "Status": "Enabled", "Filter": {}, "Expiration": {"Days": 30}}
    bucket = _done_bucket(BucketRole.STATE, lifecycle_rules=(rule, state_lifecycle_rule(SETTINGS)))
    (problem,) = _refusals(dataclasses.replace(DONE, bucket=bucket))
    assert "lifecycle rule 'cleanup' expires current objects" in problem


def test_foreign_rules_and_statements_are_kept_when_bootstrap_adds_its_own() -> None:
    theirs = {"Sid": "Theirs", "Effect": "Allow", "Principal": {"AWS": "x"}, "Action": "s3:Get*"}
    rule = {"ID": "theirs", "Status": "Enabled", "Filter": {}, "Transitions": []}
    result = plan(
        SETTINGS,
        _foreign(policy={"Version": "2012-10-17", "Statement": [theirs]}, lifecycle_rules=(rule,)),
    )
    by_step = {a.step: a for a in result.actions}
    merged = merge_statements(by_step[Step.PUT_BUCKET_POLICY].data, [])
    assert merged["Statement"] == [theirs]
    assert merge_rules(by_step[Step.PUT_LIFECYCLE].data, state_lifecycle_rule(SETTINGS))[0] == rule


@pytest.mark.parametrize(
    ("presence", "fix"),
    [
        (BucketFacts(presence=Presence.OTHER_ACCOUNT), "pass another --bucket"),
        (
            BucketFacts(presence=Presence.OTHER_REGION, region="us-west-2"),
            "pass --region us-west-2, or another --bucket",
        ),
    ],
)
def test_a_name_that_cannot_be_used_here_is_refused(presence: BucketFacts, fix: str) -> None:
    (problem,) = _refusals(dataclasses.replace(DONE, bucket=presence))
    assert fix in problem


def test_a_kms_encrypted_log_bucket_is_refused_because_log_delivery_needs_sse_s3() -> None:
    log = _done_bucket(BucketRole.LOGS, managed=False, encryption=Encryption("aws:kms", "k"))
    (problem,) = _refusals(dataclasses.replace(DONE, log_bucket=log))
    assert "docs/adr/0010" in problem
    assert '"SSEAlgorithm":"AES256"' in problem


# -- every state: one plan, applied, leaves nothing to do; a foreign bucket is never opened up --

_blocks = st.one_of(
    st.none(), st.tuples(st.booleans(), st.booleans(), st.booleans(), st.booleans())
)
_encryptions = st.sampled_from(
    [
        None,
        Encryption("AES256"),
        Encryption("aws:kms", KEY_ARN, False),
        Encryption("aws:kms", KEY_ARN, True),
    ]
)


@st.composite
def _buckets(draw: st.DrawFn, role: BucketRole) -> BucketFacts:
    if draw(st.booleans()):
        return BucketFacts()
    done = _done_bucket(role)
    return dataclasses.replace(
        done,
        managed=draw(st.booleans()),
        public_access_block=draw(st.one_of(st.just((True,) * 4), _blocks)),
        ownership=draw(st.sampled_from([None, "BucketOwnerEnforced", "ObjectWriter"])),
        encryption=draw(_encryptions)
        if role is BucketRole.STATE
        else draw(st.sampled_from([None, Encryption("AES256")])),
        versioning=draw(st.sampled_from([None, "Suspended", "Enabled"])),
        policy=draw(st.sampled_from([None, done.policy])),
        lifecycle_rules=draw(st.sampled_from([(), done.lifecycle_rules])),
        logging_target=draw(st.sampled_from([None, done.logging_target])),
    )


@st.composite
def _accounts(draw: st.DrawFn) -> AccountFacts:
    key = draw(
        st.one_of(
            st.none(),
            st.builds(
                _key,
                aliased=st.booleans(),
                rotation_enabled=st.booleans(),
                policy=st.sampled_from([None, key_policy(SETTINGS)]),
            ),
        )
    )
    return AccountFacts(
        account_id=ACCOUNT,
        key=key,
        bucket=draw(_buckets(BucketRole.STATE)),
        log_bucket=draw(_buckets(BucketRole.LOGS)),
        existing_roles=draw(st.sampled_from([frozenset(), DONE.existing_roles])),
    )


def _applied(facts: AccountFacts, result: Plan) -> AccountFacts:
    """What AWS would hold after ``result``'s writes, as the observer would read it."""
    steps = {(a.step, a.role) for a in result.actions}
    key = facts.key
    if (Step.CREATE_KEY, None) in steps:
        key = _key()
    elif key is not None:
        key = dataclasses.replace(
            key,
            aliased=True,
            rotation_enabled=True,
            policy=key_policy(SETTINGS) if key.managed else key.policy,
        )

    def bucket(before: BucketFacts, role: BucketRole) -> BucketFacts:
        done = _done_bucket(role)
        if (Step.CREATE_BUCKET, role) in steps:
            return done
        fixes = {
            Step.BLOCK_PUBLIC_ACCESS: "public_access_block",
            Step.ENFORCE_BUCKET_OWNER: "ownership",
            Step.PUT_ENCRYPTION: "encryption",
            Step.ENABLE_VERSIONING: "versioning",
            Step.PUT_BUCKET_POLICY: "policy",
            Step.PUT_LIFECYCLE: "lifecycle_rules",
            Step.ENABLE_LOGGING: "logging_target",
        }
        changed = {f: getattr(done, f) for s, f in fixes.items() if (s, role) in steps}
        return dataclasses.replace(before, **changed)

    return AccountFacts(
        account_id=ACCOUNT,
        key=key,
        bucket=bucket(facts.bucket, BucketRole.STATE),
        log_bucket=bucket(facts.log_bucket, BucketRole.LOGS),
        existing_roles=DONE.existing_roles,
    )


@settings(max_examples=300, deadline=None)
@given(_accounts())
def test_any_account_is_either_refused_or_bootstrapped_by_one_plan(facts: AccountFacts) -> None:
    try:
        result = plan(SETTINGS, facts)
    except BootstrapError as error:
        refused: BootstrapError | None = error
    else:
        refused = None
    if refused is not None:
        assert refused.problems  # a refusal always says what and how to fix it
        return
    after = _applied(facts, result)
    assert plan(SETTINGS, after).is_empty
    for role, before in ((BucketRole.STATE, facts.bucket), (BucketRole.LOGS, facts.log_bucket)):
        if before.presence is Presence.HERE and not before.managed:
            # Access is never taken from a bucket bootstrap did not create.
            assert not {Step.BLOCK_PUBLIC_ACCESS, Step.ENFORCE_BUCKET_OWNER} & set(
                _steps(result, role)
            )
