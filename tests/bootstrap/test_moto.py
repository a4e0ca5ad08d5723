"""``run_bootstrap`` against moto's S3, KMS, IAM and STS: what it writes, reads back (STATE-1, IAC-1)."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from moto.s3.models import s3_backends

from infra_kit.bootstrap import BootstrapSettings, key_policy, run_bootstrap
from infra_kit.errors import BootstrapError, ValidationError
from tests.bootstrap.conftest import REGION

ACCOUNT = "123456789012"
BUCKET = f"infra-kit-state-{ACCOUNT}-{REGION}"
LOGS = f"{BUCKET}-access-logs"
_READS = ("Get", "Head", "List", "Describe")


class Recorder:
    """Every operation the session's clients call, in order."""

    def __init__(self, session: boto3.session.Session) -> None:
        self.calls: list[str] = []
        self.interrupt_after_writes: int | None = None
        session.events.register("before-call", self._before)

    def _before(self, model: Any, **_: Any) -> None:
        if self.interrupt_after_writes is not None and len(self.writes) >= (
            self.interrupt_after_writes
        ):
            raise KeyboardInterrupt
        self.calls.append(model.name)

    @property
    def writes(self) -> list[str]:
        return [c for c in self.calls if not c.startswith(_READS)]


@pytest.fixture
def session(aws: None) -> boto3.session.Session:
    return boto3.session.Session(region_name=REGION)


def _run(session: boto3.session.Session, **kwargs: Any) -> tuple[list[str], Recorder]:
    lines: list[str] = []
    recorder = Recorder(session)
    dry_run = kwargs.pop("dry_run", False)
    run_bootstrap(
        BootstrapSettings(region=REGION, **kwargs),
        session=session,
        dry_run=dry_run,
        report=lines.append,
    )
    return lines, recorder


