"""SEC-4 rules over pod templates: the restricted profile, pinned images, the service-account
token.

A value the graph could not know (``"[unknown]"``) or must not show (``"[secret]"``) is never
judged: the check of that field is skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from infra_kit.policy._graph import GraphDoc
from infra_kit.policy._registry import Hit, Severity, rule
from infra_kit.policy.rules._values import (
    DIGEST_SUFFIX,
    DIGEST_VALUE,
    as_dict,
    as_list,
    is_redacted,
)
from infra_kit.policy.rules._workloads import (
    helm_releases,
    pod_containers,
    pod_templates,
    release_label,
)

__all__ = ["restricted_violations"]

RESTRICTED_VOLUME_TYPES = frozenset(
    {
        "configMap",
        "csi",
        "downwardAPI",
        "emptyDir",
        "ephemeral",
        "image",  # allowed since 1.33
        "persistentVolumeClaim",
        "projected",
        "secret",
    }
)
SAFE_SYSCTLS = frozenset(
    {
        "kernel.shm_rmid_forced",
        "net.ipv4.ip_local_port_range",
        "net.ipv4.ip_unprivileged_port_start",
        "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range",
        "net.ipv4.ip_local_reserved_ports",  # 1.27
        "net.ipv4.tcp_keepalive_time",  # 1.29
        "net.ipv4.tcp_fin_timeout",  # 1.29
        "net.ipv4.tcp_keepalive_intvl",  # 1.29
        "net.ipv4.tcp_keepalive_probes",  # 1.29
        "net.ipv4.tcp_rmem",  # 1.32
        "net.ipv4.tcp_wmem",  # 1.32
    }
)
SELINUX_TYPES = frozenset(
    {"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"}  # last: 1.31
)
_SECCOMP_ALLOWED = frozenset({"RuntimeDefault", "Localhost"})
_APPARMOR_ALLOWED = frozenset({"RuntimeDefault", "Localhost"})
_APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/"
_HANDLERS = ("startupProbe", "readinessProbe", "livenessProbe")
_LIFECYCLE = ("postStart", "preStop")


def _is_true(value: object) -> bool:
    return value is True


def _handler_hosts(where: str, container: Mapping[str, Any]) -> Iterator[str]:
    """Probe and lifecycle handlers that set ``host`` (forbidden since Kubernetes 1.34)."""
    handlers = [(f"{where}.{p}", as_dict(container.get(p))) for p in _HANDLERS]
    lifecycle = as_dict(container.get("lifecycle"))
    handlers += [(f"{where}.lifecycle.{h}", as_dict(lifecycle.get(h))) for h in _LIFECYCLE]
    for path, handler in handlers:
        for action in ("httpGet", "tcpSocket"):
            host = as_dict(handler.get(action)).get("host")
            if host and not is_redacted(host):
                yield f"{path}.{action}.host is set ({host!r})"


def _selinux(path: str, context: Mapping[str, Any]) -> Iterator[str]:
    options = as_dict(context.get("seLinuxOptions"))
    kind = options.get("type")
    if isinstance(kind, str) and not is_redacted(kind) and kind not in SELINUX_TYPES:
        yield f"{path}.seLinuxOptions.type is {kind!r}"
    for key in ("user", "role"):
        if options.get(key) and not is_redacted(options.get(key)):
            yield f"{path}.seLinuxOptions.{key} is set"


def _apparmor(path: str, context: Mapping[str, Any]) -> Iterator[str]:
    kind = as_dict(context.get("appArmorProfile")).get("type")
    if isinstance(kind, str) and not is_redacted(kind) and kind not in _APPARMOR_ALLOWED:
        yield f"{path}.appArmorProfile.type is {kind!r}"


def restricted_violations(
    spec: Mapping[str, Any],
    *,
    path: str = "spec",
    annotations: Mapping[str, Any] | None = None,
    kubernetes_version: tuple[int, int] = (1, 34),
) -> list[str]:
    """Every field of a pod spec (wire format) the "restricted" profile forbids, with its path.

    Windows pods (``spec.os.name: windows``) are exempt from the Linux-only controls (seccomp,
    privilege escalation, capabilities), as Kubernetes exempts them.
    """
    problems: list[str] = []
    linux = as_dict(spec.get("os")).get("name") != "windows"
    pod = as_dict(spec.get("securityContext"))
    ctx_path = f"{path}.securityContext"
    for flag in ("hostNetwork", "hostPID", "hostIPC"):
        if _is_true(spec.get(flag)):
            problems.append(f"{path}.{flag} is true")
    if _is_true(as_dict(pod.get("windowsOptions")).get("hostProcess")):
        problems.append(f"{ctx_path}.windowsOptions.hostProcess is true")
    for index, volume in enumerate(as_list(spec.get("volumes"))):
        kinds = sorted(set(as_dict(volume)) - {"name"} - RESTRICTED_VOLUME_TYPES)
        if kinds:
            name = as_dict(volume).get("name", index)
            problems.append(f"{path}.volumes[{name}] is of type {', '.join(kinds)}")
    for sysctl in as_list(pod.get("sysctls")):
        name = as_dict(sysctl).get("name")
        if isinstance(name, str) and not is_redacted(name) and name not in SAFE_SYSCTLS:
            problems.append(f"{ctx_path}.sysctls sets {name}, which is not a safe sysctl")
    problems += _selinux(ctx_path, pod)
    problems += _apparmor(ctx_path, pod)
    for key, value in as_dict(annotations).items():
        if (
            str(key).startswith(_APPARMOR_ANNOTATION)
            and isinstance(value, str)
            and value != "runtime/default"
            and not value.startswith("localhost/")
        ):
            problems.append(f"annotation {key} is {value!r}")
    pod_seccomp = as_dict(pod.get("seccompProfile")).get("type")
    if (
        pod_seccomp is not None
        and not is_redacted(pod_seccomp)
        and pod_seccomp not in _SECCOMP_ALLOWED
    ):
        problems.append(f"{ctx_path}.seccompProfile.type is {pod_seccomp!r}")
    pod_seccomp_ok = pod_seccomp in _SECCOMP_ALLOWED or is_redacted(pod_seccomp)
    pod_non_root = pod.get("runAsNonRoot")
    if pod_non_root is False:
        problems.append(f"{ctx_path}.runAsNonRoot is false")
    if pod.get("runAsUser") == 0:
        problems.append(f"{ctx_path}.runAsUser is 0")
    for where, container in pod_containers(spec):
        here = f"{path}.{where}"
        if kubernetes_version >= (1, 34):
            problems += _handler_hosts(here, container)
        for port in as_list(container.get("ports")):
            host_port = as_dict(port).get("hostPort")
            if host_port and not is_redacted(host_port):
                problems.append(f"{here}.ports sets hostPort {host_port}")
        ctx = container.get("securityContext")
        if is_redacted(ctx):
            continue
        ctx = as_dict(ctx)
        sc = f"{here}.securityContext"
        if _is_true(ctx.get("privileged")):
            problems.append(f"{sc}.privileged is true")
        if _is_true(as_dict(ctx.get("windowsOptions")).get("hostProcess")):
            problems.append(f"{sc}.windowsOptions.hostProcess is true")
        proc_mount = ctx.get("procMount")
        if proc_mount not in (None, "Default") and not is_redacted(proc_mount):
            problems.append(f"{sc}.procMount is {proc_mount!r}")
        problems += _selinux(sc, ctx)
        problems += _apparmor(sc, ctx)
        non_root = ctx.get("runAsNonRoot")
        if non_root is False:
            problems.append(f"{sc}.runAsNonRoot is false")
        elif non_root is None and not (pod_non_root is True or is_redacted(pod_non_root)):
            problems.append(f"{sc}.runAsNonRoot is not true (nor the pod's)")
        if ctx.get("runAsUser") == 0:
            problems.append(f"{sc}.runAsUser is 0")
        if not linux:
            continue
        escalation = ctx.get("allowPrivilegeEscalation")
        if escalation is not False and not is_redacted(escalation):
            problems.append(f"{sc}.allowPrivilegeEscalation is not false")
        seccomp = as_dict(ctx.get("seccompProfile")).get("type")
        if seccomp is None:
            if not pod_seccomp_ok:
                problems.append(f"{sc}.seccompProfile.type is unset (nor the pod's)")
        elif not is_redacted(seccomp) and seccomp not in _SECCOMP_ALLOWED:
            problems.append(f"{sc}.seccompProfile.type is {seccomp!r}")
        capabilities = ctx.get("capabilities")
        if is_redacted(capabilities):
            continue
        drop = as_list(as_dict(capabilities).get("drop"))
        if "ALL" not in drop:
            problems.append(f"{sc}.capabilities.drop does not include ALL")
        added = sorted(str(c) for c in as_list(as_dict(capabilities).get("add")))
        extra = [c for c in added if c != "NET_BIND_SERVICE"]
        if extra:
            problems.append(f"{sc}.capabilities.add adds {', '.join(extra)}")
    return problems


def _version(graph: GraphDoc) -> tuple[int, int]:
    match = re.match(r"^v?(\d+)\.(\d+)", graph.environment.kubernetes_version)
    return (int(match[1]), int(match[2])) if match else (1, 34)


@rule(
    id="IK-SEC-4-RESTRICTED",
    prescription="SEC-4",
    severity=Severity.ERROR,
    title='A pod template breaks the Pod Security Standards "restricted" profile',
    rationale="""The restricted profile removes the ways a compromised container reaches its node:
    root, privilege escalation, extra capabilities, host namespaces, host paths and ports, and
    unconfined seccomp, AppArmor or SELinux. infra-kit namespaces enforce it, so a template that
    breaks it is refused at admission and its pods never start; outside them, it runs with the
    node's trust.""",
    fix="""Use infra-kit's WebService, Worker or Collectors, which render restricted pods; for a
    hand-written object set runAsNonRoot: true, seccompProfile RuntimeDefault,
    allowPrivilegeEscalation: false and capabilities.drop [ALL] on every container, and remove
    host namespaces, hostPath volumes and hostPorts.""",
)
def restricted_profile(graph: GraphDoc) -> Iterator[Hit]:
    templates = pod_templates(graph)
    version = _version(graph) if templates else (0, 0)
    for template in templates:
        problems = restricted_violations(
            template.spec,
            path=template.path,
            annotations=as_dict(template.metadata.get("annotations")),
            kubernetes_version=version,
        )
        if problems:
            yield Hit(
                template.urn,
                f"{template.label} is not restricted: " + "; ".join(problems),
            )


