"""CiIdentities: GitHub's OIDC provider and a role per CI purpose, each pinned to one repository
and one environment or event, with short sessions and no long-lived key (CICD-2, SEC-1)."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest

from infra_kit.aws.ci_identity import CiIdentities, CiIdentitiesArgs
from infra_kit.core.engine import Graph
from infra_kit.core.environment import Environment
from infra_kit.errors import ValidationError
from infra_kit.policy import GraphDoc, check_graph
from infra_kit.testing import run_offline

ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
PROVIDER_TYPE = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"
COMPONENT = "infra-kit:aws:CiIdentities"
REPO = "example-org/infra-kit"
HOST = "token.actions.githubusercontent.com"
PROVIDER = f"arn:aws:iam::123456789012:oidc-provider/{HOST}"
BUCKET = "infra-kit-state-123456789012-us-east-1"
KEY = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000001"


def _args(**overrides: Any) -> CiIdentitiesArgs:
    values: dict[str, Any] = {
        "repository": REPO,
        "deploy_environments": ("dev", "stage", "prod"),
        "state_bucket": BUCKET,
        "state_key_arn": KEY,
        **overrides,
    }
    return CiIdentitiesArgs(**values)


def _run(**overrides: Any) -> Graph:
    def build(env: Environment) -> None:
        identities = CiIdentities("github", _args(**overrides), env)
        pulumi.export("deploy_role_arns", identities.deploy_role_arns)

    return run_offline(build, environment="prod")


@pytest.fixture(scope="module")
def graph() -> Graph:
    return _run()


def _trust(graph: Graph, name: str) -> dict[str, Any]:
    return json.loads(graph.named(name, ROLE)["inputs"]["assumeRolePolicy"])


def _policy(graph: Graph, name: str) -> dict[str, Any]:
    return json.loads(graph.named(name, ROLE_POLICY)["inputs"]["policy"])


def test_the_component_creates_the_provider_five_roles_and_their_policies(graph: Graph) -> None:
    component = graph.named("github", COMPONENT)
    children = sorted(
        (r["type"], r["name"])
        for r in graph.children(component["urn"])
        if r["type"] != "infra-kit:policy:Suppression"
    )
    deploys = ("deploy-dev", "deploy-prod", "deploy-stage", "preview-env-deploy")
    assert children == sorted(
        [(PROVIDER_TYPE, "github-oidc"), (ROLE, "github-pr-preview")]
        + [(ROLE_POLICY, "github-pr-preview-read")]
        + [(ROLE, f"github-{d}") for d in deploys]
        + [(ATTACHMENT, f"github-{d}-access") for d in deploys]
        + [(ROLE_POLICY, f"github-{d}-guardrails") for d in deploys]
    )


def test_the_provider_is_github_s_issuer_for_the_sts_audience_without_thumbprints(
    graph: Graph,
) -> None:
    inputs = graph.named("github-oidc", PROVIDER_TYPE)["inputs"]
    assert inputs["url"] == f"https://{HOST}"
    assert inputs["clientIdLists"] == ["sts.amazonaws.com"]
    assert "thumbprintLists" not in inputs


@pytest.mark.parametrize(
    ("role", "subject"),
    [
        ("github-pr-preview", f"repo:{REPO}:pull_request"),
        ("github-deploy-dev", f"repo:{REPO}:environment:dev"),
        ("github-deploy-stage", f"repo:{REPO}:environment:stage"),
        ("github-deploy-prod", f"repo:{REPO}:environment:prod"),
        ("github-preview-env-deploy", f"repo:{REPO}:environment:preview"),
    ],
)
def test_each_role_trusts_exactly_its_subject_and_the_sts_audience(
    graph: Graph, role: str, subject: str
) -> None:
    assert _trust(graph, role)["Statement"] == [
        {
            "Effect": "Allow",
            "Principal": {"Federated": [PROVIDER]},
            "Action": ["sts:AssumeRoleWithWebIdentity"],
            "Condition": {
                "StringEquals": {f"{HOST}:aud": "sts.amazonaws.com", f"{HOST}:sub": subject}
            },
        }
    ]


def test_no_role_trusts_a_pattern_or_another_repository(graph: Graph) -> None:
    for role in graph.of_type(ROLE):
        trust = json.loads(role["inputs"]["assumeRolePolicy"])
        for statement in trust["Statement"]:
            assert set(statement["Condition"]) == {"StringEquals"}
            sub = statement["Condition"]["StringEquals"][f"{HOST}:sub"]
            assert sub.startswith(f"repo:{REPO}:")
            assert "*" not in sub
            assert "?" not in sub


def test_a_deploy_role_is_assumable_only_from_its_own_environment(graph: Graph) -> None:
    subjects = {
        role["name"]: json.loads(role["inputs"]["assumeRolePolicy"])["Statement"][0]["Condition"][
            "StringEquals"
        ][f"{HOST}:sub"]
        for role in graph.of_type(ROLE)
    }
    for environment in ("dev", "stage", "prod"):
        own = f"repo:{REPO}:environment:{environment}"
        assert [name for name, sub in subjects.items() if sub == own] == [
            f"github-deploy-{environment}"
        ]


def test_every_session_lasts_at_most_an_hour(graph: Graph) -> None:
    assert {r["inputs"]["maxSessionDuration"] for r in graph.of_type(ROLE)} == {3600}


def test_the_pr_preview_role_reads_state_and_decrypts_secrets_and_writes_nothing(
    graph: Graph,
) -> None:
    # The port forward through the EKS API tunnel is held to its own test file.
    tunnel = {"ssm:StartSession", "ssm:TerminateSession", "ec2:DescribeInstances"}
    statements = [
        s
        for s in _policy(graph, "github-pr-preview-read")["Statement"]
        if not tunnel & set(s["Action"])
    ]
    granted = {a for s in statements for a in s["Action"]}
    assert granted == {
        "s3:ListBucket",
        "s3:GetObject",
        "s3:GetObjectVersion",
        "kms:Decrypt",
        "ec2:DescribeAvailabilityZones",
    }
    assert {tuple(s["Resource"]) for s in statements} == {
        (f"arn:aws:s3:::{BUCKET}",),
        (f"arn:aws:s3:::{BUCKET}/.pulumi/*",),
        (KEY,),
        ("*",),
    }
    assert not [r for r in graph.of_type(ATTACHMENT) if "pr-preview" in r["name"]]


def test_deploy_roles_get_administrator_access_with_a_written_reason(graph: Graph) -> None:
    attachments = {r["name"]: r["inputs"]["policyArn"] for r in graph.of_type(ATTACHMENT)}
    assert set(attachments.values()) == {"arn:aws:iam::aws:policy/AdministratorAccess"}
    report = check_graph(GraphDoc(graph.to_contract()))
    accepted = [f for f in report.accepted if f.rule.id == "IK-SEC-1-MANAGED-POLICY"]
    assert len(accepted) == len(attachments) == 4
    assert all(f.suppression and "ADR 0015" in f.suppression.reason for f in accepted)


def test_deploy_guardrails_deny_the_ci_identities_long_lived_keys_and_the_state_bucket(
    graph: Graph,
) -> None:
    roles = {r["name"]: r for r in graph.of_type(ROLE)}
    for name in ("github-deploy-prod-guardrails", "github-preview-env-deploy-guardrails"):
        statements = {s["Sid"]: s for s in _policy(graph, name)["Statement"]}
        assert {s["Effect"] for s in statements.values()} == {"Deny"}
        assert statements["KeepCiIdentities"]["Action"] == ["iam:*"]
        assert len(statements["KeepCiIdentities"]["Resource"]) == 1 + len(roles)
        assert PROVIDER in statements["KeepCiIdentities"]["Resource"]
        assert {"iam:CreateUser", "iam:CreateAccessKey"} <= set(
            statements["NoLongLivedCredentials"]["Action"]
        )
        assert statements["KeepStateBucket"]["Resource"] == [f"arn:aws:s3:::{BUCKET}"]
        assert "s3:DeleteBucket" in statements["KeepStateBucket"]["Action"]


def test_the_graph_passes_check_and_holds_no_long_lived_key(graph: Graph) -> None:
    report = check_graph(GraphDoc(graph.to_contract()))
    assert [f"{f.rule.id} {f.urn}: {f.message}" for f in report.failed] == []
    assert not graph.of_type("aws:iam/accessKey:AccessKey", "aws:iam/user:User")


def test_an_existing_provider_is_trusted_instead_of_creating_one() -> None:
    existing = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
    graph = _run(existing_provider_arn=existing)
    assert graph.of_type(PROVIDER_TYPE) == []
    trust = _trust(graph, "github-deploy-dev")
    assert trust["Statement"][0]["Principal"] == {"Federated": [existing]}


def test_a_malformed_repository_is_refused_naming_the_argument() -> None:
    with pytest.raises(ValidationError) as raised:
        _run(repository="example-org/*")
    assert raised.value.key == "repository"
    assert raised.value.value == "example-org/*"


def test_a_preview_environment_that_is_also_a_deploy_environment_is_refused() -> None:
    with pytest.raises(ValidationError) as raised:
        _run(preview_environment="Dev")
    assert raised.value.key == "preview_environment"
    assert "deploy role" in str(raised.value)


def test_a_state_bucket_that_is_not_a_bucket_name_is_refused() -> None:
    with pytest.raises(ValidationError) as raised:
        _run(state_bucket="Infra_Kit_State")
    assert raised.value.key == "state_bucket"


def test_the_deploy_role_arns_are_outputs_by_environment(graph: Graph) -> None:
    assert set(graph.outputs["deploy_role_arns"]) == {"dev", "stage", "prod"}
