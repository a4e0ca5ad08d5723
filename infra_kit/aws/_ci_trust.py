"""Who may assume a CI role: GitHub Actions OIDC subjects and the trust policies built on them.

Pure logic: no Pulumi resources are created here. GitHub's token carries ``sub`` in a fixed
shape for the default subject template, and the trust policies here compare it with
``StringEquals``, so a role is assumable from exactly one repository and one environment or
event, never from a pattern:

- a job that names a GitHub environment: ``repo:<owner>/<repo>:environment:<environment>``
  (whatever the event, including ``pull_request``);
- a ``pull_request`` job without an environment: ``repo:<owner>/<repo>:pull_request``.

A repository that customises its subject template (``/repos/{owner}/{repo}/actions/oidc/
customization/sub``) sends another shape, and these roles then refuse its tokens: that fails
closed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pulumi

from infra_kit.aws import actions
from infra_kit.aws._policy import PolicyDocument, Statement
from infra_kit.errors import ValidationError

__all__ = [
    "GITHUB_AUDIENCE",
    "GITHUB_ISSUER_HOST",
    "GITHUB_ISSUER_URL",
    "environment_subject",
    "github_trust_policy",
    "pull_request_subject",
    "validate_environments",
    "validate_provider_arn",
    "validate_repository",
    "validate_state_key_arn",
]

GITHUB_ISSUER_HOST = "token.actions.githubusercontent.com"
GITHUB_ISSUER_URL = f"https://{GITHUB_ISSUER_HOST}"
#: The audience aws-actions/configure-aws-credentials requests, and the provider's client id.
GITHUB_AUDIENCE = "sts.amazonaws.com"

# GitHub: an owner is 1-39 letters, digits and single inner hyphens; a repository name is up to
# 100 letters, digits, '.', '_' and '-', and is never '.' or '..'.
_OWNER = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")
_REPO = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
# GitHub accepts more in an environment's name, but ':' would blur the subject's fields and
# '*' or '?' would read as a pattern to anyone comparing it by hand; these names stay plain.
_ENVIRONMENT = re.compile(r"^[A-Za-z0-9._-]{1,255}$")
_PROVIDER_ARN = re.compile(
    r"^arn:aws[a-z-]*:iam::\d{12}:oidc-provider/" + re.escape(GITHUB_ISSUER_HOST) + "$"
)
_KEY_ARN = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[A-Za-z0-9-]+$")


def validate_repository(repository: str, key: str = "repository") -> str:
    """``repository`` as ``owner/repo``; refuses anything else, naming ``key``."""
    owner, sep, name = repository.partition("/") if isinstance(repository, str) else ("", "", "")
    if (
        not sep
        or not _OWNER.match(owner)
        or not _REPO.match(name)
        or name in {".", ".."}
        or name.endswith(".git")
    ):
        raise ValidationError(
            key,
            repository,
            "not a GitHub repository as owner/repo: the owner is 1 to 39 letters, digits and "
            "inner hyphens, the name up to 100 letters, digits, '.', '_' and '-'; no wildcard "
            "is accepted, because the roles trust exactly one repository",
            "write it as GitHub shows it, e.g. example-org/infra-kit",
        )
    return repository


def validate_environments(
    environments: Sequence[str], key: str = "deploy_environments"
) -> tuple[str, ...]:
    """GitHub environment names: plain, and distinct even ignoring case (as GitHub compares them)."""
    if isinstance(environments, str):
        raise ValidationError(
            key, environments, "a list of environment names is expected", "write [dev, prod]"
        )
    seen: dict[str, str] = {}
    for environment in environments:
        if not isinstance(environment, str) or not _ENVIRONMENT.match(environment):
            raise ValidationError(
                key,
                environment,
                "not a plain GitHub environment name (letters, digits, '.', '_' and '-', at "
                "most 255): ':' would change the token subject's fields and '*' or '?' would "
                "read as a pattern",
                "name the environment exactly as the repository's settings do, e.g. prod",
            )
        folded = environment.lower()
        if folded in seen:
            raise ValidationError(
                key,
                environment,
                f"GitHub treats environment names without regard to case, so this is the same "
                f"environment as {seen[folded]!r}",
                "list each environment once",
            )
        seen[folded] = environment
    return tuple(environments)


def validate_provider_arn(arn: str, key: str = "existing_provider_arn") -> str:
    """The ARN of an account's existing OIDC provider for GitHub's issuer, and no other."""
    if isinstance(arn, str) and _PROVIDER_ARN.match(arn):
        return arn
    raise ValidationError(
        key,
        arn,
        f"not the ARN of an IAM OIDC provider for {GITHUB_ISSUER_HOST}; the roles' conditions "
        "name that issuer's claims, so tokens of any other provider would never match",
        f"pass arn:aws:iam::<account>:oidc-provider/{GITHUB_ISSUER_HOST}, or omit it to create "
        "the provider",
    )


def validate_state_key_arn(arn: str, key: str = "state_key_arn") -> str:
    """The ARN of the key (not of its alias) that encrypts state and Pulumi's secrets."""
    if isinstance(arn, str) and _KEY_ARN.match(arn):
        return arn
    alias = isinstance(arn, str) and ":alias/" in arn
    raise ValidationError(
        key,
        arn,
        "an alias ARN in a policy's Resource grants nothing for Decrypt, which KMS authorizes "
        "against the key itself"
        if alias
        else "not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key id>)",
        "pass the key's ARN, as `aws kms describe-key --key-id alias/infra-kit-state "
        "--query KeyMetadata.Arn` prints it",
    )


def pull_request_subject(repository: str) -> str:
    """The ``sub`` of a ``pull_request`` job of ``repository`` that names no environment."""
    return f"repo:{validate_repository(repository)}:pull_request"


def environment_subject(repository: str, environment: str) -> str:
    """The ``sub`` of any job of ``repository`` that runs in the GitHub ``environment``."""
    (checked,) = validate_environments([environment], "environment")
    return f"repo:{validate_repository(repository)}:environment:{checked}"


def github_trust_policy(provider_arn: pulumi.Input[str], subject: str) -> PolicyDocument:
    """Trust for tokens of GitHub's provider whose ``aud`` and ``sub`` are exactly these."""
    if "*" in subject or "?" in subject:
        raise ValidationError(
            "subject",
            subject,
            "a pattern would let more than one repository, environment or event assume the role",
            "build the subject with pull_request_subject or environment_subject",
        )
    return PolicyDocument(
        [
            Statement(
                actions=actions.STS_ASSUME_ROLE_WITH_WEB_IDENTITY,
                principals={"Federated": [provider_arn]},
                conditions={
                    "StringEquals": {
                        f"{GITHUB_ISSUER_HOST}:aud": GITHUB_AUDIENCE,
                        f"{GITHUB_ISSUER_HOST}:sub": subject,
                    }
                },
            )
        ]
    )
