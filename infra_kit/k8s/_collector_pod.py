"""Pod templates, RBAC rules and IAM policy of the OpenTelemetry collectors (OBS-1, SEC-1, SEC-4).

Pure logic: no Pulumi runtime; :mod:`infra_kit.k8s.collector` creates the resources.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

import pulumi
import pulumi_kubernetes as k8s

from infra_kit.aws._policy import PolicyDocument, Statement
from infra_kit.k8s._collector_config import (
    GATEWAY_TLS_SECRET,
    HEALTH_PORT,
    NODE_NAME_ENV,
    OTLP_GRPC_PORT,
    OTLP_HTTP_PORT,
    POD_IP_ENV,
    POD_NAME_ENV,
    TLS_DIR,
    gomemlimit,
)
from infra_kit.k8s._collector_sources import CHECKPOINT_DIR, NODE_IP_ENV, POD_LOG_DIR
from infra_kit.k8s._images import ImageRef
from infra_kit.k8s._network import Egress, dns_egress, egress_rule
from infra_kit.k8s._probes import Probe, Probes, check_probes
from infra_kit.k8s._security import ContainerSecurity, PodSecurity, scratch_mount, scratch_volume
from infra_kit.k8s._sizing import Resources

__all__ = [
    "AGENT_TOKEN_REASON",
    "COLLECTOR_PROBES",
    "CONFIG_HASH_ANNOTATION",
    "HOST_LOGS_REASON",
    "K8S_ATTRIBUTES_RULES",
    "KUBELET_STATS_RULES",
    "LOGS_EXPORT_ACTIONS",
    "XRAY_EXPORT_ACTIONS",
    "agent_rbac_rules",
    "collector_pod",
    "collector_policy_spec",
    "config_hash",
    "from_every_namespace",
    "gateway_policy",
    "otlp_service_spec",
]

CONFIG_HASH_ANNOTATION = "infra-kit.io/config-sha256"
_CONFIG_VOLUME, _CONFIG_DIR, _CONFIG_FILE = "config", "/conf", "collector.yaml"
_TLS_VOLUME = "tls"
#: Secret files are readable by the pod's group (its fsGroup) only, never by other users.
_TLS_FILE_MODE = 0o440

#: The health_check extension answers on one path; the probes differ in period and patience.
COLLECTOR_PROBES = check_probes(
    Probes(
        startup=Probe(path="/", period_seconds=2, failure_threshold=30),
        readiness=Probe(path="/", period_seconds=10, failure_threshold=3),
        liveness=Probe(path="/", period_seconds=15, failure_threshold=4),
    ),
    HEALTH_PORT,
    key="collector.probes",
)

#: What ``k8s_attributes`` reads: pods, namespaces and nodes, and replica sets to name the
#: Deployment of a pod. Nothing else, and nothing it could change.
K8S_ATTRIBUTES_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("", ("namespaces", "nodes", "pods")),
    ("apps", ("replicasets",)),
)

#: What ``kubelet_stats`` reads from its node's kubelet, which asks the API server whether the
#: agent may: ``/stats/summary`` (``nodes/stats``) and ``/pods`` (``nodes/pods``, for the pods'
#: requests and limits). Never ``nodes/proxy``, which would also let it run commands in every
#: container of the node through the kubelet; ``nodes/pods`` is how kubelets since Kubernetes
#: 1.33 (fine-grained kubelet authorization) authorize ``/pods``.
KUBELET_STATS_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("", ("nodes/pods", "nodes/stats")),
)

#: What the awsxray exporter calls (with its telemetry enabled). ``GetSamplingRules`` and
#: ``GetSamplingTargets`` serve SDK sampling through a proxy, which the gateway does not run.
XRAY_EXPORT_ACTIONS: tuple[str, ...] = ("xray:PutTelemetryRecords", "xray:PutTraceSegments")
#: What the awsemf and awscloudwatchlogs exporters call on an existing log group. They call
#: ``CreateLogGroup`` only when the group is missing; infra-kit creates the groups, so a missing
#: group fails loudly instead of being recreated untagged, unencrypted and with no retention.
#: ``awsemf`` publishes metrics as log events, so ``cloudwatch:PutMetricData`` is not needed.
LOGS_EXPORT_ACTIONS: tuple[str, ...] = ("logs:CreateLogStream", "logs:PutLogEvents")
_XRAY_REASON = "X-Ray trace ingestion APIs support no resource-level permissions"


def gateway_policy(log_group_arns: Sequence[pulumi.Input[str]]) -> PolicyDocument:
    """Exactly what the gateway's exporters call, on the log groups they write (SEC-1)."""
    resources: list[pulumi.Input[str]] = []
    for arn in log_group_arns:
        resources += [arn, pulumi.Output.concat(arn, ":*")]
    return PolicyDocument(
        [
            Statement(actions=XRAY_EXPORT_ACTIONS, resources=["*"], justification=_XRAY_REASON),
            Statement(actions=LOGS_EXPORT_ACTIONS, resources=resources, sid="WriteTelemetryLogs"),
        ]
    )


