"""Bucket: private, SSE-KMS, versioned, TLS-only, ACLs off, lifecycle and access logs per profile."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from infra_kit.aws.bucket import (
    DESTROY_WITH_OBJECTS_TAG,
    Bucket,
    BucketArgs,
    BucketPurpose,
)
from infra_kit.aws.key import Key, KeyArgs
from infra_kit.core.engine import Graph, OfflineEngine
from infra_kit.core.environment import CONFIG_KEY, Environment
from infra_kit.core.profile import BUILTIN_PROFILES
from infra_kit.core.tags import BACKUP_TAG
from infra_kit.errors import ValidationError
from infra_kit.testing import TEST_TAGS, run_offline
from tests.support import iam_statements, unjustified_wildcards

BUCKET = "aws:s3/bucket:Bucket"
PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
ENCRYPTION = (
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
)
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
POLICY = "aws:s3/bucketPolicy:BucketPolicy"
LOGGING = "aws:s3/bucketLogging:BucketLogging"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
SUPPRESSION = "infra-kit:policy:Suppression"

ENVIRONMENTS = ("dev", "prod")


def _one_bucket_set(name: str) -> set[tuple[str, str]]:
    return {
        (BUCKET, name),
        (PUBLIC_ACCESS_BLOCK, f"{name}-public-access-block"),
        (OWNERSHIP, f"{name}-ownership"),
        (ENCRYPTION, f"{name}-encryption"),
        (VERSIONING, f"{name}-versioning"),
        (LIFECYCLE, f"{name}-lifecycle"),
        (POLICY, f"{name}-policy"),
    }


def _key(env: Environment, services: tuple[str, ...] = ("s3",)) -> Key:
    return Key("data", KeyArgs(description="bucket data", via_services=list(services)), env)


def _build(grants: bool = False, **kwargs: Any) -> Callable[[Environment], None]:
    def build(env: Environment) -> None:
        key = _key(env)
        bucket = Bucket("assets", BucketArgs(key=key, **kwargs), env)
        pulumi.export("key_arn", key.arn)
        pulumi.export("arn", bucket.arn)
        pulumi.export("name", bucket.name)
        if bucket.access_log_bucket is not None:
            pulumi.export("log_name", bucket.access_log_bucket.id)
            pulumi.export("log_arn", bucket.access_log_bucket.arn)
        if grants:
            role = aws.iam.Role("app", aws.iam.RoleArgs(assume_role_policy="{}"))
            bucket.grant_read(role)
            bucket.grant_write(role)

    return build


@pytest.fixture(scope="module", params=ENVIRONMENTS)
def graph(request: pytest.FixtureRequest) -> Graph:
    return run_offline(_build(grants=True), environment=request.param)


def _component(graph: Graph) -> dict[str, Any]:
    return graph.named("assets", "infra-kit:aws:Bucket")


def _children(graph: Graph) -> set[tuple[str, str]]:
    return {(r["type"], r["name"]) for r in graph.descendants(_component(graph)["urn"])}


def _policy(graph: Graph, name: str, type_: str = POLICY) -> dict[str, Any]:
    return json.loads(graph.named(name, type_)["inputs"]["policy"])


def _profile(graph: Graph) -> dict[str, Any]:
    return BUILTIN_PROFILES[graph.stack]


# -- children ---------------------------------------------------------------------------------
def test_dev_bucket_has_exactly_its_companion_resources_and_no_access_logs() -> None:
    graph = run_offline(_build(), environment="dev")
    assert _children(graph) == _one_bucket_set("assets")


def test_prod_bucket_adds_a_dedicated_access_log_bucket_and_logging() -> None:
    # prescription: OBS-2
    graph = run_offline(_build(), environment="prod")
    assert _children(graph) == (
        _one_bucket_set("assets")
        | _one_bucket_set("assets-access-logs")
        | {(LOGGING, "assets-logging"), (SUPPRESSION, "assets-access-logs-ik-sec-3-cmk")}
    )


def test_every_child_is_parented_to_the_component(graph: Graph) -> None:
    component = _component(graph)
    for r in graph.descendants(component["urn"]):
        if r["type"] not in (ROLE_POLICY, SUPPRESSION):
            assert r["parent"] == component["urn"], r["name"]


# -- SEC-3: private, encrypted, TLS-only ------------------------------------------------------
def test_all_four_public_access_blocks_are_on(graph: Graph) -> None:
    # prescription: SEC-3
    for r in graph.of_type(PUBLIC_ACCESS_BLOCK):
        inputs = r["inputs"]
        assert inputs["blockPublicAcls"] is True
        assert inputs["blockPublicPolicy"] is True
        assert inputs["ignorePublicAcls"] is True
        assert inputs["restrictPublicBuckets"] is True


def test_objects_are_encrypted_with_the_customer_managed_key_and_a_bucket_key(graph: Graph) -> None:
    # prescription: SEC-3
    [rule] = graph.named("assets-encryption", ENCRYPTION)["inputs"]["rules"]
    assert rule == {
        "applyServerSideEncryptionByDefault": {
            "sseAlgorithm": "aws:kms",
            "kmsMasterKeyId": graph.outputs["key_arn"],
        },
        "bucketKeyEnabled": True,
    }


def test_encryption_and_companions_target_the_bucket(graph: Graph) -> None:
    for suffix, type_ in (
        ("public-access-block", PUBLIC_ACCESS_BLOCK),
        ("ownership", OWNERSHIP),
        ("encryption", ENCRYPTION),
        ("versioning", VERSIONING),
        ("lifecycle", LIFECYCLE),
        ("policy", POLICY),
    ):
        assert graph.named(f"assets-{suffix}", type_)["inputs"]["bucket"] == graph.outputs["name"]


def test_versioning_is_enabled(graph: Graph) -> None:
    # prescription: DR-1
    for r in graph.of_type(VERSIONING):
        assert r["inputs"]["versioningConfiguration"] == {"status": "Enabled"}


def test_acls_are_disabled_by_bucket_owner_enforced(graph: Graph) -> None:
    for r in graph.of_type(OWNERSHIP):
        assert r["inputs"]["rule"] == {"objectOwnership": "BucketOwnerEnforced"}


def test_bucket_policy_denies_every_request_without_tls(graph: Graph) -> None:
    # prescription: SEC-3
    arn = graph.outputs["arn"]
    assert _policy(graph, "assets-policy")["Statement"] == [
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": {"AWS": ["*"]},
            "Action": ["s3:*"],
            "Resource": [arn, f"{arn}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    ]


# -- DR-1: lifecycle, protection, force_destroy -----------------------------------------------
def test_lifecycle_aborts_uploads_after_7_days_and_expires_versions_per_profile(
    graph: Graph,
) -> None:
    # prescription: DR-1
    days = _profile(graph)["buckets"]["noncurrent_version_expiration_days"]
    assert days == {"dev": 7, "prod": 90}[graph.stack]
    assert graph.named("assets-lifecycle", LIFECYCLE)["inputs"]["rules"] == [
        {
            "id": "abort-incomplete-multipart-uploads",
            "status": "Enabled",
            "filter": {},
            "abortIncompleteMultipartUpload": {"daysAfterInitiation": 7},
        },
        {
            "id": "expire-noncurrent-versions",
            "status": "Enabled",
            "filter": {},
            "noncurrentVersionExpiration": {"noncurrentDays": days},
        },
    ]


def test_lifecycle_waits_for_versioning(graph: Graph) -> None:
    lifecycle = graph.named("assets-lifecycle", LIFECYCLE)
    assert graph.named("assets-versioning", VERSIONING)["urn"] in lifecycle["dependencies"]


def test_buckets_are_protected_and_retained_in_prod_only(graph: Graph) -> None:
    # prescription: DR-1
    expected = graph.stack == "prod"
    for r in graph.of_type(BUCKET):
        assert (r["protect"], r["retain_on_delete"]) == (expected, expected), r["name"]


def test_force_destroy_is_off_and_no_reason_tag_by_default(graph: Graph) -> None:
    for r in graph.of_type(BUCKET):
        assert r["inputs"]["forceDestroy"] is False
        assert DESTROY_WITH_OBJECTS_TAG not in (r["inputs"].get("tags") or {})


def test_destroy_with_objects_is_opt_in_and_records_the_reason() -> None:
    reason = "scratch data rebuilt nightly from the warehouse"
    graph = run_offline(_build(allow_destroy_with_objects_reason=reason), environment="dev")
    bucket = graph.named("assets", BUCKET)
    assert bucket["inputs"]["forceDestroy"] is True
    assert bucket["inputs"]["tags"] == {DESTROY_WITH_OBJECTS_TAG: reason, BACKUP_TAG: "dev"}


def test_a_data_bucket_is_in_the_backup_plan_and_its_access_log_bucket_is_not() -> None:
    # DR-1: the selection of the environment's Backups picks the data bucket by this tag.
    graph = run_offline(_build(), environment="prod")
    assert graph.named("assets", BUCKET)["inputs"]["tags"] == {BACKUP_TAG: "prod"}
    assert "tags" not in graph.named("assets-access-logs", BUCKET)["inputs"]


# -- OBS-2: access logs -----------------------------------------------------------------------
def test_access_logs_go_to_the_dedicated_bucket_only_in_prod(graph: Graph) -> None:
    logging = graph.of_type(LOGGING)
    if graph.stack == "dev":
        assert logging == []
        assert graph.of_type(BUCKET) == [graph.named("assets", BUCKET)]
        return
    [log] = logging
    target = graph.named("assets-access-logs", BUCKET)
    assert log["inputs"] == {
        "bucket": graph.outputs["name"],
        "targetBucket": graph.outputs["log_name"],
        "targetPrefix": "assets/",
        "targetObjectKeyFormat": {"partitionedPrefix": {"partitionDateSource": "EventTime"}},
    }
    assert graph.named("assets-access-logs-policy", POLICY)["urn"] in log["dependencies"]
    assert target["parent"] == _component(graph)["urn"]


def test_access_log_bucket_uses_sse_s3_and_expires_logs_after_the_log_retention() -> None:
    graph = run_offline(_build(), environment="prod")
    [rule] = graph.named("assets-access-logs-encryption", ENCRYPTION)["inputs"]["rules"]
    assert rule == {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}
    rules = graph.named("assets-access-logs-lifecycle", LIFECYCLE)["inputs"]["rules"]
    assert [r["id"] for r in rules] == [
        "abort-incomplete-multipart-uploads",
        "expire-noncurrent-versions",
        "expire-access-logs",
    ]
    assert rules[2]["expiration"] == {"days": BUILTIN_PROFILES["prod"]["logs"]["retention_days"]}


def test_access_log_bucket_states_in_the_graph_why_it_has_no_customer_managed_key() -> None:
    # prescription: SEC-3 -- the exemption is a suppression under the bucket, not a silent skip.
    graph = run_offline(_build(), environment="prod")
    marker = graph.named("assets-access-logs-ik-sec-3-cmk", SUPPRESSION)
    assert marker["parent"] == graph.named("assets-access-logs", BUCKET)["urn"]
    assert marker["outputs"]["rule"] == "IK-SEC-3-CMK"
    reason = marker["outputs"]["reason"]
    assert "S3 server access log destination" in reason
    assert "SSE-S3 only and SSE-KMS as not supported" in reason
    assert "docs/adr/0010" in reason
    assert graph.named("assets", BUCKET)["urn"] not in {
        r["parent"] for r in graph.of_type(SUPPRESSION)
    }


def test_access_log_bucket_admits_only_the_logging_service_for_this_bucket() -> None:
    graph = run_offline(_build(), environment="prod")
    target_arn = graph.outputs["log_arn"]
    deny, allow = _policy(graph, "assets-access-logs-policy")["Statement"]
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert allow == {
        "Sid": "AllowServerAccessLogDelivery",
        "Effect": "Allow",
        "Principal": {"Service": ["logging.s3.amazonaws.com"]},
        "Action": ["s3:PutObject"],
        "Resource": [f"{target_arn}/*"],
        "Condition": {
            "StringEquals": {"aws:SourceAccount": "123456789012"},
            "ArnEquals": {"aws:SourceArn": [graph.outputs["arn"]]},
        },
    }


def test_a_shared_access_log_bucket_receives_logs_even_in_dev() -> None:
    def build(env: Environment) -> None:
        logs = Bucket("logs", BucketArgs(purpose=BucketPurpose.ACCESS_LOGS), env)
        Bucket("assets", BucketArgs(key=_key(env), access_log_bucket=logs), env)
        pulumi.export("log_name", logs.name)

    graph = run_offline(build, environment="dev")
    assert {r["name"] for r in graph.of_type(BUCKET)} == {"logs", "assets"}
    [log] = graph.of_type(LOGGING)
    assert log["name"] == "assets-logging"
    assert log["inputs"]["targetBucket"] == graph.outputs["log_name"]
    allow = _policy(graph, "logs-policy")["Statement"][1]
    assert allow["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}
    assert log["parent"] == _component(graph)["urn"]
    assert graph.named("logs-policy", POLICY)["urn"] in log["dependencies"]


# -- SEC-1: grants ----------------------------------------------------------------------------
def test_grant_read_lists_the_bucket_and_reads_objects_and_decrypts_through_s3(
    graph: Graph,
) -> None:
    # prescription: SEC-1
    arn = graph.outputs["arn"]
    assert _policy(graph, "app-assets-read", ROLE_POLICY)["Statement"] == [
        {
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:GetObjectVersion"],
            "Resource": [f"{arn}/*"],
        },
        {"Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": [arn]},
        {
            "Effect": "Allow",
            "Action": ["kms:Decrypt"],
            "Resource": [graph.outputs["key_arn"]],
            "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}},
        },
    ]


def test_grant_write_puts_objects_and_encrypts_through_s3(graph: Graph) -> None:
    # prescription: SEC-1
    arn = graph.outputs["arn"]
    assert _policy(graph, "app-assets-write", ROLE_POLICY)["Statement"] == [
        {
            "Effect": "Allow",
            "Action": ["s3:AbortMultipartUpload", "s3:ListMultipartUploadParts", "s3:PutObject"],
            "Resource": [f"{arn}/*"],
        },
        {
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
            "Resource": [graph.outputs["key_arn"]],
            "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}},
        },
    ]


def test_grants_are_attached_to_the_grantee_role(graph: Graph) -> None:
    role = graph.named("app", "aws:iam/role:Role")
    for name in ("app-assets-read", "app-assets-write"):
        policy = graph.named(name, ROLE_POLICY)
        assert policy["parent"] == _component(graph)["urn"]
        assert role["urn"] in policy["dependencies"]


def test_grant_on_an_access_log_bucket_needs_no_key_statement() -> None:
    def build(env: Environment) -> None:
        logs = Bucket("logs", BucketArgs(purpose=BucketPurpose.ACCESS_LOGS), env)
        logs.grant_read(aws.iam.Role("auditor", aws.iam.RoleArgs(assume_role_policy="{}")))

    graph = run_offline(build, environment="dev")
    actions = [s["Action"] for s in _policy(graph, "auditor-logs-read", ROLE_POLICY)["Statement"]]
    assert actions == [["s3:GetObject", "s3:GetObjectVersion"], ["s3:ListBucket"]]


def test_no_allow_statement_has_an_unjustified_wildcard(graph: Graph) -> None:
    # prescription: SEC-1
    assert list(iam_statements(graph))
    assert unjustified_wildcards(graph) == []


def test_outputs_are_the_bucket_arn_and_name(graph: Graph) -> None:
    name = graph.outputs["name"]
    assert name.startswith("assets-")
    assert graph.outputs["arn"] == f"arn:aws:s3:::{name}"


# -- refusals ---------------------------------------------------------------------------------
def _refused(build: Callable[[Environment], object], match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        run_offline(build, environment="dev")


def test_a_data_bucket_without_a_key_is_refused() -> None:
    _refused(
        lambda env: Bucket("assets", BucketArgs(), env),
        r"^key=None: a data bucket is encrypted with a customer-managed key \(SEC-3\)",
    )


def test_a_key_not_usable_through_s3_is_refused() -> None:
    _refused(
        lambda env: Bucket("assets", BucketArgs(key=_key(env, ("rds",))), env),
        r"^key='data': the key is not usable through S3.*Fix: add 's3' to the key's "
        r"KeyArgs.via_services",
    )


def test_a_key_on_an_access_log_bucket_is_refused() -> None:
    _refused(
        lambda env: Bucket(
            "logs", BucketArgs(key=_key(env), purpose=BucketPurpose.ACCESS_LOGS), env
        ),
        r"^key='data': an access-log bucket uses SSE-S3",
    )


def test_an_access_log_bucket_that_is_itself_logged_is_refused() -> None:
    def build(env: Environment) -> None:
        other = Bucket("other", BucketArgs(purpose=BucketPurpose.ACCESS_LOGS), env)
        Bucket(
            "logs",
            BucketArgs(purpose=BucketPurpose.ACCESS_LOGS, access_log_bucket=other),
            env,
        )

    _refused(build, r"^access_log_bucket='other': an access-log bucket is not itself")


def test_a_data_bucket_as_access_log_target_is_refused() -> None:
    def build(env: Environment) -> None:
        key = _key(env)
        data = Bucket("data-a", BucketArgs(key=key), env)
        Bucket("data-b", BucketArgs(key=key, access_log_bucket=data), env)

    _refused(build, r"^access_log_bucket='data-a': it is a data bucket")


def test_log_source_arns_on_a_data_bucket_are_refused() -> None:
    _refused(
        lambda env: Bucket(
            "assets",
            BucketArgs(key=_key(env), access_log_source_arns=["arn:aws:s3:::x"]),
            env,
        ),
        r"^access_log_source_arns=\['arn:aws:s3:::x'\]: only an ACCESS_LOGS bucket",
    )


@pytest.mark.parametrize(
    "reason", ["because", "two words", "it is fine; really", "   ", "scratch data <rebuilt> daily"]
)
def test_destroy_with_objects_without_a_written_reason_is_refused(reason: str) -> None:
    _refused(
        _build(allow_destroy_with_objects_reason=reason),
        r"^allow_destroy_with_objects_reason=.*Fix: write a sentence of at least three words",
    )


def test_a_refused_bucket_registers_nothing() -> None:
    config = {
        f"test:{CONFIG_KEY}": json.dumps({"name": "dev", "tags": TEST_TAGS}),
        "aws:region": "us-east-1",
    }

    def program() -> None:
        env = Environment.load()
        Bucket("assets", BucketArgs(key=_key(env, ("rds",))), env)

    engine = OfflineEngine.for_function(program, project="test", stack="dev", config=config)
    with pytest.raises(ValidationError, match=r"^key='data'"):
        engine.run()
    registered = {r["name"] for r in engine.registered}
    assert "data" in registered  # the key came first, so the engine did record
    assert not any(n == "assets" or n.startswith("assets-") for n in registered)
