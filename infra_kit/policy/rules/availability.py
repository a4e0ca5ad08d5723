"""K8S-3, SCALE-1, SCALE-2 and HA-1 rules: disruption budgets, autoscalers, headroom and zone
spread of replicated workloads.

A workload's *replica floor* is the fewest pods it runs: ``spec.replicas`` (default 1), or, when
a HorizontalPodAutoscaler targets it, the HPA's ``minReplicas`` (default 1) if that is higher.
A workload is *replicated* when its floor is above 1.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from infra_kit.policy._graph import GraphDoc
from infra_kit.policy._registry import Hit, Severity, rule
from infra_kit.policy.rules._values import as_dict, as_list, is_redacted
from infra_kit.policy.rules._workloads import PodTemplate, pod_templates, selector_matches

__all__ = ["HEADROOM_FACTOR", "SCALE_LIMIT_ANNOTATION", "Scaled", "scaled_workloads"]

#: How many times its minimum an autoscaled workload must be able to grow (SCALE-2); equal to
#: ``infra_kit.core.profile.HEADROOM_FACTOR`` (kept equal by a test).
HEADROOM_FACTOR = 10
#: Where infra-kit workloads record a written reason for less headroom (HPA and Deployment
#: metadata); equal to ``infra_kit.k8s._sizing.SCALE_LIMIT_ANNOTATION`` (kept equal by a test).
SCALE_LIMIT_ANNOTATION = "infra-kit.io/scale-limit-reason"
_MIN_REASON_WORDS = 3
_ZONE = "topology.kubernetes.io/zone"
#: Kinds that run a number of identical replicas; a Rollout (Argo Rollouts) replaces a Deployment.
_REPLICATED_KINDS = ("Deployment", "StatefulSet", "Rollout")
_SERVING_KINDS = ("Deployment", "Rollout")
_PERCENT = re.compile(r"^(\d{1,3})%$")


def _count(value: object, default: int) -> int | None:
    """A replica count: ``default`` when unset, ``None`` when it cannot be read."""
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


@dataclass(frozen=True)
class Scaled:
    """A Deployment, StatefulSet or Rollout with the HPAs that target it."""

    template: PodTemplate
    replicas: int | None
    hpas: list[tuple[dict[str, Any], dict[str, Any]]]

    @property
    def floor(self) -> int | None:
        """The fewest pods it runs, or ``None`` when a count cannot be read."""
        floors = [self.replicas if not self.hpas else 1]
        for _, hpa in self.hpas:
            floors.append(_count(as_dict(hpa.get("spec")).get("minReplicas"), 1))
        if any(f is None for f in floors):
            return None
        return max(f for f in floors if f is not None)


def scaled_workloads(graph: GraphDoc) -> list[Scaled]:
    hpas = graph.kubernetes_of_kind("HorizontalPodAutoscaler")
    found = []
    for template in pod_templates(graph):
        if template.kind not in _REPLICATED_KINDS:
            continue
        mine = []
        for record, hpa in hpas:
            target = as_dict(as_dict(hpa.get("spec")).get("scaleTargetRef"))
            namespace = as_dict(hpa.get("metadata")).get("namespace") or "default"
            if (
                namespace == template.namespace
                and target.get("kind") == template.kind
                and target.get("name") == template.name
            ):
                mine.append((record, hpa))
        replicas = _count(as_dict(template.obj.get("spec")).get("replicas"), 1)
        found.append(Scaled(template, replicas, mine))
    return found


def _in_namespace(
    graph: GraphDoc, kind: str, namespace: str
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    return [
        (r, o)
        for r, o in graph.kubernetes_of_kind(kind)
        if (as_dict(o.get("metadata")).get("namespace") or "default") == namespace
    ]


def _name(obj: dict[str, Any]) -> str:
    return str(as_dict(obj.get("metadata")).get("name"))


# -- K8S-3: disruption budgets -----------------------------------------------------------------
def _scaled(value: object, replicas: int) -> int | None:
    """An int-or-percent of ``replicas``, rounded up as Kubernetes does for budgets."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    match = _PERCENT.match(value) if isinstance(value, str) else None
    return math.ceil(int(match[1]) * replicas / 100) if match else None


def blocks_drain(spec: dict[str, Any], floor: int) -> str | None:
    """Why a PodDisruptionBudget spec lets no pod be evicted at ``floor`` pods, or ``None``."""
    if "maxUnavailable" in spec:
        allowed = _scaled(spec["maxUnavailable"], floor)
        if allowed is not None and allowed < 1:
            return f"maxUnavailable {spec['maxUnavailable']!r} allows no eviction"
        return None
    if "minAvailable" in spec:
        required = _scaled(spec["minAvailable"], floor)
        if required is not None and required >= floor:
            return (
                f"minAvailable {spec['minAvailable']!r} keeps all {floor} replicas "
                "(the floor), so no pod can be evicted"
            )
    return None


