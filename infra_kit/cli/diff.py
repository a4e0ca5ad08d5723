"""``infra-kit diff BASE [NEW]``: an offline change preview between two graphs.

BASE and NEW are each a graph.json, a synth output directory holding one, or a git ref (whose
tree is synthesized offline for ``--stack``); NEW defaults to the working tree. Exit 0 when the
preview is written, 1 when it cannot be made or, with ``--fail-on-stateful``, when a change
deletes or replaces a stateful resource (the report is still written first), 2 on a usage error.
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
    usable_output_file,
    write_report,
)

__all__ = ["diff"]


@click.command(
    epilog="\b\nExamples:\n"
    "  infra-kit diff origin/main --stack prod\n"
    "  infra-kit diff main HEAD --stack prod --project-dir examples/orders-service\n"
    "  infra-kit diff base/graph.json .synth/prod --format markdown --output comment.md\n"
    "  infra-kit diff origin/main --stack prod --fail-on-stateful"
)
@click.argument("base", metavar="BASE")
@click.argument("new", metavar="[NEW]", required=False)
@click.option(
    "--stack",
    metavar="NAME",
    default=None,
    help="Stack to synthesize where a side is a git ref or the working tree.",
)
@project_dir_option
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json", "markdown"]),
    default="table",
    show_default=True,
    help="Output format; markdown is a pull-request comment with the monthly cost delta.",
)
@json_option
@output_option
@click.option(
    "--fail-on-stateful",
    is_flag=True,
    help="Exit 1 when a change deletes or replaces a stateful resource (after writing the report).",
)
@quiet_option
@timeout_option
@traceback_option
def diff(
    *,
    base: str,
    new: str | None,
    stack: str | None,
    project_dir: Path,
    output_format: str,
    as_json: bool,
    output: Path | None,
    fail_on_stateful: bool,
    quiet: bool,
    timeout: float | None,
    show_traceback: bool,
) -> None:
    """Preview what applying NEW over BASE would do, offline: resources to create, delete,
    update and replace, with their property changes.

    Deleting or replacing a stateful resource (a database, a bucket, a key, ...) is flagged
    loudly: a resource that disappears, one renamed without an alias, and a change to a property
    the provider cannot update in place. docs/adr/0031-offline-change-preview.md explains what
    the preview can and cannot see.
    """
    if as_json:
        output_format = "json"
    usable_output_file(output)

    def body() -> int:
        from infra_kit.change import diff_graphs
        from infra_kit.change._render import render_json, render_markdown, render_table, summary
        from infra_kit.change._sources import resolve

        progress = Progress(quiet=quiet)
        try:
            old = resolve(
                base,
                param="BASE",
                project_dir=project_dir,
                stack=stack,
                timeout=timeout,
                progress=progress,
            )
            now = resolve(
                new,
                param="NEW",
                project_dir=project_dir,
                stack=stack,
                timeout=timeout,
                progress=progress,
            )
        finally:
            progress.clear()
        changes = diff_graphs(old.graph, now.graph)
        labels = (old.label, now.label)
        code = earned(EXIT_FAILED if fail_on_stateful and changes.data_loss else 0)
        if output_format == "table":
            text = render_table(changes, labels=labels)
        else:
            from infra_kit.cost import delta, estimate

            cost = delta(estimate(old.graph), estimate(now.graph))
            if output_format == "json":
                text = render_json(changes, labels=labels, cost=cost)
            else:
                text = render_markdown(changes, labels=labels, cost=cost)
        write_report(text, output, summary(changes))
        return code

    run_command("diff", body, show_traceback=show_traceback)
