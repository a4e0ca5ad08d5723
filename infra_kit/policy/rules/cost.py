"""COST-1 and COST-2: every environment has a budget that warns before the money is spent, and
cost levers are chosen, not left to a provider default that bills more."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from infra_kit.core.profile.cost import BUDGET_ALERTS
from infra_kit.policy._graph import GraphDoc
from infra_kit.policy._registry import Hit, Severity, rule
from infra_kit.policy.rules._values import as_dict, as_list, is_redacted, one_or_many

__all__ = ["BUDGET_TYPE", "EKS_CLUSTER_TYPE", "EKS_SUPPORT_TYPES", "NOTIFICATIONS_TYPE"]

BUDGET_TYPE = "aws:budgets/budget:Budget"
#: The component that creates an environment's notification topics: the platform stack has one.
NOTIFICATIONS_TYPE = "infra-kit:aws:Notifications"

EKS_CLUSTER_TYPE = "aws:eks/cluster:Cluster"
#: The values of ``upgradePolicy.supportType`` EKS accepts.
EKS_SUPPORT_TYPES = ("STANDARD", "EXTENDED")


# -- IK-COST-2-EKS-UPGRADE-POLICY ---------------------------------------------------------------
@rule(
    id="IK-COST-2-EKS-UPGRADE-POLICY",
    prescription="COST-2",
    severity=Severity.ERROR,
    title="An EKS cluster leaves its support type to the EKS default",
    rationale="""A cluster created through the API without an upgrade policy gets EXTENDED: when
    its Kubernetes version leaves standard support (14 months after release) it stays on it,
    and its control plane is billed at the extended-support rate, six times the standard one,
    for up to 12 more months. Nobody chose that cost; it is a lever the stack must set.""",
    fix="""Set upgrade_policy=aws.eks.ClusterUpgradePolicyArgs(support_type="STANDARD") (EKS
    upgrades the control plane at the end of standard support) or "EXTENDED" when the team
    decides to pay to stay longer. The infra-kit Cluster sets it from the profile's
    cluster.support_type (STANDARD in every built-in environment).""",
)
def eks_upgrade_policy(graph: GraphDoc) -> Iterator[Hit]:
    for record in graph.custom(EKS_CLUSTER_TYPE):
        if record["type"] != EKS_CLUSTER_TYPE:
            continue
        chosen = as_dict(GraphDoc.inputs(record).get("upgradePolicy")).get("supportType")
        if chosen not in EKS_SUPPORT_TYPES:
            yield Hit(
                record["urn"],
                "upgradePolicy.supportType is not set, so EKS bills extended support once the "
                "version leaves standard support",
            )


# -- IK-COST-1-BUDGET-ALERTS --------------------------------------------------------------------
def _alerts(notifications: Any) -> set[tuple[float, str]]:
    """``(percent, ACTUAL or FORECASTED)`` of each notification that reaches an SNS topic."""
    found = set()
    for entry in one_or_many(notifications):
        note = as_dict(entry)
        if note.get("thresholdType", "PERCENTAGE") != "PERCENTAGE":
            continue
        if note.get("comparisonOperator") != "GREATER_THAN":
            continue
        if not as_list(note.get("subscriberSnsTopicArns")):
            continue
        threshold = note.get("threshold")
        if isinstance(threshold, str):
            try:
                threshold = float(threshold)
            except ValueError:
                continue
        if isinstance(threshold, int | float) and not isinstance(threshold, bool):
            found.add((float(threshold), str(note.get("notificationType", ""))))
    return found


@rule(
    id="IK-COST-1-BUDGET-ALERTS",
    prescription="COST-1",
    severity=Severity.ERROR,
    title="An environment's budget does not warn its topic before the limit is spent",
    rationale="""A budget nobody hears from is a report read after the bill. The environment's
    budget notifies its SNS topic at 80% and 100% of the limit, for the actual spend (it has
    happened) and the forecast (it will happen by the end of the month at this rate), so the
    team learns of a runaway cost while it can still act. The stack that creates the
    environment's notification topics (the platform) is the one that owns its budget; without
    one there, the environment has none.""",
    fix="""Create the infra-kit Budget (infra_kit.aws.budget) with the Notifications topic's ARN
    in the stack that has the Notifications component: it notifies the topic at 80% and 100%,
    ACTUAL and FORECASTED. A hand-built aws.budgets.Budget needs those four notifications,
    each GREATER_THAN a PERCENTAGE threshold with subscriber_sns_topic_arns set.""",
)
def budget_alerts(graph: GraphDoc) -> Iterator[Hit]:
    budgets = [r for r in graph.custom(BUDGET_TYPE) if r["type"] == BUDGET_TYPE]
    for record in budgets:
        notifications = GraphDoc.inputs(record).get("notifications")
        if is_redacted(notifications):
            continue  # computed at deploy time: nothing to judge here
        found = _alerts(notifications)
        missing = [
            f"{percent}% {kind}"
            for percent, kind in BUDGET_ALERTS
            if (float(percent), kind) not in found
        ]
        if missing:
            yield Hit(
                record["urn"],
                f"the budget notifies no SNS topic at {', '.join(missing)} of its limit",
            )
    if not budgets:
        for record in graph.of_type(NOTIFICATIONS_TYPE):
            yield Hit(
                record["urn"],
                "the stack creates the environment's notification topics but no budget, so "
                "nobody is warned before the environment overspends",
            )
