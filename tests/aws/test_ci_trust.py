"""Who may assume a CI role: GitHub OIDC subjects, names and trust policies, as pure logic (CICD-2)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from infra_kit.aws._ci_trust import (
    environment_subject,
    github_trust_policy,
    pull_request_subject,
    validate_environments,
    validate_provider_arn,
    validate_repository,
    validate_state_key_arn,
)
from infra_kit.errors import ValidationError

PROVIDER = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"


def test_a_pull_request_subject_names_the_repository_and_the_event() -> None:
    assert (
        pull_request_subject("example-org/infra-kit") == "repo:example-org/infra-kit:pull_request"
    )


def test_an_environment_subject_names_the_repository_and_the_environment() -> None:
    assert (
        environment_subject("example-org/infra-kit", "prod")
        == "repo:example-org/infra-kit:environment:prod"
    )


@pytest.mark.parametrize(
    "repository",
    [
        "infra-kit",
        "example-org/",
        "/infra-kit",
        "example-org/*",
        "*/infra-kit",
        "example-org/infra-*",
        "example-org/infra-kit/extra",
        "-org/infra-kit",
        "example--org/infra-kit",
        "example-org/..",
        "example-org/infra-kit.git",
        "example-org/infra kit",
        "a" * 40 + "/infra-kit",
        "",
    ],
)
def test_a_repository_that_is_not_exactly_owner_slash_repo_is_refused_naming_the_argument(
    repository: str,
) -> None:
    with pytest.raises(ValidationError) as raised:
        validate_repository(repository)
    assert raised.value.key == "repository"
    assert "owner/repo" in str(raised.value)
    assert "no wildcard" in str(raised.value)


@given(
    st.from_regex(r"[A-Za-z0-9]{1,20}", fullmatch=True),
    st.from_regex(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,30}", fullmatch=True),
)
def test_every_well_formed_repository_gives_a_subject_without_a_pattern(
    owner: str, name: str
) -> None:
    if name.endswith(".git"):
        return
    subject = pull_request_subject(f"{owner}/{name}")
    assert subject == f"repo:{owner}/{name}:pull_request"
    assert "*" not in subject
    assert "?" not in subject


@pytest.mark.parametrize("environment", ["prod:extra", "pr*", "pro?", "", "with space", "x" * 256])
def test_an_environment_name_that_would_change_the_subject_is_refused(environment: str) -> None:
    with pytest.raises(ValidationError) as raised:
        validate_environments([environment])
    assert raised.value.key == "deploy_environments"


def test_environments_that_differ_only_in_case_are_one_environment() -> None:
    with pytest.raises(ValidationError, match="same environment as 'prod'"):
        validate_environments(["prod", "Prod"])


def test_a_single_string_is_not_taken_for_a_list_of_environments() -> None:
    with pytest.raises(ValidationError, match="a list of environment names"):
        validate_environments("prod")


def test_the_trust_policy_pins_audience_and_subject_with_string_equals() -> None:
    document = github_trust_policy(PROVIDER, "repo:example-org/infra-kit:environment:prod")
    assert document.to_dict()["Statement"] == [
        {
            "Effect": "Allow",
            "Principal": {"Federated": [PROVIDER]},
            "Action": ["sts:AssumeRoleWithWebIdentity"],
            "Condition": {
                "StringEquals": {
                    "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                    "token.actions.githubusercontent.com:sub": (
                        "repo:example-org/infra-kit:environment:prod"
                    ),
                }
            },
        }
    ]


@pytest.mark.parametrize("subject", ["repo:example-org/*", "repo:example-org/infra-kit:?"])
def test_a_subject_pattern_is_refused(subject: str) -> None:
    with pytest.raises(ValidationError, match="more than one repository"):
        github_trust_policy(PROVIDER, subject)


def test_the_state_key_is_a_key_arn() -> None:
    arn = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000001"
    assert validate_state_key_arn(arn) == arn


def test_an_alias_arn_for_the_state_key_is_refused_with_why_and_how_to_find_the_key() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_state_key_arn("arn:aws:kms:us-east-1:123456789012:alias/infra-kit-state")
    assert raised.value.key == "state_key_arn"
    assert "grants nothing for Decrypt" in str(raised.value)
    assert "aws kms describe-key" in str(raised.value)


def test_an_existing_provider_of_another_issuer_is_refused() -> None:
    eks = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC"
    with pytest.raises(ValidationError) as raised:
        validate_provider_arn(eks)
    assert raised.value.key == "existing_provider_arn"
    assert "never match" in str(raised.value)
    assert validate_provider_arn(PROVIDER) == PROVIDER
