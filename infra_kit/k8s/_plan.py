"""Arguments of application workloads, and their validation into a plan (ENV-3).

Pure logic: no Pulumi runtime. :func:`plan_workload` checks every argument against the profile
and the prescriptions and raises :class:`~infra_kit.errors.ValidationError` before the component
creates anything; the returned :class:`WorkloadPlan` holds only values already known to be valid.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pulumi

from infra_kit.core.naming import check_name as check_component_name
from infra_kit.core.profile import EnvironmentProfile
from infra_kit.errors import ValidationError
from infra_kit.k8s import _network as net
from infra_kit.k8s._canary import Canary, CanaryPlan, plan_canary
from infra_kit.k8s._images import ImageRef, check_image
from infra_kit.k8s._ingress import AlbIngress, alb_source_cidrs
from infra_kit.k8s._probes import Probes, check_probes
from infra_kit.k8s._sizing import (
    DisruptionBudget,
    ReplicaBounds,
    Resources,
    check_disruption,
    replica_bounds,
)
from infra_kit.k8s._slo import Slo, plan_slo
from infra_kit.k8s._workload import check_environment

if TYPE_CHECKING:
    from infra_kit.k8s.namespace import Namespace

__all__ = [
    "MAX_NAME_LENGTH",
    "WebServiceArgs",
    "WorkerArgs",
    "WorkloadArgs",
    "WorkloadPlan",
    "check_secret_access",
    "check_workload_name",
    "plan_egress",
    "plan_workload",
]

#: Workload names leave room for the longest derived child name (``<name>-irsa``).
MAX_NAME_LENGTH = 35


@dataclass(frozen=True, kw_only=True)
class WorkloadArgs:
    """What :class:`~infra_kit.k8s.WebService` and :class:`~infra_kit.k8s.Worker` share.

    Only ``namespace`` and ``image`` are required. A default is the same in every environment
    unless it names a profile key.

    Args:
        namespace: a :class:`~infra_kit.k8s.Namespace` (the workload waits for it) or a name.
        image: the container image, pinned by tag, and by digest where
            ``workloads.require_image_digest`` is true (prod). Never ``latest`` (SEC-4).
        port: the container port, named ``http``, that the probes use. Default: 8080.
        command: overrides the image's entrypoint. Default: the image's.
        args: override the image's arguments. Default: the image's.
        config: non-secret configuration, as environment variables from a ConfigMap (K8S-2).
            Default: none (the ConfigMap is still created, empty).
        secret_arns: ``ENV_NAME: secret ARN``; the container gets the ARN, reads the value with
            its role, and the value never reaches Kubernetes or the state (SEC-2). Needs ``oidc``.
            Default: none.
        resource_refs: ``ENV_NAME: identifier`` of AWS resources the service uses (a bucket's
            name, a database endpoint), which may be outputs of other resources. Never a secret
            value: those are read through ``secret_arns``. Default: none.
        probes: startup, readiness and liveness probes. Default: ``Probes.http()`` (``/livez``
            and ``/readyz`` on ``port``); identical probes are refused (K8S-1).
        cpu_request: the container's CPU request (K8S-1). Default: ``workloads.cpu_request``
            (100m in every environment). A request raised above the default limit needs its
            limit given too.
        cpu_limit: the container's CPU limit. Default: ``workloads.cpu_limit`` (500m in every
            environment). It is above the request so the container may burst into idle CPU;
            beyond it the container is throttled, not killed.
        memory_request: the container's memory request. Default: ``workloads.memory_request``
            (128Mi in every environment).
        memory_limit: the container's memory limit. Default: ``workloads.memory_limit`` (256Mi
            in every environment).
        min_replicas: the HPA's lower bound. Default: ``workloads.min_replicas`` (dev 1,
            preview 1, stage 2, prod 3).
        max_replicas: the HPA's upper bound. Default: ``workloads.max_replicas`` (dev 10,
            preview 2, stage 20, prod 30).
        scale_limit_reason: required when ``max_replicas < 10 * min_replicas`` (SCALE-2);
            recorded as the ``infra-kit.io/scale-limit-reason`` annotation. Default: none; the
            profile's ``workloads.scale_limit_reason`` covers preview, whose bounds of 1/4 need
            one (a workload's own reason wins over it).
        cpu_target_percent: HPA CPU utilization target, a share of the CPU *request* (never of
            the limit). Default: ``workloads.cpu_target_percent`` (70 in every environment).
        memory_target_percent: an HPA memory utilization target as well. Default: none.
        disruption: the PodDisruptionBudget. Default: ``maxUnavailable: 1``; a budget that could
            block a node drain is refused (K8S-3).
        egress_to: destinations beyond DNS and the telemetry agent (NET-5). Default: none; a
            workload with a role (``oidc``) also gets HTTPS to AWS APIs
            (:meth:`~infra_kit.k8s.Egress.aws_apis`), in every environment.
        mount_service_account_token: mount a Kubernetes API token. Default: False (SEC-4).
            IRSA does not need it: the EKS pod identity webhook mounts its own projected
            ``sts.amazonaws.com`` token whatever this says.
        progress_deadline_seconds: after this long without progress a rollout fails, and
            ``pulumi up`` with it (K8S-4). Default: 600.
    """

    namespace: str | Namespace
    image: str
    port: int = 8080
    command: Sequence[str] = ()
    args: Sequence[str] = ()
    config: Mapping[str, str] = field(default_factory=dict)
    secret_arns: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    resource_refs: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    probes: Probes | None = None
    cpu_request: str | None = None
    memory_request: str | None = None
    memory_limit: str | None = None
    cpu_limit: str | None = None
    min_replicas: int | None = None
    max_replicas: int | None = None
    scale_limit_reason: str | None = None
    cpu_target_percent: int | None = None
    memory_target_percent: int | None = None
    disruption: DisruptionBudget = field(default_factory=DisruptionBudget)
    egress_to: Sequence[net.Egress] = ()
    mount_service_account_token: bool = False
    progress_deadline_seconds: int = 600


@dataclass(frozen=True, kw_only=True)
class WorkerArgs(WorkloadArgs):
    """Arguments of :class:`~infra_kit.k8s.Worker`: :class:`WorkloadArgs`; ``port`` serves only
    the probes."""


@dataclass(frozen=True, kw_only=True)
class WebServiceArgs(WorkloadArgs):
    """Arguments of :class:`~infra_kit.k8s.WebService`: :class:`WorkloadArgs`, plus:

    Args:
        service_port: the ClusterIP Service's port. Default: 80.
        allow_from: in-cluster callers admitted on ``port`` (NET-5). Default: none: without
            ``ingress`` the NetworkPolicy then admits no traffic at all.
        ingress: an ALB in front of the service (EDGE-1); the NetworkPolicy also admits its
            subnet tier on ``port`` (see :attr:`~infra_kit.k8s.AlbIngress.source_cidrs`).
            Default: none (cluster-internal only).
        slo: the service's availability and latency objectives, measured at its ALB, which get
            multi-window burn-rate alerts when the service is given ``alarms`` (OBS-3).
            Default: the profile's ``slo`` section (:class:`~infra_kit.k8s.Slo` with every
            field unset). Needs ``ingress``: without an ALB there is nothing to measure.
        canary: roll new versions out by canary, an Argo Rollouts ``Rollout`` whose background
            analysis reads the ALB's error rate and latency and aborts (rolls back) on failure
            (DEP-1, DEP-2); see :class:`~infra_kit.k8s.Canary`. Only where the profile's
            ``rollouts.enable_canary`` is true (stage, prod); elsewhere the service keeps its
            Deployment, so a program passes it in every environment. Needs ``ingress``, and
            the Argo Rollouts controller on the cluster (the cluster-services stack).
            Default: none: a Deployment with a surge-only rolling update (K8S-4).
    """

    service_port: int = 80
    allow_from: Sequence[net.Caller] = ()
    ingress: AlbIngress | None = None
    slo: Slo | None = None
    canary: Canary | None = None


@dataclass(frozen=True)
class WorkloadPlan:
    """Validated values a workload component renders."""

    image: ImageRef
    probes: Probes
    resources: Resources
    bounds: ReplicaBounds
    metrics: tuple[tuple[str, int], ...]
    egress: tuple[net.Egress, ...]
    ingress_cidrs: tuple[str, ...]
    #: Set only where the service rolls out by canary (``canary`` given, the profile on).
    canary: CanaryPlan | None = None


def _port(key: str, port: object) -> None:
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise ValidationError(key, port, "not a TCP port", "use 1 to 65535")


def _percent(key: str, value: int | None) -> None:
    if value is not None and not 10 <= value <= 95:
        raise ValidationError(key, value, "not a utilization target", "use 10 to 95")


def check_workload_name(name: str) -> None:
    """A component name that leaves room for every derived child name."""
    check_component_name(name)
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationError(
            "name",
            name,
            f"longer than {MAX_NAME_LENGTH} characters, which derived names need",
            "shorten it",
        )


def check_secret_access(secret_arns: Mapping[str, object], *, has_role: bool) -> None:
    """Secrets are read with the workload's own role (SEC-2), so they need one."""
    if secret_arns and not has_role:
        raise ValidationError(
            "secret_arns",
            sorted(secret_arns),
            "the workload needs an IAM role to read the secrets, and it has none",
            "pass oidc=cluster.oidc so that it gets an IRSA role, then grant it with "
            "secret.grant_read(workload)",
        )


