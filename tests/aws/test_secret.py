"""The Secret component, synthesized offline in dev and prod."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from infra_kit.aws.key import Key, KeyArgs
from infra_kit.aws.rotation import HANDLER_PATH
from infra_kit.aws.secret import RotationArgs, Secret, SecretArgs
from infra_kit.core.engine import Graph
from infra_kit.core.environment import Environment
from infra_kit.errors import ValidationError
from infra_kit.testing import run_offline
from tests.support import unjustified_wildcards

SECRET = "aws:secretsmanager/secret:Secret"
VERSION = "aws:secretsmanager/secretVersion:SecretVersion"
ROTATION = "aws:secretsmanager/secretRotation:SecretRotation"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
FUNCTION = "aws:lambda/function:Function"
PERMISSION = "aws:lambda/permission:Permission"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
SUPPRESSION = "infra-kit:policy:Suppression"

ENVIRONMENTS = ["dev", "prod"]
SEED = '{"username": "orders", "password": "seed-value-that-must-stay-hidden"}'


def _key(
    env: Environment, *, via: tuple[str, ...] = ("lambda", "secretsmanager"), logs: bool = False
) -> Key:
    return Key("data", KeyArgs(description="data", via_services=via, log_group_access=logs), env)


def _run(
    environment: str,
    make_args: Callable[[Key], SecretArgs],
    *,
    logs: bool = False,
    after: Callable[[Secret, Environment], Any] | None = None,
) -> Graph:
    def build(env: Environment) -> None:
        key = _key(env, logs=logs)
        secret = Secret("db", make_args(key), env)
        pulumi.export("key_arn", key.arn)
        pulumi.export("secret_arn", secret.arn)
        if secret.rotation_function is not None and secret.rotation_role is not None:
            pulumi.export("function_name", secret.rotation_function.name)
            pulumi.export("role_name", secret.rotation_role.name)
        if after is not None:
            after(secret, env)

    return run_offline(build, environment=environment)


def _component(graph: Graph) -> dict[str, Any]:
    return graph.named("db", "infra-kit:aws:Secret")


def _children(graph: Graph) -> list[tuple[str, str]]:
    return sorted((r["type"], r["name"]) for r in graph.children(_component(graph)["urn"]))


def _policy(resource: dict[str, Any], key: str = "policy") -> dict[str, Any]:
    return json.loads(resource["inputs"][key])


def _rotated(environment: str, rotation: RotationArgs | None = None, **kwargs: Any) -> Graph:
    return _run(
        environment, lambda key: SecretArgs(key=key, rotation=rotation or RotationArgs()), **kwargs
    )


# -- the secret ---------------------------------------------------------------------------------


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_a_secret_without_rotation_or_value_is_one_secret_resource(environment: str) -> None:
    graph = _run(environment, lambda key: SecretArgs(key=key))
    assert _children(graph) == [(SECRET, "db")]
    assert graph.of_type(VERSION, ROTATION, FUNCTION) == []


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_secret_is_encrypted_with_the_customer_managed_key(environment: str) -> None:
    # prescription: SEC-3
    graph = _run(environment, lambda key: SecretArgs(key=key))
    secret = graph.named("db", SECRET)
    assert secret["inputs"]["kmsKeyId"] == graph.outputs["key_arn"]
    assert secret["inputs"]["kmsKeyId"].startswith("arn:aws:kms:us-east-1:123456789012:key/")


@pytest.mark.parametrize(("environment", "days"), [("dev", 7), ("stage", 14), ("prod", 30)])
def test_the_recovery_window_comes_from_the_profile(environment: str, days: int) -> None:
    # prescription: DR-1
    graph = _run(environment, lambda key: SecretArgs(key=key))
    assert graph.named("db", SECRET)["inputs"]["recoveryWindowInDays"] == days


def test_an_explicit_recovery_window_replaces_the_profile_default() -> None:
    graph = _run("dev", lambda key: SecretArgs(key=key, recovery_window_days=21))
    assert graph.named("db", SECRET)["inputs"]["recoveryWindowInDays"] == 21


@pytest.mark.parametrize(("environment", "protected"), [("dev", False), ("prod", True)])
def test_the_secret_is_protected_and_retained_where_the_profile_protects_state(
    environment: str, protected: bool
) -> None:
    # prescription: DR-1
    secret = _run(environment, lambda key: SecretArgs(key=key)).named("db", SECRET)
    assert secret["protect"] is protected
    assert secret["retain_on_delete"] is protected


def test_the_description_defaults_to_the_name_and_stack() -> None:
    graph = _run("dev", lambda key: SecretArgs(key=key))
    assert graph.named("db", SECRET)["inputs"]["description"] == "db of test/dev"


# -- the initial value --------------------------------------------------------------------------


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_an_initial_value_is_a_secret_version_never_shown_in_clear(environment: str) -> None:
    # prescription: SEC-2
    graph = _run(
        environment, lambda key: SecretArgs(key=key, initial_value=pulumi.Output.secret(SEED))
    )
    assert _children(graph) == [(SECRET, "db"), (VERSION, "db-initial")]
    version = graph.named("db-initial", VERSION)
    assert version["inputs"]["secretId"] == graph.outputs["secret_arn"]
    assert version["secret_paths"] == ["secretString"]
    assert "secretString" in version["additional_secret_outputs"]
    text = graph.to_json()
    assert "seed-value-that-must-stay-hidden" not in text
    contract = next(r for r in graph.to_contract()["resources"] if r["urn"] == version["urn"])
    assert contract["inputs"]["secretString"] == "[secret]"


def test_an_initial_value_from_a_plain_output_is_made_secret() -> None:
    # prescription: SEC-2
    graph = _run(
        "dev", lambda key: SecretArgs(key=key, initial_value=pulumi.Output.from_input(SEED))
    )
    assert graph.named("db-initial", VERSION)["secret_paths"] == ["secretString"]
    assert "seed-value-that-must-stay-hidden" not in graph.to_json()


# -- rotation -----------------------------------------------------------------------------------


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_rotation_adds_a_function_its_role_logs_permission_and_schedule(environment: str) -> None:
    # prescription: SEC-2
    graph = _rotated(environment)
    assert _children(graph) == sorted(
        [
            (SECRET, "db"),
            (ROLE, "db-rotation-role"),
            (ROLE_POLICY, "db-rotation-policy"),
            (FUNCTION, "db-rotation"),
            (LOG_GROUP, "db-rotation-logs"),
            (PERMISSION, "db-rotation-invoke"),
            (ROTATION, "db-rotation-schedule"),
        ]
    )


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_schedule_rotates_after_the_profile_days_with_the_shipped_function(
    environment: str,
) -> None:
    # prescription: SEC-2
    graph = _rotated(environment)
    schedule = graph.named("db-rotation-schedule", ROTATION)["inputs"]
    assert schedule["rotationRules"] == {"automaticallyAfterDays": 30}
    assert schedule["secretId"] == graph.outputs["secret_arn"]
    assert (
        schedule["rotationLambdaArn"]
        == f"arn:aws:lambda:us-east-1:123456789012:function:{graph.outputs['function_name']}"
    )
    assert schedule["rotateImmediately"] is True


def test_the_rotation_days_follow_a_profile_override() -> None:
    graph = run_offline(
        lambda env: Secret("db", SecretArgs(key=_key(env), rotation=RotationArgs()), env),
        environment="dev",
        overrides={"secrets": {"rotation_days": 7}},
    )
    schedule = graph.named("db-rotation-schedule", ROTATION)["inputs"]
    assert schedule["rotationRules"] == {"automaticallyAfterDays": 7}


def test_explicit_rotation_days_and_deferred_first_rotation_are_kept() -> None:
    graph = _rotated("prod", RotationArgs(automatically_after_days=14, rotate_immediately=False))
    schedule = graph.named("db-rotation-schedule", ROTATION)["inputs"]
    assert schedule["rotationRules"] == {"automaticallyAfterDays": 14}
    assert schedule["rotateImmediately"] is False


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_function_runs_the_handler_module_infra_kit_ships(environment: str) -> None:
    graph = _rotated(environment)
    function = graph.named("db-rotation", FUNCTION)["inputs"]
    assert function["runtime"] == aws.lambda_.Runtime.PYTHON3D13.value
    assert function["handler"] == "handler.lambda_handler"
    assert function["timeout"] == 30
    digest = "sha256:" + hashlib.sha256(HANDLER_PATH.read_bytes()).hexdigest()
    assert function["code"] == {
        "archive": {
            "assets": {
                "handler.py": {
                    "asset": {"path": "infra_kit/aws/rotation/handler.py", "digest": digest}
                }
            }
        }
    }
    assert function["environment"]["variables"] == {
        "SECRETS_MANAGER_ENDPOINT": "https://secretsmanager.us-east-1.amazonaws.com",
        "PASSWORD_FIELD": "password",
        "PASSWORD_LENGTH": "32",
        "EXCLUDE_CHARACTERS": "/@\"'\\",
    }
    role_name = graph.outputs["role_name"]
    assert function["role"] == f"arn:aws:iam::123456789012:role/{role_name}"


@pytest.mark.parametrize(
    ("region", "endpoint"),
    [
        ("eu-west-1", "https://secretsmanager.eu-west-1.amazonaws.com"),
        ("cn-north-1", "https://secretsmanager.cn-north-1.amazonaws.com.cn"),
    ],
)
def test_the_function_calls_the_regional_endpoint_of_its_partition(
    region: str, endpoint: str
) -> None:
    graph = run_offline(
        lambda env: Secret("db", SecretArgs(key=_key(env), rotation=RotationArgs()), env),
        environment="dev",
        region=region,
    )
    variables = graph.named("db-rotation", FUNCTION)["inputs"]["environment"]["variables"]
    assert variables["SECRETS_MANAGER_ENDPOINT"] == endpoint


def test_rotation_settings_reach_the_function() -> None:
    rotation = RotationArgs(
        password_field="secret", password_length=64, exclude_characters=":", timeout_seconds=60
    )
    function = _rotated("dev", rotation).named("db-rotation", FUNCTION)["inputs"]
    assert function["timeout"] == 60
    variables = function["environment"]["variables"]
    assert variables["PASSWORD_FIELD"] == "secret"
    assert variables["PASSWORD_LENGTH"] == "64"
    assert variables["EXCLUDE_CHARACTERS"] == ":"


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_rotation_role_trusts_lambda_of_this_account_only(environment: str) -> None:
    # prescription: SEC-1
    trust = _policy(_rotated(environment).named("db-rotation-role", ROLE), "assumeRolePolicy")
    assert trust["Statement"] == [
        {
            "Effect": "Allow",
            "Principal": {"Service": ["lambda.amazonaws.com"]},
            "Action": ["sts:AssumeRole"],
            "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}},
        }
    ]


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_rotation_policy_is_scoped_to_this_secret_key_and_log_group(environment: str) -> None:
    # prescription: SEC-1
    graph = _rotated(environment)
    policy = graph.named("db-rotation-policy", ROLE_POLICY)
    log_group = graph.named("db-rotation-logs", LOG_GROUP)["inputs"]["name"]
    logs_arn = f"arn:aws:logs:us-east-1:123456789012:log-group:{log_group}"
    assert policy["inputs"]["role"] == graph.outputs["role_name"]
    assert _policy(policy)["Statement"] == [
        {
            "Effect": "Allow",
            "Action": [
                "secretsmanager:DescribeSecret",
                "secretsmanager:GetSecretValue",
                "secretsmanager:PutSecretValue",
                "secretsmanager:UpdateSecretVersionStage",
            ],
            "Resource": [graph.outputs["secret_arn"]],
        },
        {
            "Effect": "Allow",
            "Sid": "JustifiedGetRandomPasswordActsOnNoResourceSoIAMAcceptsOnlyAStar",
            "Action": ["secretsmanager:GetRandomPassword"],
            "Resource": ["*"],
        },
        {
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": [graph.outputs["key_arn"]],
            "Condition": {
                "StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}
            },
        },
        {
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
            "Resource": [logs_arn, f"{logs_arn}:*"],
        },
        {
            "Effect": "Allow",
            "Sid": "JustifiedXRayTraceIngestionActionsAcceptNoResourceARNSoIAMNeedsAStar",
            "Action": ["xray:PutTelemetryRecords", "xray:PutTraceSegments"],
            "Resource": ["*"],
        },
    ]
    assert unjustified_wildcards(graph) == []


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_function_environment_is_encrypted_with_the_secrets_key(environment: str) -> None:
    # prescription: SEC-3
    graph = _rotated(environment)
    function = graph.named("db-rotation", FUNCTION)["inputs"]
    assert function["environment"]["variables"]
    assert function["kmsKeyArn"] == graph.outputs["key_arn"]
    assert not [s for s in graph.of_type(SUPPRESSION) if "rotation" in s["name"]]


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_function_is_traced_and_has_no_reservation_vpc_or_signing(environment: str) -> None:
    # Decisions of docs/adr/0011: tracing on; reserved concurrency, VPC and signing left off.
    function = _rotated(environment).named("db-rotation", FUNCTION)["inputs"]
    assert function["tracingConfig"] == {"mode": "Active"}
    for absent in ("reservedConcurrentExecutions", "vpcConfig", "codeSigningConfigArn"):
        assert absent not in function, absent


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_only_secrets_manager_may_invoke_the_function_for_this_secret(environment: str) -> None:
    # prescription: SEC-1
    graph = _rotated(environment)
    permission = graph.named("db-rotation-invoke", PERMISSION)["inputs"]
    assert permission == {
        "action": "lambda:InvokeFunction",
        "function": graph.outputs["function_name"],
        "principal": "secretsmanager.amazonaws.com",
        "sourceArn": graph.outputs["secret_arn"],
    }


@pytest.mark.parametrize(
    ("environment", "days", "protected"), [("dev", 14, False), ("prod", 90, True)]
)
def test_the_function_log_group_is_its_own_with_the_profile_retention_and_protection(
    environment: str, days: int, protected: bool
) -> None:
    # prescription: OBS-2, DR-1
    graph = _rotated(environment)
    log_group = graph.named("db-rotation-logs", LOG_GROUP)
    assert log_group["inputs"] == {
        "name": f"/aws/lambda/{graph.outputs['function_name']}",
        "retentionInDays": days,
        "deletionProtectionEnabled": protected,
    }
    assert log_group["protect"] is protected
    assert log_group["retain_on_delete"] is protected


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_function_is_named_after_the_stack_and_created_after_its_log_group(
    environment: str,
) -> None:
    graph = _rotated(environment)
    function = graph.named("db-rotation", FUNCTION)
    assert function["inputs"]["name"] == f"test-{environment}-db-rotation"
    assert graph.outputs["function_name"] == f"test-{environment}-db-rotation"
    assert graph.named("db-rotation-logs", LOG_GROUP)["urn"] in function["dependencies"]


def test_the_function_log_group_falls_under_the_keys_default_lambda_prefix() -> None:
    # prescription: SEC-3, OBS-2
    graph = _rotated("prod", logs=True)
    name = graph.named("db-rotation-logs", LOG_GROUP)["inputs"]["name"]
    (logs,) = [
        s
        for s in _policy(graph.named("data", "aws:kms/key:Key"))["Statement"]
        if s["Principal"] == {"Service": ["logs.us-east-1.amazonaws.com"]}
    ]
    patterns = logs["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]
    prefix = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/test-prod-*"
    assert prefix in patterns
    assert name.startswith(prefix.split("log-group:")[1].rstrip("*"))


def test_a_long_function_name_is_shortened_with_a_hash_and_keeps_the_stack_prefix() -> None:
    name = "a-very-long-secret-name-of-forty-chars-x"
    graph = run_offline(
        lambda env: Secret(name, SecretArgs(key=_key(env), rotation=RotationArgs()), env),
        environment="prod",
        project="an-unusually-long-project",
    )
    function = graph.named(f"{name}-rotation", FUNCTION)["inputs"]["name"]
    full = f"an-unusually-long-project-prod-{name}-rotation"
    digest = hashlib.sha256(full.encode()).hexdigest()[:8]
    assert function == f"{full[:55]}-{digest}"
    assert len(function) == 64


def test_a_key_whose_log_prefixes_leave_out_the_function_log_group_is_refused() -> None:
    def build(env: Environment) -> None:
        key = Key(
            "data",
            KeyArgs(
                description="data",
                via_services=("lambda", "secretsmanager"),
                log_group_access=True,
                log_group_prefixes=("/orders/",),
            ),
            env,
        )
        Secret("db", SecretArgs(key=key, rotation=RotationArgs()), env)

    with pytest.raises(
        ValidationError,
        match=r"^key=\"data \(log_group_prefixes=\['/orders/'\]\)\": CloudWatch Logs may use the "
        r"key only for those prefixes, so the rotation function's log group "
        r"'/aws/lambda/test-dev-db-rotation' cannot be encrypted \(OBS-2\)\. "
        r"Fix: add a prefix of that name to KeyArgs.log_group_prefixes",
    ):
        run_offline(build, environment="dev")


def test_the_log_group_is_encrypted_with_the_key_when_the_key_allows_logs() -> None:
    # prescription: SEC-3, OBS-2
    graph = _rotated("prod", logs=True)
    log_group = graph.named("db-rotation-logs", LOG_GROUP)["inputs"]
    assert log_group["kmsKeyId"] == graph.outputs["key_arn"]


def test_the_schedule_waits_for_the_policy_permission_logs_and_initial_value() -> None:
    graph = _run(
        "prod",
        lambda key: SecretArgs(
            key=key, initial_value=pulumi.Output.secret(SEED), rotation=RotationArgs()
        ),
    )
    schedule = graph.named("db-rotation-schedule", ROTATION)
    for name, typ in [
        ("db-rotation-policy", ROLE_POLICY),
        ("db-rotation-invoke", PERMISSION),
        ("db-rotation-logs", LOG_GROUP),
        ("db-initial", VERSION),
    ]:
        assert graph.named(name, typ)["urn"] in schedule["dependencies"]
    assert "seed-value-that-must-stay-hidden" not in graph.to_json()


# -- grants -------------------------------------------------------------------------------------


def _reader(secret: Secret, env: Environment) -> None:
    role = aws.iam.Role(
        "reader",
        aws.iam.RoleArgs(assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": []})),
        opts=pulumi.ResourceOptions(provider=env.aws),
    )
    secret.grant_read(role)
    pulumi.export("reader_name", role.name)


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_grant_read_allows_reading_this_secret_and_decrypting_through_secrets_manager(
    environment: str,
) -> None:
    # prescription: SEC-1
    graph = _run(environment, lambda key: SecretArgs(key=key), after=_reader)
    grant = graph.named("reader-db-read", ROLE_POLICY)
    assert grant["parent"] == _component(graph)["urn"]
    assert grant["inputs"]["role"] == graph.outputs["reader_name"]
    assert _policy(grant)["Statement"] == [
        {
            "Effect": "Allow",
            "Action": ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"],
            "Resource": [graph.outputs["secret_arn"]],
        },
        {
            "Effect": "Allow",
            "Action": ["kms:Decrypt"],
            "Resource": [graph.outputs["key_arn"]],
            "Condition": {
                "StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}
            },
        },
    ]


# -- refusals -----------------------------------------------------------------------------------


def _secret_of(make_args: Callable[[Key], SecretArgs], via: tuple[str, ...]):
    return lambda env: Secret("db", make_args(_key(env, via=via)), env)


REFUSALS: list[tuple[str, Callable[[Key], SecretArgs], tuple[str, ...], str]] = [
    (
        "rotation with a key not usable through Lambda",
        lambda key: SecretArgs(key=key, rotation=RotationArgs()),
        ("secretsmanager",),
        r"^key='data': the key is not usable through Lambda, which encrypts the rotation "
        r"function's environment variables with it \(SEC-3\).*"
        r"Fix: create the key with KeyArgs\(via_services=\(\.\.\., 'lambda', "
        r"'secretsmanager'\)\)",
    ),
    (
        "key without secretsmanager",
        lambda key: SecretArgs(key=key),
        ("s3",),
        r"^key='data': the key is not usable through Secrets Manager.*"
        r"Fix: create the key with KeyArgs\(via_services=\(\.\.\., 'secretsmanager'\)\)$",
    ),
    (
        "recovery window 5",
        lambda key: SecretArgs(key=key, recovery_window_days=5),
        ("secretsmanager",),
        r"^recovery_window_days=5: Secrets Manager keeps a deleted secret recoverable for 7 to 30",
    ),
    (
        "recovery window 0",
        lambda key: SecretArgs(key=key, recovery_window_days=0),
        ("secretsmanager",),
        r"^recovery_window_days=0: ",
    ),
    (
        "recovery window 31",
        lambda key: SecretArgs(key=key, recovery_window_days=31),
        ("secretsmanager",),
        r"^recovery_window_days=31: ",
    ),
    (
        "plain string initial value",
        lambda key: SecretArgs(key=key, initial_value="hunter2-in-code"),
        ("secretsmanager",),
        r"^initial_value='<a plain string>': a literal is a secret written in code.*"
        r"require_secret",
    ),
    (
        "rotation days 0",
        lambda key: SecretArgs(key=key, rotation=RotationArgs(automatically_after_days=0)),
        ("secretsmanager",),
        r"^rotation.automatically_after_days=0: .*once a year.*from 1 to 365",
    ),
    (
        "rotation days 366",
        lambda key: SecretArgs(key=key, rotation=RotationArgs(automatically_after_days=366)),
        ("secretsmanager",),
        r"^rotation.automatically_after_days=366: ",
    ),
    (
        "password length 8",
        lambda key: SecretArgs(key=key, rotation=RotationArgs(password_length=8)),
        ("secretsmanager",),
        r"^rotation.password_length=8: generated passwords are 16 to 4096 characters",
    ),
    (
        "password length 4097",
        lambda key: SecretArgs(key=key, rotation=RotationArgs(password_length=4097)),
        ("secretsmanager",),
        r"^rotation.password_length=4097: ",
    ),
    (
        "empty password field",
        lambda key: SecretArgs(key=key, rotation=RotationArgs(password_field="")),
        ("secretsmanager",),
        r"^rotation.password_field='': .*empty or padded",
    ),
    (
        "padded password field",
        lambda key: SecretArgs(key=key, rotation=RotationArgs(password_field=" password")),
        ("secretsmanager",),
        r"^rotation.password_field=' password': .*empty or padded",
    ),
    (
        "timeout 0",
        lambda key: SecretArgs(key=key, rotation=RotationArgs(timeout_seconds=0)),
        ("secretsmanager",),
        r"^rotation.timeout_seconds=0: a Lambda function runs for 1 to 900 seconds",
    ),
    (
        "timeout 901",
        lambda key: SecretArgs(key=key, rotation=RotationArgs(timeout_seconds=901)),
        ("secretsmanager",),
        r"^rotation.timeout_seconds=901: ",
    ),
]


@pytest.mark.parametrize(
    ("make_args", "via", "message"),
    [pytest.param(m, v, msg, id=case) for case, m, v, msg in REFUSALS],
)
def test_invalid_arguments_are_refused_with_the_key_the_value_and_the_fix(
    make_args: Callable[[Key], SecretArgs], via: tuple[str, ...], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        run_offline(_secret_of(make_args, via), environment="dev")


@pytest.mark.parametrize(
    ("make_args", "via"), [pytest.param(m, v, id=case) for case, m, v, _ in REFUSALS]
)
def test_a_refused_secret_creates_nothing(
    make_args: Callable[[Key], SecretArgs], via: tuple[str, ...]
) -> None:
    # prescription: ENV-3
    caught: list[ValidationError] = []

    def build(env: Environment) -> None:
        try:
            _secret_of(make_args, via)(env)
        except ValidationError as exc:
            caught.append(exc)

    graph = run_offline(build, environment="dev")
    assert len(caught) == 1
    assert graph.of_type("infra-kit:aws:Secret", SECRET, VERSION, ROLE, FUNCTION, ROTATION) == []


def test_a_refused_plain_string_is_not_repeated_in_the_error() -> None:
    # prescription: SEC-2
    with pytest.raises(ValidationError) as info:
        run_offline(
            _secret_of(
                lambda key: SecretArgs(key=key, initial_value="hunter2-in-code"),
                ("secretsmanager",),
            ),
            environment="dev",
        )
    assert "hunter2" not in str(info.value)
