"""``infra-kit bootstrap``: create what must exist before any Pulumi state can, idempotently.

Bad input (a malformed region, bucket name or alias, days out of range) is a usage error, exit 2,
naming the option, before any AWS call. What bootstrap must not change in the account (a public
or unencrypted bucket it did not create, a disabled key, a name taken by another account) is
refused with exit 1, every refusal listed with its fix, after reading and before any write. A
write AWS refuses ends the run with exit 1 naming it; the writes before it stay. Interrupted
(Ctrl-C), it exits 130: every write is one request, so the account holds some of the writes and
the next run, which plans from what exists, makes the rest.
"""

from __future__ import annotations

import click

from infra_kit.cli._common import echo, run_command, traceback_option
from infra_kit.errors import ValidationError

__all__ = ["bootstrap"]


@click.command(
    epilog="\b\nExamples:\n"
    "  infra-kit bootstrap --region eu-west-1 --dry-run\n"
    "  infra-kit bootstrap --region eu-west-1\n"
    "  infra-kit bootstrap --region us-east-1 --bucket acme-pulumi-state "
    "--key-alias alias/acme-state"
)
@click.option(
    "--region",
    envvar=["AWS_REGION", "AWS_DEFAULT_REGION"],
    required=True,
    metavar="REGION",
    help="Region of the bucket and key.  [default: $AWS_REGION or $AWS_DEFAULT_REGION]",
)
@click.option(
    "--bucket",
    metavar="NAME",
    default=None,
    help="State bucket.  [default: infra-kit-state-<account>-<region>]",
)
@click.option(
    "--log-bucket",
    metavar="NAME",
    default=None,
    help="Bucket for the state bucket's access logs.  [default: <bucket>-access-logs]",
)
@click.option(
    "--key-alias",
    metavar="ALIAS",
    default="alias/infra-kit-state",
    show_default=True,
    help="Alias of the key for the bucket and Pulumi's secrets provider.",
)
@click.option(
    "--noncurrent-days",
    type=int,
    default=90,
    show_default=True,
    metavar="DAYS",
    help="Days an overwritten or deleted state file stays recoverable.",
)
@click.option(
    "--log-retention-days",
    type=int,
    default=365,
    show_default=True,
    metavar="DAYS",
    help="Days access logs are kept.",
)
@click.option(
    "--dry-run", is_flag=True, help="Read the account and print the plan; change nothing."
)
@traceback_option
def bootstrap(
    *,
    region: str,
    bucket: str | None,
    log_bucket: str | None,
    key_alias: str,
    noncurrent_days: int,
    log_retention_days: int,
    dry_run: bool,
    show_traceback: bool,
) -> None:
    """Create the Pulumi state bucket, its KMS key and the service-linked roles, once.

    The state bucket is versioned, encrypted with a customer-managed key that rotates, private,
    TLS-only and access-logged; noncurrent versions expire after --noncurrent-days. Run it again
    at any time: it changes only what is missing and says "nothing to change" when nothing is.
    Needs boto3 (pip install 'infra-kit[bootstrap]') and AWS credentials.
    """
    from infra_kit.bootstrap import BootstrapSettings

    settings = BootstrapSettings(
        region=region,
        bucket=bucket,
        log_bucket=log_bucket,
        key_alias=key_alias,
        noncurrent_days=noncurrent_days,
        log_retention_days=log_retention_days,
    )
    try:
        settings.validate()
    except ValidationError as error:
        raise click.BadParameter(
            f"{error.value!r}: {error.problem}", param_hint=error.key
        ) from None

    def body() -> int:
        from infra_kit.bootstrap import run_bootstrap

        result = run_bootstrap(settings, dry_run=dry_run, report=echo)
        if not result.applied:
            return 0
        echo("")
        echo("Next, from the project's directory:")
        for line in result.next_commands():
            echo(f"  {line}")
        return 0

    run_command(
        "bootstrap",
        body,
        show_traceback=show_traceback,
        interrupted=(
            "interrupted; the changes reported above were made, and running bootstrap again "
            "completes the rest"
        ),
    )
