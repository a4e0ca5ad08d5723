"""Restricted security contexts as small value objects (SEC-4).

Pure logic: these render typed ``pulumi_kubernetes`` argument objects and never touch the Pulumi
runtime. Every pod infra-kit renders uses :class:`PodSecurity` and every container (init
containers included) :class:`ContainerSecurity`; together they satisfy the Pod Security Standards
"restricted" profile, which the namespaces also enforce:

- pod: ``runAsNonRoot``, a fixed high non-zero UID/GID/fsGroup (:data:`RESTRICTED_UID`),
  ``seccompProfile: RuntimeDefault``;
- container: ``allowPrivilegeEscalation: false``, every capability dropped,
  ``readOnlyRootFilesystem: true``, ``runAsNonRoot``.

A read-only root filesystem needs somewhere to write: :func:`scratch_volume` is an ``emptyDir``
mounted at ``/tmp`` with a size limit, so a runaway writer is evicted instead of filling the node.

:func:`restricted_violations` checks a rendered pod spec (wire format) against the same rules; the
tests run it over every workload the library renders.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pulumi_kubernetes as k8s

from infra_kit.errors import ValidationError

__all__ = [
    "RESTRICTED_UID",
    "SCRATCH_MOUNT_PATH",
    "SCRATCH_VOLUME",
    "ContainerSecurity",
    "PodSecurity",
    "restricted_violations",
    "scratch_mount",
    "scratch_volume",
]

#: The UID, GID and fsGroup every pod runs as: non-zero, above the range images use for system
#: users, and the UID the upstream OpenTelemetry Collector images already run as.
RESTRICTED_UID = 10001

#: Name and mount path of the writable scratch volume that replaces a writable root filesystem.
SCRATCH_VOLUME = "tmp"
SCRATCH_MOUNT_PATH = "/tmp"
_SCRATCH_SIZE = "64Mi"


@dataclass(frozen=True)
class PodSecurity:
    """The pod-level security context: non-root, fixed IDs, the runtime's default seccomp profile.

    Attributes:
        run_as_user: the user id every container runs as (never 0).
        run_as_group: the primary group id.
        fs_group: the group that owns mounted volumes.
    """

    run_as_user: int = RESTRICTED_UID
    run_as_group: int = RESTRICTED_UID
    fs_group: int = RESTRICTED_UID

    def __post_init__(self) -> None:
        for field_name in ("run_as_user", "run_as_group", "fs_group"):
            value = getattr(self, field_name)
            if not isinstance(value, int) or value < 1:
                raise ValidationError(
                    field_name,
                    value,
                    "the restricted profile runs pods as a non-root id",
                    f"use a non-zero id such as {RESTRICTED_UID}",
                )

    def to_args(self) -> k8s.core.v1.PodSecurityContextArgs:
        return k8s.core.v1.PodSecurityContextArgs(
            # prescription: SEC-4 -- the restricted Pod Security Standard, pod level.
            run_as_non_root=True,
            run_as_user=self.run_as_user,
            run_as_group=self.run_as_group,
            fs_group=self.fs_group,
            seccomp_profile=k8s.core.v1.SeccompProfileArgs(type="RuntimeDefault"),
        )


@dataclass(frozen=True)
class ContainerSecurity:
    """The container-level security context of the restricted profile; it has no knobs on purpose."""

    def to_args(self) -> k8s.core.v1.SecurityContextArgs:
        return k8s.core.v1.SecurityContextArgs(
            allow_privilege_escalation=False,
            capabilities=k8s.core.v1.CapabilitiesArgs(drop=["ALL"]),
            read_only_root_filesystem=True,
            run_as_non_root=True,
            seccomp_profile=k8s.core.v1.SeccompProfileArgs(type="RuntimeDefault"),
        )


def scratch_volume() -> k8s.core.v1.VolumeArgs:
    """A size-limited ``emptyDir`` for ``/tmp``."""
    return k8s.core.v1.VolumeArgs(
        name=SCRATCH_VOLUME,
        empty_dir=k8s.core.v1.EmptyDirVolumeSourceArgs(size_limit=_SCRATCH_SIZE),
    )


def scratch_mount() -> k8s.core.v1.VolumeMountArgs:
    return k8s.core.v1.VolumeMountArgs(name=SCRATCH_VOLUME, mount_path=SCRATCH_MOUNT_PATH)


# -- checking rendered objects ----------------------------------------------------------------

_RESTRICTED_VOLUME_TYPES = frozenset(
    {
        "configMap",
        "csi",
        "downwardAPI",
        "emptyDir",
        "ephemeral",
        "persistentVolumeClaim",
        "projected",
        "secret",
    }
)


def _containers(pod_spec: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for kind in ("initContainers", "containers", "ephemeralContainers"):
        for container in pod_spec.get(kind) or []:
            yield f"{kind}[{container.get('name')}]", container


def restricted_violations(pod_spec: Mapping[str, Any]) -> list[str]:
    """Why a rendered pod spec (camelCase, as the API server receives it) is not "restricted".

    An empty list means every rule of the profile holds, plus infra-kit's own: a read-only root
    filesystem and a fixed non-zero UID on every container.
    """
    problems: list[str] = []
    pod = pod_spec.get("securityContext") or {}
    for flag in ("hostNetwork", "hostPID", "hostIPC"):
        if pod_spec.get(flag):
            problems.append(f"spec.{flag} is set")
    for volume in pod_spec.get("volumes") or []:
        kinds = set(volume) - {"name"}
        if not kinds <= _RESTRICTED_VOLUME_TYPES:
            problems.append(f"volume {volume.get('name')} uses {sorted(kinds)}")
    if (pod.get("seccompProfile") or {}).get("type") != "RuntimeDefault":
        problems.append("pod seccompProfile is not RuntimeDefault")
    if pod.get("runAsNonRoot") is not True:
        problems.append("pod runAsNonRoot is not true")
    for key in ("runAsUser", "runAsGroup", "fsGroup"):
        if not isinstance(pod.get(key), int) or pod[key] < 1:
            problems.append(f"pod {key} is not a non-zero id")
    for where, container in _containers(pod_spec):
        ctx = container.get("securityContext") or {}
        if ctx.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{where}: allowPrivilegeEscalation is not false")
        if (ctx.get("capabilities") or {}).get("drop") != ["ALL"]:
            problems.append(f"{where}: capabilities do not drop ALL")
        if (ctx.get("capabilities") or {}).get("add"):
            problems.append(f"{where}: capabilities are added")
        if ctx.get("readOnlyRootFilesystem") is not True:
            problems.append(f"{where}: readOnlyRootFilesystem is not true")
        if ctx.get("runAsNonRoot") is not True:
            problems.append(f"{where}: runAsNonRoot is not true")
        if ctx.get("privileged"):
            problems.append(f"{where}: privileged")
        if ctx.get("runAsUser") == 0:
            problems.append(f"{where}: runAsUser is 0")
        seccomp = (ctx.get("seccompProfile") or {}).get("type")
        if seccomp not in (None, "RuntimeDefault", "Localhost"):
            problems.append(f"{where}: seccompProfile {seccomp}")
        for port in container.get("ports") or []:
            if port.get("hostPort"):
                problems.append(f"{where}: hostPort {port['hostPort']}")
    return problems