@rule(
    id="IK-K8S-3-PDB",
    prescription="K8S-3",
    severity=Severity.ERROR,
    title="A replicated workload has no PodDisruptionBudget, or one that blocks node drains",
    rationale="""Without a budget a node drain or a cluster upgrade may evict every replica at
    once; with one that allows no eviction (maxUnavailable 0, minAvailable equal to the
    replicas) the drain never finishes and upgrades stall. Two budgets over the same pods make
    the eviction API refuse every eviction of them.""",
    fix="""Give the workload exactly one PodDisruptionBudget in its namespace selecting its pods
    with maxUnavailable: 1 (infra-kit workloads create one; DisruptionBudget() is the
    default), or a minAvailable below its minimum replica count.""",
)
def disruption_budget(graph: GraphDoc) -> Iterator[Hit]:
    for workload in scaled_workloads(graph):
        template, floor = workload.template, workload.floor
        if floor is None or floor <= 1:
            continue
        budgets = []
        unreadable = False
        for record, pdb in _in_namespace(graph, "PodDisruptionBudget", template.namespace):
            spec = as_dict(pdb.get("spec"))
            matches = selector_matches(spec.get("selector"), template.labels)
            unreadable |= matches is None and is_redacted(spec.get("selector"))
            if matches:
                budgets.append((record, pdb, spec))
        if not budgets:
            if not unreadable:
                yield Hit(
                    template.urn,
                    f"{template.label} runs at least {floor} replicas and no "
                    "PodDisruptionBudget in its namespace selects its pods",
                )
            continue
        if len(budgets) > 1:
            names = ", ".join(sorted(_name(pdb) for _, pdb, _ in budgets))
            yield Hit(
                template.urn,
                f"{template.label} is selected by {len(budgets)} PodDisruptionBudgets "
                f"({names}); the eviction API refuses to evict its pods",
            )
            continue
        record, pdb, spec = budgets[0]
        why = blocks_drain(spec, floor)
        if why:
            yield Hit(
                str(record["urn"]),
                f"PodDisruptionBudget {template.namespace}/{_name(pdb)} of {template.label} "
                f"blocks node drains: {why}",
            )


# -- K8S-3 / SCALE-1: autoscalers -------------------------------------------------------------
def _serves_traffic(graph: GraphDoc, template: PodTemplate) -> str | None:
    """The name of a Service in the workload's namespace that selects its pods, if any."""
    for _, service in _in_namespace(graph, "Service", template.namespace):
        selector = as_dict(service.get("spec")).get("selector")
        if (
            isinstance(selector, dict)
            and selector
            and selector_matches({"matchLabels": selector}, template.labels)
        ):
            return _name(service)
    return None


@rule(
    id="IK-K8S-3-HPA",
    prescription="K8S-3",
    severity=Severity.ERROR,
    title="A replicated Deployment that serves traffic has no HorizontalPodAutoscaler",
    rationale="""A fixed replica count is sized for one load: below it capacity is wasted, above
    it requests queue and fail until someone scales by hand. A Deployment that serves traffic
    through a Service scales with it, and horizontal scaling always comes with an autoscaling
    policy (SCALE-1).""",
    fix="""Add a HorizontalPodAutoscaler targeting the Deployment and remove spec.replicas
    (infra-kit WebService creates one from min_replicas and max_replicas).""",
)
def autoscaler(graph: GraphDoc) -> Iterator[Hit]:
    for workload in scaled_workloads(graph):
        template = workload.template
        if template.kind not in _SERVING_KINDS or workload.hpas:
            continue
        if workload.replicas is None or workload.replicas <= 1:
            continue
        service = _serves_traffic(graph, template)
        if service:
            yield Hit(
                template.urn,
                f"{template.label} runs {workload.replicas} fixed replicas behind Service "
                f"{service} and no HorizontalPodAutoscaler targets it",
            )


@rule(
    id="IK-SCALE-1-HPA-OWNS-REPLICAS",
    prescription="SCALE-1",
    severity=Severity.ERROR,
    title="A workload scaled by an HPA also sets spec.replicas",
    rationale="""Once an HPA targets a workload it owns the replica count. A spec.replicas in
    the manifest is applied again by every deployment, resetting the count the HPA chose: a
    deployment during a traffic spike scales the service down.""",
    fix="""Remove spec.replicas from the Deployment or StatefulSet and set the bounds on the HPA
    (infra-kit workloads leave it unset).""",
)
def hpa_owns_replicas(graph: GraphDoc) -> Iterator[Hit]:
    for workload in scaled_workloads(graph):
        template = workload.template
        replicas = as_dict(template.obj.get("spec")).get("replicas")
        if workload.hpas and replicas is not None:
            names = ", ".join(sorted(_name(hpa) for _, hpa in workload.hpas))
            yield Hit(
                template.urn,
                f"{template.label} sets spec.replicas={replicas!r} while "
                f"HorizontalPodAutoscaler {names} scales it",
            )


