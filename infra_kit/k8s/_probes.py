"""Startup, readiness and liveness probes that are not identical (K8S-1).

Pure logic: no Pulumi runtime. The three probes answer different questions, so they differ:

- startup: has the process started? Checked often, with a long failure budget (5 minutes by
  default), and it holds the other two back until it passes;
- readiness: should this pod receive traffic now? Fails fast (15 s) to take a pod out of rotation;
- liveness: is the process wedged beyond repair? Tolerates longer (60 s) than readiness, so an
  overloaded pod is taken out of rotation before it is restarted.

:func:`check_probes` refuses two identical probes and a liveness probe that gives up no later
than readiness does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi_kubernetes as k8s

from infra_kit.errors import ValidationError

__all__ = ["Probe", "Probes", "check_probes"]


@dataclass(frozen=True)
class Probe:
    """One probe: an HTTP GET of ``path`` on ``port`` (default: the workload's port), or ``command``.

    Args:
        path: the HTTP path, starting with '/'. Set this or ``command``.
        command: a command run in the container; exit status 0 is success.
        port: the port of an HTTP probe. Default: the workload's port.
        period_seconds: how often the probe runs, as in Kubernetes.
        timeout_seconds: how long one attempt may take.
        failure_threshold: failures in a row before Kubernetes acts.
        success_threshold: successes in a row that count as passing again.
        initial_delay_seconds: seconds before the first attempt.

    Attributes:
        failure_window_seconds: how long the probe must fail before Kubernetes acts
            (``period_seconds * failure_threshold``).
    """

    path: str | None = None
    command: Sequence[str] = field(default_factory=tuple)
    port: int | None = None
    period_seconds: int = 10
    timeout_seconds: int = 2
    failure_threshold: int = 3
    success_threshold: int = 1
    initial_delay_seconds: int = 0

    @property
    def failure_window_seconds(self) -> int:
        """How long the probe must fail before Kubernetes acts."""
        return self.period_seconds * self.failure_threshold

    def identity(self, default_port: int) -> tuple[object, ...]:
        return (
            self.path,
            tuple(self.command),
            (self.port or default_port) if self.path else None,
            self.period_seconds,
            self.timeout_seconds,
            self.failure_threshold,
            self.success_threshold,
            self.initial_delay_seconds,
        )

    def to_args(self, default_port: int) -> k8s.core.v1.ProbeArgs:
        http = (
            k8s.core.v1.HTTPGetActionArgs(path=self.path, port=self.port or default_port)
            if self.path
            else None
        )
        exec_ = k8s.core.v1.ExecActionArgs(command=list(self.command)) if self.command else None
        return k8s.core.v1.ProbeArgs(
            http_get=http,
            exec_=exec_,
            period_seconds=self.period_seconds,
            timeout_seconds=self.timeout_seconds,
            failure_threshold=self.failure_threshold,
            success_threshold=self.success_threshold,
            initial_delay_seconds=self.initial_delay_seconds,
        )


@dataclass(frozen=True)
class Probes:
    """The three probes of a container. Default: :meth:`http` with its default paths.

    Attributes:
        startup: holds the other two back until the container has started.
        readiness: takes the pod out of the Service's endpoints while it fails.
        liveness: restarts the container when it fails.
    """

    startup: Probe
    readiness: Probe
    liveness: Probe

    @classmethod
    def http(
        cls,
        *,
        readiness_path: str = "/readyz",
        liveness_path: str = "/livez",
        startup_path: str | None = None,
        port: int | None = None,
    ) -> Probes:
        """HTTP probes. The startup probe checks ``startup_path`` (default: ``liveness_path``)."""
        return cls(
            startup=Probe(
                path=startup_path or liveness_path,
                port=port,
                period_seconds=5,
                failure_threshold=60,
            ),
            readiness=Probe(path=readiness_path, port=port, period_seconds=5, failure_threshold=3),
            liveness=Probe(path=liveness_path, port=port, period_seconds=10, failure_threshold=6),
        )

    def items(self) -> tuple[tuple[str, Probe], ...]:
        return (
            ("startup", self.startup),
            ("readiness", self.readiness),
            ("liveness", self.liveness),
        )


def _check_one(key: str, probe: Probe) -> None:
    if bool(probe.path) == bool(probe.command):
        raise ValidationError(
            key, probe, "a probe is either an HTTP path or a command", "set exactly one of them"
        )
    if probe.path is not None and not probe.path.startswith("/"):
        raise ValidationError(f"{key}.path", probe.path, "an HTTP path starts with '/'", "add it")
    if probe.port is not None and not 1 <= probe.port <= 65535:
        raise ValidationError(f"{key}.port", probe.port, "not a TCP port", "use 1 to 65535")
    for name in ("period_seconds", "timeout_seconds", "failure_threshold", "success_threshold"):
        value = getattr(probe, name)
        if not isinstance(value, int) or value < 1:
            raise ValidationError(f"{key}.{name}", value, "must be a positive integer", "use 1+")
    if probe.initial_delay_seconds < 0:
        raise ValidationError(
            f"{key}.initial_delay_seconds", probe.initial_delay_seconds, "negative", "use 0+"
        )


def check_probes(probes: Probes, default_port: int, *, key: str = "probes") -> Probes:
    """Refuse malformed, identical or mis-ordered probes (K8S-1)."""
    if not isinstance(probes, Probes):
        raise ValidationError(
            key,
            probes,
            "not a Probes value",
            "pass Probes(startup=..., readiness=..., liveness=...)",
        )
    for name, probe in probes.items():
        _check_one(f"{key}.{name}", probe)
    for name, probe in (("startup", probes.startup), ("liveness", probes.liveness)):
        if probe.success_threshold != 1:
            raise ValidationError(
                f"{key}.{name}.success_threshold",
                probe.success_threshold,
                f"Kubernetes requires 1 for a {name} probe",
                "use 1",
            )
    seen: dict[tuple[object, ...], str] = {}
    for name, probe in probes.items():
        identity = probe.identity(default_port)
        if identity in seen:
            raise ValidationError(
                f"{key}.{name}",
                probe,
                f"it is identical to the {seen[identity]} probe, so one of them answers the "
                "wrong question (K8S-1)",
                "give each probe its own path, period or failure threshold",
            )
        seen[identity] = name
    if probes.liveness.failure_window_seconds <= probes.readiness.failure_window_seconds:
        raise ValidationError(
            f"{key}.liveness",
            probes.liveness,
            f"it gives up after {probes.liveness.failure_window_seconds}s, no later than "
            f"readiness ({probes.readiness.failure_window_seconds}s), so an overloaded pod is "
            "restarted instead of being taken out of rotation",
            "raise liveness.failure_threshold or period_seconds",
        )
    return probes
