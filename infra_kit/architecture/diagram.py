"""The architecture diagram, drawn from the graph: one model, rendered to DOT and to Mermaid.

What it shows: the VPC, each AZ with its public, private and isolated subnets, the NAT gateways
and node groups in them, the EKS control plane, the VPC endpoints, the data stores (RDS and
ElastiCache in their subnets, S3), the ALBs the load balancer controller makes for Ingresses
(internet-facing ones behind the platform's web ACL), the workloads behind them, and the
traffic: internet -> WAF -> ALB -> pods -> database, pods -> NAT -> internet. What it omits (IAM,
log groups, alarms, every security group) is in the document's tables instead.

:func:`render_svg` runs Graphviz's ``dot``; everything else is pure Python.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from itertools import pairwise

from infra_kit.architecture._facts import TIERS, Architecture, Database, LoadBalancer, NodeGroup
from infra_kit.errors import SynthError

__all__ = [
    "Diagram",
    "Edge",
    "GraphvizMissingError",
    "Group",
    "Node",
    "build_diagram",
    "render_dot",
    "render_mermaid",
    "render_svg",
]

#: How each kind of node is drawn: (DOT shape, Mermaid opening and closing brackets).
_SHAPES: dict[str, tuple[str, str, str]] = {
    "internet": ("ellipse", "((", "))"),
    "waf": ("octagon", "{{", "}}"),
    "load-balancer": ("box", "[/", "/]"),
    "workload": ("component", "[[", "]]"),
    "database": ("cylinder", "[(", ")]"),
    "cache": ("cylinder", "[(", ")]"),
    "bucket": ("folder", "[(", ")]"),
    "subnet": ("note", "[", "]"),
    "nat": ("hexagon", "{{", "}}"),
    "node-group": ("box3d", "[", "]"),
    "cluster": ("doubleoctagon", "[", "]"),
    "endpoint": ("box", "(", ")"),
    "gateway": ("invhouse", "[", "]"),
}


@dataclass(frozen=True)
class Node:
    id: str
    label: str
    kind: str


@dataclass(frozen=True)
class Group:
    id: str
    label: str
    kind: str  # vpc, az or tier
    nodes: tuple[Node, ...] = ()
    groups: tuple[Group, ...] = ()

    def all_nodes(self) -> list[Node]:
        return [*self.nodes, *(n for g in self.groups for n in g.all_nodes())]

    def all_groups(self) -> list[Group]:
        return [self, *(x for g in self.groups for x in g.all_groups())]


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    label: str = ""
    #: ``traffic`` (solid), ``placement`` (dashed: where a multi-AZ resource sits) or ``order``
    #: (never drawn: it keeps an AZ's tiers in one order in the SVG).
    style: str = "traffic"


@dataclass(frozen=True)
class Diagram:
    title: str
    groups: tuple[Group, ...] = ()
    nodes: tuple[Node, ...] = ()
    edges: tuple[Edge, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    def all_nodes(self) -> list[Node]:
        return [*self.nodes, *(n for g in self.groups for n in g.all_nodes())]

    def all_groups(self) -> list[Group]:
        return [x for g in self.groups for x in g.all_groups()]

    def of_kind(self, kind: str) -> list[Node]:
        return [n for n in self.all_nodes() if n.kind == kind]


def _id(*parts: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", "_".join(parts))


def build_diagram(arch: Architecture) -> Diagram:
    """The diagram of ``arch``: every AZ, tier, NAT, node group, data store and ALB it holds."""
    edges: list[Edge] = []
    zone_groups: list[Group] = []
    db_nodes = {
        d.identifier: Node(_id("db", d.identifier), _db_label(d), "database")
        for d in arch.databases
    }
    for zone in arch.zones:
        tiers = []
        for tier in TIERS:
            subnet = arch.subnet(tier, zone)
            if subnet is None:
                continue
            subnet_node = Node(_id("subnet", tier, zone), f"{tier} subnet\n{subnet.cidr}", "subnet")
            members = [subnet_node]
            if tier == "public":
                members += [
                    Node(_id("nat", n.name), f"NAT gateway\n{n.name}", "nat")
                    for n in arch.nat_gateways
                    if n.zone == zone
                ]
            if tier == "private":
                members += [
                    Node(_id("ng", g.name), _node_group_label(g), "node-group")
                    for g in arch.node_groups
                    if zone in g.zones
                ]
            tiers.append(Group(_id("tier", tier, zone), tier, "tier", tuple(members)))
        # Each AZ lays its tiers out in one order, public to isolated, as traffic goes inwards.
        subnets = [t.nodes[0].id for t in tiers]
        edges += [Edge(a, b, "", "order") for a, b in pairwise(subnets)]
        zone_groups.append(Group(_id("az", zone), zone, "az", (), tuple(tiers)))
    vpc_nodes: list[Node] = []
    if arch.cluster_name:
        access = "public and private" if arch.cluster_public_endpoint else "private"
        vpc_nodes.append(
            Node(
                "eks",
                f"EKS {arch.cluster_name}\nKubernetes {arch.cluster_version}\n{access} API endpoint",
                "cluster",
            )
        )
        edges += [Edge("eks", _id("ng", g.name), "manages", "placement") for g in arch.node_groups]
    gateways = [e for e in arch.endpoints if e.kind == "Gateway"]
    interfaces = [e for e in arch.endpoints if e.kind != "Gateway"]
    if gateways:
        vpc_nodes.append(
            Node(
                "endpoints_gateway",
                "gateway endpoints\n" + ", ".join(e.service for e in gateways),
                "endpoint",
            )
        )
    if interfaces:
        names = ", ".join(e.service for e in interfaces)
        vpc_nodes.append(
            Node(
                "endpoints_interface",
                f"{len(interfaces)} interface endpoints\n{_wrap(names)}",
                "endpoint",
            )
        )
    lb_nodes = [
        Node(_id("alb", lb.name), _lb_label(lb), "load-balancer") for lb in arch.load_balancers
    ]
    workloads = {w for lb in arch.load_balancers for w in lb.backends} | {
        c for d in arch.databases for c in d.clients
    }
    workload_nodes = {
        w: Node(_id("pods", w), f"pods {w}{_replicas(arch, w)}", "workload")
        for w in sorted(workloads)
    }
    vpc_nodes += lb_nodes + list(workload_nodes.values()) + list(db_nodes.values())
    vpc_nodes += [
        Node(_id("cache", c.name), f"ElastiCache {c.engine} {c.name}\n{c.node_type}", "cache")
        for c in arch.caches
    ]
    top: list[Node] = [Node("internet", "Internet", "internet")]
    if any(lb.web_acl for lb in arch.load_balancers) or (arch.web_acls and arch.load_balancers):
        for acl in sorted({lb.web_acl for lb in arch.load_balancers if lb.web_acl}):
            top.append(Node(_id("waf", acl), f"AWS WAF web ACL\n{acl}", "waf"))
    if arch.buckets:
        top.append(
            Node(
                "s3",
                f"S3 buckets ({len(arch.buckets)})\n{_wrap(', '.join(arch.buckets))}",
                "bucket",
            )
        )
    if arch.subnets and any(s.tier == "public" for s in arch.subnets):
        vpc_nodes.append(Node("igw", "internet gateway", "gateway"))
    # traffic: internet -> (WAF) -> ALB -> pods -> database
    for lb, node in zip(arch.load_balancers, lb_nodes, strict=True):
        if lb.scheme == "internet-facing":
            if lb.web_acl:
                edges.append(Edge("internet", _id("waf", lb.web_acl), "HTTPS"))
                edges.append(Edge(_id("waf", lb.web_acl), node.id, "allowed requests"))
            else:
                edges.append(Edge("internet", node.id, "HTTPS"))
        for zone in arch.zones:
            tier = "public" if lb.scheme == "internet-facing" else "private"
            if arch.subnet(tier, zone):
                edges.append(Edge(node.id, _id("subnet", tier, zone), "", "placement"))
        edges += [Edge(node.id, workload_nodes[b].id, "to pod IPs") for b in lb.backends]
    for db in arch.databases:
        node = db_nodes[db.identifier]
        edges += [Edge(workload_nodes[c].id, node.id, f"{db.engine} TLS") for c in db.clients]
        edges += [Edge(node.id, _id("subnet", "isolated", z), "", "placement") for z in db.zones]
    # egress: pods -> NAT -> internet gateway -> internet; pods -> endpoints
    egress_from = [n.id for n in workload_nodes.values()] or [
        _id("ng", g.name) for g in arch.node_groups
    ]
    for source in egress_from:
        edges += [Edge(source, _id("nat", n.name), "egress") for n in arch.nat_gateways]
        if interfaces:
            edges.append(Edge(source, "endpoints_interface", "AWS APIs"))
        if gateways:
            edges.append(Edge(source, "endpoints_gateway", "S3"))
    edges += [Edge(_id("nat", n.name), "igw", "") for n in arch.nat_gateways]
    if any(s.tier == "public" for s in arch.subnets):
        edges.append(Edge("igw", "internet", ""))
    if arch.buckets and gateways:
        edges.append(Edge("endpoints_gateway", "s3", ""))
    groups: tuple[Group, ...] = ()
    if arch.vpc_name or zone_groups:
        label = f"VPC {arch.vpc_name or ''} {arch.vpc_cidr or ''}".strip()
        groups = (Group("vpc", label, "vpc", tuple(vpc_nodes), tuple(zone_groups)),)
    else:
        top += vpc_nodes
    graph = arch.primary
    return Diagram(
        title=f"{graph.project}/{graph.stack}", groups=groups, nodes=tuple(top), edges=tuple(edges)
    )


def _wrap(text: str, width: int = 40) -> str:
    lines: list[str] = []
    for word in text.split(" "):
        if lines and len(lines[-1]) + len(word) < width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "\n".join(lines)


def _replicas(arch: Architecture, key: str) -> str:
    workload = next((w for w in arch.workloads if w.key == key), None)
    return f" ({workload.kind})" if workload else ""


def _node_group_label(group: NodeGroup) -> str:
    return (
        f"node group {group.name}\n{group.capacity_type} {'/'.join(group.instance_types)}\n"
        f"{group.minimum}..{group.maximum} nodes (desired {group.desired})"
    )


def _db_label(db: Database) -> str:
    az = "Multi-AZ" if db.multi_az else "single-AZ"
    return f"RDS {db.engine} {db.engine_version}\n{db.identifier}\n{db.instance_class}, {az}"


def _lb_label(lb: LoadBalancer) -> str:
    hosts = ", ".join(lb.hosts)
    return f"ALB {lb.name}\n{lb.scheme}" + (f"\n{hosts}" if hosts else "")


# -- DOT --------------------------------------------------------------------------------------


def _dot_text(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _dot_group(group: Group, indent: str) -> list[str]:
    colours = {"vpc": "#f4f8fb", "az": "#ffffff", "tier": "#eef5ee"}
    lines = [
        f"{indent}subgraph {_dot_text('cluster_' + group.id)} {{",
        f'{indent}  label={_dot_text(group.label)}; style="rounded,filled"; fillcolor="{colours.get(group.kind, "#ffffff")}";',
    ]
    lines += [_dot_node(n, indent + "  ") for n in group.nodes]
    for sub in group.groups:
        lines += _dot_group(sub, indent + "  ")
    lines.append(f"{indent}}}")
    return lines


def _dot_node(node: Node, indent: str) -> str:
    shape = _SHAPES.get(node.kind, ("box", "[", "]"))[0]
    return f"{indent}{_dot_text(node.id)} [label={_dot_text(node.label)}, shape={shape}];"


def render_dot(diagram: Diagram) -> str:
    """The diagram as a Graphviz DOT digraph; clusters are named ``cluster_<group id>``."""
    lines = [
        "digraph architecture {",
        f"  label={_dot_text(diagram.title)}; labelloc=t; rankdir=LR; compound=true;",
        '  fontname="Helvetica"; node [fontname="Helvetica", fontsize=10, style="filled", '
        'fillcolor="#ffffff"]; edge [fontname="Helvetica", fontsize=9];',
    ]
    lines += [_dot_node(n, "  ") for n in diagram.nodes]
    for group in diagram.groups:
        lines += _dot_group(group, "  ")
    for edge in diagram.edges:
        attrs = [f"label={_dot_text(edge.label)}"] if edge.label else []
        if edge.style == "placement":
            attrs += ["style=dashed", "arrowhead=none", 'color="#888888"']
        elif edge.style == "order":
            attrs += ["style=invis"]
        suffix = f" [{', '.join(attrs)}]" if attrs else ""
        lines.append(f"  {_dot_text(edge.source)} -> {_dot_text(edge.target)}{suffix};")
    lines.append("}")
    return "\n".join(lines) + "\n"


# -- Mermaid ----------------------------------------------------------------------------------


def _mermaid_text(text: str) -> str:
    escaped = text.replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")
    return '"' + escaped.replace("\n", "<br/>") + '"'


def _mermaid_group(group: Group, indent: str) -> list[str]:
    lines = [f"{indent}subgraph {group.id}[{_mermaid_text(group.label)}]"]
    lines += [_mermaid_node(n, indent + "  ") for n in group.nodes]
    for sub in group.groups:
        lines += _mermaid_group(sub, indent + "  ")
    lines.append(f"{indent}end")
    return lines


def _mermaid_node(node: Node, indent: str) -> str:
    _, opening, closing = _SHAPES.get(node.kind, ("box", "[", "]"))
    return f"{indent}{node.id}{opening}{_mermaid_text(node.label)}{closing}"


def render_mermaid(diagram: Diagram) -> str:
    """The diagram as a Mermaid flowchart (GitHub renders it in a ```mermaid block)."""
    lines = ["flowchart LR"]
    lines += [_mermaid_node(n, "  ") for n in diagram.nodes]
    for group in diagram.groups:
        lines += _mermaid_group(group, "  ")
    for edge in diagram.edges:
        if edge.style == "order":
            continue  # layout only, for Graphviz
        arrow = "-.-" if edge.style == "placement" else "-->"
        label = f"|{_mermaid_text(edge.label)}|" if edge.label else ""
        lines.append(f"  {edge.source} {arrow}{label} {edge.target}")
    return "\n".join(lines) + "\n"


# -- SVG --------------------------------------------------------------------------------------


class GraphvizMissingError(SynthError):
    """Graphviz's ``dot`` is not on PATH, so no SVG can be drawn."""


def render_svg(dot_source: str, *, timeout: float = 60.0) -> str:
    """The SVG Graphviz's ``dot`` draws from ``dot_source``; :class:`GraphvizMissingError` if there is
    no ``dot`` on PATH, :class:`SynthError` if it fails."""
    binary = shutil.which("dot")
    if binary is None:
        raise GraphvizMissingError(
            "Graphviz's dot is not on PATH, so the diagram cannot be drawn as SVG. Fix: install "
            "Graphviz (apt-get install graphviz, brew install graphviz), or pass --no-svg to "
            "write the document and the DOT file without the SVG"
        )
    try:
        done = subprocess.run(
            [binary, "-Tsvg"],
            input=dot_source,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise SynthError(f"dot did not finish drawing the diagram within {timeout:g} s") from None
    if done.returncode != 0:
        raise SynthError(
            f"dot failed drawing the diagram (exit {done.returncode}): {done.stderr.strip()}"
        )
    return done.stdout
