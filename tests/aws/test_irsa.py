"""IRSA roles: a role one Kubernetes service account assumes through the cluster's OIDC provider."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pulumi
import pytest

from infra_kit.aws._policy import PolicyDocument, Statement
from infra_kit.aws.irsa import IrsaRole, IrsaRoleArgs, OidcIdentity, irsa_trust_policy
from infra_kit.core.engine import Graph
from infra_kit.core.environment import Environment
from infra_kit.errors import ValidationError
from infra_kit.testing import run_offline

ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
COMPONENT = "infra-kit:aws:IrsaRole"
ISSUER = "https://oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF"
HOST = ISSUER.removeprefix("https://")
PROVIDER = f"arn:aws:iam::123456789012:oidc-provider/{HOST}"
OIDC = OidcIdentity(provider_arn=PROVIDER, issuer_url=ISSUER)
BUCKET = "arn:aws:s3:::orders-documents"
CNI = "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy"
EBS = "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"
OWN = "arn:aws:iam::123456789012:policy/team/orders/OrdersReadOnly"
ENVIRONMENTS = ("dev", "prod")


def _read() -> PolicyDocument:
    return PolicyDocument([Statement(actions=["s3:ListBucket"], resources=[BUCKET])])


def _run(environment: str = "dev", **overrides: Any) -> Graph:
    values: dict[str, Any] = {
        "oidc": OIDC,
        "namespace": "apps",
        "service_account": "orders-api",
        **overrides,
    }

    def build(env: Environment) -> None:
        role = IrsaRole("orders-api-irsa", IrsaRoleArgs(**values), env)
        pulumi.export("role_arn", role.arn)

    return run_offline(build, environment=environment)


def _children(graph: Graph) -> list[tuple[str, str]]:
    component = graph.named("orders-api-irsa", COMPONENT)
    return sorted((r["type"], r["name"]) for r in graph.children(component["urn"]))


def _attachments(graph: Graph) -> dict[str, str]:
    return {r["name"]: r["inputs"]["policyArn"] for r in graph.of_type(ATTACHMENT)}


# -- the trust policy -------------------------------------------------------------------------


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_trust_policy_admits_exactly_one_service_account_of_one_provider(
    environment: str,
) -> None:
    # prescription: SEC-1
    role = _run(environment).named("orders-api-irsa", ROLE)
    assert json.loads(role["inputs"]["assumeRolePolicy"]) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": [PROVIDER]},
                "Action": ["sts:AssumeRoleWithWebIdentity"],
                "Condition": {
                    "StringEquals": {
                        f"{HOST}:sub": "system:serviceaccount:apps:orders-api",
                        f"{HOST}:aud": "sts.amazonaws.com",
                    }
                },
            }
        ],
    }


def test_the_trust_policy_accepts_an_issuer_without_a_scheme() -> None:
    def build(env: Environment) -> None:
        pulumi.export("trust", irsa_trust_policy(PROVIDER, HOST, "apps", "orders-api"))

    trust = json.loads(run_offline(build).outputs["trust"])
    assert set(trust["Statement"][0]["Condition"]["StringEquals"]) == {
        f"{HOST}:sub",
        f"{HOST}:aud",
    }


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_role_describes_its_service_account_and_keeps_sessions_to_an_hour(
    environment: str,
) -> None:
    inputs = _run(environment).named("orders-api-irsa", ROLE)["inputs"]
    assert inputs["description"] == "IRSA role of apps/orders-api"
    assert inputs["maxSessionDuration"] == 3600


def test_a_role_without_policies_is_the_role_alone() -> None:
    assert _children(_run()) == [(ROLE, "orders-api-irsa")]


# -- policies ---------------------------------------------------------------------------------


def test_inline_policies_are_named_by_their_labels() -> None:
    write = PolicyDocument([Statement(actions=["s3:PutObject"], resources=[f"{BUCKET}/*"])])
    graph = _run(policies={"read": _read(), "write": write})
    assert _children(graph) == [
        (ROLE, "orders-api-irsa"),
        (ROLE_POLICY, "orders-api-irsa-read"),
        (ROLE_POLICY, "orders-api-irsa-write"),
    ]
    read = graph.named("orders-api-irsa-read", ROLE_POLICY)["inputs"]
    assert read["role"] == graph.outputs["role_arn"].rsplit("/", 1)[1]
    assert json.loads(read["policy"]) == _read().to_dict()


def test_managed_policies_are_attached_under_their_own_names() -> None:
    graph = _run(managed_policy_arns=[CNI, EBS, OWN])
    assert _attachments(graph) == {
        "orders-api-irsa-managed-AmazonEKS_CNI_Policy": CNI,
        "orders-api-irsa-managed-AmazonEBSCSIDriverPolicy": EBS,
        "orders-api-irsa-managed-OrdersReadOnly": OWN,
    }
    role_name = graph.outputs["role_arn"].rsplit("/", 1)[1]
    assert {r["inputs"]["role"] for r in graph.of_type(ATTACHMENT)} == {role_name}


def test_reordering_managed_policies_keeps_every_attachment_urn() -> None:
    def urns(arns: Sequence[str]) -> dict[str, str]:
        graph = _run(managed_policy_arns=list(arns))
        return {r["urn"]: r["inputs"]["policyArn"] for r in graph.of_type(ATTACHMENT)}

    assert urns([CNI, EBS, OWN]) == urns([OWN, CNI, EBS])


def test_a_managed_policy_known_only_at_deploy_time_is_named_by_its_position() -> None:
    graph = _run(managed_policy_arns=[CNI, pulumi.Output.from_input(OWN), EBS])
    assert _attachments(graph) == {
        "orders-api-irsa-managed-AmazonEKS_CNI_Policy": CNI,
        "orders-api-irsa-managed-0": OWN,
        "orders-api-irsa-managed-AmazonEBSCSIDriverPolicy": EBS,
    }


# -- refusals ---------------------------------------------------------------------------------


NAMESPACE_RULE = r"a DNS-1123 label: at most 63 lower-case letters, digits and '-'"
ACCOUNT_RULE = r"a DNS-1123 subdomain: at most 253 lower-case letters, digits, '-' and '\.'"
FIX = r"Fix: use the name exactly as the Kubernetes object has it, e\.g\. 'orders-api'$"


@pytest.mark.parametrize(
    "namespace", ["", "Apps", "apps_team", "-apps", "apps-", "apps.team", "a" * 64]
)
def test_a_namespace_that_is_no_kubernetes_name_is_refused(namespace: str) -> None:
    with pytest.raises(
        ValidationError,
        match=rf"^namespace={namespace!r}: not a Kubernetes namespace name, which is "
        rf"{NAMESPACE_RULE}\. {FIX}",
    ):
        _run(namespace=namespace)


@pytest.mark.parametrize(
    "service_account", ["", "Orders", "orders_api", "orders..api", ".orders", "é", "a" * 254]
)
def test_a_service_account_that_is_no_kubernetes_name_is_refused(service_account: str) -> None:
    with pytest.raises(
        ValidationError,
        match=rf"^service_account={service_account!r}: not a Kubernetes service account name, "
        rf"which is {ACCOUNT_RULE}\. {FIX}",
    ):
        _run(service_account=service_account)


@pytest.mark.parametrize(
    ("namespace", "service_account"),
    [("a" * 63, "a" * 253), ("kube-system", "ebs-csi-controller-sa"), ("apps", "orders.api")],
)
def test_the_longest_and_dotted_kubernetes_names_are_accepted(
    namespace: str, service_account: str
) -> None:
    role = _run(namespace=namespace, service_account=service_account).named("orders-api-irsa", ROLE)
    trust = json.loads(role["inputs"]["assumeRolePolicy"])
    condition = trust["Statement"][0]["Condition"]["StringEquals"]
    assert condition[f"{HOST}:sub"] == f"system:serviceaccount:{namespace}:{service_account}"


@pytest.mark.parametrize(
    "arn",
    [
        "AmazonEKS_CNI_Policy",
        "arn:aws:iam::aws:role/AmazonEKS_CNI_Policy",
        "arn:aws:iam::12345:policy/Short",
        "arn:aws:s3:::bucket",
    ],
)
def test_a_managed_policy_that_is_no_policy_arn_is_refused(arn: str) -> None:
    with pytest.raises(
        ValidationError,
        match=rf"^managed_policy_arns='{arn}': not an IAM managed policy ARN\. "
        r"Fix: write it like arn:aws:iam::aws:policy/<path>/<name>$",
    ):
        _run(managed_policy_arns=[arn])


@pytest.mark.parametrize(
    "second", [CNI, "arn:aws:iam::123456789012:policy/copies/AmazonEKS_CNI_Policy"]
)
def test_two_managed_policies_of_one_name_are_refused(second: str) -> None:
    with pytest.raises(
        ValidationError,
        match=rf"^managed_policy_arns='{second}': a second policy named 'AmazonEKS_CNI_Policy': "
        r"both attachments would be named managed-AmazonEKS_CNI_Policy\. "
        r"Fix: attach each policy once$",
    ):
        _run(managed_policy_arns=[CNI, second])


def test_a_refused_role_creates_nothing() -> None:
    refused: list[str] = []

    def build(env: Environment) -> None:
        try:
            IrsaRole(
                "orders-api-irsa",
                IrsaRoleArgs(
                    oidc=OIDC, namespace="apps", service_account="x", managed_policy_arns=["bad"]
                ),
                env,
            )
        except ValidationError as error:
            refused.append(error.key)

    graph = run_offline(build)
    assert refused == ["managed_policy_arns"]
    assert graph.of_type(COMPONENT, ROLE, ATTACHMENT) == []
