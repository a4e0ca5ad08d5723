"""``infra-kit cost-tags``: report, and with ``--activate`` activate, the cost-allocation tags.

Run from the account that owns billing (an organization's management account). Exit 0 when every
key is active, 3 when some are still inactive or not yet seen by AWS Billing (run again later),
1 when AWS refuses, 2 on a usage error.
"""

from __future__ import annotations

import click

from infra_kit.cli._common import echo, run_command, traceback_option
from infra_kit.core.tags import COST_ALLOCATION_TAG_KEYS

__all__ = ["cost_tags"]

#: Some keys are inactive or not yet seen by AWS Billing.
EXIT_INCOMPLETE = 3


@click.command(
    "cost-tags",
    epilog="\b\nExamples:\n"
    "  infra-kit cost-tags\n"
    "  infra-kit cost-tags --activate\n"
    "  infra-kit cost-tags --activate --key environment --key team",
)
@click.option(
    "--activate", is_flag=True, help="Activate every key AWS lists as inactive (one request)."
)
@click.option(
    "--key",
    "keys",
    multiple=True,
    metavar="KEY",
    help=f"A tag key to report or activate; repeat it.  [default: {', '.join(COST_ALLOCATION_TAG_KEYS)}]",
)
@traceback_option
def cost_tags(*, activate: bool, keys: tuple[str, ...], show_traceback: bool) -> None:
    """Report the cost-allocation tags budgets filter on (COST-1), and activate them.

    A key AWS has not seen on a billed resource yet is reported as pending: it appears up to a
    day after the first deployment. Safe to run again at any time; it changes only inactive
    keys. Needs boto3 (pip install 'infra-kit[bootstrap]') and the billing owner's credentials.
    """
    chosen = keys or COST_ALLOCATION_TAG_KEYS
    if len(chosen) > 20:
        raise click.BadParameter("at most 20 keys per run", param_hint="--key")

    def body() -> int:
        from infra_kit.bootstrap.cost_tags import run_cost_tags

        report = run_cost_tags(chosen, activate=activate)
        for line in report.lines():
            echo(line)
        if report.complete:
            echo("every cost-allocation tag is active")
            return 0
        return EXIT_INCOMPLETE

    run_command("cost-tags", body, show_traceback=show_traceback)
