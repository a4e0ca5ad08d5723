"""``infra-kit check``: every rule over a stack's graph and manifests, with suppressions applied.

Exit 0 when nothing fails, 1 when a rule fails (an error; a warning too with
``--fail-on warning``) or the program cannot be synthesized, 2 on a usage error.
"""

from __future__ import annotations

from pathlib import Path

import click

from infra_kit.cli._common import (
    EXIT_USAGE,
    Progress,
    earned,
    echo,
    json_option,
    project_dir_option,
    quiet_option,
    run_command,
    timeout_option,
    traceback_option,
    write_report,
)
from infra_kit.errors import SynthError

__all__ = ["check"]


@click.command(
    epilog="\b\nExamples:\n"
    "  infra-kit check --stack prod\n"
    "  infra-kit check --stack prod --project-dir examples/orders-service --json\n"
    "  infra-kit check --graph .synth/prod/graph.json --format sarif --output check.sarif"
)
@click.option("--stack", metavar="NAME", default=None, help="Stack to synthesize and check.")
@project_dir_option
@click.option(
    "--graph",
    "graph_file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    default=None,
    help="Check this graph.json instead of synthesizing.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json", "sarif"]),
    default="table",
    show_default=True,
    help="Output format; sarif is SARIF 2.1.0 for GitHub code scanning.",
)
@json_option
@click.option(
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write the report to this file instead of stdout.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning"]),
    default="error",
    show_default=True,
    help="Lowest severity that fails the check.",
)
@click.option("--rule", "rule_ids", multiple=True, metavar="ID", help="Run only these rules.")
@click.option("--verbose", "-v", is_flag=True, help="Show full URNs in the table.")
@quiet_option
@timeout_option
@traceback_option
def check(
    *,
    stack: str | None,
    project_dir: Path,
    graph_file: Path | None,
    output_format: str,
    as_json: bool,
    output: Path | None,
    fail_on: str,
    rule_ids: tuple[str, ...],
    verbose: bool,
    quiet: bool,
    timeout: float | None,
    show_traceback: bool,
) -> None:
    """Check a stack against the prescriptions (docs/rules.md lists every rule).

    Synthesizes the stack offline (or reads --graph), runs every rule over the whole graph and
    every rendered manifest, and lists each finding with its rule, resource and fix; findings
    accepted in code with infra_kit.policy.suppress() are listed with their reason.
    """
    if (stack is None) == (graph_file is None):
        raise click.UsageError("give exactly one of --stack NAME or --graph FILE")
    if as_json:
        output_format = "json"

    def body() -> int:
        from infra_kit.policy import GraphDoc, Severity, check_graph, rules_for
        from infra_kit.policy.report import render_json, render_table
        from infra_kit.policy.sarif import render_sarif

        try:
            rules = rules_for(rule_ids or None)
        except KeyError as unknown:
            echo(
                f"infra-kit check: error: no rule {unknown.args[0]}; docs/rules.md lists them",
                err=True,
            )
            return EXIT_USAGE
        root = project_dir.resolve()
        if graph_file is not None:
            try:
                graph = GraphDoc.load(graph_file)
            except (ValueError, OSError) as exc:
                raise SynthError(f"{graph_file} is not a graph.json document: {exc}") from None
        else:
            from infra_kit.core.engine import OfflineEngine

            progress = Progress(quiet=quiet)
            engine = OfflineEngine.for_project(
                project_dir, str(stack), timeout=timeout, progress=progress, hard_exit=True
            )
            try:
                graph = GraphDoc(engine.run().to_contract())
            finally:
                progress.clear()
            root = engine.root
        report = check_graph(graph, rules)
        code = earned(report.exit_code(Severity(fail_on)))
        if output_format == "json":
            text = render_json(report)
        elif output_format == "sarif":
            text = render_sarif(
                report, graph=graph, root=root, project_file=_project_file(project_dir, root)
            )
        else:
            text = render_table(report, verbose=verbose, graph=graph, root=root)
        write_report(text, output, report.summary())
        return code

    run_command("check", body, show_traceback=show_traceback)


def _project_file(project_dir: Path, root: Path) -> str:
    manifest = (project_dir / "Pulumi.yaml").resolve()
    try:
        return manifest.relative_to(root).as_posix()
    except ValueError:
        return "Pulumi.yaml"
