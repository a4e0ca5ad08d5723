"""The KMS Key component: rotation, deletion window, protection and its key policy (SEC-3, SEC-1)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from infra_kit.aws.key import (
    KEY_ADMIN_ACTIONS,
    Key,
    KeyArgs,
    default_log_group_prefixes,
    lambda_function_name,
)
from infra_kit.core.engine import Graph
from infra_kit.core.environment import Environment
from infra_kit.errors import ValidationError
from infra_kit.policy._iam import iam_data
from infra_kit.testing import run_offline
from tests.support import unjustified_wildcards

KEY = "aws:kms/key:Key"
ALIAS = "aws:kms/alias:Alias"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ACCOUNT = "123456789012"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
USER = f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"
ENVIRONMENTS = ("dev", "prod")

THIS_KEY = "JustifiedAKeyPolicyResourceStarNamesOnlyTheKeyItIsAttachedTo"
USE_ACTIONS = [
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
]
FOR_AWS_RESOURCES = {"Bool": {"kms:GrantIsForAWSResource": "true"}}


def _run(
    environment: str,
    args: KeyArgs | None = None,
    *,
    after: Callable[[Key, Environment], Any] | None = None,
    project: str = "test",
) -> Graph:
    def build(env: Environment) -> None:
        key = Key("data", args or KeyArgs(description="orders data"), env)
        pulumi.export("key_arn", key.arn)
        if after is not None:
            after(key, env)

    return run_offline(build, environment=environment, project=project)


def _statements(graph: Graph) -> list[dict[str, Any]]:
    return json.loads(graph.named("data", KEY)["inputs"]["policy"])["Statement"]


def _full(environment: str) -> Graph:
    return _run(
        environment,
        KeyArgs(
            description="platform",
            via_services=("s3", "eks", "ec2"),
            log_group_access=True,
            user_principal_arns=[USER],
        ),
    )


def _refused(match: str, args: KeyArgs | None = None, **kwargs: Any) -> None:
    with pytest.raises(ValidationError, match=match):
        _run("dev", args, **kwargs)


# -- the key ----------------------------------------------------------------------------------


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_a_key_is_a_rotating_symmetric_key_and_an_alias(environment: str) -> None:
    # prescription: SEC-3
    graph = _run(environment)
    component = graph.named("data", "infra-kit:aws:Key")
    assert sorted((r["type"], r["name"]) for r in graph.children(component["urn"])) == [
        (ALIAS, "data-alias"),
        (KEY, "data"),
    ]
    inputs = graph.named("data", KEY)["inputs"]
    assert inputs["enableKeyRotation"] is True
    assert inputs["rotationPeriodInDays"] == 365
    assert inputs["keyUsage"] == "ENCRYPT_DECRYPT"
    assert inputs["customerMasterKeySpec"] == "SYMMETRIC_DEFAULT"
    assert inputs["description"] == "orders data"


@pytest.mark.parametrize(("environment", "days"), [("dev", 7), ("stage", 14), ("prod", 30)])
def test_the_deletion_window_comes_from_the_profile(environment: str, days: int) -> None:
    # prescription: DR-1
    assert _run(environment).named("data", KEY)["inputs"]["deletionWindowInDays"] == days


def test_an_explicit_deletion_window_replaces_the_profile_default() -> None:
    graph = _run("prod", KeyArgs(description="d", deletion_window_days=7))
    assert graph.named("data", KEY)["inputs"]["deletionWindowInDays"] == 7


@pytest.mark.parametrize(("environment", "protected"), [("dev", False), ("prod", True)])
def test_the_key_is_protected_and_retained_where_the_profile_protects_state(
    environment: str, protected: bool
) -> None:
    # prescription: DR-1
    key = _run(environment).named("data", KEY)
    assert key["protect"] is protected
    assert key["retain_on_delete"] is protected


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_alias_is_named_after_the_stack_and_targets_the_key(environment: str) -> None:
    graph = _run(environment)
    alias = graph.named("data-alias", ALIAS)
    assert alias["inputs"]["name"] == f"alias/test-{environment}-data"
    assert alias["inputs"]["targetKeyId"] == graph.outputs["key_arn"].rsplit("/", 1)[1]
    assert alias["protect"] is False


def test_an_explicit_alias_replaces_the_default() -> None:
    graph = _run("dev", KeyArgs(description="d", alias="orders/data"))
    assert graph.named("data-alias", ALIAS)["inputs"]["name"] == "alias/orders/data"


# -- the key policy ---------------------------------------------------------------------------


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_a_key_without_options_lets_the_account_administer_it_and_nothing_else(
    environment: str,
) -> None:
    # prescription: SEC-1 -- administration without any use of the key's material.
    assert _statements(_run(environment)) == [
        {
            "Effect": "Allow",
            "Sid": THIS_KEY,
            "Principal": {"AWS": [ROOT]},
            "Action": sorted(KEY_ADMIN_ACTIONS),
            "Resource": ["*"],
        }
    ]


def test_the_admin_actions_use_no_key_material() -> None:
    use = {"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom"}
    assert use.isdisjoint(KEY_ADMIN_ACTIONS)
    assert "kms:CreateGrant" not in KEY_ADMIN_ACTIONS
    assert len(set(KEY_ADMIN_ACTIONS)) == len(KEY_ADMIN_ACTIONS) == 22


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_full_key_policy_names_each_use_and_its_conditions(environment: str) -> None:
    # prescription: SEC-1, SEC-3
    via = {
        "kms:CallerAccount": ACCOUNT,
        "kms:ViaService": [
            "ec2.us-east-1.amazonaws.com",
            "eks.us-east-1.amazonaws.com",
            "s3.us-east-1.amazonaws.com",
        ],
    }
    group = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:"
    assert _statements(_full(environment)) == [
        {
            "Effect": "Allow",
            "Sid": THIS_KEY,
            "Principal": {"AWS": [ROOT]},
            "Action": sorted(KEY_ADMIN_ACTIONS),
            "Resource": ["*"],
        },
        {
            "Effect": "Allow",
            "Sid": THIS_KEY + "UsedThroughNamedServicesByThisAccount",
            "Principal": {"AWS": [ROOT]},
            "Action": USE_ACTIONS,
            "Resource": ["*"],
            "Condition": {"StringEquals": via},
        },
        {
            "Effect": "Allow",
            "Sid": THIS_KEY + "UsedThroughNamedServicesByThisAccountForGrantsToAWSResources",
            "Principal": {"AWS": [ROOT]},
            "Action": ["kms:CreateGrant"],
            "Resource": ["*"],
            "Condition": {"StringEquals": via, **FOR_AWS_RESOURCES},
        },
        {
            "Effect": "Allow",
            "Sid": THIS_KEY + "UsedByCloudWatchLogsForNamedLogGroups",
            "Principal": {"Service": ["logs.us-east-1.amazonaws.com"]},
            "Action": [
                "kms:Decrypt",
                "kms:Encrypt",
                "kms:GenerateDataKey",
                "kms:ReEncryptFrom",
                "kms:ReEncryptTo",
            ],
            "Resource": ["*"],
            "Condition": {
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": [
                        f"{group}/vpc-flow-logs/test-{environment}-*",
                        f"{group}/aws/eks/test-{environment}-*",
                        f"{group}/aws/rds/instance/test-{environment}-*",
                        f"{group}/aws/lambda/test-{environment}-*",
                        f"{group}/test/{environment}/*",
                        f"{group}aws-waf-logs-test-{environment}-*",
                    ]
                }
            },
        },
        {
            "Effect": "Allow",
            "Sid": THIS_KEY + "UsedByTheNamedPrincipals",
            "Principal": {"AWS": [USER]},
            "Action": USE_ACTIONS,
            "Resource": ["*"],
        },
        {
            "Effect": "Allow",
            "Sid": THIS_KEY + "UsedByTheNamedPrincipalsForGrantsToAWSResources",
            "Principal": {"AWS": [USER]},
            "Action": ["kms:CreateGrant"],
            "Resource": ["*"],
            "Condition": FOR_AWS_RESOURCES,
        },
    ]


def test_every_statement_allowing_create_grant_keeps_grants_to_aws_resources() -> None:
    # prescription: SEC-1
    granting = [s for s in _statements(_full("prod")) if "kms:CreateGrant" in s["Action"]]
    assert len(granting) == 2
    for statement in granting:
        assert statement["Action"] == ["kms:CreateGrant"]
        assert statement["Condition"]["Bool"] == {"kms:GrantIsForAWSResource": "true"}


def test_the_key_policy_has_no_unjustified_wildcard_and_distinct_sids() -> None:
    graph = _full("prod")
    assert unjustified_wildcards(graph) == []
    sids = [s["Sid"] for s in _statements(graph)]
    assert len(set(sids)) == len(sids)


def test_own_log_group_prefixes_replace_the_defaults() -> None:
    graph = _run(
        "prod",
        KeyArgs(
            description="d",
            log_group_access=True,
            log_group_prefixes=("/orders/prod/", "/aws/lambda/orders-"),
        ),
    )
    (logs,) = [s for s in _statements(graph) if "Service" in s["Principal"]]
    assert logs["Condition"] == {
        "ArnLike": {
            "kms:EncryptionContext:aws:logs:arn": [
                f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/orders/prod/*",
                f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/orders-*",
            ]
        }
    }


def test_cloudwatch_logs_is_granted_only_actions_that_carry_the_log_group_context() -> None:
    # kms:DescribeKey carries no encryption context, so under this condition it never matched.
    graph = _run("prod", KeyArgs(description="d", log_group_access=True))
    (logs,) = [s for s in _statements(graph) if "Service" in s["Principal"]]
    assert "kms:DescribeKey" not in logs["Action"]
    key = "kms:EncryptionContext:aws:logs:arn"
    for action in logs["Action"]:
        known = iam_data().lookup(action)
        assert known is not None, action
        assert iam_data().supports_key(known, key), action
    patterns = logs["Condition"]["ArnLike"][key]
    for pattern in patterns:
        # Six fields, the logs service, this region and account: a pattern ArnLike can match.
        arn, partition, service, region, account, rest = pattern.split(":", 5)
        assert (arn, partition, service, region) == ("arn", "aws", "logs", "us-east-1")
        assert re.fullmatch(r"\d{12}", account), pattern
        assert re.fullmatch(r"log-group:[A-Za-z0-9._/#-]+\*", rest), pattern


def test_the_logs_statement_follows_the_region_and_partition() -> None:
    def build(env: Environment) -> None:
        Key("data", KeyArgs(description="d", log_group_access=True), env)

    graph = run_offline(build, environment="dev", region="cn-north-1")
    (logs,) = [s for s in _statements(graph) if "Service" in s["Principal"]]
    assert logs["Principal"] == {"Service": ["logs.cn-north-1.amazonaws.com"]}
    patterns = logs["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]
    assert all(p.startswith("arn:aws-cn:logs:cn-north-1:") for p in patterns)


def test_the_key_records_which_log_groups_it_allows() -> None:
    seen: dict[str, Any] = {}

    def record(key: Key, env: Environment) -> None:
        seen["prefixes"] = key.log_group_prefixes
        seen["eks"] = key.allows_log_group("/aws/eks/test-dev-core/cluster")
        seen["other"] = key.allows_log_group("/aws/eks/other-dev-core/cluster")

    _run("dev", KeyArgs(description="d", log_group_access=True), after=record)
    assert seen == {
        "prefixes": default_log_group_prefixes("test", "dev"),
        "eks": True,
        "other": False,
    }


def test_the_default_prefixes_cover_the_names_infra_kit_gives_log_groups() -> None:
    assert default_log_group_prefixes("Shop_Web", "prod") == (
        "/vpc-flow-logs/Shop_Web-prod-",
        "/aws/eks/Shop_Web-prod-",
        "/aws/rds/instance/shop-web-prod-",
        "/aws/lambda/Shop_Web-prod-",
        "/Shop_Web/prod/",
        "aws-waf-logs-Shop_Web-prod-",
    )
    assert default_log_group_prefixes("9lives", "dev")[2] == "/aws/rds/instance/db-9lives-dev-"
    assert default_log_group_prefixes("shop.web", "dev")[3] == "/aws/lambda/shop-web-dev-"


def test_lambda_function_names_start_with_the_stack_prefix_and_fit_64_characters() -> None:
    assert lambda_function_name("shop.web", "prod", "db-rotation") == "shop-web-prod-db-rotation"
    long = lambda_function_name("p" * 40, "prod", "n" * 40)
    assert len(long) == 64
    assert long.startswith("p" * 40 + "-prod-")
    with pytest.raises(
        ValidationError,
        match=r"^project/stack='p{60}/prod': 'p{60}-prod-' leaves no room in a 64-character "
        r"Lambda function name\. Fix: shorten the project or stack name$",
    ):
        lambda_function_name("p" * 60, "prod", "db-rotation")


# -- grants -----------------------------------------------------------------------------------


def _granted(method: str) -> Graph:
    def grant(key: Key, env: Environment) -> None:
        role = aws.iam.Role("app", aws.iam.RoleArgs(assume_role_policy="{}"))
        getattr(key, method)(role, via_service="s3")

    return _run("prod", KeyArgs(description="d", via_services=("s3",)), after=grant)


@pytest.mark.parametrize(
    ("method", "suffix", "key_actions"),
    [
        ("grant_decrypt", "decrypt", ["kms:Decrypt"]),
        (
            "grant_encrypt_decrypt",
            "encrypt-decrypt",
            [
                "kms:Decrypt",
                "kms:DescribeKey",
                "kms:Encrypt",
                "kms:GenerateDataKey",
                "kms:ReEncryptFrom",
                "kms:ReEncryptTo",
            ],
        ),
    ],
)
def test_a_grant_allows_the_key_through_one_service_only(
    method: str, suffix: str, key_actions: list[str]
) -> None:
    # prescription: SEC-1
    graph = _granted(method)
    policy = graph.named(f"app-data-{suffix}", ROLE_POLICY)
    assert policy["parent"] == graph.named("data", "infra-kit:aws:Key")["urn"]
    assert json.loads(policy["inputs"]["policy"]) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": key_actions,
                "Resource": [graph.outputs["key_arn"]],
                "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}},
            }
        ],
    }
    assert policy["inputs"]["role"].startswith("app-")


# -- refusals ---------------------------------------------------------------------------------


def test_an_unknown_via_service_is_refused() -> None:
    _refused(
        r"^via_services=\['dynamodb'\]: not a service infra-kit knows to use KMS on a caller's "
        r"behalf\. Fix: use some of: backup, ec2, eks, elasticache, rds, s3, secretsmanager, sns, sqs, lambda$",
        KeyArgs(description="d", via_services=("s3", "dynamodb")),
    )


@pytest.mark.parametrize("days", [0, 6, 31])
def test_a_deletion_window_outside_7_to_30_days_is_refused(days: int) -> None:
    _refused(
        rf"^deletion_window_days={days}: KMS allows 7 to 30 days\. Fix: pick a value from 7 to "
        r"30, or omit it to use the profile's keys.deletion_window_days$",
        KeyArgs(description="d", deletion_window_days=days),
    )


def test_a_grant_through_a_service_the_key_does_not_list_is_refused() -> None:
    def grant(key: Key, env: Environment) -> None:
        role = aws.iam.Role("app", aws.iam.RoleArgs(assume_role_policy="{}"))
        key.grant_decrypt(role, via_service="sqs")

    _refused(
        r"^via_service='sqs': key 'data' is not usable through it\. Fix: add 'sqs' to "
        r"KeyArgs.via_services, or use one of \['s3'\]$",
        KeyArgs(description="d", via_services=("s3",)),
        after=grant,
    )


def test_log_group_prefixes_without_log_group_access_are_refused() -> None:
    _refused(
        r"^log_group_prefixes=\['/orders/'\]: has no effect: CloudWatch Logs may not use the "
        r"key \(log_group_access=False\)\. Fix: set log_group_access=True, or drop "
        r"log_group_prefixes$",
        KeyArgs(description="d", log_group_prefixes=("/orders/",)),
    )


@pytest.mark.parametrize("prefix", ["", "/orders/*", "/orders/ logs", "/aws/lambda/?"])
def test_a_log_group_prefix_that_is_no_name_start_is_refused(prefix: str) -> None:
    _refused(
        rf"^log_group_prefixes={re.escape(repr(prefix))}: not the beginning of a log-group name "
        r"\(letters, digits and \. _ / # -, no wildcard: the key policy adds the final '\*'\)\. "
        r"Fix: write the fixed start of the names, e\.g\. '/aws/lambda/orders-'$",
        KeyArgs(description="d", log_group_access=True, log_group_prefixes=(prefix,)),
    )


def test_a_single_string_of_log_group_prefixes_is_refused() -> None:
    _refused(
        r"^log_group_prefixes='/orders/': a single string, not a list of prefixes\. "
        r"Fix: pass a tuple: log_group_prefixes=\('/orders/',\)$",
        KeyArgs(description="d", log_group_access=True, log_group_prefixes="/orders/"),
    )


def test_a_log_group_prefix_listed_twice_is_refused() -> None:
    _refused(
        r"^log_group_prefixes=\['/orders/', '/orders/'\]: lists a prefix twice\. "
        r"Fix: list each prefix once$",
        KeyArgs(description="d", log_group_access=True, log_group_prefixes=("/orders/",) * 2),
    )


def test_a_refused_key_creates_nothing() -> None:
    created: list[str] = []

    def build(env: Environment) -> None:
        try:
            Key("data", KeyArgs(description="d", deletion_window_days=0), env)
        except ValidationError:
            created.append("refused")

    graph = run_offline(build, environment="dev")
    assert created == ["refused"]
    assert graph.of_type(KEY, ALIAS, "infra-kit:aws:Key") == []


def test_a_service_principal_infra_kit_does_not_know_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(ValidationError) as caught:
        _run("dev", KeyArgs(description="k", service_principals=("cloudwatch", "s3")))
    assert caught.value.key == "service_principals"
    assert caught.value.value == ["s3"]
    assert "backup, budgets, cloudwatch, events" in str(caught.value)


def test_without_service_principals_no_service_uses_the_key_on_its_own_behalf() -> None:
    statements = _statements(_full("prod"))
    services = [s for s in statements if "Service" in s["Principal"]]
    assert [s["Principal"]["Service"] for s in services] == [["logs.us-east-1.amazonaws.com"]]
