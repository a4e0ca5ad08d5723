"""``infra-kit cost``: the monthly cost of a stack, its largest driver and the levers that move it.

Exit 0 when every resource is priced, 1 when a resource type is neither priced nor listed as free
in the price table (the estimate is incomplete) or the program cannot be synthesized, 2 on a usage
error.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from infra_kit.cli._common import (
    EXIT_FAILED,
    Progress,
    earned,
    echo,
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

if TYPE_CHECKING:
    from infra_kit.cost import CostEstimate
    from infra_kit.policy._graph import GraphDoc

__all__ = ["cost"]


def _usage_overrides(
    _ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]
) -> dict[str, float]:
    from infra_kit.core.profile import UsageProfile

    known = sorted(UsageProfile.model_fields)
    out: dict[str, float] = {}
    for item in values:
        key, sep, raw = item.partition("=")
        if not sep or key not in known:
            raise click.BadParameter(
                f"{item!r}: give KEY=NUMBER with KEY one of {', '.join(known)}",
                param_hint="--usage",
            )
        try:
            out[key] = float(raw)
        except ValueError:
            raise click.BadParameter(
                f"{item!r}: {raw!r} is not a number", param_hint="--usage"
            ) from None
        if out[key] < 0:
            raise click.BadParameter(f"{item!r}: give a number >= 0", param_hint="--usage")
    return out


def _stack_list(_ctx: click.Context, _param: click.Parameter, value: str | None) -> list[str]:
    if value is None:
        return []
    stacks = [name.strip() for name in value.split(",") if name.strip()]
    if len(stacks) < 2:
        raise click.BadParameter(
            f"{value!r}: name at least two stacks, e.g. dev,stage,prod", param_hint="--compare"
        )
    return stacks


@click.command(
    epilog="\b\nExamples:\n"
    "  infra-kit cost --stack prod\n"
    "  infra-kit cost --compare dev,stage,prod --project-dir examples/orders-service\n"
    "  infra-kit cost --graph new/graph.json --base old/graph.json --format markdown\n"
    "  infra-kit cost --graph dev/graph.json --graph prod/graph.json --json"
)
@click.option("--stack", metavar="NAME", default=None, help="Stack to synthesize and price.")
@project_dir_option
@click.option(
    "--graph",
    "graph_files",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    multiple=True,
    help="Price this graph.json instead of synthesizing; give it twice or more to compare.",
)
@click.option(
    "--compare",
    "compare",
    metavar="STACKS",
    default=None,
    callback=_stack_list,
    help="Synthesize these stacks (comma-separated, e.g. dev,stage,prod) and compare them.",
)
@click.option(
    "--base",
    "base_file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    default=None,
    help="Show the monthly change from this graph.json (before a change) to the stack.",
)
@click.option(
    "--usage",
    "usage",
    multiple=True,
    metavar="KEY=NUMBER",
    callback=_usage_overrides,
    help="Override a usage assumption of the profile, e.g. nat_processed_gb=5000.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json", "markdown"]),
    default="table",
    show_default=True,
    help="Output format; markdown is a block for a pull-request comment.",
)
@json_option
@output_option
@click.option("--verbose", "-v", is_flag=True, help="Show every line's formula in the table.")
@quiet_option
@timeout_option
@traceback_option
def cost(
    *,
    stack: str | None,
    project_dir: Path,
    graph_files: tuple[Path, ...],
    compare: list[str],
    base_file: Path | None,
    usage: dict[str, float],
    output_format: str,
    as_json: bool,
    output: Path | None,
    verbose: bool,
    quiet: bool,
    timeout: float | None,
    show_traceback: bool,
) -> None:
    """Estimate a stack's monthly cost from its graph (COST-2).

    Prices every resource at AWS list prices (infra_kit/cost/data/prices.json, each rate with its
    source and date) under the usage assumptions of the environment profile's usage section, and
    names the largest cost driver with the levers that move it. Only the stack's own resources are
    priced: an app's stack does not include the platform it runs on.
    """
    sources = sum(1 for given in (stack, compare, graph_files) if given)
    if sources != 1:
        raise click.UsageError("give exactly one of --stack NAME, --compare STACKS or --graph FILE")
    comparing = bool(compare) or len(graph_files) > 1
    if base_file is not None and comparing:
        raise click.UsageError("--base compares one stack with its base; drop --compare")
    usable_output_file(output)
    if as_json:
        output_format = "json"

    def body() -> int:
        from infra_kit.core.stack_graphs import load_graph
        from infra_kit.cost import delta, estimate
        from infra_kit.cost._render import compare_json, compare_markdown, compare_table

        graphs = _graphs(stack, compare, graph_files, project_dir, quiet=quiet, timeout=timeout)
        estimates = [estimate(graph, usage=usage) for graph in graphs]
        if base_file is not None:
            change = delta(estimate(load_graph(base_file), usage=usage), estimates[0])
            text = _render(change, output_format)
        elif comparing:
            text = {
                "json": lambda: json.dumps(compare_json(estimates), indent=2),
                "markdown": lambda: compare_markdown(estimates),
                "table": lambda: compare_table(estimates),
            }[output_format]()
        else:
            text = _render(estimates[0], output_format, verbose=verbose)
        code = earned(EXIT_FAILED if any(est.unpriced for est in estimates) else 0)
        _write(text, output)
        for est in estimates:
            if est.unpriced:
                kinds = sorted({kind for _, kind in est.unpriced})
                echo(
                    f"infra-kit cost: {est.project}/{est.stack}: {len(est.unpriced)} resource(s) "
                    f"of types the price table neither prices nor lists as free: "
                    f"{', '.join(kinds)}; add them to infra_kit/cost/data/prices.json",
                    err=True,
                )
        return code

    run_command("cost", body, show_traceback=show_traceback)


def _graphs(
    stack: str | None,
    compare: Sequence[str],
    graph_files: Sequence[Path],
    project_dir: Path,
    *,
    quiet: bool,
    timeout: float | None,
) -> list[GraphDoc]:
    from infra_kit.core.stack_graphs import load_graph, synth_graph

    if graph_files:
        return [load_graph(path) for path in graph_files]
    progress = Progress(quiet=quiet)
    try:
        return [
            synth_graph(project_dir, name, timeout=timeout, progress=progress, hard_exit=True)[0]
            for name in (compare or [str(stack)])
        ]
    finally:
        progress.clear()


def _render(report: Any, output_format: str, *, verbose: bool = False) -> str:
    if output_format == "json":
        return json.dumps(report.to_json(), indent=2)
    if output_format == "markdown":
        return str(report.render_markdown())
    if verbose:
        estimate: CostEstimate = report
        return estimate.render_table(verbose=True)
    return str(report.render_table())


def _write(text: str, output: Path | None) -> None:
    write_report(text, output, f"wrote {output}")
