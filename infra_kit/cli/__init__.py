"""The ``infra-kit`` command line: one module per command, thin over library functions.

Every command prints errors without a traceback (``--traceback`` shows it), exits 0 on success,
1 when the work fails and 2 on a usage error, and shows progress on stderr only on a terminal.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from importlib import metadata
from typing import NoReturn

import click

from infra_kit.cli._common import exit_without_teardown
from infra_kit.cli.bootstrap import bootstrap
from infra_kit.cli.check import check
from infra_kit.cli.cost import cost
from infra_kit.cli.cost_tags import cost_tags
from infra_kit.cli.diff import diff
from infra_kit.cli.docs import docs
from infra_kit.cli.new import new
from infra_kit.cli.preview import preview
from infra_kit.cli.review import review
from infra_kit.cli.synth import synth

__all__ = ["cli", "main", "run"]


def _version() -> str:
    try:
        return metadata.version("infra-kit")
    except metadata.PackageNotFoundError:
        return "0.0.0"


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(
    _version(), "--version", prog_name="infra-kit", message="%(prog)s %(version)s"
)
def cli() -> None:
    """Pulumi components and stacks that encode production practice.

    \b
    Examples:
      infra-kit synth --stack dev
      infra-kit check --stack prod --format sarif --output check.sarif
      infra-kit bootstrap --region eu-west-1 --dry-run
      infra-kit cost-tags --activate
      infra-kit cost --compare dev,stage,prod
      infra-kit preview init --number 123 --project-dir examples/orders-service
      infra-kit review --stack prod --project-dir examples/orders-service
      infra-kit docs --stack prod --app examples/orders-service --out build/architecture
      infra-kit diff origin/main --stack prod --format markdown
      infra-kit new service orders --kind web
    """


cli.add_command(synth)
cli.add_command(check)
cli.add_command(bootstrap)
cli.add_command(preview)
cli.add_command(cost_tags)
cli.add_command(cost)
cli.add_command(review)
cli.add_command(docs)
cli.add_command(diff)
cli.add_command(new)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code instead of exiting."""
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="infra-kit")
    except SystemExit as done:
        code = done.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    return 0


def run() -> NoReturn:
    """The ``infra-kit`` console command: :func:`main` in a process that ends with it.

    The process is short-lived, so cyclic garbage collection stays off (collections found
    little to free while they rescanned a heap that only grows), and it ends without the
    interpreter's teardown once its output is flushed. :func:`main`, which tests and embedding
    tools call in their own process, does neither.
    """
    gc.disable()
    exit_without_teardown(main())


if __name__ == "__main__":
    run()
