"""What a first `pulumi up` on a fresh account needs that the platform cannot create itself.

KMS refuses a key policy, and S3 a bucket policy, whose principal does not exist yet. Every
principal the platform's key and bucket policies name must therefore be the account itself, a
role the same graph creates, or a service-linked role `infra-kit bootstrap` creates beforehand
(IAC-1). A platform key that names the Auto Scaling service-linked role, which AWS makes only with
the first Auto Scaling group, failed the very first resource of a fresh account.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from infra_kit.bootstrap._roles import SERVICE_LINKED_ROLES
from infra_kit.core.engine import Graph
from infra_kit.core.engine._project import find_projects
from tests.conftest import REPO, graph_of, platform_graph_for
from tests.support import every_stack

STACKS = ("dev", "stage", "prod")
_ACCOUNT_ROOT = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:root$")
_SERVICE_LINKED = re.compile(
    r"^arn:aws[a-z-]*:iam::\d{12}:role/aws-service-role/[^/]+/(?P<name>.+)$"
)


def _policy_principals(graph: Graph) -> Iterator[tuple[str, str]]:
    """(resource name, AWS principal ARN) of every key and bucket policy in the graph."""
    for record in graph.resources:
        if record["type"] not in {"aws:kms/key:Key", "aws:s3/bucketPolicy:BucketPolicy"}:
            continue
        raw: Any = record["inputs"].get("policy")
        document = json.loads(raw) if isinstance(raw, str) else raw or {}
        for statement in document.get("Statement", []):
            aws = (statement.get("Principal") or {}).get("AWS", [])
            for arn in [aws] if isinstance(aws, str) else aws:
                yield record["name"], arn


def _roles_created(graph: Graph) -> set[str]:
    return {
        str(r["outputs"].get("arn"))
        for r in graph.resources
        if r["type"] == "aws:iam/role:Role" and r["outputs"].get("arn")
    }


@pytest.mark.parametrize("stack", STACKS)
def test_every_policy_principal_exists_before_the_policy_does(stack: str) -> None:
    graph = platform_graph_for(stack)
    created = _roles_created(graph)
    bootstrapped = {role.role_name for role in SERVICE_LINKED_ROLES}
    missing = []
    for owner, arn in _policy_principals(graph):
        linked = _SERVICE_LINKED.match(arn)
        # "*" is everyone, as in a bucket's deny of plain HTTP: nothing that must exist first.
        if arn == "*" or _ACCOUNT_ROOT.match(arn) or arn in created:
            continue
        if linked and linked["name"] in bootstrapped:
            continue
        missing.append(f"{owner}: {arn}")
    assert missing == [], "principals neither created by the stack nor by infra-kit bootstrap"


def test_the_platform_key_names_the_auto_scaling_role_that_bootstrap_creates() -> None:
    # The blocker this guards: the role is named, so it must be bootstrapped.
    named = {arn for _, arn in _policy_principals(platform_graph_for("prod"))}
    assert any(arn.endswith("/AWSServiceRoleForAutoScaling") for arn in named)
    assert "AWSServiceRoleForAutoScaling" in {role.role_name for role in SERVICE_LINKED_ROLES}


#: Resource types a first deployment on a fresh account, or any deployment in an
#: organization's member account, cannot create: activating a cost-allocation tag needs the key
#: to have appeared in billing data and the management account's rights (ADR 0020).
NEEDS_ACCOUNT_HISTORY = frozenset({"aws:costexplorer/costAllocationTag:CostAllocationTag"})


@pytest.mark.parametrize(("project", "stack"), every_stack(REPO), ids=str)
def test_no_stack_creates_what_a_fresh_account_cannot_have_yet(project: str, stack: str) -> None:
    graph = graph_of(find_projects(REPO)[project], stack)
    assert [r["urn"] for r in graph.resources if r["type"] in NEEDS_ACCOUNT_HISTORY] == []
