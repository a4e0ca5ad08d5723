"""What must exist before any Pulumi state can: the state bucket, its key, service-linked roles.

``infra-kit bootstrap`` is the only way infra-kit creates AWS resources outside ``pulumi up``
(IAC-1), and it is idempotent: it reads the account, plans the writes that are missing
(:func:`plan`, pure and tested offline over every state), refuses before the first write what it
must not change, and makes the writes (:func:`run_bootstrap`). A second run changes nothing.

Needs boto3: ``pip install 'infra-kit[bootstrap]'``. The planner and the documents do not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from infra_kit.bootstrap._documents import key_policy, state_bucket_statements
from infra_kit.bootstrap._facts import AccountFacts, BucketFacts, Encryption, KeyFacts, Presence
from infra_kit.bootstrap._plan import Action, BucketRole, Plan, Step, plan
from infra_kit.bootstrap._roles import SERVICE_LINKED_ROLES, ServiceLinkedRole
from infra_kit.bootstrap._settings import BootstrapSettings, ResolvedSettings
from infra_kit.errors import BootstrapError

__all__ = [
    "INSTALL_COMMAND",
    "SERVICE_LINKED_ROLES",
    "AccountFacts",
    "Action",
    "BootstrapResult",
    "BootstrapSettings",
    "BucketFacts",
    "BucketRole",
    "Encryption",
    "KeyFacts",
    "Plan",
    "Presence",
    "ResolvedSettings",
    "ServiceLinkedRole",
    "Step",
    "key_policy",
    "plan",
    "run_bootstrap",
    "state_bucket_statements",
]

INSTALL_COMMAND = "pip install 'infra-kit[bootstrap]'"


@dataclass(frozen=True)
class BootstrapResult:
    settings: ResolvedSettings
    plan: Plan
    applied: bool

    def next_commands(self) -> list[str]:
        """The lines that use what was bootstrapped: the backend and secrets provider as the
        variables the README's later steps and the workflows' repository variables use, then
        ``pulumi login`` and ``pulumi stack init``."""
        return [
            f"export PULUMI_BACKEND_URL='{self.settings.backend_url()}'",
            f"export PULUMI_SECRETS_PROVIDER='{self.settings.secrets_provider()}'",
            'pulumi login "$PULUMI_BACKEND_URL"',
            "pulumi stack init organization/<project>/<stack> --secrets-provider "
            '"$PULUMI_SECRETS_PROVIDER"',
        ]


def run_bootstrap(
    settings: BootstrapSettings,
    *,
    session: Any = None,
    dry_run: bool = False,
    report: Callable[[str], None] = print,
) -> BootstrapResult:
    """Bootstrap the account of ``session`` (default: boto3's default session) in ``settings``.

    Bad input raises :class:`~infra_kit.errors.ValidationError` naming the option before any AWS
    call. What must not be changed raises :class:`BootstrapError` listing every refusal and its
    fix, after reading and before any write. A write AWS refuses raises :class:`BootstrapError`
    naming it; writes already made stay, and the next run completes the rest. An interruption
    leaves the same: every write is one request, and the next run plans from what exists.
    ``dry_run`` reads and plans, and writes nothing.
    """
    settings.validate()
    try:
        import boto3.session
    except ImportError:
        raise BootstrapError(
            f"infra-kit bootstrap calls AWS with boto3, which is not installed: {INSTALL_COMMAND}",
            [],
        ) from None
    from botocore.exceptions import BotoCoreError, ClientError

    from infra_kit.bootstrap._apply import apply_plan
    from infra_kit.bootstrap._observe import Clients, caller_account, observe
    from infra_kit.bootstrap._settings import partition_of

    try:
        clients = Clients.from_session(session or boto3.session.Session(), settings.region)
        account_id, partition = caller_account(clients)
    except (BotoCoreError, ClientError) as error:
        raise BootstrapError(
            f"could not identify the account from the AWS credentials ({error}); nothing was "
            "changed. Set credentials (AWS_PROFILE, or aws configure) and run again",
            [],
        ) from error
    if partition != partition_of(settings.region):
        raise BootstrapError(
            f"--region {settings.region} is in the {partition_of(settings.region)} partition, "
            f"but the credentials are for {partition}; pass a region of {partition}",
            [],
        )
    resolved = settings.resolved(account_id)
    report(f"account {account_id}, region {resolved.region}")
    try:
        facts = observe(clients, resolved)
    except (BotoCoreError, ClientError) as error:
        raise BootstrapError(
            f"could not read the account ({error}); nothing was changed. Bootstrap reads the "
            "key, both buckets' settings and the service-linked roles: allow those reads",
            [],
        ) from error
    planned = plan(resolved, facts)
    for line in planned.unchanged:
        report(f"unchanged  {line}")
    if dry_run:
        for action in planned.actions:
            report(f"would      {action.describe()}")
        report(
            "nothing to change"
            if planned.is_empty
            else f"dry run: {len(planned.actions)} changes planned, none made"
        )
        return BootstrapResult(resolved, planned, applied=False)
    # prescription: IAC-1 -- what must exist before any state is created by this tested command,
    # never by hand.
    apply_plan(clients, resolved, planned, facts.key, report)
    report(
        "nothing to change"
        if planned.is_empty
        else f"{len(planned.actions)} changes made; the account is bootstrapped"
    )
    return BootstrapResult(resolved, planned, applied=True)