def plan_egress(
    egress_to: Sequence[net.Egress], profile: EnvironmentProfile, *, has_role: bool
) -> tuple[net.Egress, ...]:
    """The declared destinations, then HTTPS to AWS APIs for a workload with a role (NET-5)."""
    for egress in egress_to:
        if not isinstance(egress, net.Egress):
            raise ValidationError(
                "egress_to",
                egress,
                "not an Egress",
                "use Egress.to_cidrs(...) or Egress.to_app(...)",
            )
    aws_apis = net.Egress.aws_apis(profile.network.vpc_cidr, profile.network.az_count)
    return (*egress_to, *((aws_apis,) if has_role else ()))


def plan_workload(
    name: str, args: WorkloadArgs, profile: EnvironmentProfile, *, has_role: bool
) -> WorkloadPlan:
    """Validate ``args`` for workload ``name``; ``has_role`` says whether ``oidc`` was given."""
    check_workload_name(name)
    workloads = profile.workloads
    image = check_image(args.image, require_digest=workloads.require_image_digest)
    _port("port", args.port)
    probes = check_probes(args.probes or Probes.http(), args.port)
    resources = Resources.from_profile(
        workloads,
        cpu_request=args.cpu_request,
        memory_request=args.memory_request,
        memory_limit=args.memory_limit,
        cpu_limit=args.cpu_limit,
    )
    bounds = replica_bounds(
        workloads,
        min_replicas=args.min_replicas,
        max_replicas=args.max_replicas,
        scale_limit_reason=args.scale_limit_reason,
    )
    if not isinstance(args.disruption, DisruptionBudget):
        raise ValidationError(
            "disruption", args.disruption, "not a DisruptionBudget", "pass DisruptionBudget(...)"
        )
    check_disruption(args.disruption, bounds.min)
    _percent("cpu_target_percent", args.cpu_target_percent)
    _percent("memory_target_percent", args.memory_target_percent)
    check_environment(args.config, args.secret_arns, args.resource_refs)
    check_secret_access(args.secret_arns, has_role=has_role)
    if args.progress_deadline_seconds < 60:
        raise ValidationError(
            "progress_deadline_seconds",
            args.progress_deadline_seconds,
            "too short for pods to start and pass their startup probes",
            "use 60 or more",
        )
    egress = plan_egress(args.egress_to, profile, has_role=has_role)
    metrics = [("cpu", args.cpu_target_percent or workloads.cpu_target_percent)]
    if args.memory_target_percent:
        metrics.append(("memory", args.memory_target_percent))
    ingress_cidrs: tuple[str, ...] = ()
    canary: CanaryPlan | None = None
    if isinstance(args, WebServiceArgs):
        _port("service_port", args.service_port)
        for caller in args.allow_from:
            if not isinstance(caller, net.Caller):
                raise ValidationError(
                    "allow_from", caller, "not a Caller", "pass Caller(namespace=..., app=...)"
                )
        if args.slo is not None and args.ingress is None:
            raise ValidationError(
                "slo",
                args.slo,
                "an SLO is measured at the service's load balancer, and the service has none",
                "give it an ingress=AlbIngress(...), or drop slo",
            )
        if args.ingress is not None:
            if probes.readiness.path is None:
                raise ValidationError(
                    "probes.readiness",
                    probes.readiness,
                    "the load balancer health-checks the readiness path, and this probe has none",
                    "use an HTTP readiness probe",
                )
            ingress_cidrs = alb_source_cidrs(
                args.ingress, profile.network.vpc_cidr, profile.network.az_count
            )
        if args.canary is not None:
            canary = plan_canary(
                args.canary,
                profile,
                plan_slo(args.slo or Slo(), profile),
                has_ingress=args.ingress is not None,
            )
    return WorkloadPlan(
        image=image,
        probes=probes,
        resources=resources,
        bounds=bounds,
        metrics=tuple(metrics),
        egress=egress,
        ingress_cidrs=ingress_cidrs,
        canary=canary,
    )
