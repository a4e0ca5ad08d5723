"""The children every application workload has, whatever runs its pods (SEC-1, SEC-4, K8S-2, NET-5).

:class:`~infra_kit.k8s.WebService`, :class:`~infra_kit.k8s.Worker` and
:class:`~infra_kit.k8s.ScheduledJob` differ in what runs their pods (a Deployment, a Rollout, a
CronJob) and share the rest, created here under the component with the same child names:

- :func:`workload_identity`: the IRSA role (``<name>-irsa``, only with ``oidc``) and the
  ServiceAccount (``<name>-sa``) that carries its ARN and mounts no token;
- :func:`workload_config`: the immutable, content-named ConfigMap (``<name>-config``);
- :func:`workload_network_policy`: the NetworkPolicy (``<name>-netpol``) with DNS and the node's
  OpenTelemetry agent first, then the declared destinations, their reasons annotated.

:class:`RoleHolder` gives the component the ``iam_role`` property that ``grant_*`` methods read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from infra_kit.aws.irsa import IrsaRole, IrsaRoleArgs, OidcIdentity
from infra_kit.core.component import Component
from infra_kit.errors import ValidationError
from infra_kit.k8s import _network as net
from infra_kit.k8s import _workload as pod
from infra_kit.k8s.namespace import Namespace

__all__ = [
    "ROLE_ARN_ANNOTATION",
    "Meta",
    "RoleHolder",
    "resolve_namespace",
    "workload_config",
    "workload_identity",
    "workload_network_policy",
]

#: The ServiceAccount annotation through which the EKS pod identity webhook injects IRSA.
ROLE_ARN_ANNOTATION = "eks.amazonaws.com/role-arn"


class Meta(Protocol):
    """Builds an object's metadata: the workload's name, namespace and labels by default."""

    def __call__(
        self, object_name: str = ..., annotations: Mapping[str, pulumi.Input[str]] | None = None
    ) -> k8s.meta.v1.ObjectMetaArgs: ...


def resolve_namespace(namespace: str | Namespace) -> tuple[str, list[pulumi.Resource]]:
    """The namespace's name, and what the workload waits for: the Namespace when one is given."""
    if isinstance(namespace, Namespace):
        return namespace.name, [namespace.namespace]
    return net.check_name("namespace", namespace), []


class RoleHolder(Component):
    """A component whose pods may run with an IRSA role (SEC-1)."""

    _irsa: IrsaRole | None = None

    @property
    def iam_role(self) -> aws.iam.Role:
        """The workload's IRSA role, which ``grant_*`` methods extend (SEC-1)."""
        if self._irsa is None:
            raise ValidationError(
                "grantee",
                self.component_name,
                "the workload was created without AWS access, so it has no IAM role",
                "pass oidc=cluster.oidc when creating it",
            )
        return self._irsa.iam_role


# prescription: SEC-1, SEC-4 -- its own role, trusted by its own service account; no token.
def workload_identity(
    owner: Component,
    *,
    namespace: str,
    oidc: OidcIdentity | None,
    meta: Meta,
    opts: pulumi.ResourceOptions,
) -> tuple[IrsaRole | None, k8s.core.v1.ServiceAccount]:
    """The IRSA role (with ``oidc``) trusted by exactly ``<namespace>/<name>``, and that
    ServiceAccount, annotated with the role's ARN, with no token automount."""
    name = owner.component_name
    irsa = None
    if oidc is not None:
        irsa = IrsaRole(
            owner.child("irsa"),
            IrsaRoleArgs(oidc=oidc, namespace=namespace, service_account=name),
            owner.env,
            opts=owner.child_opts(),
        )
    account = k8s.core.v1.ServiceAccount(
        owner.child("sa"),
        metadata=meta(annotations={ROLE_ARN_ANNOTATION: irsa.arn} if irsa else None),
        automount_service_account_token=False,
        opts=opts,
    )
    return irsa, account


# prescription: K8S-2 -- configuration from an immutable ConfigMap.
def workload_config(
    owner: Component, *, config: Mapping[str, str], meta: Meta, opts: pulumi.ResourceOptions
) -> k8s.core.v1.ConfigMap:
    """The workload's configuration, named by its content (:func:`~._workload.config_map_name`)."""
    return k8s.core.v1.ConfigMap(
        owner.child("config"),
        metadata=meta(pod.config_map_name(owner.component_name, config)),
        data=dict(config),
        immutable=True,
        opts=opts,
    )


# prescription: NET-5 -- the workload's own policy under the namespace's default deny.
def workload_network_policy(
    owner: Component,
    *,
    selector: Mapping[str, str],
    ingress: Sequence[k8s.networking.v1.NetworkPolicyIngressRuleArgs],
    egress: Sequence[net.Egress],
    meta: Meta,
    opts: pulumi.ResourceOptions,
) -> k8s.networking.v1.NetworkPolicy:
    """Ingress as given (none at all when empty); egress to DNS, the node's OTel agent and
    ``egress``, whose written reasons go in the ``infra-kit.io/egress-reasons`` annotation."""
    reasons = net.egress_reasons(egress)
    return k8s.networking.v1.NetworkPolicy(
        owner.child("netpol"),
        metadata=meta(annotations={net.EGRESS_REASONS_ANNOTATION: reasons} if reasons else None),
        spec=k8s.networking.v1.NetworkPolicySpecArgs(
            pod_selector=k8s.meta.v1.LabelSelectorArgs(match_labels=dict(selector)),
            policy_types=["Ingress", "Egress"],
            ingress=list(ingress),
            egress=[
                net.dns_egress(),
                net.collector_egress(),
                *(net.egress_rule(e) for e in egress),
            ],
        ),
        opts=opts,
    )
