"""``infra-kit preview``: a pull request's preview environment (ENV-1, ADR 0018).

``infra-kit preview init --number N`` writes ``Pulumi.pr-N.yaml`` from the project's
``preview.stack.yaml``. A number that is not a positive integer is a usage error (exit 2); a
missing or faulty template, or an existing stack file with other content, exits 1 with the file
and the fix, and writes nothing. Interrupted, it leaves no half-written file and exits 130.

``infra-kit preview gc`` prints, as a workflow matrix, the preview stacks to destroy. It changes
nothing itself. When ``pulumi`` fails or is missing, it exits 1 naming the command and the fix,
and prints no matrix; a pull request whose state GitHub does not give is left to its expiry,
with a warning. Interrupted, it has decided nothing and exits 130.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import click

from infra_kit.cli._common import echo, project_dir_option, run_command, traceback_option

__all__ = ["preview"]


@click.group()
def preview() -> None:
    """Preview environments: one stack pr-<n> per pull request, on the shared dev platform."""


def _pull_request_number(_ctx: click.Context, _param: click.Parameter, value: str) -> int:
    text = value.strip()
    if not text.isascii() or not text.isdigit() or int(text) < 1:
        raise click.BadParameter(
            f"{value!r} is not a pull request number; give a positive integer, e.g. --number 123"
        )
    return int(text)


@preview.command(
    epilog="\b\nExamples:\n"
    "  infra-kit preview init --number 123 --project-dir examples/orders-service\n"
    "  infra-kit synth --stack pr-123 --project-dir examples/orders-service"
)
@click.option(
    "--number",
    callback=_pull_request_number,
    required=True,
    metavar="N",
    help="The pull request's number, a positive integer; the stack is pr-N.",
)
@project_dir_option
@click.option("--force", is_flag=True, help="Replace an existing stack file with other content.")
@traceback_option
def init(*, number: int, project_dir: Path, force: bool, show_traceback: bool) -> None:
    """Write the stack file Pulumi.pr-N.yaml from the project's preview.stack.yaml.

    Every {number} of the template becomes N. An existing file with the same content is left
    as it is. Prints the path written.
    """

    def body() -> int:
        from infra_kit.preview import write_stack_file

        echo(str(write_stack_file(project_dir, number, force=force)))
        return 0

    run_command(
        "preview init", body, show_traceback=show_traceback,
        interrupted="interrupted; no stack file was written",
    )  # fmt: skip


def _preview_ttl_hours() -> int:
    from infra_kit.core.profile import BUILTIN_PROFILES

    return int(BUILTIN_PROFILES["preview"]["preview_ttl_hours"])


@preview.command(
    epilog="\b\nExamples:\n"
    "  infra-kit preview gc --project-dir examples/orders-service\n"
    "  infra-kit preview gc --project-dir examples/orders-service --dry-run"
)
@project_dir_option
@click.option(
    "--ttl-hours",
    type=click.IntRange(min=1),
    default=None,
    metavar="HOURS",
    help="Age of the last update after which a stack that recorded no expiry is destroyed "
    "(default: the preview profile's preview_ttl_hours).",
)
@click.option("--dry-run", is_flag=True, help="Report every decision, but print an empty matrix.")
@traceback_option
def gc(*, project_dir: Path, ttl_hours: int | None, dry_run: bool, show_traceback: bool) -> None:
    """Print the preview stacks (pr-N) to destroy, as a GitHub Actions matrix.

    Lists the project's stacks (pulumi stack ls), reads each preview's expires_at output, and
    asks GitHub for its pull request (gh pr view). A stack goes when its pull request is closed
    or merged, or it has expired; never while it is being updated, never a stack that is not
    pr-N. stdout: {"include": [{"project_dir", "stack", "reason"}, ...]}; stderr: one line per
    stack with its reason.
    """

    def body() -> int:
        from infra_kit.preview import plan

        ttl = ttl_hours if ttl_hours is not None else _preview_ttl_hours()
        verdicts, warnings = plan(project_dir, now=datetime.now(UTC), ttl_hours=ttl)
        for warning in warnings:
            echo(f"warning: {warning}", err=True)
        for verdict in verdicts:
            action = "destroy" if verdict.destroy else "keep"
            echo(f"{verdict.stack}: {action}: {verdict.reason}", err=True)
        chosen = [] if dry_run else [v for v in verdicts if v.destroy]
        if dry_run:
            echo("dry run: the matrix is empty, nothing will be destroyed", err=True)
        include = [
            {
                "project_dir": str(project_dir),
                "stack": v.stack.rsplit("/", 1)[-1],
                "reason": v.reason,
            }
            for v in chosen
        ]
        echo(json.dumps({"include": include}))
        return 0

    run_command(
        "preview gc", body, show_traceback=show_traceback,
        interrupted="interrupted; nothing was decided",
    )  # fmt: skip