def config_hash(config_yaml: str) -> str:
    return hashlib.sha256(config_yaml.encode()).hexdigest()


def _field(name: str, path: str) -> k8s.core.v1.EnvVarArgs:
    return k8s.core.v1.EnvVarArgs(
        name=name,
        value_from=k8s.core.v1.EnvVarSourceArgs(
            field_ref=k8s.core.v1.ObjectFieldSelectorArgs(field_path=path)
        ),
    )


#: Host directories the agent mounts (ADR 0022): the kubelet's pod logs, read-only, and the
#: directory where ``file_storage`` keeps the read offsets, the one it writes.
_HOST_LOGS = ("pod-logs", POD_LOG_DIR, "Directory", True)
_HOST_CHECKPOINTS = ("checkpoints", CHECKPOINT_DIR, "DirectoryOrCreate", False)
#: Why the agent is not restricted, recorded with its DaemonSet and its namespace.
HOST_LOGS_REASON = (
    "The agent reads every container's log files under /var/log/pods on its node (OBS-2): "
    "the kubelet writes them 0640 root:root, so the agent runs as UID 0, and restricted and "
    "baseline both forbid hostPath volumes. It keeps every other restricted setting (all "
    "capabilities dropped, no privilege escalation, read-only root filesystem, RuntimeDefault "
    "seccomp); the log directory is mounted read-only and only its checkpoint directory "
    "/var/lib/otel-agent is writable (ADR 0022)."
)

#: Why the agent mounts a Kubernetes API token, recorded with its DaemonSet for the scanners.
AGENT_TOKEN_REASON = (
    "The k8s_attributes processor reads pods, namespaces, nodes and replica sets from the "
    "Kubernetes API, and kubelet_stats reads its node's kubelet, so the agent mounts its own "
    "service account's token; its ClusterRole grants only get, list and watch of those "
    "(ADR 0022)."
)


def _root_security() -> tuple[k8s.core.v1.PodSecurityContextArgs, k8s.core.v1.SecurityContextArgs]:
    """Restricted in everything but the user: UID 0, which owns the host's log files."""
    seccomp = k8s.core.v1.SeccompProfileArgs(type="RuntimeDefault")
    pod = k8s.core.v1.PodSecurityContextArgs(
        run_as_non_root=False, run_as_user=0, run_as_group=0, seccomp_profile=seccomp
    )
    container = k8s.core.v1.SecurityContextArgs(
        allow_privilege_escalation=False,
        capabilities=k8s.core.v1.CapabilitiesArgs(drop=["ALL"]),
        read_only_root_filesystem=True,
        run_as_non_root=False,
        run_as_user=0,
        seccomp_profile=seccomp,
    )
    return pod, container


