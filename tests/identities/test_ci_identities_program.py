"""The ci-identities program: its prod stack exports every role ARN the workflows need (CICD-2)."""

from __future__ import annotations

import json

from infra_kit.policy import GraphDoc, check_graph
from tests.conftest import REPO, graph_of

PROJECT = REPO / "identities"
ROLE = "aws:iam/role:Role"


def test_the_stack_exports_the_provider_and_every_role_arn() -> None:
    graph = graph_of(PROJECT, "prod")
    role = "arn:aws:iam::123456789012:role/github-"
    assert graph.outputs["pr_preview_role_arn"].startswith(f"{role}pr-preview-")
    assert graph.outputs["preview_env_deploy_role_arn"].startswith(f"{role}preview-env-deploy-")
    deploy = graph.outputs["deploy_role_arns"]
    assert set(deploy) == {"dev", "stage", "prod"}
    assert all(deploy[e].startswith(f"{role}deploy-{e}-") for e in deploy)
    assert graph.outputs["oidc_provider_arn"].endswith(
        ":oidc-provider/token.actions.githubusercontent.com"
    )


def test_the_stack_file_s_repository_is_the_only_one_trusted() -> None:
    graph = graph_of(PROJECT, "prod")
    subjects = sorted(
        json.loads(r["inputs"]["assumeRolePolicy"])["Statement"][0]["Condition"]["StringEquals"][
            "token.actions.githubusercontent.com:sub"
        ]
        for r in graph.of_type(ROLE)
    )
    assert subjects == [
        "repo:example-org/infra-kit:environment:dev",
        "repo:example-org/infra-kit:environment:preview",
        "repo:example-org/infra-kit:environment:prod",
        "repo:example-org/infra-kit:environment:stage",
        "repo:example-org/infra-kit:pull_request",
        # The orders team's repository, for its own roles only (app_teams).
        "repo:example-org/orders-service:environment:dev",
        "repo:example-org/orders-service:environment:prod",
        "repo:example-org/orders-service:environment:stage",
    ]


def test_the_stack_passes_check_with_only_the_deploy_roles_broad_grant_accepted() -> None:
    report = check_graph(GraphDoc(graph_of(PROJECT, "prod").to_contract()))
    assert report.failed == []
    assert {f.rule.id for f in report.accepted} == {"IK-SEC-1-MANAGED-POLICY"}