# -- SCALE-2: headroom ------------------------------------------------------------------------
def _reason(obj: dict[str, Any]) -> str:
    value = as_dict(as_dict(obj.get("metadata")).get("annotations")).get(SCALE_LIMIT_ANNOTATION)
    return value.strip() if isinstance(value, str) else ""


@rule(
    id="IK-SCALE-2-HEADROOM",
    prescription="SCALE-2",
    severity=Severity.ERROR,
    title="An HPA cannot grow to 10x its minimum and gives no written reason",
    rationale="""A 10x traffic spike is absorbed with no manual step only if the autoscaler may
    grow that far. A lower maximum is sometimes right (a licence, a downstream limit, a preview
    environment), but then the reason is written down where reviewers and operators see it.""",
    fix=f"""Raise maxReplicas to {HEADROOM_FACTOR}x minReplicas, or record why not:
    scale_limit_reason='...' on the infra-kit workload (the
    {SCALE_LIMIT_ANNOTATION} annotation, at least three words), or the profile's
    workloads.scale_limit_reason.""",
)
def headroom(graph: GraphDoc) -> Iterator[Hit]:
    targets = {
        (w.template.namespace, w.template.kind, w.template.name): w.template.obj
        for w in scaled_workloads(graph)
    }
    for record, hpa in graph.kubernetes_of_kind("HorizontalPodAutoscaler"):
        spec = as_dict(hpa.get("spec"))
        low, high = _count(spec.get("minReplicas"), 1), _count(spec.get("maxReplicas"), 0)
        if low is None or high is None or is_redacted(spec.get("maxReplicas")):
            continue
        if high >= HEADROOM_FACTOR * low:
            continue
        ref = as_dict(spec.get("scaleTargetRef"))
        namespace = as_dict(hpa.get("metadata")).get("namespace") or "default"
        target = targets.get((str(namespace), str(ref.get("kind")), str(ref.get("name"))), {})
        reason = _reason(hpa) or _reason(target)
        if len(reason.split()) >= _MIN_REASON_WORDS:
            continue
        yield Hit(
            str(record["urn"]),
            f"HorizontalPodAutoscaler {namespace}/{_name(hpa)} may grow to {high} replicas, less "
            f"than {HEADROOM_FACTOR}x its minimum of {low}, and carries no "
            f"{SCALE_LIMIT_ANNOTATION} annotation of at least {_MIN_REASON_WORDS} words",
        )


# -- HA-1: zone spread ------------------------------------------------------------------------
def _spreads_over_zones(template: PodTemplate) -> bool | None:
    """Whether the pod template requires its replicas in different zones (``None``: unreadable)."""
    spec = template.spec
    constraints = spec.get("topologySpreadConstraints")
    if is_redacted(constraints):
        return None
    for entry in as_list(constraints):
        constraint = as_dict(entry)
        hard = constraint.get("whenUnsatisfiable", "DoNotSchedule") == "DoNotSchedule"
        if (
            constraint.get("topologyKey") == _ZONE
            and hard
            and selector_matches(constraint.get("labelSelector"), template.labels)
        ):
            return True
    anti = as_dict(as_dict(spec.get("affinity")).get("podAntiAffinity"))
    for entry in as_list(anti.get("requiredDuringSchedulingIgnoredDuringExecution")):
        term = as_dict(entry)
        if term.get("topologyKey") == _ZONE and selector_matches(
            term.get("labelSelector"), template.labels
        ):
            return True
    return False


@rule(
    id="IK-HA-1-ZONE-SPREAD",
    prescription="HA-1",
    severity=Severity.ERROR,
    title="A replicated prod workload is not required to spread across zones",
    rationale="""Replicas protect against a node or zone failure only if they run in different
    zones. Without a hard zone constraint the scheduler may place every replica in one zone,
    and that zone's outage takes the whole service down.""",
    fix="""Add a topologySpreadConstraint on topology.kubernetes.io/zone with
    whenUnsatisfiable: DoNotSchedule and a labelSelector matching the pods (infra-kit
    workloads do), or a required podAntiAffinity term on that key.""",
)
def zone_spread(graph: GraphDoc) -> Iterator[Hit]:
    if graph.environment.name != "prod":
        return
    for workload in scaled_workloads(graph):
        floor = workload.floor
        if floor is None or floor <= 1:
            continue
        if _spreads_over_zones(workload.template) is False:
            yield Hit(
                workload.template.urn,
                f"{workload.template.label} runs at least {floor} replicas with no "
                f"DoNotSchedule topologySpreadConstraint or required pod anti-affinity on {_ZONE} "
                "selecting its own pods",
            )
