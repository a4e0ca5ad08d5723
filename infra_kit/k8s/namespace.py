"""A namespace that enforces the restricted profile, bounds its resources and denies traffic."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from infra_kit.core.component import Component
from infra_kit.core.environment import Environment
from infra_kit.core.profile import WorkloadProfile
from infra_kit.errors import ValidationError
from infra_kit.k8s._network import check_name, dns_egress
from infra_kit.k8s._sizing import cpu_millis, memory_bytes
from infra_kit.policy.rules.readiness_gates import READINESS_GATE_LABEL, READINESS_GATE_VALUE

__all__ = [
    "PSS_EXCEPTION_ANNOTATION",
    "PSS_LEVEL",
    "Namespace",
    "NamespaceArgs",
    "Quota",
    "namespace_quota",
    "pod_security_labels",
]

#: The Pod Security Standards level every infra-kit namespace enforces, audits and warns on.
PSS_LEVEL = "restricted"


#: Where a namespace that does not enforce ``restricted`` records why.
PSS_EXCEPTION_ANNOTATION = "infra-kit.io/pod-security-exception"


def pod_security_labels(kubernetes_version: str, *, enforce: str = PSS_LEVEL) -> dict[str, str]:
    """``pod-security.kubernetes.io/{enforce,audit,warn}`` = restricted, pinned to the cluster's
    minor version (e.g. ``v1.34``), so an upgrade never changes what is admitted unseen.
    ``enforce`` lowers what is admitted; audit and warn stay restricted, so every pod that
    needs the exception is still reported."""
    labels = {}
    for mode in ("enforce", "audit", "warn"):
        labels[f"pod-security.kubernetes.io/{mode}"] = enforce if mode == "enforce" else PSS_LEVEL
        labels[f"pod-security.kubernetes.io/{mode}-version"] = f"v{kubernetes_version}"
    return labels


@dataclass(frozen=True)
class Quota:
    """A namespace's validated quota: CPU requests and limits, memory, pods."""

    cpu: str
    cpu_limits: str
    memory: str
    pods: int


def namespace_quota(args: NamespaceArgs, workloads: WorkloadProfile) -> Quota:
    """The validated quota of a namespace (overrides, else the profile)."""
    cpu = args.cpu_quota or workloads.namespace_cpu_quota
    cpu_limits = args.cpu_limit_quota or workloads.namespace_cpu_limit_quota
    memory = args.memory_quota or workloads.namespace_memory_quota
    pods = args.pod_quota if args.pod_quota is not None else workloads.namespace_pod_quota
    if cpu_millis("cpu_limit_quota", cpu_limits) < cpu_millis("cpu_quota", cpu):
        raise ValidationError(
            "cpu_limit_quota",
            cpu_limits,
            f"it is below cpu_quota={cpu}, and every container's CPU limit is at least its "
            "request, so the namespace could never use its CPU quota",
            f"raise cpu_limit_quota to at least {cpu}",
        )
    memory_bytes("memory_quota", memory)
    if isinstance(pods, bool) or not isinstance(pods, int) or pods < 1:
        raise ValidationError("pod_quota", pods, "not a positive pod count", "use 1 or more")
    return Quota(cpu, cpu_limits, memory, pods)


