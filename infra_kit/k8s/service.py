"""Application workloads: :class:`WebService` (serves traffic) and :class:`Worker` (does not)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import pulumi
import pulumi_kubernetes as k8s

from infra_kit.aws.irsa import OidcIdentity
from infra_kit.core.environment import Environment
from infra_kit.k8s import _network as net
from infra_kit.k8s import _workload as pod
from infra_kit.k8s._canary import ROLLOUT_HASH_LABEL, ROLLOUTS_API
from infra_kit.k8s._deviations import deviation_annotations, image_deviations
from infra_kit.k8s._ingress import AlbIngress, alb_annotations, ingress_spec
from infra_kit.k8s._parts import (
    ROLE_ARN_ANNOTATION,
    RoleHolder,
    resolve_namespace,
    workload_config,
    workload_identity,
    workload_network_policy,
)
from infra_kit.k8s._plan import WebServiceArgs, WorkerArgs, WorkloadArgs, plan_workload
from infra_kit.k8s._resource_alarms import WorkloadAlarms, workload_resource_alarms
from infra_kit.k8s._rollout import canary_rollout
from infra_kit.k8s._sizing import SCALE_LIMIT_ANNOTATION, hpa_spec, pdb_spec
from infra_kit.k8s._slo import LOAD_BALANCER_NAME_ANNOTATION, Slo, load_balancer_name, plan_slo
from infra_kit.k8s._slo_alerts import find_load_balancer, watch_service
from infra_kit.policy.suppress import suppress

__all__ = ["ROLE_ARN_ANNOTATION", "WebService", "Worker"]

_PRE_STOP_SECONDS = 10


class _Workload(RoleHolder):
    """A Deployment with what a production workload needs; see :class:`WebService`."""

    _ROLE: ClassVar[str]
    _SERVES_TRAFFIC: ClassVar[bool]

    def __init__(
        self,
        name: str,
        args: WorkloadArgs,
        env: Environment,
        *,
        provider: k8s.Provider,
        oidc: OidcIdentity | None,
        alarms: WorkloadAlarms | None,
        opts: pulumi.ResourceOptions | None,
    ) -> None:
        namespace, self._ns_deps = resolve_namespace(args.namespace)
        plan = plan_workload(name, args, env.profile, has_role=oidc is not None)
        slo = None
        if isinstance(args, WebServiceArgs) and args.ingress is not None:
            slo = plan_slo(args.slo or Slo(), env.profile)
        labels = env.labels(name, component=self._ROLE, version=plan.image.version)
        super().__init__(name, env, opts)
        self._provider = provider
        self.namespace = namespace
        self.selector = {
            k: labels[k] for k in ("app.kubernetes.io/name", "app.kubernetes.io/instance")
        }

        def meta(
            object_name: str = name, annotations: Mapping[str, pulumi.Input[str]] | None = None
        ) -> k8s.meta.v1.ObjectMetaArgs:
            return k8s.meta.v1.ObjectMetaArgs(
                name=object_name,
                namespace=namespace,
                labels=labels,
                annotations=dict(annotations) if annotations else None,
            )

        self._irsa, account = workload_identity(
            self, namespace=namespace, oidc=oidc, meta=meta, opts=self._opts()
        )
        config = workload_config(self, config=args.config, meta=meta, opts=self._opts())
        container = pod.app_container(
            name=name,
            environment=env.profile.name,
            plan=plan,
            port=args.port,
            command=args.command,
            args=args.args,
            secret_arns={**args.secret_arns, **args.resource_refs},
            config_map=config.metadata.name,
            pre_stop_seconds=_PRE_STOP_SECONDS if self._SERVES_TRAFFIC else None,
        )
        reason = plan.bounds.scale_limit_reason
        scale_note: dict[str, pulumi.Input[str]] = (
            {SCALE_LIMIT_ANNOTATION: reason} if reason else {}
        )
        # A digest pulled IfNotPresent is a deviation some scanners flag (ADR 0027).
        scanner_note = deviation_annotations(image_deviations(plan.image))
        outputs: dict[str, Any] = {}
        load_balancer: pulumi.Output[str] | None = None
        if isinstance(args, WebServiceArgs):
            outputs = self._serve(args, env, meta, plan.probes.readiness.path)
            if self.ingress is not None and (plan.canary is not None or alarms is not None):
                # The ALB's CloudWatch dimension, once the controller has created it (ADR 0023).
                load_balancer = outputs["load_balancer"] = find_load_balancer(
                    self, self.load_balancer_name, self.ingress
                )
            if slo is not None and alarms is not None and load_balancer is not None:
                # prescription: OBS-3 -- SLO burn-rate alerts on the service's ALB.
                watch_service(self, plan=slo, load_balancer=load_balancer, topics=alarms.topics)
        revision_label = "pod-template-hash" if plan.canary is None else ROLLOUT_HASH_LABEL
        template = k8s.core.v1.PodTemplateSpecArgs(
            metadata=k8s.meta.v1.ObjectMetaArgs(labels=labels),
            spec=pod.pod_spec(
                container=container,
                service_account=account.metadata.name,
                mount_token=args.mount_service_account_token,
                selector=self.selector,
                revision_label=revision_label,
            ),
        )
        self.deployment: k8s.apps.v1.Deployment | None = None
        self.rollout: k8s.apiextensions.CustomResource | None = None
        if plan.canary is None:
            self.deployment = k8s.apps.v1.Deployment(
                self.child("deployment"),
                metadata=meta(annotations={**scale_note, **scanner_note}),
                spec=k8s.apps.v1.DeploymentSpecArgs(
                    selector=k8s.meta.v1.LabelSelectorArgs(match_labels=self.selector),
                    strategy=pod.rolling_update(),
                    progress_deadline_seconds=args.progress_deadline_seconds,
                    revision_history_limit=5,
                    template=template,
                ),
                opts=self._opts(),
            )
            workload: pulumi.CustomResource = self.deployment
            target = ("apps/v1", "Deployment")
        else:
            assert load_balancer is not None  # a canary needs an ingress (plan_workload)
            self.rollout = canary_rollout(
                self,
                plan.canary,
                opts=self._opts,
                load_balancer=load_balancer,
                meta=meta,
                selector=self.selector,
                annotations={**scale_note, **scanner_note},
                template=template,
                progress_deadline_seconds=args.progress_deadline_seconds,
            )
            workload = self.rollout
            target = (ROLLOUTS_API, "Rollout")
        k8s.autoscaling.v2.HorizontalPodAutoscaler(
            self.child("hpa"),
            metadata=meta(annotations=scale_note),
            spec=hpa_spec(name, plan.bounds, plan.metrics, target=target),
            opts=self._opts(workload),
        )
        if plan.bounds.needs_disruption_budget:
            k8s.policy.v1.PodDisruptionBudget(
                self.child("pdb"),
                metadata=meta(),
                spec=pdb_spec(self.selector, args.disruption),
                opts=self._opts(),
            )
        ingress_rules = []
        if isinstance(args, WebServiceArgs) and args.allow_from:
            ingress_rules.append(net.from_callers(args.allow_from, args.port))
        if plan.ingress_cidrs:
            ingress_rules.append(net.cidr_ingress(plan.ingress_cidrs, args.port))
        workload_network_policy(
            self,
            selector=self.selector,
            ingress=ingress_rules,
            egress=plan.egress,
            meta=meta,
            opts=self._opts(),
        )
        if alarms is not None:
            workload_resource_alarms(self, alarms, namespace=namespace, deployment=name)
        self.register_outputs(
            {
                "namespace": namespace,
                "deployment": self.deployment.metadata.name if self.deployment else None,
                "rollout": name if self.rollout else None,
                "role_arn": self._irsa.arn if self._irsa else None,
                **outputs,
            }
        )

    def _serve(
        self, args: WebServiceArgs, env: Environment, meta: Any, health: str | None
    ) -> dict[str, Any]:
        """The Service and, when asked for, the Ingress."""
        name = self.component_name
        self.service = k8s.core.v1.Service(
            self.child("service"),
            metadata=meta(),
            spec=k8s.core.v1.ServiceSpecArgs(
                type="ClusterIP",
                selector=self.selector,
                ports=[
                    k8s.core.v1.ServicePortArgs(
                        name="http", port=args.service_port, target_port="http", protocol="TCP"
                    )
                ],
            ),
            opts=self._opts(),
        )
        self.host = f"{name}.{self.namespace}.svc.cluster.local"
        self.ingress: k8s.networking.v1.Ingress | None = None
        if args.ingress is not None:
            assert health is not None
            #: The ALB's name, so that its metrics can be found (ADR 0023).
            self.load_balancer_name = load_balancer_name(
                environment=env.profile.name,
                project=env.project,
                stack=env.stack,
                namespace=self.namespace,
                service=name,
                group=args.ingress.group_name,
            )
            annotations = alb_annotations(
                args.ingress,
                health_check_path=health,
                tags=env.tags,
                log_prefix=f"{self.namespace}/{name}",
            )
            annotations[LOAD_BALANCER_NAME_ANNOTATION] = self.load_balancer_name
            self.ingress = k8s.networking.v1.Ingress(
                self.child("ingress"),
                metadata=meta(annotations=annotations),
                spec=ingress_spec(name, args.ingress.hosts),
                opts=self._opts(self.service),
            )
            _record_edge_decisions(self.ingress, args.ingress)
        return {"host": self.host}

    def _opts(self, *after: pulumi.Resource) -> pulumi.ResourceOptions:
        return self.child_opts(provider=self._provider, depends_on=[*self._ns_deps, *after])


class WebService(_Workload):
    """A workload that serves HTTP, with production defaults.

    Children (Kubernetes objects named ``<name>`` in the namespace, created through ``provider``):

    - ``IrsaRole`` ``<name>-irsa`` when ``oidc`` is given: trusted by exactly
      ``<namespace>/<name>``; ``.iam_role`` receives ``grant_*`` calls (SEC-1);
    - ``ServiceAccount`` ``<name>-sa``: the role ARN annotation; no token automount (SEC-4);
    - ``ConfigMap`` ``<name>-config``: immutable, content-hashed name, ``envFrom`` (K8S-2);
    - ``Deployment`` ``<name>-deployment``: restricted security contexts and a ``/tmp``
      emptyDir (SEC-4); CPU and memory requests and limits and three distinct probes (K8S-1); zone and node
      spread (HA-1); surge-only rolling update with a progress deadline (K8S-4); no ``replicas``,
      the HPA owns it; the OTel environment (OBS-1); secret ARNs, never values (SEC-2); a 10 s
      ``preStop`` sleep;
    - instead of the Deployment, where ``canary`` is given and the profile's
      ``rollouts.enable_canary`` is true (stage, prod): ``AnalysisTemplate`` ``<name>-analysis``
      (``<name>-canary``: the ALB's 5xx rate and latency through Argo Rollouts' CloudWatch
      provider) and ``Rollout`` ``<name>-rollout`` (``argoproj.io/v1alpha1``): the same pod
      template, canary steps with that analysis in the background from the first step, surge
      only, and ``progressDeadlineAbort`` (DEP-1, DEP-2, K8S-4; :mod:`infra_kit.k8s._canary`);
    - ``HorizontalPodAutoscaler`` ``<name>-hpa`` of the Deployment (or the Rollout):
      autoscaling/v2 on CPU (and optional memory), fast up and slow down, at least 10x headroom
      unless a reason is written (SCALE-1, SCALE-2);
    - ``PodDisruptionBudget`` ``<name>-pdb`` when ``max_replicas > 1``: ``maxUnavailable: 1``,
      ``unhealthyPodEvictionPolicy: AlwaysAllow`` (K8S-3, HA-1);
    - ``NetworkPolicy`` ``<name>-netpol`` (NET-5), on the container port only: ingress from
      the ``allow_from`` callers (pods of that namespace with that app name, nothing else), and,
      when there is an Ingress, from every address of
      :attr:`~infra_kit.k8s.AlbIngress.source_cidrs`: by default the public subnets' CIDRs for
      an internet-facing ALB, and the private subnets' CIDRs for an internal one, which, the
      pods living there too, admits every pod of the cluster on that port; egress to DNS, the
      node's OTel agent, AWS APIs (only with a role; see :meth:`~infra_kit.k8s.Egress.aws_apis`)
      and declared destinations;
    - ``Service`` ``<name>-service``: ClusterIP, ``service_port`` to the ``http`` port;
    - ``Ingress`` ``<name>-ingress`` when ``ingress`` is given: AWS Load Balancer Controller,
      HTTPS with TLS 1.2+, HTTP redirected, tagged (EDGE-1, SEC-3, TAG-1), and the ALB named
      :attr:`load_balancer_name` (at most 32 characters, unique per stack, or per IngressGroup);
      internal or internet-facing as :class:`~infra_kit.k8s.AlbIngress` ``exposure`` says, with
      its web ACL and access logs under ``<namespace>/<name>``; an internet-facing one carries
      suppressions recording the explicit exposure (``IK-EDGE-1-PUBLIC-LOAD-BALANCER``) and any
      ``disable_waf_reason`` or ``disable_access_logs_reason`` (ADR 0024);
    - with an Ingress and ``alarms``, for each objective of ``slo`` (availability, latency)
      and each of the profile's ``slo.burn_rate_alerts``: ``aws.cloudwatch.MetricAlarm``
      ``<name>-<objective>-burn-<long>-<short>-long`` and ``-short`` (no actions) and
      ``aws.cloudwatch.CompositeAlarm`` ``<name>-<objective>-burn-<long>-<short>`` that notifies
      the severity's topic when both windows burn (:mod:`infra_kit.aws.burn_rate`); the ALB is
      found with ``aws.lb.get_load_balancer`` once the Ingress exists (ADR 0023). Its requests,
      errors, latency and targets are registered for the dashboard (OBS-4).

    Prescriptions: SEC-1, SEC-2, SEC-4, K8S-1, K8S-2, K8S-3, K8S-4, HA-1, SCALE-1, SCALE-2,
    NET-5, OBS-1, and with an Ingress EDGE-1, SEC-3 (in transit), TAG-1, OBS-3 and OBS-4, and
    with a canary DEP-1 and DEP-2.

    ``provider`` is the cluster's Kubernetes provider. ``oidc`` (the cluster's OIDC identity)
    gives the workload AWS access through IRSA; without it the workload has no IAM role.
    ``alarms`` (:class:`~infra_kit.k8s.WorkloadAlarms`: the environment's alarm topics and the
    cluster's name) adds ``aws.cloudwatch.MetricAlarm`` ``<name>-cpu-warning``,
    ``<name>-cpu-critical``, ``<name>-memory-warning`` and ``<name>-memory-critical``: the
    hottest pod's CPU against its CPU limit (where it starts to be throttled) and its memory
    against its memory limit, warning at 75% and critical at 90% (OBS-3). Without it the
    workload has no resource alarms.
    Its SLO alerts go to the topics of ``alarms`` too; without ``alarms``, no alarm is created,
    and ``infra-kit check`` refuses a stage or prod service behind an ALB that has none
    (``IK-OBS-3-SLO-ALERTS``).

    Args:
        name: the component's name; every child's logical name starts with it.
        args: its settings, [WebServiceArgs][infra_kit.k8s.WebServiceArgs].
        env: the stack's [Environment][infra_kit.core.environment.Environment]: profile, tags and
            AWS provider.
        provider: the cluster's ``pulumi_kubernetes.Provider``, which creates every Kubernetes object.
        oidc: the cluster's [OidcIdentity][infra_kit.aws.OidcIdentity] (``Cluster.oidc``, or the
            platform's outputs); it gives the pods an IRSA role. Default: none, no IAM role.
        alarms: where the CPU and memory alarms (and, behind an ALB, the SLO alerts) notify:
            [WorkloadAlarms][infra_kit.k8s.WorkloadAlarms]. Default: none, no alarm.
        opts: Pulumi options for the component; every child is parented to it.

    Attributes:
        namespace: the name of the namespace it runs in.
        selector: the labels that select its pods (``app.kubernetes.io/name`` and ``/instance``).
        iam_role: its IRSA ``aws.iam.Role``, which ``grant_*`` methods extend
            (``bucket.grant_read(service)`` passes the component itself). Reading it without
            ``oidc`` raises a ``ValidationError``.
        deployment: the ``Deployment``; None when a canary ``Rollout`` runs the pods instead.
        rollout: the Argo Rollouts ``Rollout``; None without a canary in this environment.
        service: the ClusterIP ``Service``.
        host: the Service's in-cluster DNS name, ``<name>.<namespace>.svc.cluster.local``.
        ingress: the ``Ingress``; None without ``ingress``.
        load_balancer_name: the name of its ALB (at most 32 characters); set only with ``ingress``.
    """

    TYPE = "infra-kit:k8s:WebService"
    _ROLE = "web-service"
    _SERVES_TRAFFIC = True

    def __init__(
        self,
        name: str,
        args: WebServiceArgs,
        env: Environment,
        *,
        provider: k8s.Provider,
        oidc: OidcIdentity | None = None,
        alarms: WorkloadAlarms | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(name, args, env, provider=provider, oidc=oidc, alarms=alarms, opts=opts)


class Worker(_Workload):
    """A background workload: a :class:`WebService` without the Service, the Ingress and the
    ``preStop`` delay.

    Children, as described for :class:`WebService`: ``IrsaRole`` ``<name>-irsa`` when ``oidc``
    is given, ``ServiceAccount`` ``<name>-sa``, ``ConfigMap`` ``<name>-config``, ``Deployment``
    ``<name>-deployment``, ``HorizontalPodAutoscaler`` ``<name>-hpa``,
    ``PodDisruptionBudget`` ``<name>-pdb`` when ``max_replicas > 1``, and ``NetworkPolicy``
    ``<name>-netpol``, which admits no ingress at all and the same egress as a WebService's;
    with ``alarms``, the same CPU and memory alarms.

    Prescriptions: SEC-1, SEC-2, SEC-4, K8S-1, K8S-2, K8S-3, K8S-4, HA-1, SCALE-1, SCALE-2,
    NET-5, OBS-1.

    Args:
        name: the component's name; every child's logical name starts with it.
        args: its settings, [WorkerArgs][infra_kit.k8s.WorkerArgs].
        env: the stack's [Environment][infra_kit.core.environment.Environment]: profile, tags and
            AWS provider.
        provider: the cluster's ``pulumi_kubernetes.Provider``, which creates every Kubernetes object.
        oidc: the cluster's [OidcIdentity][infra_kit.aws.OidcIdentity] (``Cluster.oidc``, or the
            platform's outputs); it gives the pods an IRSA role. Default: none, no IAM role.
        alarms: where the CPU and memory alarms (and, behind an ALB, the SLO alerts) notify:
            [WorkloadAlarms][infra_kit.k8s.WorkloadAlarms]. Default: none, no alarm.
        opts: Pulumi options for the component; every child is parented to it.

    Attributes:
        namespace: the name of the namespace it runs in.
        selector: the labels that select its pods (``app.kubernetes.io/name`` and ``/instance``).
        iam_role: its IRSA ``aws.iam.Role``, which ``grant_*`` methods extend
            (``bucket.grant_read(service)`` passes the component itself). Reading it without
            ``oidc`` raises a ``ValidationError``.
        deployment: the ``Deployment``; None when a canary ``Rollout`` runs the pods instead.
        rollout: the Argo Rollouts ``Rollout``; None without a canary in this environment.
    """

    TYPE = "infra-kit:k8s:Worker"
    _ROLE = "worker"
    _SERVES_TRAFFIC = False

    def __init__(
        self,
        name: str,
        args: WorkerArgs,
        env: Environment,
        *,
        provider: k8s.Provider,
        oidc: OidcIdentity | None = None,
        alarms: WorkloadAlarms | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(name, args, env, provider=provider, oidc=oidc, alarms=alarms, opts=opts)


#: Why an Ingress with ``Exposure.INTERNET_FACING`` passes IK-EDGE-1-PUBLIC-LOAD-BALANCER.
EXPLICIT_EXPOSURE_REASON = (
    "The service's AlbIngress states exposure=Exposure.INTERNET_FACING explicitly, with TLS from "
    "a managed certificate; its WAF and access logs are checked by IK-EDGE-1-WAF and "
    "IK-EDGE-1-ALB-ACCESS-LOGS"
)


def _record_edge_decisions(ingress: k8s.networking.v1.Ingress, args: AlbIngress) -> None:
    """Put the edge decisions of ``args`` in the graph as suppressions under the Ingress, each
    with its reason: the explicit public exposure, and a WAF or access logs turned off."""
    if args.internet_facing:
        suppress(ingress, "IK-EDGE-1-PUBLIC-LOAD-BALANCER", EXPLICIT_EXPOSURE_REASON)
    if args.disable_waf_reason is not None:
        suppress(ingress, "IK-EDGE-1-WAF", args.disable_waf_reason)
    if args.disable_access_logs_reason is not None:
        suppress(ingress, "IK-EDGE-1-ALB-ACCESS-LOGS", args.disable_access_logs_reason)
