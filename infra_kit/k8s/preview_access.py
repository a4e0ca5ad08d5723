"""Preview deployers may create and delete ``pr-*`` namespaces, and no other."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from infra_kit.aws._access_grants import PREVIEW_DEPLOYERS_GROUP, PREVIEW_NAMESPACE_PREFIX
from infra_kit.core.component import Component
from infra_kit.core.environment import Environment
from infra_kit.k8s._preview_policy import (
    NAMESPACE_OPERATIONS,
    NAMESPACE_VERBS,
    QUOTA_RESOURCES,
    group_condition,
    name_rule,
    pod_security_rule,
    validate_group,
    validate_prefix,
)

__all__ = ["PreviewNamespaceGuard", "PreviewNamespaceGuardArgs"]

_RBAC = "rbac.authorization.k8s.io"


@dataclass(frozen=True)
class PreviewNamespaceGuardArgs:
    """Arguments of :class:`PreviewNamespaceGuard`.

    Args:
        group: the Kubernetes group of the preview deployer's EKS access entry. Default:
            ``infra-kit:preview-deployers`` (as ``platform_grants`` maps the role).
        namespace_prefix: the names the group may manage start with it. Default: ``pr-``, as
            the namespace scope ``pr-*`` of the deployer's access policy.
    """

    group: str = PREVIEW_DEPLOYERS_GROUP
    namespace_prefix: str = PREVIEW_NAMESPACE_PREFIX


class PreviewNamespaceGuard(Component):
    """Namespace rights for the preview deployers' group, held to one name prefix.

    Inside ``pr-*`` namespaces the deployer is admin through its EKS access policy; the
    namespaces themselves are cluster-scoped, so this grants them, and RBAC cannot limit names
    by prefix, so an admission policy does.

    Children (Kubernetes, through ``provider``; object names ``infra-kit-preview-namespaces``):

    - ``ClusterRole`` ``<name>-role``: get, list, watch, create, update, patch and delete
      namespaces, resource quotas and limit ranges (which namespace admin may only read, and
      the ``Namespace`` component creates), nothing else; ``ClusterRoleBinding``
      ``<name>-binding`` to the group;
    - ``ValidatingAdmissionPolicy`` ``<name>-policy`` (admissionregistration.k8s.io/v1, GA
      since Kubernetes 1.30; every supported EKS version has it): for requests of the group
      only, a namespace create, update or delete is refused unless the name starts with the
      prefix, a quota or limit range unless its namespace does, and a created or updated
      namespace must enforce Pod Security ``restricted``;
      ``failurePolicy: Fail``;
    - ``ValidatingAdmissionPolicyBinding`` ``<name>-policy-binding``: ``Deny``.

    Prescriptions: SEC-1 (the preview deployer gets exactly the namespaces it needs),
    SEC-4 (its namespaces stay restricted).
    """

    TYPE = "infra-kit:k8s:PreviewNamespaceGuard"

    def __init__(
        self,
        name: str,
        args: PreviewNamespaceGuardArgs,
        env: Environment,
        *,
        provider: k8s.Provider,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        group = validate_group(args.group)
        prefix = validate_prefix(args.namespace_prefix)
        super().__init__(name, env, opts)
        object_name = "infra-kit-preview-namespaces"
        labels = env.labels(object_name, component="access")

        def meta() -> k8s.meta.v1.ObjectMetaArgs:
            return k8s.meta.v1.ObjectMetaArgs(name=object_name, labels=labels)

        def opts_(*after: pulumi.Resource) -> pulumi.ResourceOptions:
            return self.child_opts(provider=provider, depends_on=list(after))

        # The admission policy exists before RBAC grants anything it must restrict.
        self.policy = k8s.admissionregistration.v1.ValidatingAdmissionPolicy(
            self.child("policy"),
            metadata=meta(),
            spec=k8s.admissionregistration.v1.ValidatingAdmissionPolicySpecArgs(
                failure_policy="Fail",
                match_constraints=k8s.admissionregistration.v1.MatchResourcesArgs(
                    resource_rules=[
                        k8s.admissionregistration.v1.NamedRuleWithOperationsArgs(
                            api_groups=[""],
                            api_versions=["v1"],
                            operations=list(NAMESPACE_OPERATIONS),
                            resources=["namespaces", *QUOTA_RESOURCES],
                        )
                    ]
                ),
                match_conditions=[
                    k8s.admissionregistration.v1.MatchConditionArgs(
                        name="preview-deployers", expression=group_condition(group)
                    )
                ],
                validations=[
                    # prescription: SEC-1 -- the group manages only namespaces of its prefix.
                    k8s.admissionregistration.v1.ValidationArgs(
                        expression=name_rule(prefix),
                        message=f"{group} may only create, change or delete namespaces named "
                        f"{prefix}*",
                        reason="Forbidden",
                    ),
                    # prescription: SEC-4 -- a preview namespace cannot drop restricted.
                    k8s.admissionregistration.v1.ValidationArgs(
                        expression=pod_security_rule(),
                        message=f"a namespace of {group} must enforce the restricted Pod "
                        "Security Standard (pod-security.kubernetes.io/enforce: restricted)",
                        reason="Forbidden",
                    ),
                ],
            ),
            opts=opts_(),
        )
        self.binding = k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding(
            self.child("policy-binding"),
            metadata=meta(),
            spec=k8s.admissionregistration.v1.ValidatingAdmissionPolicyBindingSpecArgs(
                policy_name=self.policy.metadata.name,
                validation_actions=["Deny"],
            ),
            opts=opts_(self.policy),
        )
        self.role = k8s.rbac.v1.ClusterRole(
            self.child("role"),
            metadata=meta(),
            rules=[
                k8s.rbac.v1.PolicyRuleArgs(
                    api_groups=[""],
                    resources=["namespaces", *QUOTA_RESOURCES],
                    verbs=list(NAMESPACE_VERBS),
                )
            ],
            opts=opts_(self.binding),
        )
        self.role_binding = k8s.rbac.v1.ClusterRoleBinding(
            self.child("binding"),
            metadata=meta(),
            role_ref=k8s.rbac.v1.RoleRefArgs(api_group=_RBAC, kind="ClusterRole", name=object_name),
            subjects=[k8s.rbac.v1.SubjectArgs(api_group=_RBAC, kind="Group", name=group)],
            opts=opts_(self.role, self.binding),
        )
        self.group = group
        self.register_outputs({"group": group, "policy": self.policy.metadata.name})
