"""The security-group rules of an EKS cluster's control plane and nodes, as data (pure).

:func:`plan_security_rules` lists every rule the :class:`~infra_kit.aws.cluster.Cluster` creates;
the component only turns each into an ``aws.vpc`` rule. What each rule admits, and what could
not be narrowed further, is recorded in ADR 0006 (docs/adr/0006-narrowed-cluster-network.md).

On the VPC CNI without security groups for pods, every pod shares its node's security group, so
the node group's rules are also the pods' rules:

- node to node stays open on every TCP port (pod-to-pod traffic between nodes; NetworkPolicies
  enforced by the CNI filter it per pod, NET-5) and on UDP 53 (CoreDNS); other protocols are
  closed.
- the control plane reaches nodes on 443, the kubelet (10250), the metrics-server add-on
  (10251) and the load balancer controller's webhook (9443) only, plus named extra ports.
- nodes reach HTTPS anywhere (AWS APIs through endpoints or NAT, image registries), every TCP
  port and DNS inside the VPC, and nothing else unless a named, reasoned rule widens it.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from infra_kit.aws._cidr import parse_vpc_cidr
from infra_kit.errors import ValidationError

__all__ = [
    "ANYWHERE",
    "CONTROL_PLANE",
    "CONTROL_PLANE_PORTS",
    "NODES",
    "NodeEgress",
    "SecurityRule",
    "plan_security_rules",
]

CONTROL_PLANE = "control-plane"
NODES = "nodes"
ANYWHERE = "0.0.0.0/0"
Group = Literal["control-plane", "nodes"]

#: Ports on nodes the control plane calls, by what listens there (besides 443).
CONTROL_PLANE_PORTS: dict[str, int] = {
    "kubelet": 10250,  # logs, exec, port-forward, and the kubelet's own API
    "metrics-server": 10251,  # the EKS metrics-server add-on's aggregated API (SCALE-1)
    "lbc-webhook": 9443,  # the AWS Load Balancer Controller's admission webhooks
}
_ALL_PORTS = (0, 65535)
_DNS = (53, 53)
_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$")
_MIN_REASON_WORDS = 3
#: What EC2 accepts in a security-group rule's description.
_DESCRIPTION = re.compile(r"^[A-Za-z0-9 ._\-:/()#,@\[\]+=&;{}!$*]{1,255}$")


@dataclass(frozen=True)
class SecurityRule:
    """One ``aws.vpc`` security-group rule: ``group`` admits ``peer`` on ``protocol``/``ports``.

    ``peer`` is ``"control-plane"``, ``"nodes"`` or a CIDR. ``former`` is the rule's earlier
    child suffix, kept as an alias so the rule is changed in place rather than replaced.
    """

    suffix: str
    group: Group
    egress: bool
    protocol: Literal["tcp", "udp"]
    ports: tuple[int, int]
    peer: str
    description: str
    former: str | None = None
    #: Narrowed in place from a wider rule of an earlier release: changed only after the
    #: other rules exist, so no traffic it used to admit is dropped in between.
    narrows: bool = False


@dataclass(frozen=True)
class NodeEgress:
    """One more destination the nodes, and so every pod on them, may reach (widens NET-2).

    Args:
        name: a label naming the rule ``<cluster>-sg-nodes-egress-<name>``: lower case letters,
            digits and ``-``.
        cidr: the destination, an IPv4 CIDR, e.g. ``"203.0.113.10/32"``.
        ports: one port, or a ``(from, to)`` range.
        reason: why every pod on the nodes needs it, three words or more; kept as the rule's
            description, visible in the graph and in the AWS console.
        protocol: ``"tcp"`` (default) or ``"udp"``.
    """

    name: str
    cidr: str
    ports: int | tuple[int, int]
    reason: str
    protocol: Literal["tcp", "udp"] = "tcp"


def _ports(value: object, key: str) -> tuple[int, int]:
    pair = (value, value) if isinstance(value, int) else value
    if (
        not isinstance(pair, tuple)
        or len(pair) != 2
        or not all(isinstance(p, int) and not isinstance(p, bool) for p in pair)
        or not 0 <= pair[0] <= pair[1] <= 65535
    ):
        raise ValidationError(
            key,
            value,
            "not a port or an ordered (from, to) range",
            "write e.g. 5432 or (8000, 8080)",
        )
    return pair[0], pair[1]


def _check_egress(extra: NodeEgress, seen: set[str]) -> SecurityRule:
    key = f"allow_node_egress[{extra.name!r}]"
    if not isinstance(extra.name, str) or not _LABEL.match(extra.name) or extra.name in seen:
        raise ValidationError(
            "allow_node_egress",
            extra.name,
            "each rule needs its own label of lower case letters, digits and '-' (it names the "
            "rule, so reordering the list replaces nothing)",
            "give each NodeEgress a distinct name like 'payments-api'",
        )
    seen.add(extra.name)
    try:
        net = ipaddress.IPv4Network(extra.cidr, strict=True)
    except (ValueError, TypeError) as exc:
        raise ValidationError(
            f"{key}.cidr", extra.cidr, f"not an IPv4 CIDR ({exc})", "write it like 203.0.113.0/24"
        ) from None
    if extra.protocol not in ("tcp", "udp"):
        raise ValidationError(
            f"{key}.protocol", extra.protocol, "only tcp or udp can be widened", "name one of them"
        )
    ports = _ports(extra.ports, f"{key}.ports")
    reason = extra.reason.strip() if isinstance(extra.reason, str) else ""
    if len(reason.split()) < _MIN_REASON_WORDS:
        raise ValidationError(
            f"{key}.reason",
            extra.reason,
            "widening what every pod on the nodes may reach (NET-2) needs a written reason of "
            "three words or more",
            "say in a sentence which workload calls what, and why",
        )
    if not _DESCRIPTION.match(reason):
        raise ValidationError(
            f"{key}.reason",
            extra.reason,
            "the reason becomes the rule's description, which EC2 limits to 255 letters, "
            "digits, spaces and ._-:/()#,@[]+=&;{}!$*",
            "reword it without other characters (no quotes or apostrophes)",
        )
    return SecurityRule(
        f"nodes-egress-{extra.name}", NODES, True, extra.protocol, ports, str(net), reason
    )


def plan_security_rules(
    vpc_cidr: str,
    *,
    webhook_ports: Sequence[int] = (),
    allow_node_egress: Sequence[NodeEgress] = (),
) -> tuple[SecurityRule, ...]:
    """Every rule of the control-plane and node groups, in creation order; raise ValidationError.

    Rules that widen nothing come first, so a rule narrowed in place (``former``) is changed
    only once the rules that take over part of its traffic exist.
    """
    vpc = str(parse_vpc_cidr(vpc_cidr, key="vpc_cidr"))
    named = dict(CONTROL_PLANE_PORTS)
    for port in webhook_ports:
        (number, _) = _ports(port, "control_plane_webhook_ports")
        if number == 443 or number in named.values():
            raise ValidationError(
                "control_plane_webhook_ports",
                port,
                "the control plane already reaches nodes on that port",
                "list only ports not among 443, " + ", ".join(map(str, named.values())),
            )
        named[f"webhook-{number}"] = number
    rules: list[SecurityRule] = [
        SecurityRule("api-from-nodes", CONTROL_PLANE, False, "tcp", (443, 443), NODES,
                     "nodes and pods to the API server"),
        SecurityRule("to-nodes-https", CONTROL_PLANE, True, "tcp", (443, 443), NODES,
                     "API server to webhooks on 443"),
        SecurityRule("nodes-from-api", NODES, False, "tcp", (443, 443), CONTROL_PLANE,
                     "API server to webhooks on 443"),
        SecurityRule("nodes-from-nodes-dns-udp", NODES, False, "udp", _DNS, NODES,
                     "CoreDNS over UDP between nodes"),
        SecurityRule("nodes-egress-vpc-tcp", NODES, True, "tcp", _ALL_PORTS, vpc,
                     "pods, kubelets, databases, load balancers and endpoints in the VPC"),
        SecurityRule("nodes-egress-vpc-dns-udp", NODES, True, "udp", _DNS, vpc,
                     "CoreDNS over UDP in the VPC"),
    ]  # fmt: skip
    for what, port in named.items():
        if what == "kubelet":
            continue
        rules += [
            SecurityRule(f"to-nodes-{what}", CONTROL_PLANE, True, "tcp", (port, port), NODES,
                         f"API server to {what}"),
            SecurityRule(f"nodes-from-api-{what}", NODES, False, "tcp", (port, port),
                         CONTROL_PLANE, f"API server to {what}"),
        ]  # fmt: skip
    seen: set[str] = set()
    rules += [_check_egress(extra, seen) for extra in allow_node_egress]
    kubelet = CONTROL_PLANE_PORTS["kubelet"]
    # Narrowed in place, after the rules above: each keeps its former name as an alias.
    rules += [
        SecurityRule("to-nodes-kubelet", CONTROL_PLANE, True, "tcp", (kubelet, kubelet), NODES,
                     "API server to kubelets", former="to-nodes-high", narrows=True),
        SecurityRule("nodes-from-api-kubelet", NODES, False, "tcp", (kubelet, kubelet),
                     CONTROL_PLANE, "API server to kubelets", former="nodes-from-api-high",
                     narrows=True),
        SecurityRule("nodes-from-nodes", NODES, False, "tcp", _ALL_PORTS, NODES,
                     "pods and kubelets on other nodes; NetworkPolicies filter pods (NET-5)",
                     narrows=True),
        SecurityRule("nodes-egress-https", NODES, True, "tcp", (443, 443), ANYWHERE,
                     "HTTPS to AWS APIs (endpoints or NAT) and image registries",
                     former="nodes-egress", narrows=True),
    ]  # fmt: skip
    return tuple(rules)
