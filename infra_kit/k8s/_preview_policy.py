"""What the preview deployers' group may do to namespaces, as RBAC rules and CEL expressions.

Pure data: no Pulumi resources are created here. RBAC can grant verbs on namespaces but cannot
limit them to names with a prefix, so a ValidatingAdmissionPolicy (admissionregistration.k8s.io
/v1, GA since Kubernetes 1.30) refuses the group every namespace operation on any other name,
and refuses it a namespace that does not enforce the restricted Pod Security Standard (with
admin inside a ``pr-*`` namespace, lowering that label would admit privileged pods).
"""

from __future__ import annotations

import re

from infra_kit.aws._access_grants import is_access_entry_group
from infra_kit.errors import ValidationError
from infra_kit.k8s.namespace import PSS_LEVEL

__all__ = [
    "ENFORCE_LABEL",
    "NAMESPACE_OPERATIONS",
    "NAMESPACE_VERBS",
    "QUOTA_RESOURCES",
    "group_condition",
    "name_rule",
    "pod_security_rule",
    "validate_prefix",
]

#: What the group may do to namespaces through RBAC: Pulumi applies server-side (patch, and
#: create when the object is new), reads to diff, and deletes an expired preview.
NAMESPACE_VERBS: tuple[str, ...] = ("get", "list", "watch", "create", "update", "patch", "delete")
#: The admission operations the policy judges for the group.
NAMESPACE_OPERATIONS: tuple[str, ...] = ("CREATE", "UPDATE", "DELETE")
ENFORCE_LABEL = "pod-security.kubernetes.io/enforce"
#: Namespaced objects the Namespace component creates that namespace admin may not write (the
#: admin ClusterRole, which AmazonEKSAdminPolicy maps to, only reads quotas and limit ranges):
#: granted cluster-wide by RBAC, held to the prefix's namespaces by the admission policy.
QUOTA_RESOURCES: tuple[str, ...] = ("resourcequotas", "limitranges")

_PREFIX = re.compile(r"^[a-z0-9][-a-z0-9]{0,40}$")


def validate_prefix(prefix: str) -> str:
    """A namespace-name prefix: lower-case letters, digits and '-', starting with one of the
    first two, and no CEL or pattern character that could widen the match."""
    if isinstance(prefix, str) and _PREFIX.match(prefix):
        return prefix
    raise ValidationError(
        "namespace_prefix",
        prefix,
        "not the start of an RFC 1123 namespace name (lower-case letters, digits and '-', at "
        "most 41, starting with a letter or digit)",
        "use the prefix of the preview namespaces, e.g. pr-",
    )


def validate_group(group: str) -> str:
    """A Kubernetes group an EKS access entry may carry (never a ``system:`` group)."""
    if is_access_entry_group(group):
        return group
    raise ValidationError(
        "group",
        group,
        "not a group an EKS access entry may map a role into (letters, digits and ':._@-', at "
        "most 63, not system:)",
        "use the access entry's group, e.g. infra-kit:preview-deployers",
    )


def group_condition(group: str) -> str:
    """CEL: the request comes from a member of ``group`` (the policy judges no one else)."""
    return f"'{validate_group(group)}' in request.userInfo.groups"


def name_rule(prefix: str) -> str:
    """CEL: a namespace's name, or the namespace of a quota or limit range, starts with
    ``prefix`` (``request.name`` is set for create, update and delete alike; a create by
    generateName has none yet and is refused)."""
    prefix = validate_prefix(prefix)
    quotas = ", ".join(f"'{r}'" for r in QUOTA_RESOURCES)
    return (
        f"(request.resource.resource == 'namespaces' && request.name.startsWith('{prefix}')) || "
        f"(request.resource.resource in [{quotas}] && request.namespace.startsWith('{prefix}'))"
    )


def pod_security_rule() -> str:
    """CEL: a created or updated namespace enforces the restricted Pod Security Standard."""
    quotas = ", ".join(f"'{r}'" for r in QUOTA_RESOURCES)
    return (
        f"request.resource.resource in [{quotas}] || "
        "request.operation == 'DELETE' || (has(object.metadata.labels) && "
        f"'{ENFORCE_LABEL}' in object.metadata.labels && "
        f"object.metadata.labels['{ENFORCE_LABEL}'] == '{PSS_LEVEL}')"
    )
