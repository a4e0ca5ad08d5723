"""NET-5 rules: pod-to-pod traffic is denied by default in every namespace the graph uses."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from infra_kit.policy._graph import GraphDoc
from infra_kit.policy._registry import Hit, Severity, rule
from infra_kit.policy.rules._values import as_dict, as_list, is_redacted
from infra_kit.policy.rules._workloads import pod_templates

__all__ = ["denied_directions"]

_DIRECTIONS = (("Ingress", "ingress"), ("Egress", "egress"))
#: Namespaces Kubernetes creates itself; pods there are in scope though no stack creates them.
#: (kube-system is left out: the add-ons there run from charts whose objects are invisible.)
_BUILT_IN_NAMESPACES = frozenset({"default", "kube-public", "kube-node-lease"})


def _selects_every_pod(selector: object) -> bool:
    selector = as_dict(selector) if selector is not None else {}
    return not selector.get("matchLabels") and not selector.get("matchExpressions")


def _policy_types(spec: dict[str, Any]) -> set[str] | None:
    """The directions a policy isolates; Kubernetes' default when ``policyTypes`` is unset."""
    types = spec.get("policyTypes")
    if types is None:
        return {"Ingress", *(["Egress"] if "egress" in spec else [])}
    if not isinstance(types, list):
        return None
    return {str(t) for t in types}


def denied_directions(policies: list[dict[str, Any]]) -> tuple[set[str], set[str]] | None:
    """``(isolated, opened)``: the directions in which some policy with an empty podSelector
    isolates every pod of a namespace, and those in which such a policy admits everything again
    (an empty rule). ``None`` when a policy cannot be read."""
    isolated: set[str] = set()
    opened: set[str] = set()
    for policy in policies:
        spec = policy.get("spec")
        if is_redacted(spec):
            return None
        spec = as_dict(spec)
        if is_redacted(spec.get("podSelector")) or not _selects_every_pod(spec.get("podSelector")):
            continue
        types = _policy_types(spec)
        if types is None:
            return None
        for direction, field in _DIRECTIONS:
            if direction not in types:
                continue
            isolated.add(direction)
            if any(entry == {} for entry in as_list(spec.get(field))):
                opened.add(direction)
    return isolated, opened


@rule(
    id="IK-NET-5-DEFAULT-DENY",
    prescription="NET-5",
    severity=Severity.ERROR,
    title="A namespace has no default-deny NetworkPolicy for ingress and egress",
    rationale="""Kubernetes lets every pod reach every other pod until a NetworkPolicy selects
    it. A policy with an empty podSelector that isolates both directions makes every other
    policy an explicit allowance, so a compromised pod reaches only what its workload
    declared. Without it, one workload's policy protects that workload and nothing else.""",
    fix="""Create the namespace with infra-kit's Namespace component (it adds default-deny and
    allow-dns policies), or add a NetworkPolicy with podSelector: {} and policyTypes
    [Ingress, Egress] and no rules to the namespace.""",
)
def default_deny(graph: GraphDoc) -> Iterator[Hit]:
    # Namespaces the graph creates, then Kubernetes' own namespaces it deploys pods into (first
    # workload's URN). A namespace another stack creates (the platform's apps namespace) is
    # checked in that stack's graph, where its policies are.
    scope: dict[str, str] = {}
    for record, obj in graph.kubernetes_of_kind("Namespace"):
        name = as_dict(obj.get("metadata")).get("name")
        if isinstance(name, str) and name and not is_redacted(name):
            scope.setdefault(name, str(record["urn"]))
    for template in pod_templates(graph):
        namespace = as_dict(template.obj.get("metadata")).get("namespace")
        if is_redacted(namespace) or template.namespace not in _BUILT_IN_NAMESPACES:
            continue
        scope.setdefault(template.namespace, template.urn)
    policies: dict[str, list[dict[str, Any]]] = {}
    for _, policy in graph.kubernetes_of_kind("NetworkPolicy"):
        namespace = as_dict(policy.get("metadata")).get("namespace") or "default"
        policies.setdefault(str(namespace), []).append(policy)
    for namespace, urn in sorted(scope.items()):
        found = denied_directions(policies.get(namespace, []))
        if found is None:
            continue
        isolated, opened = found
        missing = [d for d, _ in _DIRECTIONS if d not in isolated]
        if missing:
            yield Hit(
                urn,
                f"namespace {namespace} has no NetworkPolicy with an empty podSelector isolating "
                f"{' and '.join(missing)}, so its pods accept and open any connection",
            )
        elif opened:
            yield Hit(
                urn,
                f"namespace {namespace}: a NetworkPolicy with an empty podSelector admits all "
                f"{' and '.join(sorted(opened))} traffic (an empty rule), so nothing is denied",
            )
