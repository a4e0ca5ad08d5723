"""What the platform installs inside an EKS cluster: default storage and the shared controllers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from infra_kit.aws import _cluster_plan as values
from infra_kit.aws import _cluster_versions as pins
from infra_kit.aws._cert_manager import cert_manager_values
from infra_kit.core.component import Component
from infra_kit.core.environment import Environment
from infra_kit.core.tags import backup_tags, merge_tags
from infra_kit.policy.known_gaps import accept_known_gap

__all__ = ["ClusterServices", "ClusterServicesArgs"]


@dataclass(frozen=True, kw_only=True)
class ClusterServicesArgs:
    """Arguments of :class:`ClusterServices`; all but the version are outputs of the stack that
    created the cluster (:class:`~infra_kit.aws.cluster.Cluster`), read through a StackReference.

    Args:
        kubeconfig: the cluster's kubeconfig (``Cluster.kubeconfig``); kept secret.
        cluster_name: the EKS cluster's name (``Cluster.name``), which the autoscaler discovers
            node groups by and the load balancer controller tags what it creates with.
        vpc_id: the cluster's VPC, for the load balancer controller.
        key_arn: the KMS key that encrypts persistent volumes (the key given to the Cluster).
        autoscaler_role_arn: the IRSA role of the cluster autoscaler (``Cluster.autoscaler_role``).
        load_balancer_controller_role_arn: the IRSA role of the load balancer controller
            (``Cluster.load_balancer_controller_role``).
        kubernetes_version: the cluster's Kubernetes version, which picks the charts' pinned
            versions. Default: ``cluster.kubernetes_version`` of the profile, as the Cluster's.
    """

    kubeconfig: pulumi.Input[str]
    cluster_name: pulumi.Input[str]
    vpc_id: pulumi.Input[str]
    key_arn: pulumi.Input[str]
    autoscaler_role_arn: pulumi.Input[str]
    load_balancer_controller_role_arn: pulumi.Input[str]
    kubernetes_version: str | None = None


class ClusterServices(Component):
    """The Kubernetes side of the platform's cluster, deployed after the cluster's own stack.

    Children (``<name>-<suffix>``):

    - ``kubernetes.Provider`` ``k8s`` (secret kubeconfig, server-side apply).
    - ``StorageClass`` ``gp3`` (default, EBS CSI, encrypted with the key, tagged, with the
      ``infra-kit:backup`` tag that puts its volumes in AWS Backup, ``Retain`` where the profile
      protects state).
    - Helm ``Release`` ``autoscaler`` (cluster autoscaler), ``lb-controller`` (AWS Load Balancer
      Controller) and ``cert-manager`` (CRDs included), each atomic at its pinned version, in
      ``kube-system``, 2 replicas of each part; the controllers' service accounts use the IRSA
      roles the Cluster created. Pass :attr:`cert_manager` to ``Collectors``, whose
      certificates need it.

    The cluster's API endpoint is private, so this runs where the VPC is reachable, after the
    stack that creates the VPC and the cluster: creating both in one stack would need the API
    before anything could run inside the VPC.

    Prescriptions: SEC-3 (encrypted default volumes; cert-manager for in-cluster TLS), HA-1 (2
    replicas of each controller), SCALE-1 (cluster autoscaler), TAG-1 (volume and load balancer
    tags), DR-1 (Retain volumes, backed up by tag), K8S-4 (atomic releases roll back).
    """

    TYPE = "infra-kit:aws:ClusterServices"

    def __init__(
        self,
        name: str,
        args: ClusterServicesArgs,
        env: Environment,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        version = args.kubernetes_version or env.profile.cluster.kubernetes_version
        self.versions = pins.versions_for(version)
        super().__init__(name, env, opts)
        self.k8s_provider = k8s.Provider(
            self.child("k8s"),
            k8s.ProviderArgs(
                kubeconfig=pulumi.Output.secret(args.kubeconfig), enable_server_side_apply=True
            ),
            opts=self.child_opts(),
        )
        k8s_opts = self.child_opts(provider=self.k8s_provider)
        # New EKS clusters no longer mark the gp2 class as default, so this is the only default.
        self.storage_class = k8s.storage.v1.StorageClass(
            self.child("gp3"),
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name="gp3", annotations={"storageclass.kubernetes.io/is-default-class": "true"}
            ),
            provisioner="ebs.csi.aws.com",
            # Volumes hold the cluster's data: tagged for the environment's AWS Backup plan.
            parameters=values.storage_class_parameters(
                merge_tags(env.tags, backup_tags(env.profile.name)), args.key_arn
            ),
            reclaim_policy="Retain" if env.profile.protect_stateful else "Delete",
            volume_binding_mode="WaitForFirstConsumer",
            allow_volume_expansion=True,
            opts=k8s_opts,
        )
        self.autoscaler = self._release(
            "autoscaler",
            pins.CLUSTER_AUTOSCALER_CHART,
            self.versions.cluster_autoscaler_chart,
            values.autoscaler_values(
                cluster_name=args.cluster_name,
                versions=self.versions,
                region=env.region,
                role_arn=args.autoscaler_role_arn,
            ),
            k8s_opts,
        )
        accept_known_gap(self.autoscaler, "controller-resources")
        if env.profile.workloads.require_image_digest:
            accept_known_gap(self.autoscaler, "controller-digest")
        self.load_balancer_controller = self._release(
            "lb-controller",
            pins.LOAD_BALANCER_CONTROLLER_CHART,
            self.versions.load_balancer_controller_chart,
            values.load_balancer_controller_values(
                cluster_name=args.cluster_name,
                region=env.region,
                vpc_id=args.vpc_id,
                role_arn=args.load_balancer_controller_role_arn,
                tags=env.tags,
            ),
            k8s_opts,
        )
        accept_known_gap(self.load_balancer_controller, "controller-resources")
        # prescription: SEC-3 -- cert-manager issues and renews the in-cluster TLS certificates.
        # Objects of its CRDs depend on this release, ready only once its webhook answers.
        self.cert_manager = self._release(
            "cert-manager",
            pins.CERT_MANAGER_CHART,
            self.versions.cert_manager_chart,
            cert_manager_values(self.versions.cert_manager_chart),
            k8s_opts,
        )
        if env.profile.workloads.require_image_digest:
            accept_known_gap(self.cert_manager, "controller-digest")
        self.register_outputs({"storage_class": self.storage_class.metadata.name})

    def _release(
        self,
        suffix: str,
        chart: str,
        version: str,
        chart_values: dict[str, Any],
        opts: pulumi.ResourceOptions,
    ) -> k8s.helm.v3.Release:
        args = values.release_args(
            chart, version, chart_values, namespace=values.CONTROLLER_NAMESPACE
        )
        return k8s.helm.v3.Release(self.child(suffix), args, opts=opts)