# -- SEC-4: images pinned by digest -------------------------------------------------------------


def _helm_images(values: Any, path: str = "values") -> Iterator[tuple[str, dict[str, Any]]]:
    """``image`` mappings (``repository``/``tag``/``digest``) anywhere in Helm values."""
    if isinstance(values, dict):
        for key, value in values.items():
            here = f"{path}.{key}"
            if key == "image" and isinstance(value, dict):
                if {"repository", "tag", "digest"} & set(value):
                    yield here, value
            else:
                yield from _helm_images(value, here)
    elif isinstance(values, list):
        for index, item in enumerate(values):
            yield from _helm_images(item, f"{path}[{index}]")


@rule(
    id="IK-SEC-4-IMAGE-DIGEST",
    prescription="SEC-4",
    severity=Severity.ERROR,
    title="A container image is not pinned by digest where the environment requires it",
    rationale="""A tag can be pushed again with different content, so the same manifest may run
    different code tomorrow, and a rollback may not restore what ran before. Where the profile
    sets workloads.require_image_digest (prod), every image is pinned by its sha256 digest.""",
    fix="""Append '@sha256:<digest>' to the image reference (e.g. from 'crane digest <image>');
    for a Helm release, set the chart's image digest value (e.g. image.digest) or a tag that
    carries the digest.""",
)
def image_digest(graph: GraphDoc) -> Iterator[Hit]:
    if not graph.environment.require_image_digest:
        return
    for template in pod_templates(graph):
        loose = []
        for where, container in pod_containers(template.spec):
            image = container.get("image")
            if is_redacted(image):
                continue
            if not isinstance(image, str) or not DIGEST_SUFFIX.search(image):
                loose.append(f"{where} runs {image!r}")
        if loose:
            yield Hit(template.urn, f"{template.label} has unpinned images: {'; '.join(loose)}")
    for record, values in helm_releases(graph):
        loose = []
        for where, image in _helm_images(values):
            digest, tag = image.get("digest"), image.get("tag")
            if is_redacted(digest) or is_redacted(tag):
                continue
            if isinstance(digest, str) and DIGEST_VALUE.match(digest):
                continue
            if isinstance(tag, str) and DIGEST_SUFFIX.search(tag):
                continue
            loose.append(f"{where} (tag {tag!r}, no digest)")
        if loose:
            yield Hit(
                str(record["urn"]),
                f"{release_label(record)} sets images without a digest: {'; '.join(loose)}",
            )


