"""Who may talk to a workload, and where it may talk to (NET-5).

Pure logic: no Pulumi runtime. Namespaces deny all traffic by default; each workload's
NetworkPolicy then admits, on its own port only, the callers it declares (:class:`Caller`) and,
when it has an Ingress, the load balancer; and it lets the workload reach only DNS, the node's
OpenTelemetry agent and the destinations it declares (:class:`Egress`).

An egress to every address (``0.0.0.0/0``) takes a written ``reason``, recorded in the policy's
``infra-kit.io/egress-reasons`` annotation. Any CIDR that covers the link-local range excludes
it, so no workload reaches the instance metadata service and the node's credentials.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import pulumi_kubernetes as k8s

from infra_kit.errors import ValidationError
from infra_kit.k8s._collector_config import (
    AGENT_NAME,
    COLLECTOR_NAMESPACE,
    OTLP_GRPC_PORT,
    OTLP_HTTP_PORT,
)

__all__ = [
    "AWS_API_REASON",
    "EGRESS_REASONS_ANNOTATION",
    "Caller",
    "Egress",
    "check_name",
    "cidr_ingress",
    "collector_egress",
    "dns_egress",
    "egress_reasons",
    "egress_rule",
    "from_callers",
    "namespace_peer",
]

EGRESS_REASONS_ANNOTATION = "infra-kit.io/egress-reasons"
AWS_API_REASON = (
    "AWS API endpoints (STS for IRSA and the services granted to the role) have no fixed "
    "addresses; HTTPS only"
)
_NAMESPACE_LABEL = "kubernetes.io/metadata.name"
_APP_LABEL = "app.kubernetes.io/name"
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_LINK_LOCAL = ipaddress.IPv4Network("169.254.0.0/16")
_MIN_REASON_WORDS = 3


def check_name(key: str, value: object) -> str:
    """A Kubernetes namespace or app name: a DNS label of at most 63 characters."""
    if not isinstance(value, str) or not _DNS_LABEL.match(value):
        raise ValidationError(
            key,
            value,
            "not a Kubernetes name (lower-case letters, digits and '-', at most 63)",
            "use e.g. 'orders-api'",
        )
    return value


def _check_ports(key: str, ports: Sequence[int]) -> None:
    if not ports:
        raise ValidationError(key, ports, "no port given", "list the destination ports")
    for port in ports:
        if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
            raise ValidationError(key, port, "not a port", "use 1 to 65535")


@dataclass(frozen=True)
class Caller:
    """Pods allowed to call a workload: those labelled ``app.kubernetes.io/name=<app>`` in
    ``namespace``."""

    namespace: str
    app: str

    def __post_init__(self) -> None:
        check_name("allow_from.namespace", self.namespace)
        check_name("allow_from.app", self.app)


@dataclass(frozen=True)
class Egress:
    """A destination a workload may reach: CIDRs, or an in-cluster app, on ``ports``.

    Build it with :meth:`to_cidrs` (e.g. the database subnets on 5432), :meth:`to_app`
    (another workload) or :meth:`aws_apis`. ``reason`` is required for ``0.0.0.0/0``.
    Ports are those the destination pods listen on (a Service's ``targetPort``), because
    policies apply after the Service address is translated.
    """

    ports: Sequence[int]
    cidrs: Sequence[str] = field(default_factory=tuple)
    namespace: str | None = None
    app: str | None = None
    protocol: Literal["TCP", "UDP"] = "TCP"
    reason: str | None = None

    def __post_init__(self) -> None:
        _check_ports("egress_to.ports", self.ports)
        if self.protocol not in ("TCP", "UDP"):
            raise ValidationError("egress_to.protocol", self.protocol, "unknown", "use TCP or UDP")
        in_cluster = self.namespace is not None or self.app is not None
        if bool(self.cidrs) == in_cluster:
            raise ValidationError(
                "egress_to",
                self,
                "a destination is either CIDRs or an in-cluster app (namespace and app)",
                "use Egress.to_cidrs(...) or Egress.to_app(...)",
            )
        if in_cluster:
            check_name("egress_to.namespace", self.namespace)
            check_name("egress_to.app", self.app)
        for cidr in self.cidrs:
            try:
                net = ipaddress.ip_network(cidr, strict=True)
            except (TypeError, ValueError) as exc:
                raise ValidationError(
                    "egress_to.cidrs",
                    cidr,
                    f"not a network in CIDR notation ({exc})",
                    "e.g. 10.0.32.0/20",
                ) from None
            if net.prefixlen == 0 and len((self.reason or "").split()) < _MIN_REASON_WORDS:
                raise ValidationError(
                    "egress_to.cidrs",
                    cidr,
                    "it lets the workload reach every address, which NET-5 allows only with a "
                    "written reason",
                    "list the destination's CIDRs, or pass reason='why' (at least three words)",
                )

    @classmethod
    def to_cidrs(
        cls, cidrs: Iterable[str], ports: Sequence[int], *, reason: str | None = None
    ) -> Egress:
        return cls(ports=tuple(ports), cidrs=tuple(cidrs), reason=reason)

    @classmethod
    def to_app(cls, namespace: str, app: str, ports: Sequence[int]) -> Egress:
        return cls(ports=tuple(ports), namespace=namespace, app=app)

    @classmethod
    def aws_apis(cls) -> Egress:
        """HTTPS to AWS APIs, which have no fixed CIDRs (interface endpoints included)."""
        return cls(ports=(443,), cidrs=("0.0.0.0/0",), reason=AWS_API_REASON)


def namespace_peer(
    namespace: str, labels: dict[str, str] | None = None
) -> k8s.networking.v1.NetworkPolicyPeerArgs:
    """Pods of ``namespace`` (all of them, or those matching ``labels``)."""
    return k8s.networking.v1.NetworkPolicyPeerArgs(
        namespace_selector=k8s.meta.v1.LabelSelectorArgs(
            match_labels={_NAMESPACE_LABEL: namespace}
        ),
        pod_selector=k8s.meta.v1.LabelSelectorArgs(match_labels=labels) if labels else None,
    )


def _ports(
    ports: Iterable[int], protocol: str = "TCP"
) -> list[k8s.networking.v1.NetworkPolicyPortArgs]:
    return [k8s.networking.v1.NetworkPolicyPortArgs(port=p, protocol=protocol) for p in ports]


def dns_egress() -> k8s.networking.v1.NetworkPolicyEgressRuleArgs:
    """DNS to kube-dns (CoreDNS) in kube-system, over UDP and TCP."""
    return k8s.networking.v1.NetworkPolicyEgressRuleArgs(
        to=[namespace_peer("kube-system", {"k8s-app": "kube-dns"})],
        ports=[*_ports([53], "UDP"), *_ports([53], "TCP")],
    )


def collector_egress() -> k8s.networking.v1.NetworkPolicyEgressRuleArgs:
    """OTLP (gRPC and HTTP) to the node's OpenTelemetry agent."""
    return k8s.networking.v1.NetworkPolicyEgressRuleArgs(
        to=[namespace_peer(COLLECTOR_NAMESPACE, {_APP_LABEL: AGENT_NAME})],
        ports=_ports([OTLP_GRPC_PORT, OTLP_HTTP_PORT]),
    )


def _ip_block(cidr: str) -> k8s.networking.v1.IPBlockArgs:
    net = ipaddress.ip_network(cidr, strict=True)
    covers = isinstance(net, ipaddress.IPv4Network) and _LINK_LOCAL.subnet_of(net)
    return k8s.networking.v1.IPBlockArgs(cidr=cidr, except_=[str(_LINK_LOCAL)] if covers else None)


def egress_rule(egress: Egress) -> k8s.networking.v1.NetworkPolicyEgressRuleArgs:
    if egress.cidrs:
        peers = [
            k8s.networking.v1.NetworkPolicyPeerArgs(ip_block=_ip_block(c)) for c in egress.cidrs
        ]
    else:
        assert egress.namespace is not None
        assert egress.app is not None
        peers = [namespace_peer(egress.namespace, {_APP_LABEL: egress.app})]
    return k8s.networking.v1.NetworkPolicyEgressRuleArgs(
        to=peers, ports=_ports(egress.ports, egress.protocol)
    )


def egress_reasons(egresses: Iterable[Egress]) -> str | None:
    """The written reasons of the given destinations, for the policy's annotation."""
    reasons = sorted({e.reason.strip() for e in egresses if e.reason})
    return "; ".join(reasons) or None


def from_callers(
    callers: Sequence[Caller], port: int
) -> k8s.networking.v1.NetworkPolicyIngressRuleArgs:
    return k8s.networking.v1.NetworkPolicyIngressRuleArgs(
        from_=[namespace_peer(c.namespace, {_APP_LABEL: c.app}) for c in callers],
        ports=_ports([port]),
    )


def cidr_ingress(cidrs: Sequence[str], port: int) -> k8s.networking.v1.NetworkPolicyIngressRuleArgs:
    return k8s.networking.v1.NetworkPolicyIngressRuleArgs(
        from_=[k8s.networking.v1.NetworkPolicyPeerArgs(ip_block=_ip_block(c)) for c in cidrs],
        ports=_ports([port]),
    )
