"""Versions the EKS cluster pins for each supported Kubernetes version (pure, no Pulumi runtime).

Every EKS add-on the :class:`~infra_kit.aws.cluster.Cluster` installs and every Helm chart
:class:`~infra_kit.aws.cluster_services.ClusterServices` installs is pinned here, per Kubernetes
minor version, so that a deployment is reproducible and an upgrade is a
reviewed change to this table (IAC-2). Nothing is resolved at deploy time ("latest" is never
used). Add-on versions are those EKS lists as compatible with the minor version
(``aws eks describe-addon-versions --kubernetes-version <v> --addon-name <name>``); the cluster
autoscaler image follows the Kubernetes minor version, as its project requires. The cert-manager
chart's version is its release tag (``deploy/charts/cert-manager`` of github.com/cert-manager/
cert-manager, tag v1.21.1, read 2026-12-01); its values are checked against that tag's
``values.yaml``. The load balancer controller's image is its chart's ``appVersion``
(``stable/aws-load-balancer-controller`` of github.com/aws/eks-charts, chart 1.14.0, app v2.14.0).
ExternalDNS is the ``external-dns`` chart 1.21.1 (``charts/external-dns`` of
github.com/kubernetes-sigs/external-dns, tag external-dns-helm-chart-1.21.1, appVersion 0.21.0,
image tag v0.21.0); Argo Rollouts is the ``argo-rollouts`` chart 2.41.0 (``charts/argo-rollouts``
of github.com/argoproj/argo-helm, tag argo-rollouts-2.41.0, appVersion v1.9.0); all read
2026-12-02, their values checked against those tags' ``values.yaml``.

To support a new Kubernetes version: add it to ``SUPPORTED_KUBERNETES_VERSIONS`` in
:mod:`infra_kit.core.profile` and add its row to ``PINNED`` below; a test keeps the two in step.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from infra_kit.core.profile import SUPPORTED_KUBERNETES_VERSIONS
from infra_kit.errors import ValidationError

__all__ = [
    "ADDON_COREDNS",
    "ADDON_EBS_CSI",
    "ADDON_KUBE_PROXY",
    "ADDON_METRICS_SERVER",
    "ADDON_POD_IDENTITY",
    "ADDON_VPC_CNI",
    "ARGO_ROLLOUTS_CHART",
    "ARGO_ROLLOUTS_IMAGE",
    "ARGO_ROLLOUTS_REPOSITORY",
    "CERT_MANAGER_CHART",
    "CERT_MANAGER_IMAGES",
    "CERT_MANAGER_REPOSITORY",
    "CHART_REPOSITORIES",
    "CLUSTER_AUTOSCALER_CHART",
    "CLUSTER_AUTOSCALER_IMAGE",
    "CLUSTER_AUTOSCALER_REPOSITORY",
    "EXTERNAL_DNS_CHART",
    "EXTERNAL_DNS_IMAGE",
    "EXTERNAL_DNS_REPOSITORY",
    "LOAD_BALANCER_CONTROLLER_CHART",
    "LOAD_BALANCER_CONTROLLER_IMAGE",
    "LOAD_BALANCER_CONTROLLER_REPOSITORY",
    "PINNED",
    "ClusterVersions",
    "ami_type_for",
    "versions_for",
]

ADDON_VPC_CNI = "vpc-cni"
ADDON_COREDNS = "coredns"
ADDON_KUBE_PROXY = "kube-proxy"
ADDON_EBS_CSI = "aws-ebs-csi-driver"
#: The EKS community add-on: metrics for HPAs (SCALE-1).
ADDON_METRICS_SERVER = "metrics-server"
ADDON_POD_IDENTITY = "eks-pod-identity-agent"

CLUSTER_AUTOSCALER_CHART = "cluster-autoscaler"
CLUSTER_AUTOSCALER_REPOSITORY = "https://kubernetes.github.io/autoscaler"
CLUSTER_AUTOSCALER_IMAGE = "registry.k8s.io/autoscaling/cluster-autoscaler"
LOAD_BALANCER_CONTROLLER_CHART = "aws-load-balancer-controller"
LOAD_BALANCER_CONTROLLER_REPOSITORY = "https://aws.github.io/eks-charts"
LOAD_BALANCER_CONTROLLER_IMAGE = "public.ecr.aws/eks/aws-load-balancer-controller"
CERT_MANAGER_CHART = "cert-manager"
CERT_MANAGER_REPOSITORY = "https://charts.jetstack.io"
#: The image of each part of the cert-manager chart (``imageRegistry``/``imageNamespace``/
#: ``<part>.image.name`` of its values).
CERT_MANAGER_IMAGES: Mapping[str, str] = MappingProxyType(
    {
        part: f"quay.io/jetstack/cert-manager-{part}"
        for part in ("controller", "webhook", "cainjector", "startupapicheck", "acmesolver")
    }
)
EXTERNAL_DNS_CHART = "external-dns"
EXTERNAL_DNS_REPOSITORY = "https://kubernetes-sigs.github.io/external-dns/"
EXTERNAL_DNS_IMAGE = "registry.k8s.io/external-dns/external-dns"
ARGO_ROLLOUTS_CHART = "argo-rollouts"
ARGO_ROLLOUTS_REPOSITORY = "https://argoproj.github.io/argo-helm"
ARGO_ROLLOUTS_IMAGE = "quay.io/argoproj/argo-rollouts"
#: The Helm repository of each chart.
CHART_REPOSITORIES: Mapping[str, str] = MappingProxyType(
    {
        CLUSTER_AUTOSCALER_CHART: CLUSTER_AUTOSCALER_REPOSITORY,
        LOAD_BALANCER_CONTROLLER_CHART: LOAD_BALANCER_CONTROLLER_REPOSITORY,
        CERT_MANAGER_CHART: CERT_MANAGER_REPOSITORY,
        EXTERNAL_DNS_CHART: EXTERNAL_DNS_REPOSITORY,
        ARGO_ROLLOUTS_CHART: ARGO_ROLLOUTS_REPOSITORY,
    }
)


@dataclass(frozen=True)
class ClusterVersions:
    """What one Kubernetes minor version runs.

    Args:
        kubernetes_version: the EKS control-plane version, e.g. ``"1.34"``.
        addons: EKS add-on name to pinned ``addonVersion``.
        cluster_autoscaler_chart: version of the ``cluster-autoscaler`` Helm chart.
        cluster_autoscaler_image_tag: autoscaler image tag; its minor matches Kubernetes.
        load_balancer_controller_chart: version of the ``aws-load-balancer-controller`` chart.
        cert_manager_chart: version of the ``cert-manager`` chart (a release tag, ``v`` included);
            its images run the same version.
        load_balancer_controller_image_tag: the controller's image tag (its chart's appVersion).
            This and the four below are the same for every supported Kubernetes version today,
            so each row takes the default; a row that needs another version overrides it.
        external_dns_chart: version of the ``external-dns`` chart.
        external_dns_image_tag: ExternalDNS's image tag (``v`` and its chart's appVersion).
        argo_rollouts_chart: version of the ``argo-rollouts`` chart.
        argo_rollouts_image_tag: Argo Rollouts' image tag (its chart's appVersion).
    """

    kubernetes_version: str
    addons: Mapping[str, str]
    cluster_autoscaler_chart: str
    cluster_autoscaler_image_tag: str
    load_balancer_controller_chart: str
    cert_manager_chart: str
    load_balancer_controller_image_tag: str = "v2.14.0"
    external_dns_chart: str = "1.21.1"
    external_dns_image_tag: str = "v0.21.0"
    argo_rollouts_chart: str = "2.41.0"
    argo_rollouts_image_tag: str = "v1.9.0"


def _row(
    kubernetes_version: str,
    *,
    vpc_cni: str,
    coredns: str,
    kube_proxy: str,
    ebs_csi: str,
    metrics_server: str,
    pod_identity: str,
    autoscaler_chart: str,
    autoscaler_image: str,
    lb_controller_chart: str,
    cert_manager_chart: str,
) -> ClusterVersions:
    return ClusterVersions(
        kubernetes_version=kubernetes_version,
        addons=MappingProxyType(
            {
                ADDON_VPC_CNI: vpc_cni,
                ADDON_COREDNS: coredns,
                ADDON_KUBE_PROXY: kube_proxy,
                ADDON_EBS_CSI: ebs_csi,
                ADDON_METRICS_SERVER: metrics_server,
                ADDON_POD_IDENTITY: pod_identity,
            }
        ),
        cluster_autoscaler_chart=autoscaler_chart,
        cluster_autoscaler_image_tag=autoscaler_image,
        load_balancer_controller_chart=lb_controller_chart,
        cert_manager_chart=cert_manager_chart,
    )


#: The pinned versions, per supported Kubernetes minor version.
# prescription: IAC-2 -- every version is pinned here; an upgrade is a reviewed commit.
PINNED: Mapping[str, ClusterVersions] = MappingProxyType(
    {
        "1.32": _row(
            "1.32",
            vpc_cni="v1.20.4-eksbuild.1",
            coredns="v1.11.4-eksbuild.24",
            kube_proxy="v1.32.9-eksbuild.2",
            ebs_csi="v1.53.0-eksbuild.1",
            metrics_server="v0.8.0-eksbuild.3",
            pod_identity="v1.3.9-eksbuild.5",
            autoscaler_chart="9.46.0",
            autoscaler_image="v1.32.2",
            lb_controller_chart="1.14.0",
            cert_manager_chart="v1.21.1",
        ),
        "1.33": _row(
            "1.33",
            vpc_cni="v1.20.4-eksbuild.1",
            coredns="v1.12.4-eksbuild.1",
            kube_proxy="v1.33.5-eksbuild.2",
            ebs_csi="v1.53.0-eksbuild.1",
            metrics_server="v0.8.0-eksbuild.3",
            pod_identity="v1.3.9-eksbuild.5",
            autoscaler_chart="9.51.0",
            autoscaler_image="v1.33.1",
            lb_controller_chart="1.14.0",
            cert_manager_chart="v1.21.1",
        ),
        "1.34": _row(
            "1.34",
            vpc_cni="v1.20.4-eksbuild.1",
            coredns="v1.12.4-eksbuild.1",
            kube_proxy="v1.34.1-eksbuild.2",
            ebs_csi="v1.53.0-eksbuild.1",
            metrics_server="v0.8.0-eksbuild.6",
            pod_identity="v1.3.10-eksbuild.2",
            autoscaler_chart="9.53.0",
            autoscaler_image="v1.34.2",
            lb_controller_chart="1.14.0",
            cert_manager_chart="v1.21.1",
        ),
    }
)


def versions_for(kubernetes_version: str) -> ClusterVersions:
    """The pinned versions of ``kubernetes_version``; refuses a version infra-kit does not pin."""
    pinned = PINNED.get(kubernetes_version)
    if pinned is None or kubernetes_version not in SUPPORTED_KUBERNETES_VERSIONS:
        raise ValidationError(
            "kubernetes_version",
            kubernetes_version,
            "not a Kubernetes version infra-kit supports and pins add-ons for",
            f"use one of {', '.join(SUPPORTED_KUBERNETES_VERSIONS)}",
        )
    return pinned


# Graviton families carry a "g" right after the generation digit: m7g, c6gn, t4g, r8g.
_GRAVITON = re.compile(r"^[a-z]+\d+g")


def ami_type_for(instance_types: Sequence[str]) -> str:
    """The Amazon Linux 2023 EKS AMI type for ``instance_types`` (one CPU architecture only).

    Amazon Linux 2 has no EKS AMI from Kubernetes 1.33 on, so every supported version uses
    AL2023. Refuses a mix of x86_64 and arm64 types: one node group runs one AMI.
    """
    arm = {t for t in instance_types if _GRAVITON.match(t.split(".", 1)[0])}
    if arm and arm != set(instance_types):
        raise ValidationError(
            "cluster.node_instance_types",
            list(instance_types),
            "mixes arm64 (Graviton) and x86_64 instance types; a node group runs one AMI",
            "list only arm64 types (e.g. m7g.large) or only x86_64 types (e.g. m6i.large)",
        )
    return "AL2023_ARM_64_STANDARD" if arm else "AL2023_x86_64_STANDARD"
