"""The monthly cost budget of one environment, with its alerts, and the cost tags it reads (COST-1)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra_kit.aws.alarms import Metric, graph
from infra_kit.core.component import Component
from infra_kit.core.environment import Environment
from infra_kit.core.profile.cost import BUDGET_ALERTS
from infra_kit.core.tags import COST_ALLOCATION_TAG_KEYS, REQUIRED_TAG_KEYS
from infra_kit.errors import ValidationError

__all__ = [
    "BUDGET_ALERTS",
    "COST_ALLOCATION_TAG_KEYS",
    "Budget",
    "BudgetArgs",
    "environment_cost_filter",
]

#: AWS publishes billing metrics (``AWS/Billing``) in this region only, once billing alerts are
#: enabled for the account.
BILLING_METRICS_REGION = "us-east-1"


def environment_cost_filter(environment: str) -> aws.budgets.BudgetCostFilterArgs:
    """Costs of resources tagged ``environment=<environment>``: a ``TagKeyValue`` filter, whose
    values are ``user:<tag key>$<tag value>`` (``user:`` marks a user-defined tag)."""
    return aws.budgets.BudgetCostFilterArgs(
        name="TagKeyValue", values=[f"user:environment${environment}"]
    )


@dataclass(frozen=True)
class BudgetArgs:
    """Arguments of :class:`Budget`.

    Args:
        topic_arn: the environment's notification topic
            (:attr:`~infra_kit.aws.notifications.Notifications.topic_arn`). Required.
        cost_allocation_tag_keys: the cost-allocation tag keys the budget and cost reports rely
            on. Default: ``COST_ALLOCATION_TAG_KEYS`` (``environment``, ``team``, ``service``,
            ``cost-center``); ``environment`` is always needed, since the budget filters on it.
        activate_cost_allocation_tags_in_stack: also activate those keys from this stack
            (``aws.costexplorer.CostAllocationTag``). Default ``False``: activation is
            account-wide, allowed only in a standalone account or an organization's management
            account, and refused for a key AWS has not yet seen in billing data (up to a day
            after the first tagged resource), so in the stack it would fail a fresh account's
            first deployment, and every deployment of a member account. Turn it on only for a
            standalone account whose tags already appear in billing (ADR 0020).
    """

    topic_arn: pulumi.Input[str]
    cost_allocation_tag_keys: Sequence[str] = COST_ALLOCATION_TAG_KEYS
    activate_cost_allocation_tags_in_stack: bool = False


# prescription: COST-1 -- a budget with alerts per environment, filtered by the cost tags.
class Budget(Component):
    """A monthly COST budget of the profile's ``budget.monthly_limit_usd``, for the costs tagged
    with this environment, alerting the notification topic at 80% and 100% of the limit, actual
    and forecast.

    It also shows the account's estimated charges on the dashboard (``AWS/Billing``, in
    us-east-1, once the billing owner has enabled billing alerts); the budget itself has no
    CloudWatch metric.

    Children: ``aws.budgets.Budget`` ``<name>`` (named ``<project>-<stack>-<name>``) and, only
    with ``activate_cost_allocation_tags_in_stack``, one ``aws.costexplorer.CostAllocationTag``
    ``<name>-tag-<key>`` per cost-allocation tag key, status ``Active``.

    Cost-allocation tags are account-wide switches, not part of an environment: by default the
    stack leaves them to the account's billing owner, who activates them once AWS has seen them
    (the README's deployment path gives the command), so a fresh or member account's first
    deployment never fails on them (ADR 0020). The budget's filter counts an environment's
    costs from activation on. When the stack does activate them, destroying it leaves them
    active (``retain_on_delete``), so it never turns off what another stack's budget reads.

    Prescriptions: COST-1.

    Args:
        name: the component's name; every child's logical name starts with it.
        args: its settings, [BudgetArgs][infra_kit.aws.BudgetArgs].
        env: the stack's [Environment][infra_kit.core.environment.Environment]: profile, tags and
            AWS provider.
        opts: Pulumi options for the component; every child is parented to it.

    Attributes:
        budget: the ``aws.budgets.Budget``.
        budget_name: its name.
        tags: the ``aws.costexplorer.CostAllocationTag`` children; empty unless
            ``activate_cost_allocation_tags_in_stack``.
    """

    TYPE = "infra-kit:aws:Budget"

    def __init__(
        self,
        name: str,
        args: BudgetArgs,
        env: Environment,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        keys = tuple(args.cost_allocation_tag_keys)
        if isinstance(args.cost_allocation_tag_keys, str) or "environment" not in keys:
            raise ValidationError(
                "cost_allocation_tag_keys",
                args.cost_allocation_tag_keys,
                "must list 'environment': the budget filters its costs by that tag",
                f"pass a tuple that includes it, e.g. {COST_ALLOCATION_TAG_KEYS!r}",
            )
        unknown = sorted(set(keys) - set(REQUIRED_TAG_KEYS))
        if unknown:
            raise ValidationError(
                "cost_allocation_tag_keys",
                unknown,
                "not a tag infra-kit puts on every resource, so costs would not group by it",
                f"use some of: {', '.join(REQUIRED_TAG_KEYS)}",
            )
        super().__init__(name, env, opts)
        self.tags = [
            aws.costexplorer.CostAllocationTag(
                self.child("tag", key),
                aws.costexplorer.CostAllocationTagArgs(tag_key=key, status="Active"),
                opts=self.child_opts(retain_on_delete=True),
            )
            for key in dict.fromkeys(keys)
            if args.activate_cost_allocation_tags_in_stack
        ]
        self.budget = aws.budgets.Budget(
            name,
            aws.budgets.BudgetArgs(
                name=f"{env.project}-{env.stack}-{name}",
                budget_type="COST",
                time_unit="MONTHLY",
                limit_amount=str(env.profile.budget.monthly_limit_usd),
                limit_unit="USD",
                cost_filters=[environment_cost_filter(env.profile.name)],
                notifications=[
                    aws.budgets.BudgetNotificationArgs(
                        comparison_operator="GREATER_THAN",
                        threshold=percent,
                        threshold_type="PERCENTAGE",
                        notification_type=kind,
                        subscriber_sns_topic_arns=[args.topic_arn],
                    )
                    for percent, kind in BUDGET_ALERTS
                ],
            ),
            opts=self.child_opts(depends_on=self.tags),
        )
        self.budget_name: pulumi.Output[str] = self.budget.name
        # prescription: OBS-4 -- cost on the environment's dashboard.
        graph(
            self,
            "Cost",
            "Estimated charges of the account, month to date (USD)",
            Metric("AWS/Billing", "EstimatedCharges", {"Currency": "USD"}, "Maximum", 21600),
            region=BILLING_METRICS_REGION,
        )
        self.register_outputs({"budget_name": self.budget_name})
