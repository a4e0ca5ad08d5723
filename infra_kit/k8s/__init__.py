"""Kubernetes building blocks: namespaces, application workloads and the telemetry collectors.

Every component takes the cluster's pieces as plain arguments: ``provider`` (the cluster's
``pulumi_kubernetes.Provider``, used for every Kubernetes object) and, where AWS access is
needed, ``oidc`` (the cluster's :class:`~infra_kit.aws.irsa.OidcIdentity`, for IRSA roles).
"""

from infra_kit.k8s._images import ImageRef, check_image
from infra_kit.k8s._ingress import DEFAULT_SSL_POLICY, AlbIngress
from infra_kit.k8s._network import Caller, Egress
from infra_kit.k8s._plan import WebServiceArgs, WorkerArgs, WorkloadArgs
from infra_kit.k8s._probes import Probe, Probes
from infra_kit.k8s._security import (
    RESTRICTED_UID,
    ContainerSecurity,
    PodSecurity,
    restricted_violations,
)
from infra_kit.k8s._sizing import DisruptionBudget, Resources
from infra_kit.k8s.collector import Collectors, CollectorsArgs
from infra_kit.k8s.namespace import Namespace, NamespaceArgs
from infra_kit.k8s.service import WebService, Worker

__all__ = [
    "DEFAULT_SSL_POLICY",
    "RESTRICTED_UID",
    "AlbIngress",
    "Caller",
    "Collectors",
    "CollectorsArgs",
    "ContainerSecurity",
    "DisruptionBudget",
    "Egress",
    "ImageRef",
    "Namespace",
    "NamespaceArgs",
    "PodSecurity",
    "Probe",
    "Probes",
    "Resources",
    "WebService",
    "WebServiceArgs",
    "Worker",
    "WorkerArgs",
    "WorkloadArgs",
    "check_image",
    "restricted_violations",
]
