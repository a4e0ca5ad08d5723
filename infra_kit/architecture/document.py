"""The architecture document: Markdown generated from the graphs and the environment profile.

:func:`render_document` writes every section from an :class:`Architecture`; :func:`write_documents`
writes ``architecture.md``, ``architecture.dot`` and ``architecture.svg`` together, or none of
them. Only the SVG needs Graphviz's ``dot`` binary.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

from infra_kit.architecture._components import component_purpose, key_settings
from infra_kit.architecture._environments import differing_settings, lookup, show, trade_off_rows
from infra_kit.architecture._model import Architecture, derive, top_level_components
from infra_kit.architecture._sections import (
    deployment,
    ha_and_dr,
    network_and_security,
    observability,
    scaling,
    table,
)
from infra_kit.architecture.diagram import build_diagram, render_dot, render_mermaid, render_svg
from infra_kit.core.profile._base import ENVIRONMENTS
from infra_kit.policy._graph import GraphDoc

__all__ = ["DOCUMENT", "DOT", "SVG", "find_docs", "render_document", "write_documents"]

DOCUMENT, DOT, SVG = "architecture.md", "architecture.dot", "architecture.svg"


def find_docs(start: Path) -> Path | None:
    """The repository's ``docs/`` (it holds ``adr/README.md``), from ``start`` upwards."""
    for directory in (start.resolve(), *start.resolve().parents):
        if (directory / "docs" / "adr" / "README.md").is_file():
            return directory / "docs"
    return None


def _relation(graph: GraphDoc) -> str:
    """How the other graphs relate to the subject: apps on its network, or the network it is on."""
    if graph.of_type("aws:ec2/vpc:Vpc"):
        return "with the stacks that run on it:"
    return "running in the network of"


def _summary(arch: Architecture) -> str:
    graph = arch.primary
    others = ", ".join(f"`{g.project}/{g.stack}`" for g in arch.graphs[1:])
    lines = [
        f"The `{graph.stack}` stack of `{graph.project}`, in environment "
        f"`{arch.profile.get('name')}`" + (f", {_relation(graph)} {others}." if others else "."),
    ]
    facts = []
    if arch.vpc_cidr:
        facts.append(
            f"a VPC {arch.vpc_cidr} across {len(arch.zones)} AZs with {len(arch.subnets)} subnets"
        )
    if arch.cluster_name:
        facts.append(
            f"EKS `{arch.cluster_name}` (Kubernetes {arch.cluster_version}) with {len(arch.node_groups)} "
            f"node groups, {sum(g.desired for g in arch.node_groups)} nodes at rest"
        )
    if arch.databases:
        facts.append(
            f"{len(arch.databases)} database(s): "
            + ", ".join(f"`{d.identifier}`" for d in arch.databases)
        )
    if arch.load_balancers:
        facts.append(
            f"{len(arch.load_balancers)} ALB(s): "
            + ", ".join(f"`{lb.name}` ({lb.scheme})" for lb in arch.load_balancers)
        )
    if arch.workloads:
        facts.append(f"{len(arch.workloads)} Kubernetes workloads")
    components = sum(len(top_level_components(g)) for g in arch.graphs)
    facts.append(
        f"{components} infra-kit components, {sum(len(g.resources) for g in arch.graphs)} resources in all"
    )
    return lines[0] + " It has " + "; ".join(facts) + "."


def _requirements(arch: Architecture) -> str:
    p = arch.profile
    slo = p.get("slo") or {}
    workloads = p.get("workloads") or {}
    cluster = p.get("cluster") or {}
    recovery = p.get("recovery") or {}
    rows = [
        [
            "Availability",
            f"{slo.get('availability_target_percent')}% of requests without a 5xx over {slo.get('window_days')} days",
            "`slo.availability_target_percent`",
        ],
        [
            "Latency",
            f"{slo.get('latency_target_percent')}% of requests within {slo.get('latency_threshold_ms')} ms",
            "`slo.latency_*`",
        ],
        [
            "Zones",
            f"{lookup(p, 'network.az_count')} AZs, NAT `{lookup(p, 'network.nat_strategy')}`, database Multi-AZ {show(lookup(p, 'database.multi_az'))}",
            "`network.*`, `database.multi_az`",
        ],
        [
            "Scalability, pods",
            f"{workloads.get('min_replicas')}..{workloads.get('max_replicas')} replicas per service at {workloads.get('cpu_target_percent')}% CPU",
            "`workloads.*`",
        ],
        [
            "Scalability, nodes",
            f"{cluster.get('nodes_min_per_az')}..{cluster.get('nodes_max_per_az')} per AZ, {cluster.get('nodes_desired_per_az')} at rest",
            "`cluster.nodes_*_per_az`",
        ],
        ["RTO", f"{recovery.get('rto_hours')} h", "`recovery.rto_hours`"],
        [
            "RPO",
            f"{recovery.get('rpo_hours')} h for buckets and volumes, {recovery.get('database_rpo_minutes')} min for the database",
            "`recovery.rpo_hours`, `recovery.database_rpo_minutes`",
        ],
        [
            "Budget",
            f"{lookup(p, 'budget.monthly_limit_usd')} USD a month",
            "`budget.monthly_limit_usd`",
        ],
    ]
    return table(["Requirement", "Target", "Profile key"], rows)


