"""What every Helm-installed controller of the platform gets, whatever its chart (pure).

:class:`~infra_kit.aws.cluster_services.ClusterServices` installs five charts (cluster
autoscaler, AWS Load Balancer Controller, cert-manager, ExternalDNS, Argo Rollouts). Each chart
spells its values differently, but each container they run gets the same four things, decided
here once:

- requests and limits (K8S-1), from :data:`CONTROLLER_RESOURCES`, the one table of their sizes;
- a topology spread (HA-1): replicas must sit in different zones (``DoNotSchedule``) and should
  sit on different nodes (``ScheduleAnyway``, so a cluster with fewer nodes than replicas still
  schedules them), from :func:`zone_spread`;
- a PodDisruptionBudget of ``maxUnavailable: 1`` (K8S-3), which never blocks a node drain: one
  pod may always be evicted, and the next only once it is back;
- an image pinned by digest where the profile sets ``workloads.require_image_digest`` (SEC-4),
  from :data:`IMAGE_DIGESTS`; an image referenced by tag only is pulled ``Always``, so a node
  never runs a stale copy of a tag that was pushed again (:func:`pin_image`).

Digests are multi-arch image-index digests, copied only from a source that maps them to the tag
(see :data:`IMAGE_DIGESTS`). An image with no such source is pinned by tag and reported by
:func:`pin_image` as unpinned, so the component records a known gap for it by name.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

__all__ = [
    "CONTROLLER_RESOURCES",
    "HOSTNAME",
    "IMAGE_DIGESTS",
    "PDB",
    "ZONE",
    "PinnedImage",
    "pin_image",
    "resources_of",
    "zone_spread",
]

ZONE = "topology.kubernetes.io/zone"
HOSTNAME = "kubernetes.io/hostname"
#: The disruption budget of every replicated controller: one pod at a time, never zero (K8S-3).
PDB: Mapping[str, int] = MappingProxyType({"maxUnavailable": 1})

# prescription: K8S-1 -- every container a platform chart runs, with requests and limits.
# Requests are what the controller uses at rest in a cluster of a few dozen nodes; limits are
# above them where a controller's work comes in bursts, each saying why. Keys are
# "<chart>/<part>", the part as the chart's values name it ("controller" for a chart's main one).
CONTROLLER_RESOURCES: Mapping[str, Mapping[str, Mapping[str, str]]] = MappingProxyType(
    {
        # The autoscaler simulates scheduling of every pending pod on every node group during a
        # scale-up; CPU bursts then, and its node cache grows with the cluster, hence limits of
        # 5x CPU and 2x memory.
        "cluster-autoscaler/controller": {
            "requests": {"cpu": "100m", "memory": "300Mi"},
            "limits": {"cpu": "500m", "memory": "600Mi"},
        },
        # The load balancer controller reconciles every Ingress and TargetGroupBinding at start
        # and after a resync; the limits absorb that burst without throttling its webhook.
        "aws-load-balancer-controller/controller": {
            "requests": {"cpu": "50m", "memory": "128Mi"},
            "limits": {"cpu": "500m", "memory": "256Mi"},
        },
        # cert-manager's controller and cainjector cache Secrets and Certificates cluster-wide,
        # so their memory grows with the cluster; limits above the requests absorb a resync
        # after a restart or a burst of issuance without throttling or killing them.
        "cert-manager/controller": {
            "requests": {"cpu": "50m", "memory": "128Mi"},
            "limits": {"cpu": "500m", "memory": "256Mi"},
        },
        "cert-manager/webhook": {
            "requests": {"cpu": "20m", "memory": "64Mi"},
            "limits": {"cpu": "200m", "memory": "128Mi"},
        },
        "cert-manager/cainjector": {
            "requests": {"cpu": "20m", "memory": "128Mi"},
            "limits": {"cpu": "200m", "memory": "256Mi"},
        },
        # A one-off Job after each install or upgrade; its CPU limit lets it finish quickly.
        "cert-manager/startupapicheck": {
            "requests": {"cpu": "10m", "memory": "32Mi"},
            "limits": {"cpu": "100m", "memory": "64Mi"},
        },
        # ExternalDNS lists every Ingress and the zone's records once a minute: idle between,
        # a short burst of CPU at each pass, hence a CPU limit above the request.
        "external-dns/controller": {
            "requests": {"cpu": "20m", "memory": "64Mi"},
            "limits": {"cpu": "200m", "memory": "128Mi"},
        },
        # Argo Rollouts runs analyses and scales ReplicaSets during a rollout, idle otherwise;
        # its informers cache every Rollout, ReplicaSet and Service, so memory grows with them.
        "argo-rollouts/controller": {
            "requests": {"cpu": "50m", "memory": "128Mi"},
            "limits": {"cpu": "500m", "memory": "256Mi"},
        },
    }
)

# prescription: SEC-4 -- digests of the controllers' images, multi-arch index digests only.
# Source: github.com/kubernetes/k8s.io, registry.k8s.io/images/k8s-staging-autoscaling/images.yaml
# (the promoter's map of digest to tag for registry.k8s.io/autoscaling; read 2026-12-02). No
# digest of cluster-autoscaler v1.34.2, aws-load-balancer-controller v2.14.0, cert-manager
# v1.21.1, external-dns v0.21.0 or argo-rollouts v1.9.0 could be read from a source that maps it
# to the tag (the registry's own index, or the project's release manifests), so those images are
# pinned by tag, pulled Always, and carry the ``controller-digest`` known gap where the profile
# requires digests.
IMAGE_DIGESTS: Mapping[str, str] = MappingProxyType(
    {
        "registry.k8s.io/autoscaling/cluster-autoscaler:v1.32.2": (
            "sha256:c627d8d159a8cd6705a2612afd8a9ffc499e2fc37bad3525364427439b9224c0"
        ),
        "registry.k8s.io/autoscaling/cluster-autoscaler:v1.33.1": (
            "sha256:0d53371b73eae57dbed927a72b71d4fe756ce4dbfe528b4217a1078cb13445f0"
        ),
    }
)


@dataclass(frozen=True)
class PinnedImage:
    """How one image is referenced.

    Attributes:
        repository: the image's repository, e.g. ``registry.k8s.io/autoscaling/cluster-autoscaler``.
        tag: its version tag.
        digest: its index digest (``sha256:…``) when it is pinned by digest, else ``None``.
    """

    repository: str
    tag: str
    digest: str | None

    @property
    def reference(self) -> str:
        """``repository:tag``, the name of the image whatever its pinning."""
        return f"{self.repository}:{self.tag}"

    @property
    def pull_policy(self) -> str:
        """``IfNotPresent`` for a digest (its content cannot change), else ``Always``."""
        return "IfNotPresent" if self.digest else "Always"

    @property
    def tag_with_digest(self) -> str:
        """The tag, with ``@sha256:…`` appended when pinned: for charts that build the image
        reference as ``repository:tag`` and have no digest value of their own."""
        return f"{self.tag}@{self.digest}" if self.digest else self.tag


def pin_image(repository: str, tag: str, *, require_digest: bool) -> PinnedImage:
    """``repository:tag``, pinned by its digest where ``require_digest`` (the profile's
    ``workloads.require_image_digest``) and a digest of it is known; by tag otherwise."""
    digest = IMAGE_DIGESTS.get(f"{repository}:{tag}") if require_digest else None
    return PinnedImage(repository, tag, digest)


def resources_of(chart: str, part: str = "controller") -> dict[str, Any]:
    """A copy of the requests and limits of ``chart``'s ``part``, in Kubernetes' shape."""
    return copy.deepcopy(dict(CONTROLLER_RESOURCES[f"{chart}/{part}"]))


def zone_spread(selector: Mapping[str, str]) -> list[dict[str, Any]]:
    """Topology spread constraints for the pods ``selector`` matches: across zones required,
    across nodes preferred (HA-1)."""
    return [
        {
            "maxSkew": 1,
            "topologyKey": key,
            "whenUnsatisfiable": when,
            "labelSelector": {"matchLabels": dict(selector)},
        }
        for key, when in ((ZONE, "DoNotSchedule"), (HOSTNAME, "ScheduleAnyway"))
    ]
