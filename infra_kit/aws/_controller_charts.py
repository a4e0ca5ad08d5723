"""Helm values of the two controllers whose IRSA roles the Cluster creates: the cluster
autoscaler and the AWS Load Balancer Controller (pure).

Value names are those of each chart's ``values.yaml`` at its pinned version
(:mod:`infra_kit.aws._cluster_versions`: ``cluster-autoscaler`` 9.46.0, 9.51.0 and 9.53.0 of
github.com/kubernetes/autoscaler; ``aws-load-balancer-controller`` 1.14.0 of
github.com/aws/eks-charts; read 2026-12-02). Sizes, spread, budget and image pinning come from
:mod:`infra_kit.aws._controller_values`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from infra_kit.aws import _cluster_versions as pins
from infra_kit.aws._cluster_plan import (
    AUTOSCALER_SERVICE_ACCOUNT,
    LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT,
    ROLE_ANNOTATION,
)
from infra_kit.aws._controller_values import PDB, PinnedImage, resources_of, zone_spread

if TYPE_CHECKING:
    import pulumi

__all__ = ["autoscaler_values", "load_balancer_controller_values"]


def _service_account(name: str, role_arn: pulumi.Input[str]) -> dict[str, Any]:
    return {"create": True, "name": name, "annotations": {ROLE_ANNOTATION: role_arn}}


def autoscaler_values(
    *,
    cluster_name: pulumi.Input[str],
    image: PinnedImage,
    region: str,
    role_arn: pulumi.Input[str],
) -> dict[str, Any]:
    """Helm values of the cluster autoscaler: auto-discovery of this cluster's node groups.

    Similar node groups (one per AZ) are kept balanced; the least-waste expander picks the
    group; nodes running kube-system pods may be removed, so the cluster scales back down. Two
    replicas (one leads) spread over zones, with requests, limits and a PDB that never blocks a
    drain; the chart builds the image as ``repository:tag``, so a digest rides on the tag.
    """
    chart = pins.CLUSTER_AUTOSCALER_CHART
    # The chart labels its pods with the release and "<cloudProvider>-<chart>".
    selector = {"app.kubernetes.io/instance": chart, "app.kubernetes.io/name": f"aws-{chart}"}
    return {
        "cloudProvider": "aws",
        "awsRegion": region,
        "autoDiscovery": {"clusterName": cluster_name},
        "fullnameOverride": "cluster-autoscaler",
        "replicaCount": 2,
        "image": {
            "repository": image.repository,
            "tag": image.tag_with_digest,
            "pullPolicy": image.pull_policy,
        },
        "resources": resources_of(chart),
        "topologySpreadConstraints": zone_spread(selector),
        "podDisruptionBudget": dict(PDB),
        "rbac": {
            "create": True,
            "serviceAccount": _service_account(AUTOSCALER_SERVICE_ACCOUNT, role_arn),
        },
        "extraArgs": {
            "balance-similar-node-groups": True,
            "skip-nodes-with-system-pods": False,
            "expander": "least-waste",
        },
    }


def load_balancer_controller_values(
    *,
    cluster_name: pulumi.Input[str],
    region: str,
    vpc_id: pulumi.Input[str],
    role_arn: pulumi.Input[str],
    tags: Mapping[str, str],
    image: PinnedImage,
) -> dict[str, Any]:
    """Helm values of the AWS Load Balancer Controller; what it creates carries the tags. Two
    replicas spread over zones, with requests, limits and a PDB that never blocks a drain."""
    chart = pins.LOAD_BALANCER_CONTROLLER_CHART
    selector = {"app.kubernetes.io/name": chart, "app.kubernetes.io/instance": chart}
    return {
        "clusterName": cluster_name,
        "region": region,
        "vpcId": vpc_id,
        "replicaCount": 2,
        "image": {
            "repository": image.repository,
            "tag": image.tag_with_digest,
            "pullPolicy": image.pull_policy,
        },
        "resources": resources_of(chart),
        "topologySpreadConstraints": zone_spread(selector),
        "podDisruptionBudget": dict(PDB),
        "serviceAccount": _service_account(LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT, role_arn),
        "defaultTags": dict(tags),
        # Listeners and rules carry the cluster's tag, which the controller's IAM policy
        # requires before it changes them (on by default; set so that it stays on).
        "controllerConfig": {"featureGates": {"ListenerRulesTagging": True}},
    }
