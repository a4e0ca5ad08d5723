"""Activate the cost-allocation tags budgets and cost reports rely on (COST-1), in code.

AWS Billing lists a user-defined tag key only once it has seen a resource carrying it, up to a day
after the first deployment, and only the account that owns billing (an organization's management
account) may activate it. So no stack does it: a fresh account's first deploy would fail on keys
AWS has not seen yet (ADR 0020). ``infra-kit cost-tags`` does it instead, from the billing
owner's credentials, and is safe to run any number of times:

- a key AWS lists as ``Inactive`` is activated (with ``activate``), in one request;
- a key already ``Active`` is left alone;
- a key AWS does not list yet is *pending*: it is reported, with when to run again.

:func:`cost_tag_status` reads; :func:`activate_cost_tags` reads, then writes only what is
inactive. Both take a boto3 Cost Explorer client.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from infra_kit.core.tags import COST_ALLOCATION_TAG_KEYS
from infra_kit.errors import BootstrapError

__all__ = ["CostTagReport", "activate_cost_tags", "cost_tag_status", "run_cost_tags"]

#: Cost Explorer answers in this region only, whatever the stacks' region.
COST_EXPLORER_REGION = "us-east-1"


@dataclass(frozen=True)
class CostTagReport:
    """The keys by status, after the run."""

    active: tuple[str, ...] = ()
    #: Listed by AWS but not active (after a dry run, or without ``activate``).
    inactive: tuple[str, ...] = ()
    #: Not yet seen by AWS Billing: no resource carrying them has been billed yet.
    pending: tuple[str, ...] = ()
    #: Activated by this run.
    activated: tuple[str, ...] = field(default=())

    @property
    def complete(self) -> bool:
        return not self.inactive and not self.pending

    def lines(self) -> list[str]:
        out = [f"active     {k}" for k in self.active if k not in self.activated]
        out += [f"activated  {k}" for k in self.activated]
        out += [f"inactive   {k} (run with --activate)" for k in self.inactive]
        out += [
            f"pending    {k}: AWS Billing has not seen it on a resource yet; it appears up to 24 "
            "hours after the first tagged resource is billed. Run this again then"
            for k in self.pending
        ]
        return out


def cost_tag_status(ce: Any, keys: Sequence[str] = COST_ALLOCATION_TAG_KEYS) -> CostTagReport:
    """Each key's status as AWS Billing lists it, changing nothing."""
    _check_keys(keys)
    listed: dict[str, str] = {}
    token: str | None = None
    while True:
        request: dict[str, Any] = {"TagKeys": list(keys), "Type": "UserDefined"}
        if token:
            request["NextToken"] = token
        page = ce.list_cost_allocation_tags(**request)
        for tag in page.get("CostAllocationTags", []):
            listed[str(tag["TagKey"])] = str(tag["Status"])
        token = page.get("NextToken")
        if not token:
            break
    return CostTagReport(
        active=tuple(k for k in keys if listed.get(k) == "Active"),
        inactive=tuple(k for k in keys if listed.get(k) == "Inactive"),
        pending=tuple(k for k in keys if k not in listed),
    )


def activate_cost_tags(
    ce: Any, keys: Sequence[str] = COST_ALLOCATION_TAG_KEYS, *, dry_run: bool = False
) -> CostTagReport:
    """Activate every listed, inactive key in one request; report what is still pending.

    Raises :class:`~infra_kit.errors.BootstrapError` naming each key AWS refused to activate.
    """
    before = cost_tag_status(ce, keys)
    if dry_run or not before.inactive:
        return before
    answer = ce.update_cost_allocation_tags_status(
        CostAllocationTagsStatus=[{"TagKey": k, "Status": "Active"} for k in before.inactive]
    )
    errors = answer.get("Errors", [])
    if errors:
        raise BootstrapError(
            "AWS refused to activate some cost-allocation tags; the others were activated",
            [f"{e.get('TagKey')}: {e.get('Code')}: {e.get('Message')}" for e in errors],
        )
    return CostTagReport(
        active=tuple(k for k in keys if k in before.active or k in before.inactive),
        pending=before.pending,
        activated=before.inactive,
    )


def _check_keys(keys: Sequence[str]) -> None:
    if isinstance(keys, str) or not 1 <= len(keys) <= 20:
        raise BootstrapError(
            "cost-allocation tag keys: give 1 to 20 keys (one UpdateCostAllocationTagsStatus "
            f"request), not {keys!r}",
            [],
        )


def run_cost_tags(keys: Sequence[str], *, activate: bool, session: Any = None) -> CostTagReport:
    """:func:`activate_cost_tags` (or, without ``activate``, a dry run) with the default
    credentials; AWS errors become a :class:`~infra_kit.errors.BootstrapError` saying what to do.
    """
    try:
        import boto3.session
    except ImportError:
        raise BootstrapError(
            "infra-kit cost-tags calls AWS with boto3, which is not installed: "
            "pip install 'infra-kit[bootstrap]'",
            [],
        ) from None
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        ce = (session or boto3.session.Session()).client("ce", region_name=COST_EXPLORER_REGION)
        return activate_cost_tags(ce, keys, dry_run=not activate)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        raise BootstrapError(
            f"AWS Cost Explorer refused ({code}): {error}. Run this with the credentials of the "
            "account that owns billing (the organization's management account), allowed "
            "ce:ListCostAllocationTags and ce:UpdateCostAllocationTagsStatus",
            [],
        ) from error
    except BotoCoreError as error:
        raise BootstrapError(
            f"could not call AWS Cost Explorer ({error}); nothing was changed. Set credentials "
            "(AWS_PROFILE, or aws configure) and run again",
            [],
        ) from error