# -- SEC-4: the service-account token -----------------------------------------------------------
def _bound_accounts(graph: GraphDoc) -> set[tuple[str, str]] | None:
    """``(namespace, name)`` of every ServiceAccount a (Cluster)RoleBinding grants something;
    ``None`` when a binding's subjects cannot be read."""
    bound: set[tuple[str, str]] = set()
    for _, obj in graph.kubernetes_of_kind("RoleBinding", "ClusterRoleBinding"):
        own_namespace = as_dict(obj.get("metadata")).get("namespace")
        subjects = obj.get("subjects")
        if is_redacted(subjects):
            return None
        for entry in as_list(subjects):
            subject = as_dict(entry)
            if subject.get("kind") != "ServiceAccount":
                continue
            namespace, name = subject.get("namespace") or own_namespace, subject.get("name")
            if is_redacted(namespace) or is_redacted(name):
                return None
            bound.add((str(namespace), str(name)))
    return bound


@rule(
    id="IK-SEC-4-SERVICE-ACCOUNT-TOKEN",
    prescription="SEC-4",
    severity=Severity.ERROR,
    title="A pod template does not decide whether it mounts a service-account token",
    rationale="""Kubernetes mounts an API token into every pod unless told otherwise, so a
    compromised container can call the API server as its service account. The token is mounted
    only where the workload calls the Kubernetes API, and the template says so explicitly; a
    token mounted for an account no binding grants anything is a credential with no use.""",
    fix="""Set automountServiceAccountToken: false on the pod template (infra-kit workloads do,
    unless mount_service_account_token=True); set it to true only for a workload whose service
    account is bound to a Role or ClusterRole it needs.""",
)
def service_account_token(graph: GraphDoc) -> Iterator[Hit]:
    bound = _bound_accounts(graph)
    for template in pod_templates(graph):
        mount = template.spec.get("automountServiceAccountToken")
        if is_redacted(mount):
            continue
        if not isinstance(mount, bool):
            yield Hit(
                template.urn,
                f"{template.label} leaves automountServiceAccountToken unset, so Kubernetes "
                "mounts an API token; set it to false unless the workload calls the API",
            )
            continue
        account = template.spec.get("serviceAccountName") or "default"
        if (
            mount
            and bound is not None
            and not is_redacted(account)
            and (template.namespace, str(account)) not in bound
        ):
            yield Hit(
                template.urn,
                f"{template.label} mounts the API token of service account "
                f"{template.namespace}/{account}, which no RoleBinding or "
                "ClusterRoleBinding in the graph grants anything",
            )


# -- K8S-1: requests and limits ---------------------------------------------------------------
