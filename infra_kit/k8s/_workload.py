"""The pod template of an application workload, rendered as typed arguments (K8S-1/2/4, HA-1, OBS-1).

Pure logic: no Pulumi runtime. :mod:`infra_kit.k8s._plan` validates the caller's arguments into
a plan, :mod:`infra_kit.k8s.service` creates the resources, and the pod template is built here.

Environment of every container, without the caller asking (OBS-1):

- ``OTEL_EXPORTER_OTLP_ENDPOINT``: the OpenTelemetry agent of the pod's own node, reached through
  the ``otel-agent`` Service, whose ``internalTrafficPolicy: Local`` keeps the traffic on the
  node. Sending to ``status.hostIP`` instead would need the agent to listen on a ``hostPort``,
  which the restricted (and baseline) Pod Security profile forbids;
- ``OTEL_EXPORTER_OTLP_PROTOCOL=grpc``, ``OTEL_SERVICE_NAME``;
- ``OTEL_RESOURCE_ATTRIBUTES``: ``service.name``, ``service.version`` (the image tag),
  ``deployment.environment`` (and its newer spelling ``deployment.environment.name``), and the
  pod's namespace, name, UID and node from the downward API.

Configuration (K8S-2) comes from one immutable ConfigMap, exposed with ``envFrom``, whose name
carries a hash of its content: a change creates a new ConfigMap and rolls the pods (DEP-1).
Secrets are referenced by ARN only (``secret_arns``: ``DB_SECRET_ARN=arn:...``); the workload
reads the value from Secrets Manager with its own role, so no secret value ever reaches a
Kubernetes Secret or the Pulumi state.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import pulumi
import pulumi_kubernetes as k8s

from infra_kit.errors import ValidationError
from infra_kit.k8s._collector_config import AGENT_OTLP_ENDPOINT
from infra_kit.k8s._security import ContainerSecurity, PodSecurity, scratch_mount, scratch_volume

if TYPE_CHECKING:
    from infra_kit.k8s._plan import WorkloadPlan

__all__ = [
    "RESERVED_ENV",
    "app_container",
    "check_environment",
    "config_env_from",
    "config_map_name",
    "container_env",
    "downward_env",
    "otel_env",
    "pod_spec",
    "restricted_pod_spec",
    "rolling_update",
    "secret_env",
    "topology_spread",
]

_DOWNWARD = {
    "K8S_POD_NAME": "metadata.name",
    "K8S_NAMESPACE_NAME": "metadata.namespace",
    "K8S_POD_UID": "metadata.uid",
    "K8S_NODE_NAME": "spec.nodeName",
}
_OTEL = (
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_PROTOCOL",
    "OTEL_SERVICE_NAME",
    "OTEL_RESOURCE_ATTRIBUTES",
)
#: Variables infra-kit (or the EKS pod identity webhook) sets; callers may not set them.
RESERVED_ENV = frozenset({*_DOWNWARD, *_OTEL, "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"})
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def check_environment(
    config: Mapping[str, str],
    secret_arns: Mapping[str, object],
    resource_refs: Mapping[str, object] | None = None,
) -> None:
    """Refuse variable names a container cannot use, reserved names and clashes (K8S-2)."""
    refs = resource_refs or {}
    for key, mapping in (("config", config), ("secret_arns", secret_arns), ("resource_refs", refs)):
        if not isinstance(mapping, Mapping):
            raise ValidationError(key, mapping, "not a mapping", "pass a dict of NAME: value")
        for name, value in mapping.items():
            if not isinstance(name, str) or not _ENV_NAME.match(name):
                raise ValidationError(
                    f"{key}[{name!r}]",
                    name,
                    "not an environment variable name",
                    "use letters, digits and '_', not starting with a digit",
                )
            if name in RESERVED_ENV:
                raise ValidationError(
                    f"{key}[{name!r}]",
                    name,
                    "infra-kit sets this variable itself (OBS-1, IRSA)",
                    "rename the variable",
                )
            if key == "config" and not isinstance(value, str):
                raise ValidationError(
                    f"config[{name!r}]",
                    value,
                    "configuration values are strings",
                    f"quote it: {name}: '{value}'",
                )
    seen: dict[str, str] = {}
    for key, mapping in (("config", config), ("secret_arns", secret_arns), ("resource_refs", refs)):
        for name in sorted(mapping):
            if name in seen:
                raise ValidationError(
                    f"{key}[{name!r}]",
                    name,
                    f"the same name is also in {seen[name]}",
                    "keep it in one of the mappings",
                )
            seen[name] = key


# prescription: K8S-2, DEP-1 -- config from an immutable ConfigMap named by content.
def config_map_name(name: str, config: Mapping[str, str]) -> str:
    """``<name>-config-<first 8 hex digits of the content's SHA-256>``."""
    digest = hashlib.sha256(json.dumps(dict(config), sort_keys=True).encode()).hexdigest()
    return f"{name}-config-{digest[:8]}"


