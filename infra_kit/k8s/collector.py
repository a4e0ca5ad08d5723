"""OpenTelemetry collectors: an agent on every node and an autoscaled gateway (OBS-1)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from infra_kit.aws._cidr import SubnetTier, subnet_cidr
from infra_kit.aws.irsa import IrsaRole, IrsaRoleArgs, OidcIdentity
from infra_kit.core.component import Component
from infra_kit.core.environment import Environment
from infra_kit.errors import ValidationError
from infra_kit.k8s import _collector_config as cfg
from infra_kit.k8s import _collector_sources as sources
from infra_kit.k8s import _network as net
from infra_kit.k8s._collector_pod import (
    AGENT_TOKEN_REASON,
    CONFIG_HASH_ANNOTATION,
    HOST_LOGS_REASON,
    agent_rbac_rules,
    collector_pod,
    collector_policy_spec,
    config_hash,
    from_every_namespace,
    gateway_policy,
    otlp_service_spec,
)
from infra_kit.k8s._collector_tls import (
    CERT_MANAGER_API,
    WAIT_FOR_READY,
    certificate_chain,
    tls_files,
)
from infra_kit.k8s._deviations import (
    Deviation,
    deviation_annotations,
    deviation_suppressions,
    image_deviations,
)
from infra_kit.k8s._images import check_image
from infra_kit.k8s._sizing import (
    DisruptionBudget,
    Resources,
    hpa_spec,
    pdb_spec,
    replica_bounds,
)
from infra_kit.k8s._workload import rolling_update, topology_spread
from infra_kit.k8s.namespace import Namespace, NamespaceArgs, namespace_quota
from infra_kit.k8s.service import ROLE_ARN_ANNOTATION
from infra_kit.policy.suppress import suppress

__all__ = [
    "AGENT_RESOURCES",
    "COLLECTOR_IMAGE_DIGEST",
    "GATEWAY_RESOURCES",
    "Collectors",
    "CollectorsArgs",
]

#: The default collector image, pinned by tag and digest (the multi-architecture index).
COLLECTOR_IMAGE_DIGEST = (
    f"{cfg.COLLECTOR_IMAGE}@sha256:4935caa35e9a4cb387e35732e8fb22b2b5759af8d12e7043357f03837f6e8df5"
)

#: The agent's sizes (K8S-1). CPU: it bursts to 5x its request when a node's pods log in a burst
#: and it parses and batches the backlog; throttled above 500m, it falls behind rather than
#: starving the node's workloads. Memory: the limit is twice the request, and ``GOMEMLIMIT`` and
#: ``memory_limiter`` keep the heap below it, so a backlog is refused before it is OOM-killed.
AGENT_RESOURCES = Resources(
    cpu_request="100m", cpu_limit="500m", memory_request="128Mi", memory_limit="256Mi"
)
#: The gateway's sizes (K8S-1). CPU: its HPA adds pods at 70% of the request; the limit of 5x
#: lets a pod absorb a spike (compression and export retries) while the new pods start. Memory:
#: twice the request, with ``GOMEMLIMIT`` and ``memory_limiter`` below it, as for the agent.
GATEWAY_RESOURCES = Resources(
    cpu_request="200m", cpu_limit="1", memory_request="256Mi", memory_limit="512Mi"
)


@dataclass(frozen=True)
class CollectorsArgs:
    """Arguments of :class:`Collectors`.

    Args:
        cluster_name: the EKS cluster's name, recorded as ``k8s.cluster.name`` on all telemetry.
        image: the collector-contrib image. Default: 0.155.0 pinned by digest. Component type
            names in the configuration follow 0.155; check them when changing the version.
        agent_resources: per-node agent. Default: CPU 100m requested, 500m limit; memory
            128Mi requested, 256Mi limit; in every environment (:data:`AGENT_RESOURCES`).
        gateway_resources: per gateway pod. Default: CPU 200m requested, 1 limit; memory
            256Mi requested, 512Mi limit; in every environment (:data:`GATEWAY_RESOURCES`).
        gateway_min_replicas: the gateway HPA's lower bound, under the rules of
            [WebService][infra_kit.k8s.WebService]. Default: ``workloads.min_replicas`` (dev 1,
            preview 1, stage 2, prod 3).
        gateway_max_replicas: the gateway HPA's upper bound. Default: ``workloads.max_replicas``
            (dev 10, preview 2 under the profile's ``workloads.scale_limit_reason``, stage 20,
            prod 30).
        gateway_scale_limit_reason: why the gateway's bounds are less than 10x apart (SCALE-2).
            Default: none of its own.
        logs_log_group: the CloudWatch log group of application logs. Default:
            ``/<project>/<stack>/otel/logs``. Every log group's retention is
            ``logs.retention_days`` (dev 14, preview 3, stage 30, prod 90).
        metrics_log_group: the log group of EMF metrics. Default:
            ``/<project>/<stack>/otel/metrics``.
        containers_log_group: the log group of the container logs the agents read on their
            nodes. Default: ``/<project>/<stack>/otel/containers``.
        metrics_namespace: CloudWatch metric namespace. Default: ``<project>/<stack>``.
        log_kms_key_arn: a KMS key (with CloudWatch Logs access) to encrypt the log groups.
            Default: none, CloudWatch Logs' own encryption (OBS-2; pass one for SEC-3).
        api_server_cidrs: where the agent reaches the Kubernetes API (for ``k8s_attributes``),
            on 443. Default: the VPC CIDR (``network.vpc_cidr``), where EKS puts the control
            plane's network interfaces; add the cluster's service CIDR if the CNI evaluates
            policies before translating the ``kubernetes`` Service address.
    """

    cluster_name: pulumi.Input[str]
    image: str = COLLECTOR_IMAGE_DIGEST
    agent_resources: Resources = field(default_factory=lambda: AGENT_RESOURCES)
    gateway_resources: Resources = field(default_factory=lambda: GATEWAY_RESOURCES)
    gateway_min_replicas: int | None = None
    gateway_max_replicas: int | None = None
    gateway_scale_limit_reason: str | None = None
    logs_log_group: str | None = None
    metrics_log_group: str | None = None
    containers_log_group: str | None = None
    metrics_namespace: str | None = None
    log_kms_key_arn: pulumi.Input[str] | None = None
    api_server_cidrs: Sequence[str] = ()


class Collectors(Component):
    """The OpenTelemetry collectors every workload sends to (OBS-1).

    Children:

    - ``Namespace`` component ``<name>-namespace``: ``observability``, PSS restricted audited
      and warned but ``privileged`` enforced, for the agent alone (ADR 0022), the profile's
      quota, default deny, DNS (SEC-4, NET-5);
    - ``aws.cloudwatch.LogGroup`` ``<name>-logs``, ``<name>-metrics`` and
      ``<name>-containers``: retention ``logs.retention_days``, optional KMS key, protected in
      stage and prod (OBS-2, DR-1);
    - cert-manager objects (:mod:`~infra_kit.k8s._collector_tls`): ``ClusterIssuer``
      ``<name>-selfsigned-issuer``, CA ``Certificate`` ``<name>-ca``, ``Issuer``
      ``<name>-ca-issuer`` and ``Certificate`` ``<name>-gateway-certificate`` for the gateway
      Service's DNS names, each after the one before and after ``cert_manager`` (SEC-3);
    - ``ClusterRole`` ``<name>-agent-role`` and ``ClusterRoleBinding`` ``<name>-agent-binding``:
      get/list/watch of pods, namespaces, nodes and replica sets, for ``k8s_attributes``, and
      get of ``nodes/stats`` and ``nodes/pods``, for ``kubelet_stats``, bound to the agent
      only (SEC-4);
    - agent: ``ServiceAccount`` ``<name>-agent-sa``, ``ConfigMap`` ``<name>-agent-config``,
      ``DaemonSet`` ``<name>-agent`` (UID 0 with the node's ``/var/log/pods`` read-only and
      its checkpoint directory, otherwise restricted; the suppression of IK-SEC-4-RESTRICTED
      says why, and so do its scanner annotations, :mod:`infra_kit.k8s._deviations`), node-local ``Service`` ``<name>-agent-service`` and ``NetworkPolicy``
      ``<name>-agent-netpol`` (also the kubelets, on 10250 in the private subnets);
    - gateway: ``IrsaRole`` ``<name>-gateway-irsa`` when ``oidc`` is given (X-Ray, and the three
      log groups only: exactly what its exporters call, SEC-1); ``ServiceAccount``
      ``<name>-gateway-sa``, ``ConfigMap`` ``<name>-gateway-config``, ``Deployment``
      ``<name>-gateway`` (no ``replicas``, zone and node spread), headless ``Service``
      ``<name>-gateway-service``, ``HorizontalPodAutoscaler`` ``<name>-gateway-hpa`` (CPU at
      ``workloads.cpu_target_percent``, 70 in every environment), ``PodDisruptionBudget``
      ``<name>-gateway-pdb`` (``maxUnavailable: 1``) when ``gateway_max_replicas > 1``, and
      ``NetworkPolicy`` ``<name>-gateway-netpol``: OTLP from the agents only; HTTPS out to
      AWS APIs as :meth:`~infra_kit.k8s.Egress.aws_apis` allows it (SCALE-1, SCALE-2, K8S-3,
      HA-1, NET-5).

    Every collector pod is restricted (SEC-4), sized, probed (K8S-1) and rolled when its
    configuration changes. Without ``oidc`` the gateway has no AWS credentials and its exports
    fail; pass the cluster's OIDC identity in every real stack.

    The agent sends to the gateway over TLS 1.3 and verifies it against the CA; both depend
    on the gateway's ``Certificate`` and mount its Secret read-only. ``cert_manager`` is what
    the certificate objects wait for: the cluster's cert-manager release
    (:attr:`~infra_kit.aws.ClusterServices.cert_manager`). Default: none, for a cluster where
    cert-manager already runs; without it, a first deployment may create them before
    cert-manager's CRDs exist and fail.

    Workloads reach the agent at ``http://otel-agent.observability.svc.cluster.local:4317``.

    Prescriptions: OBS-1, OBS-2, SEC-1, SEC-3 (TLS between the collectors; keys at rest when
    ``log_kms_key_arn`` is given), SEC-4, K8S-1, K8S-3, K8S-4, SCALE-1, SCALE-2, HA-1, NET-5,
    DR-1.

    Args:
        name: the component's name; every child's logical name starts with it.
        args: its settings, [CollectorsArgs][infra_kit.k8s.CollectorsArgs].
        env: the stack's [Environment][infra_kit.core.environment.Environment]: profile, tags and
            AWS provider.
        provider: the cluster's ``pulumi_kubernetes.Provider``, which creates every Kubernetes object.
        oidc: the cluster's [OidcIdentity][infra_kit.aws.OidcIdentity], for the gateway's
            IRSA role. Default: none: the gateway has no AWS credentials and its exports fail.
        cert_manager: the resource the certificate objects wait for, the cluster's
            cert-manager release ([ClusterServices.cert_manager][infra_kit.aws.ClusterServices]).
            Default: none, for a cluster where cert-manager already runs.
        opts: Pulumi options for the component; every child is parented to it.

    Attributes:
        namespace: the ``observability`` [Namespace][infra_kit.k8s.Namespace] component.
        iam_role: the gateway's IRSA ``aws.iam.Role``. Reading it without ``oidc`` raises a
            ``ValidationError``.
        agent_endpoint: the OTLP endpoint workloads send to, the node-local agent.
        log_groups: the ``aws.cloudwatch.LogGroup`` of application logs (``logs``) and of EMF
            metrics (``metrics``).
        container_log_group: the ``aws.cloudwatch.LogGroup`` of the container logs the agents read.
    """

    TYPE = "infra-kit:k8s:Collectors"

    def __init__(
        self,
        name: str,
        args: CollectorsArgs,
        env: Environment,
        *,
        provider: k8s.Provider,
        oidc: OidcIdentity | None = None,
        cert_manager: pulumi.Resource | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        image = check_image(args.image, require_digest=env.profile.workloads.require_image_digest)
        # The agent mounts its node's log files (ADR 0022); the gateway stays restricted.
        namespace_args = NamespaceArgs(
            name=cfg.COLLECTOR_NAMESPACE, allow_privileged_pods_reason=HOST_LOGS_REASON
        )
        namespace_quota(namespace_args, env.profile.workloads)
        bounds = replica_bounds(
            env.profile.workloads,
            min_replicas=args.gateway_min_replicas,
            max_replicas=args.gateway_max_replicas,
            scale_limit_reason=args.gateway_scale_limit_reason,
        )
        for resources in (args.agent_resources, args.gateway_resources):
            if not isinstance(resources, Resources):
                raise ValidationError(
                    "resources", resources, "not a Resources value", "pass Resources(...)"
                )
        api_cidrs = tuple(args.api_server_cidrs) or (env.profile.network.vpc_cidr,)
        api_egress = net.Egress.to_cidrs(api_cidrs, [443])
        # The nodes live in the private subnets; each agent reads its own node's kubelet.
        kubelet_egress = net.Egress.to_cidrs(
            [
                subnet_cidr(env.profile.network.vpc_cidr, SubnetTier.PRIVATE, i)
                for i in range(env.profile.network.az_count)
            ],
            [sources.KUBELET_PORT],
        )
        prefix = f"/{env.project}/{env.stack}/otel"
        destinations = cfg.GatewayDestinations(
            region=env.region,
            logs_log_group=args.logs_log_group or f"{prefix}/logs",
            metrics_log_group=args.metrics_log_group or f"{prefix}/metrics",
            metrics_namespace=args.metrics_namespace or f"{env.project}/{env.stack}",
            containers_log_group=args.containers_log_group or f"{prefix}/containers",
        )
        agent_yaml = cfg.render(cfg.agent_config())
        gateway_yaml = cfg.render(cfg.gateway_config(destinations))
        super().__init__(name, env, opts)
        self._provider = provider
        ns = cfg.COLLECTOR_NAMESPACE
        self.namespace = Namespace(
            self.child("namespace"),
            namespace_args,
            env,
            provider=provider,
            opts=self.child_opts(),
        )
        groups = [
            aws.cloudwatch.LogGroup(
                self.child(suffix),
                aws.cloudwatch.LogGroupArgs(
                    name=group,
                    retention_in_days=env.profile.logs.retention_days,
                    kms_key_id=args.log_kms_key_arn,
                    deletion_protection_enabled=env.profile.protect_stateful,
                ),
                opts=self.stateful_opts(),
            )
            for suffix, group in (
                ("logs", destinations.logs_log_group),
                ("metrics", destinations.metrics_log_group),
                ("containers", destinations.containers_log_group),
            )
        ]
        attributes = pulumi.Output.concat(
            "cloud.provider=aws,cloud.platform=aws_eks,cloud.region=",
            env.region,
            ",k8s.cluster.name=",
            args.cluster_name,
            f",deployment.environment={env.profile.name}",
            f",deployment.environment.name={env.profile.name}",
        )
        version = image.version

        def labels(app: str) -> dict[str, str]:
            return env.labels(app, component="telemetry", part_of="observability", version=version)

        def meta(
            app: str,
            object_name: str | None = None,
            annotations: Mapping[str, pulumi.Input[str]] | None = None,
        ) -> k8s.meta.v1.ObjectMetaArgs:
            return k8s.meta.v1.ObjectMetaArgs(
                name=object_name or app,
                namespace=ns,
                labels=labels(app),
                annotations=dict(annotations) if annotations else None,
            )

        def selector(app: str) -> dict[str, str]:
            return {
                k: labels(app)[k] for k in ("app.kubernetes.io/name", "app.kubernetes.io/instance")
            }

        def k8s_opts(*after: pulumi.Resource) -> pulumi.ResourceOptions:
            return self.child_opts(provider=provider, depends_on=[self.namespace.namespace, *after])

        def template(
            app: str, config_yaml: str, spec: k8s.core.v1.PodSpecArgs
        ) -> k8s.core.v1.PodTemplateSpecArgs:
            # The configuration's hash rolls the pods when it changes.
            return k8s.core.v1.PodTemplateSpecArgs(
                metadata=k8s.meta.v1.ObjectMetaArgs(
                    labels=labels(app),
                    annotations={CONFIG_HASH_ANNOTATION: config_hash(config_yaml)},
                ),
                spec=spec,
            )

        # -- TLS between agent and gateway (SEC-3) ----------------------------------------------
        certificate = self._certificates(labels(cfg.GATEWAY_NAME), cert_manager, k8s_opts)

        # -- agent ------------------------------------------------------------------------------
        agent, gateway = cfg.AGENT_NAME, cfg.GATEWAY_NAME
        agent_sa, agent_config = self._account_and_config(agent, agent_yaml, None, meta, k8s_opts)
        role = k8s.rbac.v1.ClusterRole(
            self.child("agent-role"),
            metadata=k8s.meta.v1.ObjectMetaArgs(name=f"{ns}-{agent}", labels=labels(agent)),
            rules=agent_rbac_rules(),
            opts=self.child_opts(provider=provider),
        )
        k8s.rbac.v1.ClusterRoleBinding(
            self.child("agent-binding"),
            metadata=k8s.meta.v1.ObjectMetaArgs(name=f"{ns}-{agent}", labels=labels(agent)),
            role_ref=k8s.rbac.v1.RoleRefArgs(
                api_group="rbac.authorization.k8s.io", kind="ClusterRole", name=role.metadata.name
            ),
            subjects=[k8s.rbac.v1.SubjectArgs(kind="ServiceAccount", name=agent, namespace=ns)],
            opts=k8s_opts(agent_sa),
        )
        # What scanners flag on the agent, recorded on it with the reason (ADR 0027).
        agent_deviations = {
            Deviation.RUNS_AS_ROOT: HOST_LOGS_REASON,
            Deviation.HOST_PATH: HOST_LOGS_REASON,
            Deviation.API_TOKEN: AGENT_TOKEN_REASON,
            **image_deviations(image),
        }
        agent_daemonset = k8s.apps.v1.DaemonSet(
            self.child("agent"),
            metadata=meta(agent, annotations=deviation_annotations(agent_deviations)),
            spec=k8s.apps.v1.DaemonSetSpecArgs(
                selector=k8s.meta.v1.LabelSelectorArgs(match_labels=selector(agent)),
                update_strategy=k8s.apps.v1.DaemonSetUpdateStrategyArgs(
                    type="RollingUpdate",
                    rolling_update=k8s.apps.v1.RollingUpdateDaemonSetArgs(max_unavailable=1),
                ),
                revision_history_limit=5,
                template=template(
                    agent,
                    agent_yaml,
                    collector_pod(
                        image=image,
                        config_map=agent_config.metadata.name,
                        resources=args.agent_resources,
                        service_account=agent_sa.metadata.name,
                        mount_token=True,  # k8s_attributes reads the API: the one token mounted
                        resource_attributes=attributes,
                        receive_http=True,
                        tls_files=tls_files(server=False),
                        read_host_logs=True,
                    ),
                ),
            ),
            opts=k8s_opts(certificate),
        )
        k8s.core.v1.Service(
            self.child("agent-service"),
            metadata=meta(agent),
            spec=otlp_service_spec(selector(agent), agent=True),
            opts=k8s_opts(),
        )
        k8s.networking.v1.NetworkPolicy(
            self.child("agent-netpol"),
            metadata=meta(agent),
            spec=collector_policy_spec(
                selector(agent),
                ingress=from_every_namespace([cfg.OTLP_GRPC_PORT, cfg.OTLP_HTTP_PORT]),
                egress=[
                    net.Egress.to_app(ns, gateway, [cfg.OTLP_GRPC_PORT]),
                    api_egress,
                    kubelet_egress,
                ],
            ),
            opts=k8s_opts(),
        )

        # -- gateway ----------------------------------------------------------------------------
        self._irsa: IrsaRole | None = None
        if oidc is not None:
            self._irsa = IrsaRole(
                self.child("gateway-irsa"),
                IrsaRoleArgs(
                    oidc=oidc,
                    namespace=ns,
                    service_account=gateway,
                    policies={"exporters": gateway_policy([g.arn for g in groups])},
                ),
                env,
                opts=self.child_opts(),
            )
        gateway_sa, gateway_config = self._account_and_config(
            gateway, gateway_yaml, self._irsa, meta, k8s_opts
        )
        deployment = k8s.apps.v1.Deployment(
            self.child("gateway"),
            metadata=meta(gateway, annotations=deviation_annotations(image_deviations(image))),
            spec=k8s.apps.v1.DeploymentSpecArgs(
                selector=k8s.meta.v1.LabelSelectorArgs(match_labels=selector(gateway)),
                strategy=rolling_update(),
                progress_deadline_seconds=600,
                revision_history_limit=5,
                template=template(
                    gateway,
                    gateway_yaml,
                    collector_pod(
                        image=image,
                        config_map=gateway_config.metadata.name,
                        resources=args.gateway_resources,
                        service_account=gateway_sa.metadata.name,
                        mount_token=False,
                        resource_attributes=attributes,
                        receive_http=False,
                        tls_files=tls_files(server=True),
                        spread=topology_spread(selector(gateway)),
                    ),
                ),
            ),
            opts=k8s_opts(certificate),  # its pods mount the certificate's Secret
        )
        k8s.core.v1.Service(
            self.child("gateway-service"),
            metadata=meta(gateway),
            spec=otlp_service_spec(selector(gateway), agent=False),
            opts=k8s_opts(),
        )
        cpu_target = [("cpu", env.profile.workloads.cpu_target_percent)]
        k8s.autoscaling.v2.HorizontalPodAutoscaler(
            self.child("gateway-hpa"),
            metadata=meta(gateway),
            spec=hpa_spec(deployment.metadata.name, bounds, cpu_target),
            opts=k8s_opts(),
        )
        if bounds.needs_disruption_budget:
            k8s.policy.v1.PodDisruptionBudget(
                self.child("gateway-pdb"),
                metadata=meta(gateway),
                spec=pdb_spec(selector(gateway), DisruptionBudget()),
                opts=k8s_opts(),
            )
        aws_apis = net.Egress.aws_apis(env.profile.network.vpc_cidr, env.profile.network.az_count)
        k8s.networking.v1.NetworkPolicy(
            self.child("gateway-netpol"),
            metadata=meta(gateway, annotations={net.EGRESS_REASONS_ANNOTATION: net.AWS_API_REASON}),
            spec=collector_policy_spec(
                selector(gateway),
                ingress=net.from_callers([net.Caller(ns, agent)], cfg.OTLP_GRPC_PORT),
                egress=[aws_apis],
            ),
            opts=k8s_opts(),
        )
        self.agent_endpoint = cfg.AGENT_OTLP_ENDPOINT
        self.log_groups = {"logs": groups[0], "metrics": groups[1]}
        self.container_log_group = groups[2]
        for rule_id, reason in deviation_suppressions(agent_deviations).items():
            suppress(agent_daemonset, rule_id, reason)
        self.register_outputs(
            {
                "namespace": ns,
                "agent_endpoint": self.agent_endpoint,
                "logs_log_group": groups[0].name,
                "metrics_log_group": groups[1].name,
                "container_log_group": groups[2].name,
                "gateway_role_arn": self._irsa.arn if self._irsa else None,
            }
        )

    def _certificates(
        self,
        labels: Mapping[str, str],
        cert_manager: pulumi.Resource | None,
        k8s_opts: Callable[..., pulumi.ResourceOptions],
    ) -> k8s.apiextensions.CustomResource:
        """The certificate chain of :func:`certificate_chain`, each object after the one before
        it and all after cert-manager; returns the gateway's ``Certificate``."""
        ready: list[pulumi.Resource] = [cert_manager] if cert_manager else []
        chain: list[k8s.apiextensions.CustomResource] = []
        for item in certificate_chain():
            chain.append(
                k8s.apiextensions.CustomResource(
                    self.child(item.suffix),
                    api_version=CERT_MANAGER_API,
                    kind=item.kind,
                    metadata=k8s.meta.v1.ObjectMetaArgs(
                        name=item.name,
                        namespace=item.namespace,
                        labels=dict(labels),
                        annotations=dict(WAIT_FOR_READY),
                    ),
                    spec=item.spec,
                    opts=k8s_opts(*ready, *chain[-1:]),
                )
            )
        return chain[-1]

    def _account_and_config(
        self,
        app: str,
        config_yaml: str,
        irsa: IrsaRole | None,
        meta: Callable[..., k8s.meta.v1.ObjectMetaArgs],
        k8s_opts: Callable[[], pulumi.ResourceOptions],
    ) -> tuple[k8s.core.v1.ServiceAccount, k8s.core.v1.ConfigMap]:
        """The collector's own ServiceAccount (IRSA-annotated for the gateway) and ConfigMap."""
        short = app.removeprefix("otel-")
        account = k8s.core.v1.ServiceAccount(
            self.child(f"{short}-sa"),
            metadata=meta(app, annotations={ROLE_ARN_ANNOTATION: irsa.arn} if irsa else None),
            automount_service_account_token=False,
            opts=k8s_opts(),
        )
        config = k8s.core.v1.ConfigMap(
            self.child(f"{short}-config"),
            metadata=meta(app, f"{app}-config"),
            data={"collector.yaml": config_yaml},
            opts=k8s_opts(),
        )
        return account, config

    @property
    def iam_role(self) -> aws.iam.Role:
        """The gateway's IRSA role."""
        if self._irsa is None:
            raise ValidationError(
                "grantee", self.component_name, "created without oidc, so no IAM role", "pass oidc"
            )
        return self._irsa.iam_role
