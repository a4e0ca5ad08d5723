"""``infra-kit review``: readiness, answered from the graph (infra_kit.review, ADR 0029).

Exit 0 when every answer stands, 1 when one fails (the graph lacks its evidence; the report says
what is missing and how to add it) or the program cannot be synthesized, 2 on a usage error.
"""

from __future__ import annotations

from pathlib import Path

import click

from infra_kit.cli._common import (
    EXIT_FAILED,
    Progress,
    earned,
    json_option,
    output_option,
    project_dir_option,
    quiet_option,
    run_command,
    timeout_option,
    traceback_option,
    with_graph_option,
    write_report,
)

__all__ = ["review"]


@click.command(
    epilog="\b\nExamples:\n"
    "  infra-kit review --stack prod\n"
    "  infra-kit review --stack prod --project-dir examples/orders-service --format markdown\n"
    "  infra-kit review --graph orders-prod.json --with-graph platform-prod.json "
    "--with-graph cluster-services-prod.json --json"
)
@click.option("--stack", metavar="NAME", default=None, help="Stack to synthesize and review.")
@project_dir_option
@click.option(
    "--graph",
    "graph_file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    default=None,
    help="Review this graph.json instead of synthesizing.",
)
@with_graph_option(
    "A graph.json of a stack the reviewed one relies on: the platform it references, and "
    "the cluster-services stack of its environment. Repeatable."
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="Output format; markdown suits a pull-request comment.",
)
@json_option
@output_option
@quiet_option
@timeout_option
@traceback_option
def review(
    *,
    stack: str | None,
    project_dir: Path,
    graph_file: Path | None,
    with_graphs: tuple[Path, ...],
    output_format: str,
    as_json: bool,
    output: Path | None,
    quiet: bool,
    timeout: float | None,
    show_traceback: bool,
) -> None:
    """Answer the Definition of Done, the runbook scenarios and the 12-factor checklist from a
    stack's graph.

    Each answer cites the resources, settings and numbers it read; one the graph cannot answer
    fails and says what is missing and how to add it. The platform's review reads the
    cluster-services stack of its environment too (what runs on its cluster), and an app's
    reads the platform it references (node groups, network).
    """
    if (stack is None) == (graph_file is None):
        raise click.UsageError("give exactly one of --stack NAME or --graph FILE")
    if with_graphs and graph_file is None:
        raise click.BadParameter(
            "--with-graph goes with --graph; with --stack the referenced stacks are synthesized",
            param_hint="--with-graph",
        )
    if as_json:
        output_format = "json"

    def body() -> int:
        from infra_kit.review import (
            load_subject,
            render_json,
            render_markdown,
            render_text,
        )
        from infra_kit.review import review as review_subject

        progress = Progress(quiet=quiet)
        try:
            subject = load_subject(
                project_dir=project_dir,
                stack=stack,
                graph_file=graph_file,
                with_graphs=with_graphs,
                timeout=timeout,
                progress=progress,
                hard_exit=True,
            )
        finally:
            progress.clear()
        result = review_subject(subject)
        code = earned(0 if result.passed else EXIT_FAILED)
        renderers = {"json": render_json, "markdown": render_markdown, "text": render_text}
        text = renderers[output_format](result)
        write_report(text, output, result.summary())
        return code

    run_command("review", body, show_traceback=show_traceback)
