"""Who may talk to a workload, and where it may talk to (NET-5).

Pure logic: no Pulumi runtime. Namespaces deny all traffic by default; each workload's
NetworkPolicy then admits, on its own port only, the callers it declares (:class:`Caller`) and,
when it has an Ingress, the load balancer; and it lets the workload reach only DNS, the node's
OpenTelemetry agent and the destinations it declares (:class:`Egress`).

An egress to every address (``0.0.0.0/0``) takes a written ``reason``, recorded in the policy's
``infra-kit.io/egress-reasons`` annotation. Any CIDR that covers the link-local range excludes
it, so no workload reaches the instance metadata service and the node's credentials.

Addresses of the VPC's subnet tiers come from :func:`tier_cidrs`, which follows the layout the
:class:`~infra_kit.aws.Network` component uses for the profile's ``network.vpc_cidr``.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import pulumi_kubernetes as k8s

from infra_kit.aws._cidr import SubnetTier, subnet_cidr
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
    "tier_cidrs",
]

EGRESS_REASONS_ANNOTATION = "infra-kit.io/egress-reasons"
AWS_API_REASON = (
    "AWS API endpoints (STS for IRSA and the services granted to the role) have no fixed "
    "addresses; HTTPS only; the isolated (data-store) subnets are excluded, the private subnets "
    "are not because the interface endpoints share them with the pods, which therefore stay "
    "reachable on 443"
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


def tier_cidrs(vpc_cidr: str, az_count: int, tier: SubnetTier) -> tuple[str, ...]:
    """The CIDRs of ``tier``'s subnets in AZs ``0 .. az_count-1`` of a VPC of ``vpc_cidr``.

    The :class:`~infra_kit.aws.Network` component places its subnets by the same pure layout
    (:mod:`infra_kit.aws._cidr`), so these are its subnets' CIDRs when it was built with this
    VPC CIDR (its ``cidr`` argument unset: the profile's ``network.vpc_cidr``).
    """
    return tuple(
        subnet_cidr(vpc_cidr, tier, index, key="network.vpc_cidr") for index in range(az_count)
    )


def _network(key: str, cidr: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    try:
        return ipaddress.ip_network(cidr, strict=True)
    except (TypeError, ValueError) as exc:
        raise ValidationError(
            key, cidr, f"not a network in CIDR notation ({exc})", "e.g. 10.0.32.0/20"
        ) from None


def _strictly_inside(
    inner: ipaddress.IPv4Network | ipaddress.IPv6Network,
    outer: ipaddress.IPv4Network | ipaddress.IPv6Network,
) -> bool:
    """Whether ``inner`` is a proper part of ``outer``: what Kubernetes accepts in ``except``."""
    if inner.prefixlen <= outer.prefixlen:
        return False
    if isinstance(inner, ipaddress.IPv4Network) and isinstance(outer, ipaddress.IPv4Network):
        return inner.subnet_of(outer)
    if isinstance(inner, ipaddress.IPv6Network) and isinstance(outer, ipaddress.IPv6Network):
        return inner.subnet_of(outer)
    return False


def _check_ports(key: str, ports: Sequence[int]) -> None:
    if not ports:
        raise ValidationError(key, ports, "no port given", "list the destination ports")
    for port in ports:
        if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
            raise ValidationError(key, port, "not a port", "use 1 to 65535")


@dataclass(frozen=True)
class Caller:
    """Pods allowed to call a workload: those labelled ``app.kubernetes.io/name=<app>`` in
    ``namespace``.

    Attributes:
        namespace: the callers' namespace.
        app: the callers' ``app.kubernetes.io/name`` label.
    """

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
    ``excluded_cidrs`` are carved out of the CIDRs that contain them (the rule's ``except``).
    Ports are those the destination pods listen on (a Service's ``targetPort``), because
    policies apply after the Service address is translated.

    Attributes:
        ports: the destination ports.
        cidrs: destination CIDRs; empty for an in-cluster app.
        namespace: the namespace of an in-cluster destination.
        app: the ``app.kubernetes.io/name`` of an in-cluster destination.
        protocol: ``TCP`` or ``UDP``.
        reason: why the destination is needed; required for ``0.0.0.0/0``.
        excluded_cidrs: CIDRs carved out of ``cidrs``.
    """

    ports: Sequence[int]
    cidrs: Sequence[str] = field(default_factory=tuple)
    namespace: str | None = None
    app: str | None = None
    protocol: Literal["TCP", "UDP"] = "TCP"
    reason: str | None = None
    excluded_cidrs: Sequence[str] = field(default_factory=tuple)

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
        networks = [_network("egress_to.cidrs", cidr) for cidr in self.cidrs]
        for cidr, net in zip(self.cidrs, networks, strict=True):
            if net.prefixlen == 0 and len((self.reason or "").split()) < _MIN_REASON_WORDS:
                raise ValidationError(
                    "egress_to.cidrs",
                    cidr,
                    "it lets the workload reach every address, which NET-5 allows only with a "
                    "written reason",
                    "list the destination's CIDRs, or pass reason='why' (at least three words)",
                )
        for cidr in self.excluded_cidrs:
            excluded = _network("egress_to.excluded_cidrs", cidr)
            if not any(_strictly_inside(excluded, net) for net in networks):
                raise ValidationError(
                    "egress_to.excluded_cidrs",
                    cidr,
                    "not a proper part of any of the destination's CIDRs "
                    f"({', '.join(self.cidrs) or 'none'}), so there is nothing to carve it out of",
                    "exclude only networks inside the destination's CIDRs",
                )

    @classmethod
    def to_cidrs(
        cls,
        cidrs: Iterable[str],
        ports: Sequence[int],
        *,
        reason: str | None = None,
        excluding: Iterable[str] = (),
    ) -> Egress:
        """``cidrs`` on ``ports``, less ``excluding``. Default: nothing excluded but the
        link-local range, which every CIDR that covers it loses."""
        return cls(
            ports=tuple(ports), cidrs=tuple(cidrs), reason=reason, excluded_cidrs=tuple(excluding)
        )

    @classmethod
    def to_app(cls, namespace: str, app: str, ports: Sequence[int]) -> Egress:
        return cls(ports=tuple(ports), namespace=namespace, app=app)

    @classmethod
    def aws_apis(cls, vpc_cidr: str, az_count: int) -> Egress:
        """HTTPS to AWS APIs, which have no fixed addresses (interface endpoints included).

        Every address on 443, except the link-local range and the isolated subnets of the VPC
        (``vpc_cidr``, ``az_count`` AZs: the profile's ``network`` section), where data stores
        live and nothing serves HTTPS to pods. The public subnets (load balancers and NAT
        gateways only) stay reachable, and so do the private subnets: the interface endpoints
        (prod) sit there and SDK calls reach them on 443 through private DNS. With the VPC CNI
        the pods take their addresses in those same private subnets, so this rule also lets a
        workload reach any pod on 443 that the destination's own NetworkPolicy admits; the
        policy's ``infra-kit.io/egress-reasons`` annotation says so (:data:`AWS_API_REASON`).
        """
        return cls(
            ports=(443,),
            cidrs=("0.0.0.0/0",),
            reason=AWS_API_REASON,
            excluded_cidrs=tier_cidrs(vpc_cidr, az_count, SubnetTier.ISOLATED),
        )


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


def _ip_block(cidr: str, excluded: Sequence[str] = ()) -> k8s.networking.v1.IPBlockArgs:
    """``cidr`` less the link-local range (when it covers it) and those of ``excluded`` that
    are a proper part of it, in that order."""
    net = ipaddress.ip_network(cidr, strict=True)
    carved = [str(_LINK_LOCAL)] if _strictly_inside(_LINK_LOCAL, net) else []
    for other in excluded:
        if other not in carved and _strictly_inside(ipaddress.ip_network(other), net):
            carved.append(other)
    return k8s.networking.v1.IPBlockArgs(cidr=cidr, except_=carved or None)


def egress_rule(egress: Egress) -> k8s.networking.v1.NetworkPolicyEgressRuleArgs:
    if egress.cidrs:
        peers = [
            k8s.networking.v1.NetworkPolicyPeerArgs(ip_block=_ip_block(c, egress.excluded_cidrs))
            for c in egress.cidrs
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
