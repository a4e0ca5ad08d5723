"""Cache: every refusal names the argument, the value and the fix, before anything exists."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pulumi_aws as aws
import pytest

from infra_kit.aws.cache import Cache, CacheArgs
from infra_kit.aws.key import Key, KeyArgs
from infra_kit.core.environment import Environment
from infra_kit.errors import ValidationError
from infra_kit.testing import run_offline


def _key(env: Environment, services: tuple[str, ...] = ("elasticache",)) -> Key:
    return Key("data", KeyArgs(description="cache data", via_services=list(services)), env)


def _cache(env: Environment, **overrides: Any) -> Cache:
    values: dict[str, Any] = {
        "vpc_id": "vpc-1",
        "subnet_ids": ["subnet-a", "subnet-b"],
        **overrides,
    }
    if "key" not in values:
        values["key"] = _key(env)
    return Cache("sessions", CacheArgs(**values), env)


def _refused(build: Callable[[Environment], object], match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        run_offline(build, environment="dev")


def _role() -> aws.iam.Role:
    return aws.iam.Role("api", aws.iam.RoleArgs(assume_role_policy="{}"))


def test_a_key_not_usable_through_elasticache_is_refused() -> None:
    _refused(
        lambda env: _cache(env, key=_key(env, ("rds",))),
        r"^key='data': the key is not usable through ElastiCache.*Fix: add 'elasticache' to "
        r"its KeyArgs.via_services",
    )


def test_fewer_than_two_subnets_are_refused() -> None:
    _refused(
        lambda env: _cache(env, subnet_ids=["subnet-a"]),
        r"^subnet_ids=\['subnet-a'\]: a cache's subnet group spans at least two AZs.*"
        r"pass the network's isolated subnets",
    )


def test_a_malformed_label_is_refused() -> None:
    _refused(
        lambda env: _cache(env, allowed_security_group_ids={"Orders_API": "sg-1"}),
        r"^allowed_security_group_ids='Orders_API': a label is 1 to 30 lower-case",
    )


def test_a_node_type_that_is_not_elasticaches_is_refused() -> None:
    _refused(
        lambda env: _cache(env, node_type="db.t4g.micro"),
        r"^node_type='db.t4g.micro': not an ElastiCache node type.*cache.t4g.small",
    )


@pytest.mark.parametrize(
    ("window", "problem"),
    [
        ("sunday 05:30", "not a weekly UTC window ddd:hh:mm-ddd:hh:mm"),
        ("sun:05:30-sun:06:00", "ElastiCache needs a maintenance window of at least 60 minutes"),
        ("sun:03:30-sun:04:30", "it overlaps the daily snapshot window '04:00-05:00'"),
    ],
)
def test_a_bad_maintenance_window_is_refused(window: str, problem: str) -> None:
    _refused(
        lambda env: _cache(env, maintenance_window=window),
        rf"^maintenance_window='{window}': {problem}",
    )


def test_a_second_rule_with_the_same_label_is_refused() -> None:
    def build(env: Environment) -> None:
        cache = _cache(env, allowed_security_group_ids={"api": "sg-1"})
        cache.allow_from("api", "sg-2")

    _refused(build, r"^label='api': cache 'sessions' already admits a security group by that")


@pytest.mark.parametrize("user", ["Orders", "default", "a-very-long-user-name-x", "api-", "a--b"])
def test_a_bad_user_name_is_refused(user: str) -> None:
    _refused(
        lambda env: _cache(env).grant_connect(_role(), user),
        rf"^user='{user}': a cache user is 1 to 20 lower-case letters.*not 'default'",
    )


@pytest.mark.parametrize(
    ("access_string", "problem"),
    [
        ("~* +@all", "the user must be switched on"),
        ("off ~* +@all", "the user must be switched on"),
        ("on >hunter2 ~* +@all", "passwords cannot be set in an access string"),
        ("on nopass ~* +@all", "passwords cannot be set in an access string"),
    ],
)
def test_an_access_string_that_is_off_or_sets_a_password_is_refused(
    access_string: str, problem: str
) -> None:
    _refused(
        lambda env: _cache(env).grant_connect(_role(), "api", access_string=access_string),
        rf"^access_string={re.escape(repr(access_string))}: {problem}.*"
        + re.escape("'on ~* +@all -@dangerous'"),
    )


def test_one_user_granted_with_two_access_strings_is_refused() -> None:
    def build(env: Environment) -> None:
        cache = _cache(env)
        cache.grant_connect(_role(), "api")
        other = aws.iam.Role("worker", aws.iam.RoleArgs(assume_role_policy="{}"))
        cache.grant_connect(other, "api", access_string="on ~jobs:* +@all -@dangerous")

    _refused(
        build,
        r"^access_string='on ~jobs:\* \+@all -@dangerous': cache user 'api' was already granted",
    )


def test_a_grantee_without_a_role_is_refused() -> None:
    _refused(
        lambda env: _cache(env).grant_connect(object(), "api"),  # pyright: ignore[reportArgumentType] -- the refusal under test
        r"^grantee='object': it has no IAM role to grant to",
    )
