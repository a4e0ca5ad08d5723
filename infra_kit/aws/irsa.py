"""IAM roles for Kubernetes service accounts (IRSA), trusted only by one service account (SEC-1)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from infra_kit.aws import actions
from infra_kit.aws._policy import PolicyDocument, Statement
from infra_kit.core.component import Component
from infra_kit.core.environment import Environment
from infra_kit.errors import ValidationError

__all__ = ["IrsaRole", "IrsaRoleArgs", "OidcIdentity", "irsa_trust_policy"]

# A namespace is a DNS-1123 label; a service account name a DNS-1123 subdomain.
_NAMESPACE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_POLICY_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(aws|\d{12}):policy/(?:[^/]+/)*([\w+=,.@-]+)$")
_NAME_RULES = {
    "namespace": (
        _NAMESPACE,
        63,
        "a DNS-1123 label: at most 63 lower-case letters, digits and '-'",
    ),
    "service_account": (
        _SUBDOMAIN,
        253,
        "a DNS-1123 subdomain: at most 253 lower-case letters, digits, '-' and '.'",
    ),
}


@dataclass(frozen=True)
class OidcIdentity:
    """A cluster's IAM OIDC provider, as IRSA trust policies need it.

    Attributes:
        provider_arn: the ARN of the cluster's ``aws.iam.OpenIdConnectProvider``.
        issuer_url: the cluster's OIDC issuer URL (``https://oidc.eks...``).
    """

    provider_arn: pulumi.Input[str]
    issuer_url: pulumi.Input[str]


def irsa_trust_policy(
    oidc_provider_arn: pulumi.Input[str],
    oidc_issuer_url: pulumi.Input[str],
    namespace: str,
    service_account: str,
) -> pulumi.Output[str]:
    """A trust policy that lets exactly ``namespace/service_account`` assume the role.

    Conditions: ``<issuer>:sub`` = ``system:serviceaccount:<ns>:<sa>`` and
    ``<issuer>:aud`` = ``sts.amazonaws.com``.
    """

    def render(args: list[str]) -> dict[str, object]:
        provider_arn, issuer = args
        host = issuer.removeprefix("https://")
        doc = PolicyDocument(
            [
                Statement(
                    actions=actions.STS_ASSUME_ROLE_WITH_WEB_IDENTITY,
                    principals={"Federated": [provider_arn]},
                    conditions={
                        "StringEquals": {
                            f"{host}:sub": f"system:serviceaccount:{namespace}:{service_account}",
                            f"{host}:aud": "sts.amazonaws.com",
                        }
                    },
                )
            ]
        )
        return doc.to_dict()

    return pulumi.Output.json_dumps(
        pulumi.Output.all(oidc_provider_arn, oidc_issuer_url).apply(render)
    )


@dataclass(frozen=True)
class IrsaRoleArgs:
    """Arguments of :class:`IrsaRole`.

    Args:
        oidc: the cluster's OIDC provider ARN and issuer URL (``Cluster.oidc``).
        namespace: the service account's namespace.
        service_account: the service account's name.
        policies: inline policies, by label, attached at creation. Default: none; add access
            later with the resources' ``grant_*`` methods.
        managed_policy_arns: managed policies to attach. Default: none. Each attachment is
            named ``<name>-managed-<policy name>`` (the ARN's last segment), so reordering the
            list replaces nothing. An ARN known only at deploy time (an ``Output``) is named
            ``<name>-managed-<n>`` instead, ``n`` counting such ARNs in order: reordering those
            replaces their attachments.
    """

    oidc: OidcIdentity
    namespace: str
    service_account: str
    policies: dict[str, PolicyDocument] = field(default_factory=dict)
    managed_policy_arns: Sequence[pulumi.Input[str]] = ()


class IrsaRole(Component):
    """An IAM role that one Kubernetes service account assumes through the cluster's OIDC provider.

    Children: ``aws.iam.Role`` ``<name>``; one ``aws.iam.RolePolicy`` ``<name>-<label>`` per
    entry of ``policies``; one ``aws.iam.RolePolicyAttachment`` ``<name>-managed-<policy name>``
    per managed policy (see :class:`IrsaRoleArgs`).
    Prescriptions: SEC-1 (a role per workload, trust scoped by ``:sub`` and ``:aud``).

    Args:
        name: the component's name; every child's logical name starts with it.
        args: its settings, [IrsaRoleArgs][infra_kit.aws.IrsaRoleArgs].
        env: the stack's [Environment][infra_kit.core.environment.Environment]: profile, tags and
            AWS provider.
        opts: Pulumi options for the component; every child is parented to it.

    Attributes:
        iam_role: the ``aws.iam.Role``, which ``grant_*`` methods extend.
        arn: the role's ARN, for the service account's ``eks.amazonaws.com/role-arn`` annotation.
        namespace: the namespace of the one service account it trusts.
        service_account: the name of that service account.
    """

    TYPE = "infra-kit:aws:IrsaRole"

    def __init__(
        self,
        name: str,
        args: IrsaRoleArgs,
        env: Environment,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        for key, (pattern, longest, rule) in _NAME_RULES.items():
            value = getattr(args, key)
            if not isinstance(value, str) or len(value) > longest or not pattern.match(value):
                raise ValidationError(
                    key,
                    value,
                    f"not a Kubernetes {key.replace('_', ' ')} name, which is {rule}",
                    "use the name exactly as the Kubernetes object has it, e.g. 'orders-api'",
                )
        managed = _managed_suffixes(args.managed_policy_arns)
        super().__init__(name, env, opts)
        self.namespace = args.namespace
        self.service_account = args.service_account
        self.iam_role = aws.iam.Role(
            name,
            aws.iam.RoleArgs(
                assume_role_policy=irsa_trust_policy(
                    args.oidc.provider_arn,
                    args.oidc.issuer_url,
                    args.namespace,
                    args.service_account,
                ),
                description=f"IRSA role of {args.namespace}/{args.service_account}",
                max_session_duration=3600,
            ),
            opts=self.child_opts(),
        )
        for label, document in sorted(args.policies.items()):
            aws.iam.RolePolicy(
                self.child(label),
                aws.iam.RolePolicyArgs(role=self.iam_role.name, policy=document.to_json()),
                opts=self.child_opts(),
            )
        for suffix, arn in managed:
            aws.iam.RolePolicyAttachment(
                self.child("managed", suffix),
                aws.iam.RolePolicyAttachmentArgs(role=self.iam_role.name, policy_arn=arn),
                opts=self.child_opts(),
            )
        self.arn: pulumi.Output[str] = self.iam_role.arn
        self.register_outputs({"arn": self.arn})


def _managed_suffixes(
    arns: Sequence[pulumi.Input[str]],
) -> list[tuple[str, pulumi.Input[str]]]:
    """Each managed policy ARN with the stable suffix of its attachment's name."""
    out: list[tuple[str, pulumi.Input[str]]] = []
    unknown = 0
    for arn in arns:
        if isinstance(arn, str):
            match = _POLICY_ARN.match(arn)
            if match is None:
                raise ValidationError(
                    "managed_policy_arns",
                    arn,
                    "not an IAM managed policy ARN",
                    "write it like arn:aws:iam::aws:policy/<path>/<name>",
                )
            suffix = match.group(2)
        else:
            suffix, unknown = str(unknown), unknown + 1
        if any(suffix == seen for seen, _ in out):
            raise ValidationError(
                "managed_policy_arns",
                arn,
                f"a second policy named {suffix!r}: both attachments would be named "
                f"managed-{suffix}",
                "attach each policy once",
            )
        out.append((suffix, arn))
    return out
