"""COST-2: cost levers that must be chosen, not left to a provider default that bills more."""

from __future__ import annotations

from collections.abc import Iterator

from infra_kit.policy._graph import GraphDoc
from infra_kit.policy._registry import Hit, Severity, rule
from infra_kit.policy.rules._values import as_dict

__all__ = ["EKS_CLUSTER_TYPE", "EKS_SUPPORT_TYPES"]

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
