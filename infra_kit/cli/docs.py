"""``infra-kit docs``: the architecture document and its diagram, generated from a stack's graph.

Writes ``architecture.md`` (with the diagram inline as Mermaid), ``architecture.dot`` and
``architecture.svg`` (drawn by Graphviz's ``dot``) into ``--out``. Exit 0 when written, 1 when
a stack cannot be synthesized, a graph cannot be read or ``dot`` is missing or fails (nothing is
written then), 2 on a usage error, 130 interrupted.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from infra_kit.cli._common import (
    Progress,
    echo,
    project_dir_option,
    quiet_option,
    run_command,
    timeout_option,
    traceback_option,
    with_graph_option,
)

__all__ = ["docs"]


@click.command(
    epilog="\b\nExamples:\n"
    "  infra-kit docs --stack prod --out build/architecture\n"
    "  infra-kit docs --stack prod --app cluster-services --app examples/orders-service --out build/arch\n"
    "  infra-kit docs --graph platform-prod/graph.json --with-graph orders-prod/graph.json --out arch"
)
@click.option("--stack", metavar="NAME", default=None, help="Stack to synthesize and document.")
@project_dir_option
@click.option(
    "--graph",
    "graph_file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    default=None,
    help="Document this graph.json instead of synthesizing.",
)
@with_graph_option(
    "Another stack's graph.json shown in the same document and diagram (an app stack that "
    "runs on the platform, or one the stack references); repeatable."
)
@click.option(
    "--app",
    "apps",
    multiple=True,
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    help="A project directory whose stack of the same name (--stack) runs on this one; it is "
    "synthesized and shown with it (its databases, ALBs, workloads); repeatable.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    help="Directory to write architecture.md, architecture.dot and architecture.svg into.",
)
@click.option(
    "--no-svg", is_flag=True, help="Skip the SVG (and Graphviz): write the document and DOT."
)
@quiet_option
@timeout_option
@traceback_option
def docs(
    *,
    stack: str | None,
    project_dir: Path,
    graph_file: Path | None,
    with_graphs: tuple[Path, ...],
    apps: tuple[Path, ...],
    out: Path,
    no_svg: bool,
    quiet: bool,
    timeout: float | None,
    show_traceback: bool,
) -> None:
    """Generate the architecture document of a stack, with its diagram, from the graph.

    Every section (requirements, components, environments compared, deployment, scaling, HA and
    DR, network and security, observability, cost, trade-offs, ADRs and runbooks) is read from
    the synthesized graph and the environment profile. The platform's graph has no database or
    load balancer of its own: add the stacks that run on it with --app or --with-graph.
    """
    if (stack is None) == (graph_file is None):
        raise click.UsageError("give exactly one of --stack NAME or --graph FILE")
    if apps and stack is None:
        raise click.BadParameter(
            "--app synthesizes the project's stack named by --stack; with --graph, pass the app's "
            "graph.json with --with-graph instead",
            param_hint="--app",
        )
    _writable_dir(out)

    def body() -> int:
        from infra_kit.architecture import find_docs, write_documents
        from infra_kit.core.stack_graphs import (
            load_graph,
            load_stack_graphs,
            reference_names,
            referenced_graphs,
            synth_graph,
        )

        progress = Progress(quiet=quiet)
        try:
            loaded = load_stack_graphs(
                project_dir=project_dir,
                stack=stack,
                graph_file=graph_file,
                reference_files=with_graphs,
                with_references=False,
                timeout=timeout,
                progress=progress,
            )
            graphs = [loaded.graph]
            graphs += [
                synth_graph(app, str(stack), timeout=timeout, progress=progress)[0] for app in apps
            ]
            graphs += [load_graph(path) for path in with_graphs]
            given = {(g.project, g.stack) for g in graphs}
            # An app stack has no network of its own: the platform it references has.
            if not loaded.graph.of_type("aws:ec2/vpc:Vpc"):
                unresolved = [
                    n
                    for n in reference_names(loaded.graph)
                    if tuple(n.split("/")[-2:]) not in given
                ]
                if stack is not None and unresolved:
                    found = referenced_graphs(
                        loaded.graph, loaded.root, timeout=timeout, progress=progress
                    )
                    graphs += [g for name, g in found.items() if name in unresolved]
                elif unresolved:
                    echo(
                        f"infra-kit docs: note: {', '.join(unresolved)} not given; pass its graph.json "
                        "with --with-graph to show the network this stack runs in",
                        err=True,
                    )
        finally:
            progress.clear()
        written = write_documents(graphs, out, docs=find_docs(loaded.root), svg=not no_svg)
        if not quiet:
            echo("wrote " + ", ".join(str(p) for p in written), err=True)
        return 0

    run_command("docs", body, show_traceback=show_traceback)


def _writable_dir(out: Path) -> None:
    """A usage error naming --out unless a directory can be written there."""
    for candidate in (out, *out.parents):
        if not candidate.exists():
            continue
        if not candidate.is_dir():
            raise click.BadParameter(
                f"{candidate} is a file; --out names a directory for architecture.md, "
                "architecture.dot and architecture.svg",
                param_hint="--out",
            )
        if not os.access(candidate, os.W_OK | os.X_OK):
            raise click.BadParameter(
                f"{candidate} is not writable; choose a directory you can write to",
                param_hint="--out",
            )
        return