def collector_pod(
    *,
    image: ImageRef,
    config_map: pulumi.Input[str],
    resources: Resources,
    service_account: pulumi.Input[str],
    mount_token: bool,
    resource_attributes: pulumi.Input[str],
    receive_http: bool,
    tls_files: Sequence[str],
    spread: Sequence[k8s.core.v1.TopologySpreadConstraintArgs] = (),
    read_host_logs: bool = False,
) -> k8s.core.v1.PodSpecArgs:
    """A restricted collector pod reading its configuration from ``config_map`` and the keys
    ``tls_files`` of the gateway's certificate Secret from a read-only volume (SEC-3).

    ``read_host_logs`` (the agent): mounts the node's pod logs read-only and its checkpoint
    directory, and runs as UID 0 (:data:`HOST_LOGS_REASON`)."""
    pod_security, container_security = (
        _root_security()
        if read_host_logs
        else (PodSecurity().to_args(), ContainerSecurity().to_args())
    )
    host = [_HOST_LOGS, _HOST_CHECKPOINTS] if read_host_logs else []
    ports = [("otlp-grpc", OTLP_GRPC_PORT), ("health", HEALTH_PORT)]
    if receive_http:
        ports.insert(1, ("otlp-http", OTLP_HTTP_PORT))
    env: Mapping[str, pulumi.Input[str]] = {
        "GOMEMLIMIT": gomemlimit(resources.memory_limit),
        "OTEL_RESOURCE_ATTRIBUTES": resource_attributes,
    }
    container = k8s.core.v1.ContainerArgs(
        name="collector",
        image=str(image),
        image_pull_policy=image.pull_policy,
        args=[f"--config={_CONFIG_DIR}/{_CONFIG_FILE}"],
        ports=[
            k8s.core.v1.ContainerPortArgs(name=n, container_port=p, protocol="TCP")
            for n, p in ports
        ],
        env=[
            _field(POD_IP_ENV, "status.podIP"),
            _field(POD_NAME_ENV, "metadata.name"),
            _field(NODE_NAME_ENV, "spec.nodeName"),
            _field(NODE_IP_ENV, "status.hostIP"),
            *(k8s.core.v1.EnvVarArgs(name=k, value=v) for k, v in env.items()),
        ],
        resources=resources.to_args(),
        startup_probe=COLLECTOR_PROBES.startup.to_args(HEALTH_PORT),
        readiness_probe=COLLECTOR_PROBES.readiness.to_args(HEALTH_PORT),
        liveness_probe=COLLECTOR_PROBES.liveness.to_args(HEALTH_PORT),
        security_context=container_security,
        volume_mounts=[
            k8s.core.v1.VolumeMountArgs(
                name=_CONFIG_VOLUME, mount_path=_CONFIG_DIR, read_only=True
            ),
            # No subPath: the kubelet updates the files in place when cert-manager renews them.
            k8s.core.v1.VolumeMountArgs(name=_TLS_VOLUME, mount_path=TLS_DIR, read_only=True),
            scratch_mount(),
            *(
                k8s.core.v1.VolumeMountArgs(name=n, mount_path=path, read_only=read_only)
                for n, path, _, read_only in host
            ),
        ],
    )
    return k8s.core.v1.PodSpecArgs(
        service_account_name=service_account,
        automount_service_account_token=mount_token,
        enable_service_links=False,
        security_context=pod_security,
        termination_grace_period_seconds=30,
        topology_spread_constraints=list(spread) or None,
        containers=[container],
        volumes=[
            k8s.core.v1.VolumeArgs(
                name=_CONFIG_VOLUME,
                config_map=k8s.core.v1.ConfigMapVolumeSourceArgs(
                    name=config_map,
                    items=[k8s.core.v1.KeyToPathArgs(key=_CONFIG_FILE, path=_CONFIG_FILE)],
                ),
            ),
            k8s.core.v1.VolumeArgs(
                name=_TLS_VOLUME,
                secret=k8s.core.v1.SecretVolumeSourceArgs(
                    secret_name=GATEWAY_TLS_SECRET,
                    items=[k8s.core.v1.KeyToPathArgs(key=f, path=f) for f in tls_files],
                    default_mode=_TLS_FILE_MODE,
                ),
            ),
            scratch_volume(),
            *(
                k8s.core.v1.VolumeArgs(
                    name=n, host_path=k8s.core.v1.HostPathVolumeSourceArgs(path=path, type=kind)
                )
                for n, path, kind, _ in host
            ),
        ],
    )


def agent_rbac_rules() -> list[k8s.rbac.v1.PolicyRuleArgs]:
    return [
        *(
            k8s.rbac.v1.PolicyRuleArgs(
                api_groups=[group], resources=list(kinds), verbs=["get", "list", "watch"]
            )
            for group, kinds in K8S_ATTRIBUTES_RULES
        ),
        *(
            k8s.rbac.v1.PolicyRuleArgs(api_groups=[group], resources=list(kinds), verbs=["get"])
            for group, kinds in KUBELET_STATS_RULES
        ),
    ]


def otlp_service_spec(selector: Mapping[str, str], *, agent: bool) -> k8s.core.v1.ServiceSpecArgs:
    """The agent's Service keeps traffic on the node (``internalTrafficPolicy: Local``); the
    gateway's is headless, so the agents' gRPC clients balance over every gateway pod."""
    ports = [("otlp-grpc", OTLP_GRPC_PORT), *([("otlp-http", OTLP_HTTP_PORT)] if agent else [])]
    return k8s.core.v1.ServiceSpecArgs(
        type="ClusterIP",
        cluster_ip=None if agent else "None",
        internal_traffic_policy="Local" if agent else None,
        selector=dict(selector),
        ports=[
            k8s.core.v1.ServicePortArgs(name=n, port=p, target_port=n, protocol="TCP")
            for n, p in ports
        ],
    )


def collector_policy_spec(
    selector: Mapping[str, str],
    *,
    ingress: k8s.networking.v1.NetworkPolicyIngressRuleArgs,
    egress: Sequence[Egress],
) -> k8s.networking.v1.NetworkPolicySpecArgs:
    return k8s.networking.v1.NetworkPolicySpecArgs(
        pod_selector=k8s.meta.v1.LabelSelectorArgs(match_labels=dict(selector)),
        policy_types=["Ingress", "Egress"],
        ingress=[ingress],
        egress=[dns_egress(), *(egress_rule(e) for e in egress)],
    )


def from_every_namespace(ports: Sequence[int]) -> k8s.networking.v1.NetworkPolicyIngressRuleArgs:
    """Any pod of the cluster may send telemetry to its node's agent."""
    return k8s.networking.v1.NetworkPolicyIngressRuleArgs(
        from_=[
            k8s.networking.v1.NetworkPolicyPeerArgs(
                namespace_selector=k8s.meta.v1.LabelSelectorArgs()
            )
        ],
        ports=[k8s.networking.v1.NetworkPolicyPortArgs(port=p, protocol="TCP") for p in ports],
    )