def test_a_fresh_account_gets_a_private_versioned_encrypted_logged_state_bucket(
    session: boto3.session.Session,
) -> None:
    lines, _ = _run(session)
    assert lines[-1] == "20 changes made; the account is bootstrapped"
    s3, kms, iam = session.client("s3"), session.client("kms"), session.client("iam")

    key = kms.describe_key(KeyId="alias/infra-kit-state")["KeyMetadata"]
    assert (key["KeyManager"], key["KeySpec"], key["KeyState"]) == (
        "CUSTOMER",
        "SYMMETRIC_DEFAULT",
        "Enabled",
    )
    assert kms.get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"]
    policy = json.loads(kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"])
    via_s3 = next(s for s in policy["Statement"] if s["Sid"] == "StateBucketEncryptionThroughS3")
    assert via_s3["Condition"]["StringEquals"]["kms:ViaService"] == f"s3.{REGION}.amazonaws.com"
    assert policy == key_policy(
        BootstrapSettings(region=REGION).resolved(ACCOUNT)
    )  # STATE-1: nobody outside the account

    assert s3.get_public_access_block(Bucket=BUCKET)["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }
    (rule,) = s3.get_bucket_encryption(Bucket=BUCKET)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rule["ApplyServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": key["Arn"],
    }
    assert rule["BucketKeyEnabled"] is True
    assert s3.get_bucket_versioning(Bucket=BUCKET)["Status"] == "Enabled"
    ownership = s3.get_bucket_ownership_controls(Bucket=BUCKET)["OwnershipControls"]
    assert ownership["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    statements = json.loads(s3.get_bucket_policy(Bucket=BUCKET)["Policy"])["Statement"]
    tls = next(s for s in statements if s["Sid"] == "DenyInsecureTransport")
    assert (tls["Effect"], tls["Condition"]) == ("Deny", {"Bool": {"aws:SecureTransport": "false"}})
    other_key = next(s for s in statements if s["Sid"] == "DenyOtherKmsKey")
    assert other_key["Condition"]["StringNotEquals"] == {
        "s3:x-amz-server-side-encryption-aws-kms-key-id": key["Arn"]
    }
    (lifecycle,) = s3.get_bucket_lifecycle_configuration(Bucket=BUCKET)["Rules"]
    assert lifecycle["NoncurrentVersionExpiration"]["NoncurrentDays"] == 90
    assert lifecycle["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] == 7
    assert "Days" not in lifecycle.get("Expiration", {})  # current state never expires
    assert s3.get_bucket_logging(Bucket=BUCKET)["LoggingEnabled"] == {
        "TargetBucket": LOGS,
        "TargetPrefix": f"{BUCKET}/",
    }

    (log_rule,) = s3.get_bucket_encryption(Bucket=LOGS)["ServerSideEncryptionConfiguration"][
        "Rules"
    ]
    assert log_rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    delivery = next(
        s
        for s in json.loads(s3.get_bucket_policy(Bucket=LOGS)["Policy"])["Statement"]
        if s["Sid"] == "AllowServerAccessLogDelivery"
    )
    assert delivery["Condition"]["ArnEquals"] == {"aws:SourceArn": f"arn:aws:s3:::{BUCKET}"}
    assert iam.get_role(RoleName="AWSServiceRoleForAutoScaling")["Role"]["Path"] == (
        "/aws-service-role/autoscaling.amazonaws.com/"
    )


def test_a_second_run_makes_no_write_and_says_so(session: boto3.session.Session) -> None:
    _run(session)
    lines, recorder = _run(session)
    assert recorder.writes == []
    assert lines[-1] == "nothing to change"
    assert all(line.startswith(("account ", "unchanged ", "nothing")) for line in lines)


def test_a_dry_run_reads_and_writes_nothing(session: boto3.session.Session) -> None:
    lines, recorder = _run(session, dry_run=True)
    assert recorder.writes == []
    assert lines[-1] == "dry run: 20 changes planned, none made"
    assert f"would      state bucket {BUCKET}: enable versioning" in lines
    assert session.client("s3").list_buckets()["Buckets"] == []


def _conforming_bucket(session: boto3.session.Session, name: str) -> None:
    s3 = session.client("s3")
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_public_access_block(
        Bucket=name,
        PublicAccessBlockConfiguration=dict.fromkeys(
            ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"),
            True,
        ),
    )
    s3.put_bucket_ownership_controls(
        Bucket=name, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    )
    s3.put_bucket_encryption(
        Bucket=name,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )


def test_a_private_bucket_without_its_key_gets_the_key_and_keeps_everything_else(
    session: boto3.session.Session,
) -> None:
    _conforming_bucket(session, BUCKET)
    s3 = session.client("s3")
    s3.put_object(Bucket=BUCKET, Key="existing", Body=b"kept")
    lines, recorder = _run(session)
    assert "CreateBucket" in recorder.writes  # the log bucket, not the state bucket
    assert recorder.writes.count("CreateBucket") == 1
    assert f"unchanged  state bucket {BUCKET}: public access blocked" in lines
    assert any("(was SSE-S3; objects already stored keep it)" in line for line in lines)
    key_arn = session.client("kms").describe_key(KeyId="alias/infra-kit-state")["KeyMetadata"][
        "Arn"
    ]
    rules = s3.get_bucket_encryption(Bucket=BUCKET)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"] == key_arn
    # Read from moto's backend: moto applies a bucket policy's Deny without its conditions, so
    # the TLS-only statement denies its (TLS) GetObject too.
    assert s3_backends[ACCOUNT]["global"].buckets[BUCKET].keys["existing"].value == b"kept"
    assert recorder.writes.count("PutBucketTagging") == 1  # a bucket it did not create stays so
    assert _run(session)[1].writes == []


def test_a_public_bucket_is_refused_with_the_fix_and_nothing_is_created(
    session: boto3.session.Session,
) -> None:
    session.client("s3").create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    recorder = Recorder(session)
    with pytest.raises(BootstrapError) as refused:
        run_bootstrap(BootstrapSettings(region=REGION), session=session, report=lambda _line: None)
    assert recorder.writes == []
    text = str(refused.value)
    assert "refused before changing anything" in text
    assert f"state bucket {BUCKET}: public access is not fully blocked" in text
    assert f"put-public-access-block --bucket {BUCKET}" in text
    assert f"state bucket {BUCKET} has no default encryption" in text
    assert f"put-bucket-encryption --bucket {BUCKET}" in text
    assert session.client("kms").list_aliases()["Aliases"] == [
        a
        for a in session.client("kms").list_aliases()["Aliases"]
        if a["AliasName"].startswith("alias/aws/")
    ]


def test_an_unencrypted_private_bucket_is_refused_naming_the_encryption_command(
    session: boto3.session.Session,
) -> None:
    _conforming_bucket(session, BUCKET)
    session.client("s3").delete_bucket_encryption(Bucket=BUCKET)
    with pytest.raises(BootstrapError) as refused:
        run_bootstrap(BootstrapSettings(region=REGION), session=session, report=lambda _line: None)
    (problem,) = refused.value.problems
    assert problem.startswith(f"state bucket {BUCKET} has no default encryption")
    assert '\'{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms"' in (
        problem
    )


def test_an_existing_service_linked_role_is_left_alone(session: boto3.session.Session) -> None:
    session.client("iam").create_service_linked_role(AWSServiceName="autoscaling.amazonaws.com")
    lines, recorder = _run(session)
    assert "CreateServiceLinkedRole" not in recorder.writes
    assert "unchanged  service-linked role AWSServiceRoleForAutoScaling: exists" in lines


def test_bad_options_are_refused_before_any_aws_call(session: boto3.session.Session) -> None:
    recorder = Recorder(session)
    with pytest.raises(ValidationError, match="--key-alias='infra-kit-state'"):
        run_bootstrap(
            BootstrapSettings(region=REGION, key_alias="infra-kit-state"), session=session
        )
    assert recorder.calls == []


def _aws_creation_defaults(session: boto3.session.Session) -> None:
    """S3 gives every new bucket a full public access block and SSE-S3 (since 2023); moto not."""

    names: list[str] = []

    def before(params: dict[str, Any], **_: Any) -> None:
        names.append(params["Bucket"])

    def after(**_: Any) -> None:
        _conforming_bucket_settings(session, names.pop())

    session.events.register("before-parameter-build.s3.CreateBucket", before)
    session.events.register("after-call.s3.CreateBucket", after)


def _conforming_bucket_settings(session: boto3.session.Session, name: str) -> None:
    client = boto3.client("s3", region_name=REGION)  # outside the recorded session
    client.put_public_access_block(
        Bucket=name,
        PublicAccessBlockConfiguration=dict.fromkeys(
            ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"),
            True,
        ),
    )
    client.put_bucket_encryption(
        Bucket=name,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )


@pytest.mark.parametrize("writes_before_interrupt", [1, 2, 3, 5, 6, 12, 13, 16, 19])
def test_a_run_interrupted_anywhere_is_completed_by_the_next(
    session: boto3.session.Session, writes_before_interrupt: int
) -> None:
    _aws_creation_defaults(session)
    recorder = Recorder(session)
    recorder.interrupt_after_writes = writes_before_interrupt
    with pytest.raises(KeyboardInterrupt):
        run_bootstrap(BootstrapSettings(region=REGION), session=session, report=lambda _l: None)
    recorder.interrupt_after_writes = None
    _run(session)
    lines, again = _run(session)
    assert again.writes == []
    assert lines[-1] == "nothing to change"
    assert len(session.client("kms").list_keys()["Keys"]) == 1  # no second key was made


def test_a_missing_boto3_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_boto3(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.startswith("boto3"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_boto3)
    with pytest.raises(BootstrapError, match=r"pip install 'infra-kit\[bootstrap\]'"):
        run_bootstrap(BootstrapSettings(region=REGION))
