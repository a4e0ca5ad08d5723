"""The platform cluster's grants, read from the stack's config and the CI identities stack.

``<project>:identities_stack`` names the stack of the ``identities/`` project (e.g.
``organization/ci-identities/prod``). Through a StackReference to it:

- ``deploy_role_arns[<environment>]`` becomes cluster admin;
- ``pr_preview_role_arn`` gets cluster-scoped View (``pulumi preview`` reads, no Secrets);
- ``preview_env_deploy_role_arn`` gets admin inside ``pr-*`` namespaces and the preview
  deployers' group, where ``cluster.hosts_previews`` of the profile says previews run here;
- in the cluster-services stack (:func:`load_tenant_access`), each tenant of
  ``cluster.tenants`` without roles of its own gets
  ``app_deploy_role_arns[<team>][<environment>]`` as admin inside its namespace only, beside
  the namespace itself.

``cluster.admin_role_arns`` stays for break-glass roles; the Cluster creates their entries. A
stack with neither is refused before anything is created (ENV-3).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi

from infra_kit.aws._access_grants import AccessGrant, Tenant, platform_grants, tenant_grants
from infra_kit.core.environment import Environment
from infra_kit.errors import ConfigError

__all__ = ["IDENTITIES_STACK_KEY", "PlatformAccess", "load_platform_access", "load_tenant_access"]

#: The platform config key naming the CI identities stack.
IDENTITIES_STACK_KEY = "identities_stack"
_STACK_NAME = re.compile(r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+){1,2}$")


@dataclass(frozen=True)
class PlatformAccess:
    """What :func:`load_platform_access` read: the grants to pass to the cluster and the
    tenants whose namespaces a Kubernetes program creates."""

    grants: tuple[AccessGrant, ...]
    tenants: tuple[Tenant, ...]
    identities: pulumi.StackReference | None = None


def _pick(source: str, what: str, fix: str) -> Any:
    def pick(mapping: Any, *path: str) -> str:
        value = mapping
        for key in path:
            if not isinstance(value, Mapping) or key not in value:
                raise ConfigError(
                    source,
                    [
                        f"{what}: the identities stack has no "
                        f"{'.'.join(path)} (it has {sorted(value) if isinstance(value, Mapping) else value!r}). "
                        f"Fix: {fix}"
                    ],
                )
            value = value[key]
        return str(value)

    return pick


def _identities(env: Environment, config: pulumi.Config) -> tuple[str, str | None, list[str]]:
    """The identities stack's config key, its value, and what is wrong with it."""
    key = f"{env.project}:{IDENTITIES_STACK_KEY}"
    stack_name = config.get(IDENTITIES_STACK_KEY)
    problems = []
    if stack_name is not None and not _STACK_NAME.match(stack_name):
        problems.append(
            f"{key}={stack_name!r}: not a stack name. Fix: write it as "
            "<organization>/<project>/<stack>, e.g. organization/ci-identities/prod"
        )
    return key, stack_name, problems


def load_platform_access(env: Environment, config: pulumi.Config | None = None) -> PlatformAccess:
    """The cluster-wide grants of the platform stack: CI's deploy role as admin, the
    pull-request role as viewer, preview deployers where previews run. Read
    ``<project>:identities_stack`` and the profile's cluster section; raise
    :class:`ConfigError` when no role would be cluster admin, naming both keys."""
    config = config or pulumi.Config()
    source = f"Pulumi.{env.stack}.yaml"
    key, stack_name, problems = _identities(env, config)
    cluster = env.profile.cluster
    if stack_name is None and not cluster.admin_role_arns:
        # prescription: ENV-3 -- a cluster nobody administers is refused before it exists.
        problems.append(
            f"{key} and {env.project}:environment.cluster.admin_role_arns: neither is set, so "
            "no role would be cluster admin (access entries only, no implicit creator admin) "
            f"and the Kubernetes add-ons could not be installed. Fix: set {key} to the CI "
            "identities stack (e.g. organization/ci-identities/prod), whose deploy role of "
            "this environment becomes admin; list break-glass roles in "
            "environment.cluster.admin_role_arns only in addition"
        )
    if cluster.tenants:
        problems.append(
            f"{env.project}:environment.cluster.tenants: tenants belong to the cluster-services "
            "stack, which creates each tenant's namespace together with its access. Fix: move "
            "the tenants to the cluster-services stack file of this environment"
        )
    if problems:
        raise ConfigError(source, problems)
    if stack_name is None:
        return PlatformAccess((), (), None)
    reference = pulumi.StackReference(stack_name)
    environment = env.profile.name
    pick = _pick(
        source,
        key,
        f"add {environment} to the identities stack's deploy_environments, or point "
        f"{key} at the stack that has it",
    )
    grants = platform_grants(
        deploy_role_arn=reference.require_output("deploy_role_arns").apply(
            lambda m: pick(m, environment)
        ),
        pr_preview_role_arn=reference.require_output("pr_preview_role_arn").apply(str),
        preview_env_deploy_role_arn=reference.require_output("preview_env_deploy_role_arn").apply(
            str
        ),
        hosts_previews=cluster.hosts_previews,
    )
    return PlatformAccess(tuple(grants), (), reference)


def load_tenant_access(env: Environment, config: pulumi.Config | None = None) -> PlatformAccess:
    """The tenants of ``cluster.tenants`` and their grants, for the cluster-services stack:
    each tenant's deploy roles (its own ``deploy_role_arns``, else the identities stack's
    ``app_deploy_role_arns[<team>][<environment>]``) are admin inside its namespace only."""
    config = config or pulumi.Config()
    source = f"Pulumi.{env.stack}.yaml"
    key, stack_name, problems = _identities(env, config)
    cluster = env.profile.cluster
    needing = [ns for ns, t in sorted(cluster.tenants.items()) if not t.deploy_role_arns]
    if stack_name is None and needing:
        problems.append(
            f"{env.project}:environment.cluster.tenants: {', '.join(needing)} name no "
            f"deploy_role_arns and {key} is not set to read the team's roles from. Fix: set "
            f"{key}, or list the tenant's deploy_role_arns"
        )
    if problems:
        raise ConfigError(source, problems)
    tenants = tuple(Tenant(ns, t.team) for ns, t in sorted(cluster.tenants.items()))
    reference = pulumi.StackReference(stack_name) if stack_name and needing else None
    environment = env.profile.name
    grants: list[AccessGrant] = []
    for namespace, tenant in sorted(cluster.tenants.items()):
        described = Tenant(namespace, tenant.team)
        if tenant.deploy_role_arns:
            roles: dict[str, pulumi.Input[str]] = {
                re.sub(r"[^a-z0-9]+", "-", arn.rsplit("/", 1)[1].lower()).strip("-"): arn
                for arn in tenant.deploy_role_arns
            }
        else:
            assert reference is not None  # refused above
            pick_team = _pick(
                source,
                f"{env.project}:environment.cluster.tenants.{namespace}.team",
                f"add {tenant.team} to the identities stack's app_teams, or list the "
                "tenant's deploy_role_arns",
            )
            team = tenant.team
            roles = {
                "": reference.require_output("app_deploy_role_arns").apply(
                    lambda m, team=team, pick_team=pick_team: pick_team(m, team, environment)
                )
            }
        grants += tenant_grants(described, roles)
    return PlatformAccess(tuple(grants), tenants, reference)
