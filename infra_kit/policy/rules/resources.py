"""K8S-1 rules over containers: requests and limits on every container (Helm-installed ones
included), and startup, readiness and liveness probes that are not all the same.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from infra_kit.policy._graph import GraphDoc
from infra_kit.policy._registry import Hit, Severity, rule
from infra_kit.policy.rules._values import as_dict, is_redacted
from infra_kit.policy.rules._workloads import (
    LONG_RUNNING_KINDS,
    helm_releases,
    pod_containers,
    pod_templates,
    release_label,
    release_parts,
)

_RESOURCE_KEYS = (
    ("requests", "cpu"),
    ("requests", "memory"),
    ("limits", "cpu"),
    ("limits", "memory"),
)


def _missing_resources(resources: object) -> list[str] | None:
    """``requests.cpu``-style names of what ``resources`` lacks; ``None`` if unreadable."""
    if is_redacted(resources):
        return None
    resources = as_dict(resources)
    missing = []
    for section, name in _RESOURCE_KEYS:
        part = resources.get(section)
        if is_redacted(part):
            continue
        value = as_dict(part).get(name)
        if value is None or value == "":
            missing.append(f"{section}.{name}")
    return missing


@rule(
    id="IK-K8S-1-RESOURCES",
    prescription="K8S-1",
    severity=Severity.ERROR,
    title="A container lacks CPU or memory requests or limits",
    rationale="""Requests are what the scheduler packs nodes by and what the autoscalers
    measure; limits bound what one container takes from its neighbours. A container without
    them is scheduled blind and may starve or be starved. This holds for what the platform
    installs with Helm as much as for its own workloads.""",
    fix="""Set resources.requests and resources.limits (cpu and memory) on every container and
    init container (infra-kit workloads: cpu_request, memory_request, memory_limit, cpu_limit);
    for a Helm release, set the chart's resources value of every part that runs a container
    (the top level and each part with an image: webhook, cainjector, controller, Jobs).""",
)
def container_resources(graph: GraphDoc) -> Iterator[Hit]:
    for template in pod_templates(graph):
        gaps = []
        for where, container in pod_containers(template.spec, ("initContainers", "containers")):
            missing = _missing_resources(container.get("resources"))
            if missing:
                gaps.append(f"{where} has no {', '.join(missing)}")
        if gaps:
            yield Hit(template.urn, f"{template.label}: {'; '.join(gaps)}")
    for record, values in helm_releases(graph):
        parts = release_parts(record, values)
        if not any("resources" in part.values for part in parts):
            yield Hit(
                str(record["urn"]),
                f"{release_label(record)} sets no resources in its values, so its pods run "
                "with the chart's defaults (often none)",
            )
            continue
        gaps = []
        for part in parts:
            if "resources" not in part.values:
                gaps.append(f"{part.path} sets an image but no resources")
                continue
            missing = _missing_resources(part.values["resources"])
            if missing:
                gaps.append(f"{part.path}.resources has no {', '.join(missing)}")
        if gaps:
            yield Hit(str(record["urn"]), f"{release_label(record)}: {'; '.join(gaps)}")


# -- K8S-1: probes ------------------------------------------------------------------------------
_PROBES = ("startupProbe", "readinessProbe", "livenessProbe")
#: Kubernetes' defaults, so that a probe that spells a default out equals one that leaves it out.
_PROBE_DEFAULTS = {
    "initialDelaySeconds": 0,
    "periodSeconds": 10,
    "timeoutSeconds": 1,
    "successThreshold": 1,
    "failureThreshold": 3,
}


def _normal(probe: Mapping[str, Any]) -> dict[str, Any]:
    return {**_PROBE_DEFAULTS, **{k: v for k, v in probe.items() if v is not None}}


@rule(
    id="IK-K8S-1-PROBES",
    prescription="K8S-1",
    severity=Severity.ERROR,
    title="A long-running container lacks distinct startup, readiness and liveness probes",
    rationale="""The three probes answer different questions: has the process started, should it
    get traffic now, is it wedged beyond repair. Without readiness a pod gets traffic before it
    can serve; without liveness a hung process is never restarted; without startup a slow start
    is killed by liveness. Two identical probes mean one of them answers the wrong question.""",
    fix="""Give every container of a Deployment, StatefulSet, DaemonSet or Pod a startupProbe,
    readinessProbe and livenessProbe that differ (infra-kit workloads: probes=Probes(...), by
    default Probes.http()).""",
)
def container_probes(graph: GraphDoc) -> Iterator[Hit]:
    for template in pod_templates(graph):
        if template.kind not in LONG_RUNNING_KINDS:
            continue
        gaps = []
        for where, container in pod_containers(template.spec, ("containers",)):
            if any(is_redacted(container.get(p)) for p in _PROBES):
                continue
            missing = [p for p in _PROBES if not isinstance(container.get(p), dict)]
            if missing:
                gaps.append(f"{where} has no {', '.join(missing)}")
                continue
            probes = [(p, _normal(container[p])) for p in _PROBES]
            same = [
                f"{a} equals {b}"
                for i, (a, pa) in enumerate(probes)
                for b, pb in probes[i + 1 :]
                if pa == pb
            ]
            if same:
                gaps.append(f"{where}: {', '.join(same)}")
        if gaps:
            yield Hit(template.urn, f"{template.label}: {'; '.join(gaps)}")