def _components(arch: Architecture) -> str:
    out = []
    for graph in arch.graphs:
        out.append(f"### `{graph.project}/{graph.stack}`")
        for component in top_level_components(graph):
            settings = key_settings(graph, component)
            body = "\n".join(f"  - {line}" for line in settings)
            out.append(
                f"- **`{component['name']}`** (`{component['type']}`): {component_purpose(component['type'])}"
                + (f"\n{body}" if body else "")
            )
    return "\n\n".join(out)


def _environments(arch: Architecture) -> str:
    rows = [[f"`{key}`", *values, own] for key, values, own in differing_settings(arch.profile)]
    return (
        "The settings whose built-in values differ between environments (every other setting is "
        "the same everywhere: same topology, different sizes, ENV-2), and this stack's value:\n\n"
        + table(["Setting", *ENVIRONMENTS, f"this stack ({arch.profile.get('name')})"], rows)
    )


def _trade_offs(arch: Architecture) -> str:
    rows = [
        [f"`{trade.key}`", *values, cheaper or "-", own, trade.gains, trade.loses]
        for trade, values, cheaper, own in trade_off_rows(arch.profile)
    ]
    return table(["Choice", *ENVIRONMENTS, "Cheaper in", "This stack", "Saves", "Loses"], rows)


def _cost(arch: Architecture) -> str:
    from infra_kit.cost import estimate

    estimates = [estimate(graph) for graph in arch.graphs]
    out = []
    if len(estimates) > 1:
        parts = " + ".join(
            f"`{g.project}/{g.stack}` ${e.total_monthly_usd:,.2f}"
            for g, e in zip(arch.graphs, estimates, strict=True)
        )
        total = sum(e.total_monthly_usd for e in estimates)
        out.append(f"Together ${total:,.2f} a month: {parts}.")
    out += [e.render_markdown().strip() for e in estimates]
    return "\n\n".join(out)


def _links(docs: Path | None, out_dir: Path) -> str:
    if docs is None:
        return "No `docs/` directory with ADRs was found above the project."
    base = Path(os.path.relpath(docs, out_dir.resolve()))
    lines = ["Architecture decision records:", ""]
    readme = (docs / "adr" / "README.md").read_text(encoding="utf-8")
    for number, target, decision in re.findall(
        r"^\| \[(\d{4})\]\(([^)]+)\) \| (.+?) \|\s*$", readme, re.M
    ):
        if (docs / "adr" / target).is_file():
            lines.append(f"- [ADR {number}]({(base / 'adr' / target).as_posix()}): {decision}")
    lines += ["", "Runbooks:", ""]
    for runbook in sorted((docs / "runbooks").glob("*.md")):
        first = runbook.read_text(encoding="utf-8").splitlines()[:1]
        title = first[0].lstrip("# ").strip() if first else runbook.stem
        lines.append(f"- [{title}]({(base / 'runbooks' / runbook.name).as_posix()})")
    return "\n".join(lines)


def render_document(
    arch: Architecture, *, docs: Path | None, out_dir: Path, mermaid: str, svg: bool
) -> str:
    """The whole Markdown document; links are relative to ``out_dir``, where it is written."""
    graph = arch.primary
    picture = f"![Architecture diagram]({SVG})\n\n" if svg else ""
    sections = [
        ("Summary", _summary(arch)),
        ("Requirements", _requirements(arch)),
        ("Diagram", f"{picture}```mermaid\n{mermaid.rstrip()}\n```"),
        ("Components", _components(arch)),
        ("Environments compared", _environments(arch)),
        ("Deployment strategy", deployment(arch)),
        ("Scaling rules", scaling(arch)),
        ("High availability and disaster recovery", ha_and_dr(arch)),
        ("Network and security", network_and_security(arch)),
        ("Observability", observability(arch)),
        ("Cost", _cost(arch)),
        ("Trade-offs", _trade_offs(arch)),
        ("Decisions and runbooks", _links(docs, out_dir)),
    ]
    head = (
        f"# Architecture of {graph.project}/{graph.stack}\n\n"
        "Generated by `infra-kit docs` from the synthesized graph and the environment profile; "
        "regenerate it rather than editing it.\n"
    )
    return head + "".join(f"\n## {title}\n\n{body.strip()}\n" for title, body in sections)


def write_documents(
    graphs: Sequence[GraphDoc], out_dir: Path, *, docs: Path | None, svg: bool = True
) -> list[Path]:
    """Write the document, the DOT source and (with ``svg``) the SVG into ``out_dir``.

    Everything is rendered first; a missing ``dot`` or a failing one raises before any file is
    written. Each file is replaced atomically, and the document goes last, after the previous
    one is removed: a run interrupted half-way leaves no document beside files of two runs,
    and the document's presence means the files beside it are its own. Without ``svg`` a
    previous run's SVG is removed too, so no stale diagram sits beside the new document.
    Returns the paths written.
    """
    from infra_kit.core.engine._graph import write_atomically

    arch = derive(graphs)
    diagram = build_diagram(arch)
    dot = render_dot(diagram)
    drawn = render_svg(dot) if svg else None
    text = render_document(
        arch, docs=docs, out_dir=out_dir, mermaid=render_mermaid(diagram), svg=svg
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / DOCUMENT).unlink(missing_ok=True)
    if drawn is None:
        (out_dir / SVG).unlink(missing_ok=True)
    files = {DOT: dot, **({SVG: drawn} if drawn is not None else {}), DOCUMENT: text}
    for name, content in files.items():
        write_atomically(out_dir / name, content)
    return [out_dir / name for name in files]