@dataclass(frozen=True)
class NamespaceArgs:
    """Arguments of :class:`Namespace`.

    Args:
        name: the Kubernetes name of the namespace. Default: the component's name.
        cpu_quota: total CPU requests of the namespace. Default: ``workloads.namespace_cpu_quota``
            (dev 8, preview 2, stage and prod 64).
        cpu_limit_quota: total CPU limits of the namespace, at least ``cpu_quota``. Default:
            ``workloads.namespace_cpu_limit_quota`` (dev 32, preview 8, stage and prod 256).
        memory_quota: total memory requests, and total memory limits. Default:
            ``workloads.namespace_memory_quota`` (dev 16Gi, preview 4Gi, stage and prod 128Gi).
        pod_quota: number of pods. Default: ``workloads.namespace_pod_quota`` (dev 50,
            preview 10, stage and prod 300).
        allow_privileged_pods_reason: weakens SEC-4: the namespace enforces ``privileged``
            instead of ``restricted`` (audit and warn stay ``restricted``), for pods that must
            reach their node, and records this reason in the annotation
            ``infra-kit.io/pod-security-exception``. At least three words. Default: none,
            ``restricted`` enforced. Each such pod still needs its own suppression of
            IK-SEC-4-RESTRICTED with its reason.
        enable_alb_readiness_gates: label the namespace
            ``elbv2.k8s.aws/pod-readiness-gate-inject: enabled``, so the AWS Load Balancer
            Controller holds each new pod behind an ALB IP target un-Ready until the load
            balancer finds it healthy, and a rolling update never removes the last healthy
            target (K8S-4). Default: False. Turn it on for every namespace that hosts ALB targets
            (tenant namespaces, a preview's own); ``infra-kit check`` refuses a namespace with
            an ``ip``-target ALB Ingress that lacks it (``IK-K8S-4-READINESS-GATES``). Off
            elsewhere because the controller's pod webhook then sits in the path of every pod
            created in the namespace: with its failure policy ``Fail`` no pod starts there
            while the controller is down, with ``Ignore`` (the pinned chart's default) pods
            created meanwhile get no gate. Refused for ``kube-system``, where the controller
            itself and the cluster's DNS run.
    """

    name: str | None = None
    cpu_quota: str | None = None
    cpu_limit_quota: str | None = None
    memory_quota: str | None = None
    pod_quota: int | None = None
    allow_privileged_pods_reason: str | None = None
    enable_alb_readiness_gates: bool = False


