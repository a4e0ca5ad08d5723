"""K8S-4 rule over ALB targets: a namespace whose pods are ALB IP targets injects readiness gates.

The label and its effect are the AWS Load Balancer Controller's
(github:kubernetes-sigs/aws-load-balancer-controller, ``docs/deploy/pod_readiness_gate.md``,
read 2026-12-02): in a namespace labelled ``elbv2.k8s.aws/pod-readiness-gate-inject: enabled``
the controller's pod webhook adds a ``target-health.elbv2.k8s.aws`` readiness gate to every new
pod behind an ``ip`` target group, so a pod is Ready only once the ALB reports its target
healthy. Without it a rolling update removes old pods as soon as new ones pass their own
readiness probe, before the ALB sends them traffic, and clients see 5xx while targets register.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from infra_kit.policy._graph import GraphDoc
from infra_kit.policy._registry import Hit, Severity, rule
from infra_kit.policy.rules._values import as_dict, is_redacted

__all__ = [
    "READINESS_GATE_LABEL",
    "READINESS_GATE_VALUE",
    "ip_target_ingress_namespaces",
]

#: The namespace label that turns on readiness-gate injection, and its value.
READINESS_GATE_LABEL = "elbv2.k8s.aws/pod-readiness-gate-inject"
READINESS_GATE_VALUE = "enabled"
_TARGET_TYPE = "alb.ingress.kubernetes.io/target-type"


def _is_alb(obj: dict[str, Any]) -> bool:
    spec, meta = as_dict(obj.get("spec")), as_dict(obj.get("metadata"))
    annotations = as_dict(meta.get("annotations"))
    return (
        spec.get("ingressClassName") == "alb"
        or annotations.get("kubernetes.io/ingress.class") == "alb"
    )


def ip_target_ingress_namespaces(graph: GraphDoc) -> dict[str, list[str]]:
    """Namespace -> ``Ingress/<name>`` of every ALB Ingress with ``target-type: ip`` in it."""
    found: dict[str, list[str]] = {}
    for _, obj in graph.kubernetes_of_kind("Ingress"):
        meta = as_dict(obj.get("metadata"))
        annotations = as_dict(meta.get("annotations"))
        namespace = meta.get("namespace") or "default"
        if is_redacted(namespace) or not _is_alb(obj):
            continue
        if annotations.get(_TARGET_TYPE) != "ip":
            continue
        found.setdefault(str(namespace), []).append(f"Ingress/{meta.get('name')}")
    return found


@rule(
    id="IK-K8S-4-READINESS-GATES",
    prescription="K8S-4",
    severity=Severity.ERROR,
    title="A namespace with ALB IP targets does not inject pod readiness gates",
    rationale="""With target-type ip the ALB sends traffic straight to pod IPs. A pod passes its
    own readiness probe before the ALB has registered it and found it healthy, so a rolling
    update that removes old pods on that signal alone can leave the ALB without a healthy
    target, and clients get 5xx. The AWS Load Balancer Controller injects a readiness gate that
    holds each new pod un-Ready until its target is healthy, in namespaces that carry its
    label.""",
    fix="""Label the namespace elbv2.k8s.aws/pod-readiness-gate-inject: enabled (infra-kit:
    NamespaceArgs(enable_alb_readiness_gates=True)); label only namespaces that host ALB
    targets, since the controller's pod webhook then sits in the path of every pod created
    there.""",
)
def readiness_gates(graph: GraphDoc) -> Iterator[Hit]:
    targets = ip_target_ingress_namespaces(graph)
    if not targets:
        return
    for record, obj in graph.kubernetes_of_kind("Namespace"):
        meta = as_dict(obj.get("metadata"))
        name, labels = meta.get("name"), meta.get("labels")
        if is_redacted(name) or is_redacted(labels) or name not in targets:
            continue
        value = as_dict(labels).get(READINESS_GATE_LABEL)
        if is_redacted(value) or value == READINESS_GATE_VALUE:
            continue
        yield Hit(
            str(record["urn"]),
            f"namespace {name} hosts the ALB IP targets of {', '.join(targets[str(name)])} "
            f"but lacks the label {READINESS_GATE_LABEL}: {READINESS_GATE_VALUE}, so its pods "
            "count as Ready before the load balancer sends them traffic",
        )
