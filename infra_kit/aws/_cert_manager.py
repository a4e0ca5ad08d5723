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
- Each long-running part spreads its replicas across zones (required) and nodes (preferred),
  selected by the labels the chart gives its pods (HA-1).
- Every image is set to the chart's own version; where the profile requires digests, a part
  whose digest is known is pinned by ``<part>.image.digest`` (the chart renders
  ``image:tag@digest``). A part referenced by tag only is pulled ``Always`` (SEC-4).
- ``acmesolver`` has no resources value: its pods are created by the controller for HTTP-01
  challenges, sized by the controller's own solver defaults; the platform's issuers are
  self-signed and in-cluster CAs (the collectors' TLS), which start no solver.
- The chart's pods already meet the restricted profile (non-root, RuntimeDefault seccomp, no
  capabilities, read-only root filesystem, no privilege escalation), and are left as they are.
- The ``startupapicheck`` Job runs as a post-install hook and succeeds only once the webhook
  answers; with an atomic release, the release is ready only when cert-manager can accept a
  ``Certificate``.
"""

from __future__ import annotations

from typing import Any

from infra_kit.aws import _cluster_versions as pins
from infra_kit.aws._controller_values import PDB, PinnedImage, pin_image, resources_of, zone_spread

__all__ = ["CERT_MANAGER_PARTS", "cert_manager_images", "cert_manager_values"]

#: The chart's long-running parts: the top-level values are the controller's.
CERT_MANAGER_PARTS = ("controller", "webhook", "cainjector")
_REPLICAS = 2
_RELEASE = pins.CERT_MANAGER_CHART


def cert_manager_images(version: str, *, require_digest: bool) -> dict[str, PinnedImage]:
    """The image of each part of the chart at ``version``, pinned as the profile asks."""
    return {
        part: pin_image(repository, version, require_digest=require_digest)
        for part, repository in pins.CERT_MANAGER_IMAGES.items()
    }


def _image(image: PinnedImage) -> dict[str, Any]:
    out: dict[str, Any] = {"tag": image.tag, "pullPolicy": image.pull_policy}
    if image.digest:
        out["digest"] = image.digest
    return out


def _long_running(part: str, image: PinnedImage) -> dict[str, Any]:
    # The chart labels each part's pods with its name ("cert-manager" for the controller),
    # the release and the component.
    name = "cert-manager" if part == "controller" else part
    selector = {
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/instance": _RELEASE,
        "app.kubernetes.io/component": part,
    }
    return {
        "replicaCount": _REPLICAS,
        "podDisruptionBudget": {"enabled": True, **PDB},
        "resources": resources_of(_RELEASE, part),
        "topologySpreadConstraints": zone_spread(selector),
        "image": _image(image),
    }


def cert_manager_values(version: str, *, require_digest: bool = False) -> dict[str, Any]:
    """Values of the ``cert-manager`` chart at ``version`` (its release tag, e.g. ``v1.21.1``);
    ``require_digest`` is the profile's ``workloads.require_image_digest``."""
    images = cert_manager_images(version, require_digest=require_digest)
    return {
        "crds": {"enabled": True, "keep": True},
        **_long_running("controller", images["controller"]),
        "webhook": _long_running("webhook", images["webhook"]),
        "cainjector": _long_running("cainjector", images["cainjector"]),
        "startupapicheck": {
            "resources": resources_of(_RELEASE, "startupapicheck"),
            "image": _image(images["startupapicheck"]),
        },
        "acmesolver": {"image": _image(images["acmesolver"])},
    }
