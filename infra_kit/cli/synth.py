"""``infra-kit synth``: run a stack's program offline and write its resource graph.

Bad input (no project, no stack file, invalid config, an unusable ``--out``) and a fault in the
program end the run with exit 1 (2 for a usage error) and a message naming the file, key or
program line; nothing is written, and a previous run's graph.json in the output directory is
removed first, so no result of an earlier run is left to be mistaken for this one's.
Interrupted, it writes nothing and exits 130.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from infra_kit.cli._common import (
    Progress,
    echo,
    project_dir_option,
    quiet_option,
    run_command,
    stack_option,
    timeout_option,
    traceback_option,
    usable_output_dir,
)

__all__ = ["synth"]


@click.command(
    epilog="\b\nExamples:\n"
    "  infra-kit synth --stack dev\n"
    "  infra-kit synth --stack prod --project-dir examples/orders-service --out /tmp/orders"
)
@stack_option
@project_dir_option
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Output directory.  [default: <project-dir>/.synth/<stack>]",
)
@click.option("--json", "as_json", is_flag=True, help="Print graph.json to stdout; write nothing.")
@quiet_option
@timeout_option
@traceback_option
def synth(
    *,
    stack: str,
    project_dir: Path,
    out: Path | None,
    as_json: bool,
    quiet: bool,
    timeout: float | None,
    show_traceback: bool,
) -> None:
    """Run a Pulumi Python program offline and write its resource graph.

    Uses the SDK's mock API: no Pulumi CLI, provider plugin or cloud account. Writes
    OUT/graph.json and OUT/k8s/*.yaml, prints the resource tree and a one-line summary of
    `infra-kit check` (which does not fail the synth).
    """
    if out is not None and as_json:
        raise click.UsageError("--json prints the graph and writes nothing; drop --out or --json")
    if out is not None:
        usable_output_dir(out)

    def body() -> int:
        from infra_kit.core.engine import OfflineEngine
        from infra_kit.core.engine._graph import clear_outputs

        progress = Progress(quiet=quiet)
        engine = OfflineEngine.for_project(
            project_dir, stack, timeout=timeout, progress=progress, hard_exit=True
        )
        target = out if out is not None else engine.directory / ".synth" / stack
        if not as_json:
            usable_output_dir(target)
            clear_outputs(target)
        try:
            graph = engine.run()
        finally:
            progress.clear()
        summary = _check_summary(graph.to_contract())
        if as_json:
            sys.stdout.write(graph.to_json())
            for warning in engine.warnings:
                echo(warning, err=True)
            return 0
        written = graph.write(target)
        echo(graph.summary())
        for warning in engine.warnings:
            echo(warning, err=True)
        echo(summary)
        manifests = len(written) - 1
        echo(
            f"wrote {target / 'graph.json'} and {manifests} Kubernetes manifest(s) under "
            f"{target / 'k8s'}"
        )
        return 0

    run_command("synth", body, show_traceback=show_traceback)


def _check_summary(document: dict[str, object]) -> str:
    from infra_kit.policy import GraphDoc, check_graph

    report = check_graph(GraphDoc(document))
    return f"{report.summary()}; run infra-kit check for details"
