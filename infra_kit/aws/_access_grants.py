"""Who may do what inside an EKS cluster: access grants, their validation and the platform's set.

Pure logic: no Pulumi resources are created here (:class:`~infra_kit.aws.cluster_access.
ClusterAccess` creates them). A grant is one principal's access entry and the AWS-managed
access policies associated with it, each scoped to the cluster or to named namespaces. EKS
accepts one access entry per principal and one association per policy and principal, so a
grant carries every policy of its principal and is named by a stable ``label`` of the
caller's choosing (never derived from an ARN that only exists after deployment), so reordering
grants replaces nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import pulumi

from infra_kit.errors import ValidationError

__all__ = [
    "EKS_ACCESS_POLICIES",
    "PREVIEW_DEPLOYERS_GROUP",
    "PREVIEW_NAMESPACE_PATTERN",
    "PREVIEW_NAMESPACE_PREFIX",
    "AccessGrant",
    "AccessPolicy",
    "AccessScope",
    "Tenant",
    "access_policy_arn",
    "grants_cluster_admin",
    "is_access_entry_group",
    "platform_grants",
    "tenant_grants",
    "validate_grants",
    "validate_namespace_pattern",
]

#: The AWS-managed access policies infra-kit associates, by name, with the short label that
#: names their association. AmazonEKSAdminPolicy scoped to namespaces is the ``admin``
#: ClusterRole inside them; View excludes Secrets.
EKS_ACCESS_POLICIES: Mapping[str, str] = {
    "AmazonEKSClusterAdminPolicy": "cluster-admin",
    "AmazonEKSAdminPolicy": "admin",
    "AmazonEKSEditPolicy": "edit",
    "AmazonEKSViewPolicy": "view",
}
CLUSTER_ADMIN = "AmazonEKSClusterAdminPolicy"

#: Preview environments live in namespaces named ``pr-<number>``.
PREVIEW_NAMESPACE_PREFIX = "pr-"
#: The namespace scope of the preview deployer's access policy (AWS accepts a trailing ``*``).
PREVIEW_NAMESPACE_PATTERN = f"{PREVIEW_NAMESPACE_PREFIX}*"
#: The Kubernetes group of the preview deployer's access entry; RBAC lets it manage namespaces
#: and an admission policy holds it to ``pr-*`` ones (:mod:`infra_kit.k8s.preview_access`).
PREVIEW_DEPLOYERS_GROUP = "infra-kit:preview-deployers"

_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$")
# RFC 1123 label, or its prefix followed by one trailing '*' (a namespace scope pattern).
_NAMESPACE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_NAMESPACE_PREFIX = re.compile(r"^[a-z0-9][-a-z0-9]{0,61}\*$")
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$")
_GROUP = re.compile(r"^[A-Za-z0-9][A-Za-z0-9:._@-]{0,62}$")


class AccessScope(StrEnum):
    """Where an access policy applies."""

    CLUSTER = "cluster"
    """Every namespace and the cluster-scoped objects."""
    NAMESPACES = "namespace"
    """Only inside the listed namespaces (EKS's scope type ``namespace``)."""


@dataclass(frozen=True)
class AccessPolicy:
    """One AWS-managed access policy of a grant.

    Args:
        name: one of :data:`EKS_ACCESS_POLICIES`, e.g. ``AmazonEKSViewPolicy``.
        scope: default :attr:`AccessScope.CLUSTER`.
        namespaces: with :attr:`AccessScope.NAMESPACES`, the namespaces (RFC 1123 labels, or a
            prefix ending in ``*``); must be empty with cluster scope. Default: none.
    """

    name: str
    scope: AccessScope = AccessScope.CLUSTER
    namespaces: Sequence[str] = ()


@dataclass(frozen=True, kw_only=True)
class AccessGrant:
    """One principal's access to a cluster: its access entry and the policies associated.

    Args:
        label: names the entry (``<component>-<label>``) and its associations
            (``<component>-<label>-<policy>``): lower-case letters, digits and ``-``, at most 40.
        principal_arn: the IAM role's ARN; may be an output (of a StackReference, of a role).
        policies: the access policies associated with the entry. Default: none (then
            ``kubernetes_groups`` must carry the access through RBAC).
        kubernetes_groups: Kubernetes groups the entry maps the principal into, for RBAC
            bindings of one's own. Default: none. ``system:`` groups are refused.
        description: why the principal has this access; documentation only. Default: none.
    """

    label: str
    principal_arn: pulumi.Input[str]
    policies: Sequence[AccessPolicy] = ()
    kubernetes_groups: Sequence[str] = ()
    description: str | None = None


def access_policy_arn(partition: str, name: str) -> str:
    """The ARN of the AWS-managed access policy ``name``."""
    return f"arn:{partition}:eks::aws:cluster-access-policy/{name}"


def is_access_entry_group(group: object) -> bool:
    """Whether ``group`` is a Kubernetes group an EKS access entry may carry: letters, digits
    and ':._@-', at most 63, never a ``system:`` group (EKS refuses those)."""
    return isinstance(group, str) and bool(_GROUP.match(group)) and not group.startswith("system:")


def validate_namespace_pattern(namespace: str, key: str = "namespaces") -> str:
    """A namespace name (RFC 1123 label), or a prefix of one followed by a trailing ``*``."""
    if isinstance(namespace, str) and (
        _NAMESPACE.match(namespace) or _NAMESPACE_PREFIX.match(namespace)
    ):
        return namespace
    raise ValidationError(
        key,
        namespace,
        "not a namespace name (an RFC 1123 label: at most 63 lower-case letters, digits and "
        "'-', starting and ending with a letter or digit) nor such a prefix followed by one "
        "trailing '*'",
        "name the namespace, e.g. orders, or a prefix pattern, e.g. pr-*; for every "
        "namespace use scope=AccessScope.CLUSTER",
    )


def _validate_policy(policy: AccessPolicy, key: str) -> None:
    if policy.name not in EKS_ACCESS_POLICIES:
        raise ValidationError(
            f"{key}.name",
            policy.name,
            "not an AWS-managed EKS access policy infra-kit associates",
            f"use one of {', '.join(EKS_ACCESS_POLICIES)}",
        )
    if not isinstance(policy.scope, AccessScope):
        raise ValidationError(
            f"{key}.scope", policy.scope, "not an AccessScope", "use AccessScope.CLUSTER or "
            "AccessScope.NAMESPACES"
        )  # fmt: skip
    namespaces = list(policy.namespaces)
    if isinstance(policy.namespaces, str):
        raise ValidationError(
            f"{key}.namespaces", policy.namespaces, "a list of namespaces is expected",
            f"write [{policy.namespaces!r}]",
        )  # fmt: skip
    if policy.scope is AccessScope.CLUSTER and namespaces:
        raise ValidationError(
            f"{key}.namespaces",
            namespaces,
            "a cluster-scoped policy applies to every namespace, so listing some would "
            "suggest a limit that does not exist",
            "use scope=AccessScope.NAMESPACES to limit it, or drop the namespaces",
        )
    if policy.scope is AccessScope.NAMESPACES and not namespaces:
        raise ValidationError(
            f"{key}.namespaces",
            namespaces,
            "a namespace-scoped policy needs at least one namespace",
            "list the namespaces it applies in",
        )
    if policy.name == CLUSTER_ADMIN and policy.scope is AccessScope.NAMESPACES:
        raise ValidationError(
            f"{key}.name",
            policy.name,
            "AmazonEKSClusterAdminPolicy grants cluster-scoped objects whatever the scope",
            "use AmazonEKSAdminPolicy for admin inside namespaces",
        )
    for namespace in namespaces:
        validate_namespace_pattern(namespace, f"{key}.namespaces")
    if len(set(namespaces)) != len(namespaces):
        raise ValidationError(
            f"{key}.namespaces", namespaces, "lists a namespace twice", "list each once"
        )


def validate_grants(grants: Iterable[AccessGrant], key: str = "grants") -> tuple[AccessGrant, ...]:
    """Every grant checked; refuses duplicate labels, and a principal ARN given twice."""
    out: list[AccessGrant] = []
    labels: set[str] = set()
    principals: dict[str, str] = {}
    for grant in grants:
        where = f"{key}[{grant.label!r}]"
        if not isinstance(grant.label, str) or not _LABEL.match(grant.label):
            raise ValidationError(
                f"{key}.label",
                grant.label,
                "not a stable child-name label (lower-case letters, digits and inner '-', at "
                "most 40)",
                "name the grant by its purpose, e.g. deploy or tenant-orders",
            )
        if grant.label in labels:
            raise ValidationError(
                f"{key}.label", grant.label, "two grants share the label, so their access "
                "entries would share a name", "give each grant a label of its own"
            )  # fmt: skip
        labels.add(grant.label)
        arn = grant.principal_arn
        if isinstance(arn, str):
            if not _ROLE_ARN.match(arn):
                raise ValidationError(
                    f"{where}.principal_arn", arn, "not an IAM role ARN",
                    "use arn:aws:iam::<account>:role/<name>",
                )  # fmt: skip
            if arn in principals:
                raise ValidationError(
                    f"{where}.principal_arn",
                    arn,
                    f"the grant {principals[arn]!r} names the same role, and EKS accepts one "
                    "access entry per principal",
                    "merge the two grants into one with both policies",
                )
            principals[arn] = grant.label
        names = [p.name for p in grant.policies]
        for i, policy in enumerate(grant.policies):
            _validate_policy(policy, f"{where}.policies[{i}]")
        if len(set(names)) != len(names):
            raise ValidationError(
                f"{where}.policies",
                names,
                "associates a policy twice; EKS holds one association per policy and principal",
                "list the policy once, with every namespace it applies in",
            )
        groups = list(grant.kubernetes_groups)
        for group in groups:
            if not is_access_entry_group(group):
                raise ValidationError(
                    f"{where}.kubernetes_groups",
                    group,
                    "not a Kubernetes group an access entry may carry (EKS refuses system: "
                    "groups; letters, digits and ':._@-', at most 63)",
                    "name a group of your own, e.g. infra-kit:preview-deployers",
                )
        if not grant.policies and not groups:
            raise ValidationError(
                f"{where}.policies",
                [],
                "an entry with neither an access policy nor a Kubernetes group grants nothing",
                "associate a policy or name the group your RBAC bindings use",
            )
        out.append(grant)
    return tuple(out)


def grants_cluster_admin(grant: AccessGrant) -> bool:
    """Whether ``grant`` makes its principal a cluster admin."""
    return any(p.name == CLUSTER_ADMIN and p.scope is AccessScope.CLUSTER for p in grant.policies)


@dataclass(frozen=True)
class Tenant:
    """An app team's namespace on the cluster: what a later step creates with
    :class:`~infra_kit.k8s.Namespace` (``NamespaceArgs(name=tenant.namespace)``), and whose
    deploy roles get admin inside it only."""

    namespace: str
    team: str


def tenant_grants(
    tenant: Tenant, role_arns: Mapping[str, pulumi.Input[str]]
) -> tuple[AccessGrant, ...]:
    """One grant per deploy role of ``tenant`` (by a stable label suffix): admin inside the
    tenant's namespace and nowhere else, no cluster-scoped object, no Kubernetes group."""
    validate_namespace_pattern(tenant.namespace, "tenants")
    if tenant.namespace.endswith("*"):
        raise ValidationError(
            "tenants", tenant.namespace, "a tenant owns one namespace, not a pattern",
            "name the namespace exactly",
        )  # fmt: skip
    policy = AccessPolicy("AmazonEKSAdminPolicy", AccessScope.NAMESPACES, (tenant.namespace,))
    return tuple(
        AccessGrant(
            label=f"tenant-{tenant.namespace}" + (f"-{suffix}" if suffix else ""),
            principal_arn=arn,
            policies=(policy,),
            description=f"{tenant.team}'s deploy role: admin inside {tenant.namespace} only",
        )
        for suffix, arn in sorted(role_arns.items())
    )


def platform_grants(
    *,
    deploy_role_arn: pulumi.Input[str] | None,
    pr_preview_role_arn: pulumi.Input[str] | None,
    preview_env_deploy_role_arn: pulumi.Input[str] | None,
    hosts_previews: bool,
) -> tuple[AccessGrant, ...]:
    """The grants of the CI identities on the platform's cluster.

    - ``deploy``: this environment's deploy role, cluster admin (it installs the add-ons);
    - ``pr-preview``: the pull-request role, cluster-scoped View (``pulumi preview`` reads;
      View excludes Secrets);
    - ``preview-deployer``, only where ``hosts_previews``: admin inside ``pr-*`` namespaces and
      the :data:`PREVIEW_DEPLOYERS_GROUP` group, whose namespace rights the cluster's RBAC and
      admission policy hold to ``pr-*`` names.
    """
    grants: list[AccessGrant] = []
    if deploy_role_arn is not None:
        grants.append(
            AccessGrant(
                label="deploy",
                principal_arn=deploy_role_arn,
                policies=(AccessPolicy(CLUSTER_ADMIN),),
                description="the CI role that deploys this environment",
            )
        )
    if pr_preview_role_arn is not None:
        grants.append(
            AccessGrant(
                label="pr-preview",
                principal_arn=pr_preview_role_arn,
                policies=(AccessPolicy("AmazonEKSViewPolicy"),),
                description="pulumi preview of pull requests: reads, no Secrets",
            )
        )
    if hosts_previews and preview_env_deploy_role_arn is not None:
        grants.append(
            AccessGrant(
                label="preview-deployer",
                principal_arn=preview_env_deploy_role_arn,
                policies=(
                    AccessPolicy(
                        "AmazonEKSAdminPolicy",
                        AccessScope.NAMESPACES,
                        (PREVIEW_NAMESPACE_PATTERN,),
                    ),
                ),
                kubernetes_groups=(PREVIEW_DEPLOYERS_GROUP,),
                description="deploys pull-request previews into pr-* namespaces",
            )
        )
    return tuple(grants)