class Namespace(Component):
    """A namespace with secure defaults.

    Children (Kubernetes, through ``provider``):

    - ``Namespace`` ``<name>-namespace``: Pod Security Standards ``restricted`` enforced, audited
      and warned, pinned to ``cluster.kubernetes_version`` (``privileged`` enforced only with
      ``allow_privileged_pods_reason``); the stack's labels (TAG-1);
    - ``ResourceQuota`` ``<name>-quota``: ``requests.cpu``, ``limits.cpu``,
      ``requests.memory``, ``limits.memory`` and ``pods``. A quota on a resource makes the
      API server refuse every pod that does not set it, so the LimitRange below fills in what
      a container leaves out;
    - ``LimitRange`` ``<name>-limits``: default CPU and memory requests and limits of
      containers that set none, from the profile's ``workloads`` section (K8S-1);
    - ``NetworkPolicy`` ``<name>-default-deny``: every pod, Ingress and Egress denied;
    - ``NetworkPolicy`` ``<name>-allow-dns``: egress to kube-dns (UDP and TCP 53) only.

    With ``enable_alb_readiness_gates`` the namespace also carries the AWS Load Balancer
    Controller's readiness-gate label (K8S-4).

    Prescriptions: SEC-4 (PSS restricted), NET-5 (default deny), K8S-1 (default resources),
    K8S-4 (readiness gates, when enabled), TAG-1 (labels).

    Args:
        name: the component's name; every child's logical name starts with it.
        args: its settings, [NamespaceArgs][infra_kit.k8s.NamespaceArgs].
        env: the stack's [Environment][infra_kit.core.environment.Environment]: profile, tags and
            AWS provider.
        provider: the cluster's ``pulumi_kubernetes.Provider``, which creates every Kubernetes object.
        opts: Pulumi options for the component; every child is parented to it.

    Attributes:
        name: the namespace's Kubernetes name, what a workload's ``namespace`` is given.
        namespace: the ``Namespace`` object, which objects in it wait for.
    """

    TYPE = "infra-kit:k8s:Namespace"

    def __init__(
        self,
        name: str,
        args: NamespaceArgs,
        env: Environment,
        *,
        provider: k8s.Provider,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        workloads = env.profile.workloads
        namespace = check_name("name", args.name or name)
        quota = namespace_quota(args, workloads)
        labels = env.labels(namespace, component="namespace")
        reason = (args.allow_privileged_pods_reason or "").strip()
        if args.allow_privileged_pods_reason is not None and len(reason.split()) < 3:
            raise ValidationError(
                "allow_privileged_pods_reason",
                args.allow_privileged_pods_reason,
                "a namespace that admits privileged pods needs a written reason (SEC-4)",
                "say which pods need what from their node, in at least three words",
            )
        if not isinstance(args.enable_alb_readiness_gates, bool):
            raise ValidationError(
                "enable_alb_readiness_gates",
                args.enable_alb_readiness_gates,
                "not a boolean",
                "pass True or False",
            )
        if args.enable_alb_readiness_gates and namespace == "kube-system":
            raise ValidationError(
                "enable_alb_readiness_gates",
                True,
                "kube-system runs the load balancer controller and the cluster's DNS, whose pods "
                "must never wait for the controller's webhook",
                "label only the namespaces that host ALB targets",
            )
        gates = (
            {READINESS_GATE_LABEL: READINESS_GATE_VALUE} if args.enable_alb_readiness_gates else {}
        )
        super().__init__(name, env, opts)
        self.name = namespace

        def opts_(**kwargs: object) -> pulumi.ResourceOptions:
            return self.child_opts(provider=provider, **kwargs)

        self.namespace = k8s.core.v1.Namespace(
            self.child("namespace"),
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=namespace,
                labels={
                    **labels,
                    **pod_security_labels(
                        env.profile.cluster.kubernetes_version,
                        enforce="privileged" if reason else PSS_LEVEL,
                    ),
                    **gates,
                },
                annotations={PSS_EXCEPTION_ANNOTATION: reason} if reason else None,
            ),
            opts=opts_(),
        )
        inside = opts_(depends_on=[self.namespace])

        def meta(suffix: str) -> k8s.meta.v1.ObjectMetaArgs:
            return k8s.meta.v1.ObjectMetaArgs(name=suffix, namespace=namespace, labels=labels)

        k8s.core.v1.ResourceQuota(
            self.child("quota"),
            metadata=meta("quota"),
            spec=k8s.core.v1.ResourceQuotaSpecArgs(
                hard={
                    "requests.cpu": quota.cpu,
                    "limits.cpu": quota.cpu_limits,
                    "requests.memory": quota.memory,
                    "limits.memory": quota.memory,
                    "pods": str(quota.pods),
                }
            ),
            opts=inside,
        )
        k8s.core.v1.LimitRange(
            self.child("limits"),
            metadata=meta("container-defaults"),
            spec=k8s.core.v1.LimitRangeSpecArgs(
                limits=[
                    k8s.core.v1.LimitRangeItemArgs(
                        type="Container",
                        default_request={
                            "cpu": workloads.cpu_request,
                            "memory": workloads.memory_request,
                        },
                        default={"cpu": workloads.cpu_limit, "memory": workloads.memory_limit},
                    )
                ]
            ),
            opts=inside,
        )
        k8s.networking.v1.NetworkPolicy(
            # prescription: NET-5 -- every pod of the namespace denied both ways until a policy admits it.
            self.child("default-deny"),
            metadata=meta("default-deny"),
            spec=k8s.networking.v1.NetworkPolicySpecArgs(
                pod_selector=k8s.meta.v1.LabelSelectorArgs(),
                policy_types=["Ingress", "Egress"],
            ),
            opts=inside,
        )
        k8s.networking.v1.NetworkPolicy(
            self.child("allow-dns"),
            metadata=meta("allow-dns"),
            spec=k8s.networking.v1.NetworkPolicySpecArgs(
                pod_selector=k8s.meta.v1.LabelSelectorArgs(),
                policy_types=["Egress"],
                egress=[dns_egress()],
            ),
            opts=inside,
        )
        self.register_outputs({"name": namespace})