def downward_env() -> list[k8s.core.v1.EnvVarArgs]:
    """The pod's identity from the downward API; referenced by ``OTEL_RESOURCE_ATTRIBUTES``."""
    return [
        k8s.core.v1.EnvVarArgs(
            name=var,
            value_from=k8s.core.v1.EnvVarSourceArgs(
                field_ref=k8s.core.v1.ObjectFieldSelectorArgs(field_path=path)
            ),
        )
        for var, path in _DOWNWARD.items()
    ]


# prescription: OBS-1 -- every workload gets the OTLP endpoint and resource attributes.
def otel_env(
    *, service: str, environment: str, version: str, endpoint: str = AGENT_OTLP_ENDPOINT
) -> list[k8s.core.v1.EnvVarArgs]:
    """The OpenTelemetry SDK configuration; it must follow :func:`downward_env`."""
    attributes = ",".join(
        [
            f"service.name={service}",
            f"service.version={version}",
            f"deployment.environment={environment}",
            f"deployment.environment.name={environment}",
            "k8s.namespace.name=$(K8S_NAMESPACE_NAME)",
            "k8s.pod.name=$(K8S_POD_NAME)",
            "k8s.pod.uid=$(K8S_POD_UID)",
            "k8s.node.name=$(K8S_NODE_NAME)",
        ]
    )
    values = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
        "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
        "OTEL_SERVICE_NAME": service,
        "OTEL_RESOURCE_ATTRIBUTES": attributes,
    }
    return [k8s.core.v1.EnvVarArgs(name=k, value=v) for k, v in values.items()]


# prescription: SEC-2 -- the secret's ARN reaches the pod, never its value.
def secret_env(secret_arns: Mapping[str, pulumi.Input[str]]) -> list[k8s.core.v1.EnvVarArgs]:
    """One variable per secret holding its ARN, never its value (SEC-2, K8S-2)."""
    return [k8s.core.v1.EnvVarArgs(name=k, value=v) for k, v in sorted(secret_arns.items())]


def topology_spread(
    selector: Mapping[str, str], revision_label: str = "pod-template-hash"
) -> list[k8s.core.v1.TopologySpreadConstraintArgs]:
    """Spread replicas across zones (hard) and nodes (soft) (HA-1).

    Zones: ``DoNotSchedule`` with ``maxSkew: 1``, so a zone outage never takes more than its share
    of the replicas. ``nodeTaintsPolicy: Honor`` leaves tainted nodes (the ``unreachable`` nodes of
    a failed zone, nodes being drained) out of the count, so the constraint cannot hold
    replacement pods hostage to a zone that is gone. Nodes: ``ScheduleAnyway``: a preference, so
    a scale-up is never stuck waiting for an empty node. ``matchLabelKeys: [revision_label]``
    spreads each revision on its own during a rollout: ``pod-template-hash`` for a Deployment's
    pods, ``rollouts-pod-template-hash`` for a Rollout's.
    """
    labels = k8s.meta.v1.LabelSelectorArgs(match_labels=dict(selector))
    return [
        k8s.core.v1.TopologySpreadConstraintArgs(
            max_skew=1,
            topology_key="topology.kubernetes.io/zone",
            when_unsatisfiable="DoNotSchedule",
            label_selector=labels,
            match_label_keys=[revision_label],
            node_taints_policy="Honor",
        ),
        k8s.core.v1.TopologySpreadConstraintArgs(
            max_skew=1,
            topology_key="kubernetes.io/hostname",
            when_unsatisfiable="ScheduleAnyway",
            label_selector=labels,
            match_label_keys=[revision_label],
            node_taints_policy="Honor",
        ),
    ]


