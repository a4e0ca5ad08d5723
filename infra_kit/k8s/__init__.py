"""Kubernetes building blocks: namespaces, application workloads and the telemetry collectors.

Every component takes the cluster's pieces as plain arguments: ``provider`` (the cluster's
``pulumi_kubernetes.Provider``, used for every Kubernetes object) and, where AWS access is
needed, ``oidc`` (the cluster's :class:`~infra_kit.aws.irsa.OidcIdentity`, for IRSA roles).

Each name is imported from its module on first use, so a program pays only for the components,
and the provider modules, it uses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from infra_kit._lazy import lazy_exports

if TYPE_CHECKING:
    from infra_kit.k8s._canary import Canary
    from infra_kit.k8s._images import ImageRef, check_image
    from infra_kit.k8s._ingress import DEFAULT_SSL_POLICY, AlbIngress, BackendProtocol, Exposure
    from infra_kit.k8s._job_plan import ScheduledJobArgs
    from infra_kit.k8s._network import Caller, Egress
    from infra_kit.k8s._plan import WebServiceArgs, WorkerArgs, WorkloadArgs
    from infra_kit.k8s._probes import Probe, Probes
    from infra_kit.k8s._resource_alarms import WorkloadAlarms
    from infra_kit.k8s._security import (
        RESTRICTED_UID,
        ContainerSecurity,
        PodSecurity,
        restricted_violations,
    )
    from infra_kit.k8s._sizing import DisruptionBudget, Resources
    from infra_kit.k8s._slo import Slo
    from infra_kit.k8s.cluster_alarms import ClusterAlarms, ClusterAlarmsArgs
    from infra_kit.k8s.collector import Collectors, CollectorsArgs
    from infra_kit.k8s.job import ScheduledJob
    from infra_kit.k8s.namespace import Namespace, NamespaceArgs
    from infra_kit.k8s.service import WebService, Worker

__all__ = [
    "DEFAULT_SSL_POLICY",
    "RESTRICTED_UID",
    "AlbIngress",
    "BackendProtocol",
    "Caller",
    "Canary",
    "ClusterAlarms",
    "ClusterAlarmsArgs",
    "Collectors",
    "CollectorsArgs",
    "ContainerSecurity",
    "DisruptionBudget",
    "Egress",
    "Exposure",
    "ImageRef",
    "Namespace",
    "NamespaceArgs",
    "PodSecurity",
    "Probe",
    "Probes",
    "Resources",
    "ScheduledJob",
    "ScheduledJobArgs",
    "Slo",
    "WebService",
    "WebServiceArgs",
    "Worker",
    "WorkerArgs",
    "WorkloadAlarms",
    "WorkloadArgs",
    "check_image",
    "restricted_violations",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "._canary": ("Canary",),
        "._images": ("ImageRef", "check_image"),
        "._ingress": ("DEFAULT_SSL_POLICY", "AlbIngress", "BackendProtocol", "Exposure"),
        "._job_plan": ("ScheduledJobArgs",),
        "._network": ("Caller", "Egress"),
        "._plan": ("WebServiceArgs", "WorkerArgs", "WorkloadArgs"),
        "._probes": ("Probe", "Probes"),
        "._resource_alarms": ("WorkloadAlarms",),
        "._security": (
            "RESTRICTED_UID",
            "ContainerSecurity",
            "PodSecurity",
            "restricted_violations",
        ),
        "._sizing": ("DisruptionBudget", "Resources"),
        ".cluster_alarms": ("ClusterAlarms", "ClusterAlarmsArgs"),
        "._slo": ("Slo",),
        ".collector": ("Collectors", "CollectorsArgs"),
        ".job": ("ScheduledJob",),
        ".namespace": ("Namespace", "NamespaceArgs"),
        ".service": ("WebService", "Worker"),
    },
)
