"""App teams' deploy roles: one per team and environment, trusted by the team's repository only,
and denied every EKS access or cluster change, so a team can never widen its namespace
(SEC-1, CICD-2).

The guardrail policy is evaluated as IAM does for the actions that matter: an explicit Deny whose
action pattern and resource match wins over any Allow (here AdministratorAccess).
"""

from __future__ import annotations

import json
from fnmatch import fnmatchcase
from typing import Any

import pulumi
import pytest

from infra_kit.aws import actions
from infra_kit.aws.ci_identity import CiIdentities
from infra_kit.core.engine import Graph
from infra_kit.core.environment import Environment
from infra_kit.errors import ValidationError
from infra_kit.policy._iam import iam_data
from infra_kit.testing import run_offline
from tests.aws.test_ci_identity import ROLE, ROLE_POLICY, _args

TEAMS = {"orders": "example-org/orders-service"}
#: What an app team would need to give itself more of a cluster than its namespace.
ESCALATIONS = (
    "eks:CreateAccessEntry",
    "eks:UpdateAccessEntry",
    "eks:DeleteAccessEntry",
    "eks:AssociateAccessPolicy",
    "eks:DisassociateAccessPolicy",
    "eks:UpdateClusterConfig",
    "eks:UpdateClusterVersion",
    "eks:DeleteCluster",
    "eks:CreateNodegroup",
    "eks:UpdateNodegroupConfig",
    "eks:DeleteNodegroup",
)


def _run(**overrides: Any) -> Graph:
    def build(env: Environment) -> None:
        identities = CiIdentities("github", _args(**overrides), env)
        pulumi.export("app_deploy_role_arns", identities.app_deploy_role_arns)

    return run_offline(build, environment="prod")


@pytest.fixture(scope="module")
def graph() -> Graph:
    return _run(app_teams=TEAMS)


def _denied(policy: dict[str, Any], action: str, resource: str) -> bool:
    """Whether an explicit Deny of ``policy`` matches ``action`` on ``resource``."""
    for statement in policy["Statement"]:
        if statement["Effect"] != "Deny" or statement.get("Condition"):
            continue
        acts = (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
        res = (
            statement["Resource"]
            if isinstance(statement["Resource"], list)
            else [statement["Resource"]]
        )
        if any(fnmatchcase(action.lower(), a.lower()) for a in acts) and any(
            fnmatchcase(resource, r) for r in res
        ):
            return True
    return False


CLUSTER = "arn:aws:eks:us-east-1:123456789012:cluster/platform-prod-platform"


def _guardrails(graph: Graph, label: str) -> dict[str, Any]:
    return json.loads(graph.named(f"github-{label}-guardrails", ROLE_POLICY)["inputs"]["policy"])


@pytest.mark.parametrize("env", ["dev", "stage", "prod"])
def test_each_team_has_a_role_per_environment_trusted_by_its_repository_only(
    graph: Graph, env: str
) -> None:
    trust = json.loads(graph.named(f"github-app-orders-{env}", ROLE)["inputs"]["assumeRolePolicy"])
    (statement,) = trust["Statement"]
    assert statement["Condition"]["StringEquals"] == {
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
        "token.actions.githubusercontent.com:sub": (
            f"repo:example-org/orders-service:environment:{env}"
        ),
    }
    assert set(graph.outputs["app_deploy_role_arns"]["orders"]) == {"dev", "stage", "prod"}


@pytest.mark.parametrize("action", ESCALATIONS)
@pytest.mark.parametrize("env", ["dev", "prod"])
def test_app_roles_are_denied_every_eks_access_change(graph: Graph, env: str, action: str) -> None:
    assert _denied(_guardrails(graph, f"app-orders-{env}"), action, CLUSTER)


def test_app_roles_keep_the_deploy_roles_guardrails(graph: Graph) -> None:
    app = _guardrails(graph, "app-orders-dev")
    for action in (*actions.IAM_LONG_LIVED_CREDENTIALS, *actions.S3_STATE_BUCKET_SETTINGS):
        assert _denied(app, action, "arn:aws:s3:::infra-kit-state-123456789012-us-east-1")
    assert {s.get("Sid") for s in app["Statement"]} >= {
        "KeepCiIdentities", "NoLongLivedCredentials", "KeepStateBucket", "KeepClusterAccess",
    }  # fmt: skip


def test_app_roles_may_still_read_the_cluster_for_a_kubeconfig(graph: Graph) -> None:
    assert not _denied(_guardrails(graph, "app-orders-dev"), "eks:DescribeCluster", CLUSTER)


def test_the_platform_deploy_roles_are_not_denied_cluster_changes(graph: Graph) -> None:
    assert not _denied(_guardrails(graph, "deploy-dev"), "eks:CreateAccessEntry", CLUSTER)


def test_every_denied_eks_action_exists_in_the_vendored_iam_data() -> None:
    assert [a for a in actions.EKS_CLUSTER_CHANGES if iam_data().lookup(a) is None] == []
    assert set(ESCALATIONS) <= set(actions.EKS_CLUSTER_CHANGES)


@pytest.mark.parametrize(
    ("teams", "key"),
    [
        ({"Orders": "example-org/orders"}, "app_teams"),
        ({"orders": "example-org/*"}, "app_teams.orders"),
        ({"a_b": "example-org/x"}, "app_teams"),
    ],
)
def test_a_bad_team_or_repository_is_refused_naming_the_key(
    teams: dict[str, str], key: str
) -> None:
    with pytest.raises(ValidationError, match=rf"^{key}="):
        _run(app_teams=teams)


def test_without_app_teams_nothing_changes() -> None:
    graph = _run()
    assert not [r for r in graph.of_type(ROLE) if r["name"].startswith("github-app-")]
