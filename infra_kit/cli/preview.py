"""``infra-kit preview``: a pull request's preview environment (ENV-1, ADR 0018).

``infra-kit preview init --number N`` writes ``Pulumi.pr-N.yaml`` from the project's
``preview.stack.yaml``. A number that is not a positive integer is a usage error (exit 2); a
missing or faulty template, or an existing stack file with other content, exits 1 with the file
and the fix, and writes nothing. Interrupted, it leaves no half-written file and exits 130.
"""

from __future__ import annotations

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
