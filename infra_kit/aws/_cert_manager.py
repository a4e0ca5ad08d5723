"""Helm values of cert-manager, which issues and renews the platform's in-cluster certificates.

Pure logic: no Pulumi runtime; :class:`~infra_kit.aws.cluster_services.ClusterServices`
installs the release.
Value names are those of the chart's ``values.yaml`` at the pinned tag (see
:mod:`infra_kit.aws._cluster_versions`).

- ``crds.enabled`` installs the CRDs with the release, so a fresh cluster has them before any
  ``Certificate`` is created; ``crds.keep`` leaves them when the release is removed, because
  deleting a CRD deletes every certificate and issuer of the cluster with it.
- Each of the three long-running parts (controller, webhook, cainjector) runs 2 replicas with a
  PodDisruptionBudget of ``maxUnavailable: 1`` (HA-1, K8S-3); the controller and cainjector elect
  a leader, the webhook serves from both. Every container, the ``startupapicheck`` Job included,
  has requests and limits (K8S-1).
- Every image is set to the chart's own version by tag. Digests are not pinned yet (the
  ``controller-digest`` known gap where the profile requires them).
- The chart's pods already meet the restricted profile (non-root, RuntimeDefault seccomp, no
  capabilities, read-only root filesystem, no privilege escalation), and are left as they are.
- The ``startupapicheck`` Job runs as a post-install hook and succeeds only once the webhook
  answers; with an atomic release, the release is ready only when cert-manager can accept a
  ``Certificate``.
"""

from __future__ import annotations

import copy
from typing import Any

__all__ = ["CERT_MANAGER_PARTS", "CERT_MANAGER_RESOURCES", "cert_manager_values"]

#: The chart's long-running parts: the top-level values are the controller's.
CERT_MANAGER_PARTS = ("controller", "webhook", "cainjector")
#: Requests and limits of each container the chart runs (K8S-1), in the chart's shape. The
#: controller and cainjector cache Secrets and Certificates cluster-wide, so their memory grows
#: with the cluster; limits above the requests absorb a resync after a restart or a burst of
#: issuance without throttling or killing the controller.
CERT_MANAGER_RESOURCES: dict[str, dict[str, dict[str, str]]] = {
    "controller": {
        "requests": {"cpu": "50m", "memory": "128Mi"},
        "limits": {"cpu": "500m", "memory": "256Mi"},
    },
    "webhook": {
        "requests": {"cpu": "20m", "memory": "64Mi"},
        "limits": {"cpu": "200m", "memory": "128Mi"},
    },
    "cainjector": {
        "requests": {"cpu": "20m", "memory": "128Mi"},
        "limits": {"cpu": "200m", "memory": "256Mi"},
    },
    "startupapicheck": {
        "requests": {"cpu": "10m", "memory": "32Mi"},
        "limits": {"cpu": "100m", "memory": "64Mi"},
    },
}
_REPLICAS = 2


def _resources(part: str) -> dict[str, Any]:
    return copy.deepcopy(CERT_MANAGER_RESOURCES[part])


def _long_running(part: str, version: str) -> dict[str, Any]:
    return {
        "replicaCount": _REPLICAS,
        "podDisruptionBudget": {"enabled": True, "maxUnavailable": 1},
        "resources": _resources(part),
        "image": {"tag": version},
    }


def cert_manager_values(version: str) -> dict[str, Any]:
    """Values of the ``cert-manager`` chart at ``version`` (its release tag, e.g. ``v1.21.1``)."""
    return {
        "crds": {"enabled": True, "keep": True},
        **_long_running("controller", version),
        "webhook": _long_running("webhook", version),
        "cainjector": _long_running("cainjector", version),
        "startupapicheck": {"resources": _resources("startupapicheck"), "image": {"tag": version}},
        "acmesolver": {"image": {"tag": version}},
    }
