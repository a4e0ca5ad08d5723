"""The identities GitHub Actions uses in AWS: its OIDC provider and one role per purpose (CICD-2)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from infra_kit.aws import actions
from infra_kit.aws._api_tunnel_plan import session_statements
from infra_kit.aws._ci_trust import (
    GITHUB_AUDIENCE,
    GITHUB_ISSUER_URL,
    environment_subject,
    github_trust_policy,
    pull_request_subject,
    validate_environments,
    validate_provider_arn,
    validate_repository,
    validate_state_key_arn,
)
from infra_kit.aws._policy import PolicyDocument, Statement
from infra_kit.bootstrap._settings import validate_bucket_name
from infra_kit.core.component import Component
from infra_kit.core.environment import Environment
from infra_kit.errors import ValidationError
from infra_kit.policy.suppress import suppress

__all__ = ["DEPLOY_POLICY_NAME", "MAX_SESSION_SECONDS", "CiIdentities", "CiIdentitiesArgs"]

#: One hour: a job's credentials expire with the job, whatever it does with them.
MAX_SESSION_SECONDS = 3600
#: What a deploy role may do, within the guardrails every deploy role carries (ADR 0015).
DEPLOY_POLICY_NAME = "AdministratorAccess"
_DEPLOY_REASON = (
    "A deploy role creates the whole platform of its environment (VPC, EKS, RDS, KMS, IAM "
    "roles, Secrets Manager and whatever the stack adds next), and no narrower list stays "
    "correct as the stack grows. It is assumable only from its own GitHub environment, for "
    "an hour, and its guardrail policy denies touching the CI identities, creating IAM users "
    "or long-lived keys, and weakening the state bucket (ADR 0015)."
)
_APP_DEPLOY_REASON = (
    "An app team's deploy role creates its service's AWS resources (KMS key, database, bucket, "
    "secrets, IAM roles for its pods) as the platform's deploy roles do. It is assumable only "
    "from its own repository's GitHub environment, for an hour, and carries the deploy roles' "
    "guardrails plus a Deny on every EKS access and cluster change, so its Kubernetes access "
    "stays the namespace the platform grants it (ADR 0019)."
)
# As a tenant's team in the environment profile: a Kubernetes-label-safe name.
_TEAM = re.compile(r"^[a-z0-9]([-a-z0-9]{0,28}[a-z0-9])?$")


@dataclass(frozen=True)
class CiIdentitiesArgs:
    """Arguments of :class:`CiIdentities`.

    Args:
        repository: the one GitHub repository trusted, as ``owner/repo``. No pattern.
        deploy_environments: GitHub environments that deploy, one ``deploy-<env>`` role each,
            assumable only from a job that runs in that environment.
        state_bucket: the name of the state bucket ``infra-kit bootstrap`` created.
        state_key_arn: the ARN of the key behind its alias (``alias/infra-kit-state``), which
            encrypts the bucket and is Pulumi's secrets provider.
        preview_environment: the GitHub environment of the job that deploys a pull request's
            preview environment. Default: ``preview``. It must not be a deploy environment.
        existing_provider_arn: the account's GitHub OIDC provider, when it already has one (an
            account holds one provider per URL). Default (``None``): this component creates it.
        app_teams: app teams by name (lower-case letters, digits and ``-``), each with the one
            GitHub repository (``owner/repo``) that deploys its service. Per team and deploy
            environment a role ``app-<team>-<env>``, trusted only by
            ``repo:<repository>:environment:<env>``. Default: none.
    """

    repository: str
    deploy_environments: Sequence[str]
    state_bucket: str
    state_key_arn: str
    preview_environment: str = "preview"
    existing_provider_arn: str | None = None
    app_teams: Mapping[str, str] = field(default_factory=dict)


class CiIdentities(Component):
    """GitHub Actions' OIDC provider and its roles; no long-lived key exists anywhere.

    Children:

    - ``aws.iam.OpenIdConnectProvider`` ``<name>-oidc`` for ``token.actions.githubusercontent.com``
      with client id ``sts.amazonaws.com`` (unless ``existing_provider_arn`` is given). No
      thumbprint: AWS validates this issuer against its own trusted CAs.
    - ``aws.iam.Role`` ``<name>-pr-preview`` (``sub`` = ``repo:<repo>:pull_request``) and its
      ``aws.iam.RolePolicy`` ``<name>-pr-preview-read``: the state bucket read, Decrypt on the
      state key, the one read the platform program's invokes need, and a port forward through
      the EKS API tunnel (ADR 0017). ``pulumi preview`` on the S3 backend takes no lock, so
      nothing is written.
    - Per deploy environment, ``aws.iam.Role`` ``<name>-deploy-<env>``
      (``sub`` = ``repo:<repo>:environment:<env>``), and for the preview environment
      ``aws.iam.Role`` ``<name>-preview-env-deploy``; each has an
      ``aws.iam.RolePolicyAttachment`` ``<role>-access`` of ``AdministratorAccess``, accepted
      with its reason, and an ``aws.iam.RolePolicy`` ``<role>-guardrails`` of Deny statements.
    - Per app team and deploy environment, ``aws.iam.Role`` ``<name>-app-<team>-<env>``
      (``sub`` = ``repo:<team's repo>:environment:<env>``) with the same two policies, its
      guardrails also denying every EKS access and cluster change (``EKS_CLUSTER_CHANGES``):
      the platform grants it admin inside its namespace only, and it cannot widen that.

    Every role: ``aud`` = ``sts.amazonaws.com`` and ``sub`` compared with ``StringEquals``,
    sessions of at most an hour.
    Prescriptions: CICD-2 (OIDC, minimal permissions), SEC-1 (a role per purpose, no long-lived
    keys).

    Args:
        name: the component's name; every child's logical name starts with it.
        args: its settings, [CiIdentitiesArgs][infra_kit.aws.CiIdentitiesArgs].
        env: the stack's [Environment][infra_kit.core.environment.Environment]: profile, tags and
            AWS provider.
        opts: Pulumi options for the component; every child is parented to it.

    Attributes:
        provider: the GitHub ``aws.iam.OpenIdConnectProvider``; None when an existing one is
            given.
        provider_arn: the ARN of the OIDC provider the roles trust.
        pr_preview: the ``aws.iam.Role`` of pull requests' ``pulumi preview`` (reads only).
        deploy_roles: the deploy ``aws.iam.Role`` of each environment, by environment.
        deploy_role_arns: their ARNs, by environment.
        preview_env_deploy: the ``aws.iam.Role`` that deploys preview environments.
        app_deploy_roles: each app team's deploy roles, by team and environment.
        app_deploy_role_arns: their ARNs, by team and environment.
    """

    TYPE = "infra-kit:aws:CiIdentities"

    # prescription: CICD-2 -- CI assumes short-lived roles through GitHub's OIDC provider, each
    # pinned to one repository and one environment or event.
    def __init__(
        self,
        name: str,
        args: CiIdentitiesArgs,
        env: Environment,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        repository = validate_repository(args.repository)
        environments = validate_environments(args.deploy_environments)
        (preview,) = validate_environments([args.preview_environment], "preview_environment")
        if preview.lower() in {e.lower() for e in environments}:
            raise ValidationError(
                "preview_environment",
                preview,
                "it is also a deploy environment, so a preview job could assume that "
                "environment's deploy role",
                "give preview environments a GitHub environment of their own, e.g. preview",
            )
        problem = validate_bucket_name(args.state_bucket)
        if problem is not None:
            raise ValidationError(
                "state_bucket", args.state_bucket, problem, "pass the bucket bootstrap printed"
            )
        key_arn = validate_state_key_arn(args.state_key_arn)
        app_teams = _validate_app_teams(args.app_teams)
        super().__init__(name, env, opts)

        if args.existing_provider_arn is None:
            self.provider = aws.iam.OpenIdConnectProvider(
                self.child("oidc"),
                aws.iam.OpenIdConnectProviderArgs(
                    url=GITHUB_ISSUER_URL, client_id_lists=[GITHUB_AUDIENCE]
                ),
                opts=self.child_opts(),
            )
            provider_arn: pulumi.Input[str] = self.provider.arn
        else:
            self.provider = None
            provider_arn = validate_provider_arn(args.existing_provider_arn)
        self.provider_arn: pulumi.Output[str] = pulumi.Output.from_input(provider_arn)

        bucket_arn = f"arn:{env.partition}:s3:::{args.state_bucket}"
        self.pr_preview = self._role(
            "pr-preview",
            pull_request_subject(repository),
            f"pulumi preview of {repository}'s pull requests: reads state, changes nothing",
        )
        aws.iam.RolePolicy(
            self.child("pr-preview", "read"),
            aws.iam.RolePolicyArgs(
                role=self.pr_preview.name,
                policy=_preview_read(
                    bucket_arn,
                    key_arn,
                    session_statements(env.partition, env.region, env.account_id),
                ).to_json(),
            ),
            opts=self.child_opts(),
        )

        self.deploy_roles: dict[str, aws.iam.Role] = {
            environment: self._role(
                f"deploy-{environment}",
                environment_subject(repository, environment),
                f"pulumi up of {repository} in the GitHub environment {environment}",
            )
            for environment in environments
        }
        self.preview_env_deploy = self._role(
            "preview-env-deploy",
            environment_subject(repository, preview),
            f"pull-request preview environments of {repository} (GitHub environment {preview})",
        )
        self.app_deploy_roles: dict[str, dict[str, aws.iam.Role]] = {
            team: {
                environment: self._role(
                    f"app-{team}-{environment}",
                    environment_subject(team_repository, environment),
                    f"pulumi up of {team}'s service from {team_repository} in {environment}",
                )
                for environment in environments
            }
            for team, team_repository in app_teams.items()
        }
        ci_arns = [
            self.provider_arn,
            self.pr_preview.arn,
            self.preview_env_deploy.arn,
            *(r.arn for r in self.deploy_roles.values()),
            *(r.arn for roles in self.app_deploy_roles.values() for r in roles.values()),
        ]
        for label, role in [
            *((f"deploy-{e}", r) for e, r in self.deploy_roles.items()),
            ("preview-env-deploy", self.preview_env_deploy),
        ]:
            self._deploy_access(label, role, _guardrails(ci_arns, bucket_arn))
        for team, roles in self.app_deploy_roles.items():
            for environment, role in roles.items():
                self._deploy_access(
                    f"app-{team}-{environment}",
                    role,
                    _guardrails(ci_arns, bucket_arn, deny_cluster_changes=True),
                    reason=_APP_DEPLOY_REASON,
                )

        self.deploy_role_arns: dict[str, pulumi.Output[str]] = {
            e: r.arn for e, r in self.deploy_roles.items()
        }
        self.app_deploy_role_arns: dict[str, dict[str, pulumi.Output[str]]] = {
            team: {e: r.arn for e, r in roles.items()}
            for team, roles in self.app_deploy_roles.items()
        }
        self.register_outputs(
            {
                "provider_arn": self.provider_arn,
                "pr_preview_role_arn": self.pr_preview.arn,
                "preview_env_deploy_role_arn": self.preview_env_deploy.arn,
                "deploy_role_arns": self.deploy_role_arns,
                "app_deploy_role_arns": self.app_deploy_role_arns,
            }
        )

    def _role(self, label: str, subject: str, description: str) -> aws.iam.Role:
        return aws.iam.Role(
            self.child(label),
            aws.iam.RoleArgs(
                assume_role_policy=github_trust_policy(self.provider_arn, subject).to_json(),
                description=description,
                max_session_duration=MAX_SESSION_SECONDS,
            ),
            opts=self.child_opts(),
        )

    def _deploy_access(
        self,
        label: str,
        role: aws.iam.Role,
        guardrails: PolicyDocument,
        reason: str = _DEPLOY_REASON,
    ) -> None:
        attachment = aws.iam.RolePolicyAttachment(
            self.child(label, "access"),
            aws.iam.RolePolicyAttachmentArgs(
                role=role.name,
                policy_arn=f"arn:{self.env.partition}:iam::aws:policy/{DEPLOY_POLICY_NAME}",
            ),
            opts=self.child_opts(),
        )
        suppress(attachment, "IK-SEC-1-MANAGED-POLICY", reason=reason)
        aws.iam.RolePolicy(
            self.child(label, "guardrails"),
            aws.iam.RolePolicyArgs(role=role.name, policy=guardrails.to_json()),
            opts=self.child_opts(),
        )


def _preview_read(
    bucket_arn: str, key_arn: str, tunnel: Sequence[Statement] = ()
) -> PolicyDocument:
    """What ``pulumi preview`` of the platform needs, and no write of any kind, plus ``tunnel``:
    a port forward through the EKS API tunnel for stacks with Kubernetes objects (ADR 0017)."""
    return PolicyDocument(
        [
            Statement(actions=["s3:ListBucket"], resources=[bucket_arn], sid="StateList"),
            Statement(
                actions=["s3:GetObject", "s3:GetObjectVersion"],
                resources=[f"{bucket_arn}/.pulumi/*"],
                sid="StateRead",
            ),
            # The awskms:// secrets provider decrypts each stack's data key directly.
            Statement(actions=actions.KMS_DECRYPT, resources=[key_arn], sid="SecretsDecrypt"),
            Statement(
                actions=actions.EC2_DESCRIBE_AVAILABILITY_ZONES,
                resources=["*"],
                justification="the network's zone lookup accepts no resource ARN",
            ),
            *tunnel,
        ]
    )


def _validate_app_teams(app_teams: Mapping[str, str]) -> dict[str, str]:
    if not isinstance(app_teams, Mapping):
        raise ValidationError(
            "app_teams", app_teams, "a mapping of team to repository is expected",
            "write {orders: example-org/orders-service}",
        )  # fmt: skip
    out = {}
    for team, repository in app_teams.items():
        if not isinstance(team, str) or not _TEAM.match(team):
            raise ValidationError(
                "app_teams",
                team,
                "not a team name: lower-case letters, digits and inner '-', at most 30 (it "
                "names roles and matches the platform's cluster.tenants.<namespace>.team)",
                "name the team as the platform's tenants do, e.g. orders",
            )
        out[team] = validate_repository(repository, f"app_teams.{team}")
    return out


def _guardrails(
    ci_arns: Sequence[pulumi.Input[str]], bucket_arn: str, *, deny_cluster_changes: bool = False
) -> PolicyDocument:
    """Deny statements no grant can outweigh: a deploy role cannot widen its own trust or make
    the credentials this component exists to avoid; an app team's role, with
    ``deny_cluster_changes``, cannot change any cluster's access, control plane or nodes."""
    cluster = [
        # prescription: SEC-1 -- an app team's role never widens its own cluster access.
        Statement(
            effect="Deny",
            actions=actions.EKS_CLUSTER_CHANGES,
            resources=["*"],
            sid="KeepClusterAccess",
        )
    ]
    return PolicyDocument(
        [
            *(cluster if deny_cluster_changes else []),
            Statement(
                effect="Deny",
                actions=["iam:*"],
                resources=list(ci_arns),
                sid="KeepCiIdentities",
            ),
            Statement(
                effect="Deny",
                actions=actions.IAM_LONG_LIVED_CREDENTIALS,
                resources=["*"],
                sid="NoLongLivedCredentials",
            ),
            Statement(
                effect="Deny",
                actions=actions.S3_STATE_BUCKET_SETTINGS,
                resources=[bucket_arn],
                sid="KeepStateBucket",
            ),
        ]
    )
