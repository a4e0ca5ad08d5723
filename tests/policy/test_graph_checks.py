"""The graph checks find what they look for, and only that."""

from __future__ import annotations

import json
from typing import Any

from infra_kit.core.engine import Graph
from infra_kit.policy import iam_statements, unjustified_wildcards, unprotected_stateful


def _resource(
    type_: str, name: str, inputs: dict[str, Any], *, protect: bool = False
) -> dict[str, Any]:
    return {
        "urn": f"urn:pulumi:prod::p::{type_}::{name}", "type": type_, "name": name, "parent": None,
        "custom": True, "inputs": inputs, "dependencies": [], "provider": None, "protect": protect,
        "retain_on_delete": protect, "additional_secret_outputs": [], "secret_paths": [],
    }  # fmt: skip


def _policy(*statements: dict[str, Any]) -> dict[str, Any]:
    document = {"Version": "2012-10-17", "Statement": list(statements)}
    return _resource(
        "aws:iam/rolePolicy:RolePolicy", "p", {"role": "r", "policy": json.dumps(document)}
    )


def _graph(*resources: dict[str, Any]) -> Graph:
    return Graph("p", "prod", list(resources), {})


def test_an_allow_with_a_wildcard_action_and_resource_is_found() -> None:
    graph = _graph(_policy({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}))
    assert unjustified_wildcards(graph) == [
        "urn:pulumi:prod::p::aws:iam/rolePolicy:RolePolicy::p: ['s3:*', '*'] without a recorded justification"
    ]


def test_a_wildcard_account_in_an_arn_is_found() -> None:
    statement = {
        "Effect": "Allow",
        "Action": ["s3:GetObject"],
        "Resource": ["arn:aws:s3:*:*:thing"],
    }
    assert len(unjustified_wildcards(_graph(_policy(statement)))) == 1


def test_a_justified_wildcard_a_deny_and_objects_of_one_bucket_pass() -> None:
    graph = _graph(
        _policy(
            {"Sid": "JustifiedDescribeTakesNoResource", "Effect": "Allow", "Action": ["ec2:Describe*"], "Resource": ["*"]},
            {"Effect": "Deny", "Action": "s3:*", "Resource": "*"},
            {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::bucket/*"]},
        )
    )  # fmt: skip
    assert unjustified_wildcards(graph) == []
    assert len(list(iam_statements(graph))) == 3


def test_trust_and_key_policies_are_read_too() -> None:
    trust = json.dumps(
        {"Statement": [{"Effect": "Allow", "Action": "sts:*", "Principal": {"AWS": "*"}}]}
    )
    role = _resource("aws:iam/role:Role", "r", {"assumeRolePolicy": trust})
    key_policy = json.dumps(
        {"Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]}
    )
    key = _resource("aws:kms/key:Key", "k", {"policy": key_policy}, protect=True)
    assert len(unjustified_wildcards(_graph(role, key))) == 2


def test_unprotected_state_is_found_and_protected_state_and_other_types_pass() -> None:
    graph = _graph(
        _resource("aws:kms/key:Key", "open", {}),
        _resource("aws:rds/instance:Instance", "safe", {}, protect=True),
        _resource("aws:ec2/vpc:Vpc", "vpc", {}),
    )
    assert unprotected_stateful(graph) == [
        "urn:pulumi:prod::p::aws:kms/key:Key::open: not protected"
    ]
