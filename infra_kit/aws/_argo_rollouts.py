"""Argo Rollouts: the controller of canary and blue-green rollouts (DEP-1, DEP-2), its Helm
values and the IAM policy of its CloudWatch analyses (pure).

:class:`~infra_kit.aws.cluster_services.ClusterServices` installs the ``argo-rollouts`` chart
(pinned in :mod:`infra_kit.aws._cluster_versions`: chart 2.41.0, Argo Rollouts v1.9.0) and its
IRSA role. Value names are those of the chart's ``values.yaml`` at tag argo-rollouts-2.41.0 of
github.com/argoproj/argo-helm (read 2026-12-02).

- CRDs: installed with the release (``installCRDs``) and kept when it is removed (``keepCRDs``):
  deleting the ``Rollout`` CRD would delete every Rollout, and with them the services' pods.
- Controller: 2 replicas; the chart passes ``--leader-elect`` whenever it runs more than one, so
  one reconciles and the other takes over within the lease. Requests, limits, a zone spread and
  a PodDisruptionBudget of ``maxUnavailable: 1`` (``controller.pdb``) as every controller.
- Off: the dashboard (a UI with the controller's cluster-wide rights, not needed to roll out)
  and notifications (no notifier configured: rollout outcomes reach operators through the
  deploy pipeline and the alarms).
- CloudWatch analysis: the provider of v1.9.0 (``metricproviders/cloudwatch/cloudwatch.go`` of
  github.com/argoproj/argo-rollouts) calls only ``GetMetricData``, which takes no resource ARN
  and no condition key in AWS's service authorization reference, so the statement is on ``*``
  with its reason written into it.
"""

from __future__ import annotations

from typing import Any

import pulumi

from infra_kit.aws import _cluster_versions as pins
from infra_kit.aws import actions
from infra_kit.aws._controller_values import PDB, PinnedImage, resources_of, zone_spread
from infra_kit.aws._policy import PolicyDocument, Statement

__all__ = [
    "ARGO_ROLLOUTS_SELECTOR",
    "ARGO_ROLLOUTS_SERVICE_ACCOUNT",
    "argo_rollouts_policy",
    "argo_rollouts_values",
]

ARGO_ROLLOUTS_SERVICE_ACCOUNT = "argo-rollouts"
#: The labels the chart gives the controller's pods (``argo-rollouts.selectorLabels`` and the
#: controller's component).
ARGO_ROLLOUTS_SELECTOR = {
    "app.kubernetes.io/name": pins.ARGO_ROLLOUTS_CHART,
    "app.kubernetes.io/instance": pins.ARGO_ROLLOUTS_CHART,
    "app.kubernetes.io/component": "rollouts-controller",
}
_REPLICAS = 2
_ROLE_ANNOTATION = "eks.amazonaws.com/role-arn"
_NO_METRIC_RESOURCE = (
    "GetMetricData takes no resource ARN or condition key, and canary analyses read the "
    "metrics of the service they roll out"
)


def argo_rollouts_policy() -> PolicyDocument:
    """What the controller's CloudWatch analyses call: ``GetMetricData`` only."""
    return PolicyDocument(
        [
            Statement(
                actions=actions.CLOUDWATCH_GET_METRIC_DATA,
                resources=["*"],
                justification=_NO_METRIC_RESOURCE,
            )
        ]
    )


def argo_rollouts_values(
    *, role_arn: pulumi.Input[str], image: PinnedImage, region: str
) -> dict[str, Any]:
    """Helm values of ``argo-rollouts`` (see the module docstring). The chart builds the image
    as ``registry/repository:tag``, so a digest rides on the tag. ``region`` is set as
    ``AWS_REGION`` on the controller: its CloudWatch provider reads the region from there
    (``docs/analysis/cloudwatch.md`` at v1.9.0) rather than from the IRSA role."""
    registry, _, repository = image.repository.partition("/")
    return {
        "installCRDs": True,
        "keepCRDs": True,
        "controller": {
            "replicas": _REPLICAS,
            "image": {
                "registry": registry,
                "repository": repository,
                "tag": image.tag_with_digest,
                "pullPolicy": image.pull_policy,
            },
            "resources": resources_of(pins.ARGO_ROLLOUTS_CHART),
            "topologySpreadConstraints": zone_spread(ARGO_ROLLOUTS_SELECTOR),
            "pdb": {"enabled": True, **PDB},
            "logging": {"format": "json"},
            "extraEnv": [{"name": "AWS_REGION", "value": region}],
        },
        "serviceAccount": {
            "create": True,
            "name": ARGO_ROLLOUTS_SERVICE_ACCOUNT,
            "annotations": {_ROLE_ANNOTATION: role_arn},
        },
        "dashboard": {"enabled": False},
        "notifications": {"secret": {"create": False}},
    }
