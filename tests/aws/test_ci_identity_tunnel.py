"""The pr-preview role may open a port forward through the EKS API tunnel, and nothing more (SEC-1)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra_kit.aws._api_tunnel_plan import session_statements
from infra_kit.core.engine import Graph
from infra_kit.policy._iam import iam_data
from tests.aws.test_ci_identity import ROLE_POLICY, _run
from tests.support import unjustified_wildcards

ACCOUNT = "123456789012"
TUNNEL_ACTIONS = {
    "ssm:StartSession",
    "ssm:TerminateSession",
    "ec2:DescribeInstances",
    "ssm:DescribeInstanceInformation",
}


@pytest.fixture(scope="module")
def statements() -> list[dict[str, Any]]:
    graph: Graph = _run()
    policy = json.loads(graph.named("github-pr-preview-read", ROLE_POLICY)["inputs"]["policy"])
    return [s for s in policy["Statement"] if TUNNEL_ACTIONS & set(s["Action"])]


def _one(statements: list[dict[str, Any]], action: str, resource_part: str) -> dict[str, Any]:
    (found,) = [
        s for s in statements if s["Action"] == [action] and resource_part in s["Resource"][0]
    ]
    return found


def test_sessions_start_only_on_instances_tagged_as_the_tunnel_in_this_account_and_region(
    statements: list[dict[str, Any]],
) -> None:
    # prescription: SEC-1
    target = _one(statements, "ssm:StartSession", ":instance/")
    assert target["Resource"] == [f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/*"]
    assert target["Condition"] == {
        "StringEquals": {"aws:ResourceTag/infra-kit:role": "api-tunnel"},
        "BoolIfExists": {"ssm:SessionDocumentAccessCheck": "true"},
    }


def test_sessions_start_only_with_the_port_forwarding_document_never_a_shell(
    statements: list[dict[str, Any]],
) -> None:
    document = _one(statements, "ssm:StartSession", ":document/")
    assert document["Resource"] == [
        "arn:aws:ssm:us-east-1::document/AWS-StartPortForwardingSessionToRemoteHost"
    ]
    # Without the document check, StartSession on the instance would also allow the default
    # shell document; every StartSession statement must carry it.
    starts = [s for s in statements if s["Action"] == ["ssm:StartSession"]]
    assert len(starts) == 2
    assert all(
        s["Condition"]["BoolIfExists"] == {"ssm:SessionDocumentAccessCheck": "true"} for s in starts
    )


def test_sessions_end_only_when_the_caller_started_them(
    statements: list[dict[str, Any]],
) -> None:
    end = _one(statements, "ssm:TerminateSession", ":session/")
    assert end["Resource"] == [f"arn:aws:ssm:us-east-1:{ACCOUNT}:session/*"]
    assert end["Condition"] == {
        "StringLike": {"ssm:resourceTag/aws:ssmmessages:session-id": "${aws:userid}*"}
    }


def test_finding_the_instance_is_the_only_unscoped_read_and_it_says_why(
    statements: list[dict[str, Any]],
) -> None:
    (describe,) = [
        s
        for s in statements
        if s["Action"] == ["ec2:DescribeInstances", "ssm:DescribeInstanceInformation"]
    ]
    assert describe["Resource"] == ["*"]
    assert describe["Sid"].startswith("Justified")
    assert {a for s in statements for a in s["Action"]} == TUNNEL_ACTIONS
    assert not unjustified_wildcards(_run())


def test_every_condition_key_is_one_aws_documents_for_its_action() -> None:
    data = iam_data()
    for statement in session_statements("aws", "us-east-1", ACCOUNT):
        for action in statement.actions:
            supported = data.lookup(action).condition_keys
            for keys in (statement.conditions or {}).values():
                for key in keys:
                    assert key in supported or (
                        key.startswith("aws:ResourceTag/")
                        and ("aws:ResourceTag/${TagKey}" in supported)
                    ), (action, key)
