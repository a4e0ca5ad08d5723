"""CI identities: GitHub Actions' OIDC provider and the roles its workflows assume (CICD-2).

Deployed once per account by a person with administrator access, never by CI itself: these
roles are what CI's permissions rest on, and the deploy roles are denied changing them.
"""

from typing import Any

import pulumi

from infra_kit.aws import CiIdentities, CiIdentitiesArgs
from infra_kit.core.environment import Environment

env = Environment.load()
config = pulumi.Config()
# Keys the stack file may omit are left to CiIdentitiesArgs, where their defaults are declared.
optional: dict[str, Any] = {
    field: value
    for field, key in (
        ("preview_environment", "preview_environment"),
        ("existing_provider_arn", "existing_oidc_provider_arn"),
    )
    if (value := config.get(key)) is not None
}
if (app_teams := config.get_object("app_teams")) is not None:
    optional["app_teams"] = app_teams

identities = CiIdentities(
    "github",
    CiIdentitiesArgs(
        repository=config.require("repository"),
        deploy_environments=config.require_object("deploy_environments"),
        state_bucket=config.require("state_bucket"),
        state_key_arn=config.require("state_key_arn"),
        **optional,
    ),
    env,
)

# Each ARN goes into the GitHub environment (or, for pr-preview, the repository) variable the
# workflows read, e.g. AWS_ROLE_ARN; none of them is a secret.
pulumi.export("oidc_provider_arn", identities.provider_arn)
pulumi.export("pr_preview_role_arn", identities.pr_preview.arn)
pulumi.export("preview_env_deploy_role_arn", identities.preview_env_deploy.arn)
pulumi.export("deploy_role_arns", identities.deploy_role_arns)
# Read by the cluster-services stacks (cluster-services:identities_stack): each team's role is
# admin inside the team's namespace only; the role itself is denied every EKS access change.
pulumi.export("app_deploy_role_arns", identities.app_deploy_role_arns)
