"""What the platform installs inside an EKS cluster: default storage and the shared controllers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from infra_kit.aws import _cluster_plan as values
from infra_kit.aws import _cluster_versions as pins
from infra_kit.aws._argo_rollouts import (
    ARGO_ROLLOUTS_SERVICE_ACCOUNT,
    argo_rollouts_policy,
    argo_rollouts_values,
)
from infra_kit.aws._cert_manager import cert_manager_images, cert_manager_values
from infra_kit.aws._controller_charts import autoscaler_values, load_balancer_controller_values
from infra_kit.aws._controller_values import PDB, PinnedImage, pin_image
from infra_kit.aws._external_dns import (
    EXTERNAL_DNS_SELECTOR,
    EXTERNAL_DNS_SERVICE_ACCOUNT,
    external_dns_policy,
    external_dns_values,
    hosted_zone_arn,
)
from infra_kit.aws.irsa import IrsaRole, IrsaRoleArgs, OidcIdentity
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
            node groups by, the load balancer controller tags what it creates with, and
            ExternalDNS owns its records by.
        vpc_id: the cluster's VPC, for the load balancer controller.
        key_arn: the KMS key that encrypts persistent volumes (the key given to the Cluster).
        autoscaler_role_arn: the IRSA role of the cluster autoscaler (``Cluster.autoscaler_role``).
        load_balancer_controller_role_arn: the IRSA role of the load balancer controller
            (``Cluster.load_balancer_controller_role``).
        oidc: the cluster's OIDC provider (``Cluster.oidc``), which the IRSA roles of
            ExternalDNS and Argo Rollouts trust.
        dns_zone_id: the id of the platform's Route 53 hosted zone, the only zone ExternalDNS
            may change.
        dns_zone_name: that zone's domain name (e.g. ``dev.example.com``).
        kubernetes_version: the cluster's Kubernetes version, which picks the charts' pinned
            versions. Default: ``cluster.kubernetes_version`` of the profile, as the Cluster's.
    """

    kubeconfig: pulumi.Input[str]
    cluster_name: pulumi.Input[str]
    vpc_id: pulumi.Input[str]
    key_arn: pulumi.Input[str]
    autoscaler_role_arn: pulumi.Input[str]
    load_balancer_controller_role_arn: pulumi.Input[str]
    oidc: OidcIdentity
    dns_zone_id: pulumi.Input[str]
    dns_zone_name: pulumi.Input[str]
    kubernetes_version: str | None = None