# prescription: K8S-4 -- surge-only: a rollout never drops below the desired capacity.
def rolling_update() -> k8s.apps.v1.DeploymentStrategyArgs:
    """Never below the desired capacity: new pods first, old ones removed once new ones are ready
    (K8S-4)."""
    return k8s.apps.v1.DeploymentStrategyArgs(
        type="RollingUpdate",
        rolling_update=k8s.apps.v1.RollingUpdateDeploymentArgs(max_unavailable=0, max_surge="25%"),
    )


def container_env(
    *,
    name: str,
    environment: str,
    version: str,
    secret_arns: Mapping[str, pulumi.Input[str]],
) -> list[k8s.core.v1.EnvVarArgs]:
    """Every application container's variables: its identity from the downward API, the
    OpenTelemetry configuration (OBS-1) and the secrets' ARNs (SEC-2), in that order."""
    return [
        *downward_env(),
        *otel_env(service=name, environment=environment, version=version),
        *secret_env(secret_arns),
    ]


def config_env_from(config_map: pulumi.Input[str]) -> list[k8s.core.v1.EnvFromSourceArgs]:
    """The workload's ConfigMap as environment variables (K8S-2)."""
    return [
        k8s.core.v1.EnvFromSourceArgs(
            config_map_ref=k8s.core.v1.ConfigMapEnvSourceArgs(name=config_map)
        )
    ]


def app_container(
    *,
    name: str,
    environment: str,
    plan: WorkloadPlan,
    port: int,
    command: Sequence[str],
    args: Sequence[str],
    secret_arns: Mapping[str, pulumi.Input[str]],
    config_map: pulumi.Input[str],
    pre_stop_seconds: int | None,
) -> k8s.core.v1.ContainerArgs:
    """The application container: restricted, sized, probed, configured and instrumented."""
    lifecycle = None
    if pre_stop_seconds:
        # Keep serving while endpoints and load-balancer targets are deregistered (K8S-4).
        lifecycle = k8s.core.v1.LifecycleArgs(
            pre_stop=k8s.core.v1.LifecycleHandlerArgs(
                sleep=k8s.core.v1.SleepActionArgs(seconds=pre_stop_seconds)
            )
        )
    return k8s.core.v1.ContainerArgs(
        name="app",
        image=str(plan.image),
        image_pull_policy=plan.image.pull_policy,
        command=list(command) or None,
        args=list(args) or None,
        ports=[k8s.core.v1.ContainerPortArgs(name="http", container_port=port, protocol="TCP")],
        env=container_env(
            name=name, environment=environment, version=plan.image.version, secret_arns=secret_arns
        ),
        env_from=config_env_from(config_map),
        resources=plan.resources.to_args(),
        startup_probe=plan.probes.startup.to_args(port),
        readiness_probe=plan.probes.readiness.to_args(port),
        liveness_probe=plan.probes.liveness.to_args(port),
        lifecycle=lifecycle,
        security_context=ContainerSecurity().to_args(),
        volume_mounts=[scratch_mount()],
    )


def restricted_pod_spec(
    *,
    container: k8s.core.v1.ContainerArgs,
    service_account: pulumi.Input[str],
    mount_token: bool,
    topology_spread_constraints: Sequence[k8s.core.v1.TopologySpreadConstraintArgs] | None = None,
    restart_policy: str | None = None,
) -> k8s.core.v1.PodSpecArgs:
    """A pod of one application container: the restricted security context and a ``/tmp``
    emptyDir (SEC-4), its own service account, no service links."""
    return k8s.core.v1.PodSpecArgs(
        service_account_name=service_account,
        automount_service_account_token=mount_token,
        enable_service_links=False,
        security_context=PodSecurity().to_args(),
        termination_grace_period_seconds=30,
        topology_spread_constraints=list(topology_spread_constraints)
        if topology_spread_constraints
        else None,
        restart_policy=restart_policy,
        containers=[container],
        volumes=[scratch_volume()],
    )


def pod_spec(
    *,
    container: k8s.core.v1.ContainerArgs,
    service_account: pulumi.Input[str],
    mount_token: bool,
    selector: Mapping[str, str],
    revision_label: str = "pod-template-hash",
) -> k8s.core.v1.PodSpecArgs:
    """The pod of a long-running workload: :func:`restricted_pod_spec`, spread across zones."""
    return restricted_pod_spec(
        container=container,
        service_account=service_account,
        mount_token=mount_token,
        topology_spread_constraints=topology_spread(selector, revision_label),
    )
