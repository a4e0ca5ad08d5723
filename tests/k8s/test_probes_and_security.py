"""Distinct probes (K8S-1) and restricted security contexts (SEC-4), as pure values."""

from __future__ import annotations

from typing import Any

import pytest

from infra_kit.errors import ValidationError
from infra_kit.k8s import ContainerSecurity, PodSecurity, Probe, Probes, restricted_violations
from infra_kit.k8s._probes import check_probes
from infra_kit.k8s._security import scratch_mount, scratch_volume


def test_default_probes_differ_and_liveness_outlasts_readiness() -> None:
    probes = check_probes(Probes.http(), 8080)
    assert probes.startup.path == probes.liveness.path == "/livez"
    assert probes.readiness.path == "/readyz"
    assert (probes.startup.period_seconds, probes.startup.failure_threshold) == (5, 60)
    assert probes.readiness.failure_window_seconds == 15
    assert probes.liveness.failure_window_seconds == 60


def test_identical_probes_are_refused() -> None:
    same = Probe(path="/health")
    with pytest.raises(
        ValidationError, match=r"probes.readiness=.*identical to the startup probe, .*\(K8S-1\)"
    ):
        check_probes(Probes(startup=same, readiness=same, liveness=same), 8080)


def test_a_probe_on_the_default_port_is_identical_to_one_naming_that_port() -> None:
    readiness = Probe(path="/readyz", period_seconds=5)
    with pytest.raises(ValidationError, match="probes.liveness=.*identical to the readiness probe"):
        check_probes(
            Probes(
                startup=Probe(path="/livez", failure_threshold=30),
                readiness=readiness,
                liveness=Probe(path="/readyz", period_seconds=5, port=8080),
            ),
            8080,
        )


def test_a_liveness_probe_that_gives_up_before_readiness_is_refused() -> None:
    with pytest.raises(
        ValidationError,
        match=r"probes.liveness=.*gives up after 10s, no later than readiness \(30s\)",
    ):
        check_probes(
            Probes(
                startup=Probe(path="/livez", failure_threshold=30),
                readiness=Probe(path="/readyz", period_seconds=10, failure_threshold=3),
                liveness=Probe(path="/livez", period_seconds=5, failure_threshold=2),
            ),
            8080,
        )


@pytest.mark.parametrize(
    ("probe", "message"),
    [
        (Probe(), "either an HTTP path or a command"),
        (Probe(path="/x", command=("true",)), "either an HTTP path or a command"),
        (Probe(path="healthz"), r"probes.startup.path='healthz': an HTTP path starts with '/'"),
        (Probe(path="/x", port=70000), "not a TCP port"),
        (Probe(path="/x", period_seconds=0), "probes.startup.period_seconds=0"),
        (Probe(path="/x", success_threshold=2), "Kubernetes requires 1 for a startup probe"),
    ],
)
def test_malformed_probes_are_refused(probe: Probe, message: str) -> None:
    probes = Probes(
        startup=probe,
        readiness=Probe(path="/readyz", period_seconds=5),
        liveness=Probe(path="/livez", failure_threshold=6),
    )
    with pytest.raises(ValidationError, match=message):
        check_probes(probes, 8080)


def test_exec_probes_render_a_command() -> None:
    args: Any = Probe(command=("cat", "/tmp/ready")).to_args(8080)  # plain values here
    assert args.exec_.command == ["cat", "/tmp/ready"]
    assert args.http_get is None


def test_http_probes_render_the_path_on_the_default_port_unless_given_one() -> None:
    default: Any = Probe(path="/readyz").to_args(8080)
    assert (default.http_get.path, default.http_get.port, default.exec_) == ("/readyz", 8080, None)
    own: Any = Probe(path="/readyz", port=9090).to_args(8080)
    assert own.http_get.port == 9090


# -- security contexts -------------------------------------------------------------------------


def _pod(**overrides: Any) -> dict[str, Any]:
    pod = {
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": 10001,
            "runAsGroup": 10001,
            "fsGroup": 10001,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "containers": [
            {
                "name": "app",
                "securityContext": {
                    "allowPrivilegeEscalation": False,
                    "capabilities": {"drop": ["ALL"]},
                    "readOnlyRootFilesystem": True,
                    "runAsNonRoot": True,
                },
            }
        ],
        "volumes": [{"name": "tmp", "emptyDir": {}}],
    }
    pod.update(overrides)
    return pod


def test_the_restricted_value_objects_hold_every_rule() -> None:
    # The args are typed as Input[...] unions; here they hold plain values.
    pod: Any = PodSecurity().to_args()
    container: Any = ContainerSecurity().to_args()
    assert (pod.run_as_non_root, pod.run_as_user, pod.run_as_group, pod.fs_group) == (
        True,
        10001,
        10001,
        10001,
    )
    assert pod.seccomp_profile.type == "RuntimeDefault"
    assert container.allow_privilege_escalation is False
    assert container.read_only_root_filesystem is True
    assert container.run_as_non_root is True
    assert container.capabilities.drop == ["ALL"]


def test_the_scratch_volume_is_a_size_limited_empty_dir_at_tmp() -> None:
    volume: Any = scratch_volume()
    mount = scratch_mount()
    assert volume.empty_dir.size_limit == "64Mi"
    assert (mount.name, mount.mount_path) == (volume.name, "/tmp")


def test_a_root_id_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"run_as_user=0: the restricted profile"):
        PodSecurity(run_as_user=0)


def test_a_compliant_pod_has_no_violations() -> None:
    assert restricted_violations(_pod()) == []


@pytest.mark.parametrize(
    ("change", "problems"),
    [
        ({"hostNetwork": True}, ["spec.hostNetwork is set"]),
        (
            {"volumes": [{"name": "logs", "hostPath": {"path": "/var/log"}}]},
            ["volume logs uses ['hostPath']"],
        ),
        (
            {"securityContext": {}},
            [
                "pod seccompProfile is not RuntimeDefault",
                "pod runAsNonRoot is not true",
                "pod runAsUser is not a non-zero id",
                "pod runAsGroup is not a non-zero id",
                "pod fsGroup is not a non-zero id",
            ],
        ),
    ],
)
def test_pod_level_violations_are_found(change: dict[str, Any], problems: list[str]) -> None:
    assert restricted_violations(_pod(**change)) == problems


@pytest.mark.parametrize(
    ("context", "problem"),
    [
        ({"allowPrivilegeEscalation": True}, "allowPrivilegeEscalation is not false"),
        ({"capabilities": {"drop": ["NET_RAW"]}}, "capabilities do not drop ALL"),
        ({"readOnlyRootFilesystem": False}, "readOnlyRootFilesystem is not true"),
        ({"runAsNonRoot": None}, "runAsNonRoot is not true"),
        ({"privileged": True}, "privileged"),
    ],
)
def test_container_violations_are_found_in_init_containers_too(
    context: dict[str, Any], problem: str
) -> None:
    good = _pod()["containers"][0]
    bad = {"name": "init", "securityContext": {**good["securityContext"], **context}}
    assert restricted_violations(_pod(initContainers=[bad])) == [f"initContainers[init]: {problem}"]