class ClusterServices(Component):
    """The Kubernetes side of the platform's cluster, deployed after the cluster's own stack.

    Children (``<name>-<suffix>``):

    - ``kubernetes.Provider`` ``k8s`` (secret kubeconfig, server-side apply).
    - ``StorageClass`` ``gp3`` (default, EBS CSI, encrypted with the key, tagged, with the
      ``infra-kit:backup`` tag that puts its volumes in AWS Backup, ``Retain`` where the profile
      protects state).
    - Helm ``Release`` ``autoscaler`` (cluster autoscaler), ``lb-controller`` (AWS Load Balancer
      Controller), ``cert-manager`` (CRDs included), ``external-dns`` (ExternalDNS) and
      ``rollouts`` (Argo Rollouts, CRDs included and kept), each atomic at its pinned version,
      in ``kube-system``. Every container has requests and limits, every long-running part a
      zone spread and a PodDisruptionBudget of ``maxUnavailable: 1``, and every image a digest
      where the profile requires one and a digest is known, else ``pullPolicy: Always``
      (:mod:`infra_kit.aws._controller_values`). 2 replicas of each part, but ExternalDNS (one,
      as the chart runs it).
    - ``IrsaRole`` ``external-dns-role`` (records of the one hosted zone only, ``ListHostedZones``
      on ``*`` with its reason) and ``rollouts-role`` (``cloudwatch:GetMetricData`` for
      CloudWatch analyses). The autoscaler and load balancer controller use the IRSA roles the
      Cluster created.
    - ``PodDisruptionBudget`` ``external-dns-pdb``, which the ExternalDNS chart does not render.

    Pass :attr:`cert_manager` to ``Collectors``, whose certificates need it, and make objects of
    the Argo Rollouts CRDs (``Rollout``, ``AnalysisTemplate``) depend on :attr:`rollouts`.

    The cluster's API endpoint is private, so this runs where the VPC is reachable, after the
    stack that creates the VPC and the cluster: creating both in one stack would need the API
    before anything could run inside the VPC.

    Prescriptions: SEC-3 (encrypted default volumes; cert-manager for in-cluster TLS), HA-1 (2
    replicas of each controller, spread over zones), K8S-1 (requests and limits), K8S-3 (PDBs
    that never block a drain), SEC-4 (digests, pull policy), SEC-1 (a role per controller,
    scoped), SCALE-1 (cluster autoscaler), TAG-1 (volume and load balancer tags), DR-1 (Retain
    volumes, backed up by tag), K8S-4 (atomic releases roll back), DEP-1 and DEP-2 (Argo
    Rollouts runs canaries with automated analysis and rollback), EDGE-1 (ExternalDNS names the
    ingresses in the platform's zone).

    Args:
        name: the component's name; every child's logical name starts with it.
        args: its settings, [ClusterServicesArgs][infra_kit.aws.ClusterServicesArgs].
        env: the stack's [Environment][infra_kit.core.environment.Environment]: profile, tags and
            AWS provider.
        opts: Pulumi options for the component; every child is parented to it.

    Attributes:
        versions: the chart and image versions pinned for the cluster's Kubernetes version.
        k8s_provider: the ``pulumi_kubernetes.Provider`` built from the cluster's kubeconfig,
            which every Kubernetes object of this stack uses.
        storage_class: the default ``StorageClass`` (encrypted, tagged gp3).
        autoscaler: the cluster autoscaler's Helm release.
        load_balancer_controller: the AWS Load Balancer Controller's Helm release.
        cert_manager: cert-manager's Helm release, which certificate objects wait for
            ([Collectors][infra_kit.k8s.Collectors] ``cert_manager``).
        external_dns_role: ExternalDNS's [IrsaRole][infra_kit.aws.IrsaRole], limited to the
            environment's zone.
        external_dns: ExternalDNS's Helm release.
        external_dns_pdb: ExternalDNS's ``PodDisruptionBudget``.
        rollouts_role: Argo Rollouts' [IrsaRole][infra_kit.aws.IrsaRole], for CloudWatch analysis.
        rollouts: Argo Rollouts' Helm release.
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
        v = self.versions
        self._require_digest = env.profile.workloads.require_image_digest
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
        autoscaler_image = self._pin(pins.CLUSTER_AUTOSCALER_IMAGE, v.cluster_autoscaler_image_tag)
        self.autoscaler = self._release(
            "autoscaler",
            pins.CLUSTER_AUTOSCALER_CHART,
            v.cluster_autoscaler_chart,
            autoscaler_values(
                cluster_name=args.cluster_name,
                image=autoscaler_image,
                region=env.region,
                role_arn=args.autoscaler_role_arn,
            ),
            [autoscaler_image],
            k8s_opts,
        )
        lbc_image = self._pin(
            pins.LOAD_BALANCER_CONTROLLER_IMAGE, v.load_balancer_controller_image_tag
        )
        self.load_balancer_controller = self._release(
            "lb-controller",
            pins.LOAD_BALANCER_CONTROLLER_CHART,
            v.load_balancer_controller_chart,
            load_balancer_controller_values(
                cluster_name=args.cluster_name,
                region=env.region,
                vpc_id=args.vpc_id,
                role_arn=args.load_balancer_controller_role_arn,
                tags=env.tags,
                image=lbc_image,
            ),
            [lbc_image],
            k8s_opts,
        )
        # prescription: SEC-3 -- cert-manager issues and renews the in-cluster TLS certificates.
        # Objects of its CRDs depend on this release, ready only once its webhook answers.
        self.cert_manager = self._release(
            "cert-manager",
            pins.CERT_MANAGER_CHART,
            v.cert_manager_chart,
            cert_manager_values(v.cert_manager_chart, require_digest=self._require_digest),
            cert_manager_images(v.cert_manager_chart, require_digest=self._require_digest).values(),
            k8s_opts,
        )
        # prescription: SEC-1 -- ExternalDNS changes the records of the platform's zone only.
        self.external_dns_role = IrsaRole(
            self.child("external-dns-role"),
            IrsaRoleArgs(
                oidc=args.oidc,
                namespace=values.CONTROLLER_NAMESPACE,
                service_account=EXTERNAL_DNS_SERVICE_ACCOUNT,
                policies={
                    "route53": external_dns_policy(hosted_zone_arn(env.partition, args.dns_zone_id))
                },
            ),
            env,
            opts=self.child_opts(),
        )
        dns_image = self._pin(pins.EXTERNAL_DNS_IMAGE, v.external_dns_image_tag)
        self.external_dns = self._release(
            "external-dns",
            pins.EXTERNAL_DNS_CHART,
            v.external_dns_chart,
            external_dns_values(
                cluster_name=args.cluster_name,
                zone_id=args.dns_zone_id,
                zone_name=args.dns_zone_name,
                region=env.region,
                role_arn=self.external_dns_role.arn,
                image=dns_image,
            ),
            [dns_image],
            k8s_opts,
        )
        # The chart renders no PodDisruptionBudget; this one lets its single pod be evicted
        # (K8S-3: never blocks a drain), and states the choice where check can read it.
        self.external_dns_pdb = k8s.policy.v1.PodDisruptionBudget(
            self.child("external-dns-pdb"),
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=pins.EXTERNAL_DNS_CHART, namespace=values.CONTROLLER_NAMESPACE
            ),
            spec=k8s.policy.v1.PodDisruptionBudgetSpecArgs(
                max_unavailable=PDB["maxUnavailable"],
                selector=k8s.meta.v1.LabelSelectorArgs(match_labels=dict(EXTERNAL_DNS_SELECTOR)),
            ),
            opts=self.child_opts(provider=self.k8s_provider, depends_on=[self.external_dns]),
        )
        # prescription: DEP-2 -- Argo Rollouts aborts and rolls back a canary whose analysis
        # fails; its role reads the CloudWatch metrics the analyses query.
        self.rollouts_role = IrsaRole(
            self.child("rollouts-role"),
            IrsaRoleArgs(
                oidc=args.oidc,
                namespace=values.CONTROLLER_NAMESPACE,
                service_account=ARGO_ROLLOUTS_SERVICE_ACCOUNT,
                policies={"cloudwatch": argo_rollouts_policy()},
            ),
            env,
            opts=self.child_opts(),
        )
        rollouts_image = self._pin(pins.ARGO_ROLLOUTS_IMAGE, v.argo_rollouts_image_tag)
        #: The Argo Rollouts release: objects of its CRDs (Rollout, AnalysisTemplate) depend on it.
        self.rollouts = self._release(
            "rollouts",
            pins.ARGO_ROLLOUTS_CHART,
            v.argo_rollouts_chart,
            argo_rollouts_values(
                role_arn=self.rollouts_role.arn, image=rollouts_image, region=env.region
            ),
            [rollouts_image],
            k8s_opts,
        )
        self.register_outputs({"storage_class": self.storage_class.metadata.name})

    def _pin(self, repository: str, tag: str) -> PinnedImage:
        return pin_image(repository, tag, require_digest=self._require_digest)

    def _release(  # noqa: PLR0917 -- one call per chart, each argument in the same order
        self,
        suffix: str,
        chart: str,
        version: str,
        chart_values: dict[str, Any],
        images: Iterable[PinnedImage],
        opts: pulumi.ResourceOptions,
    ) -> k8s.helm.v3.Release:
        args = values.release_args(
            chart, version, chart_values, namespace=values.CONTROLLER_NAMESPACE
        )
        release = k8s.helm.v3.Release(self.child(suffix), args, opts=opts)
        # prescription: SEC-4 -- an image without a known digest is named as a gap, not hidden.
        unpinned = sorted({i.reference for i in images if not i.digest})
        if self._require_digest and unpinned:
            accept_known_gap(
                release, "controller-digest", detail=f"Pinned by tag: {', '.join(unpinned)}."
            )
        return release
