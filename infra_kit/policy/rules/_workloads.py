"""Workloads as the Kubernetes rules read them: pod templates, containers, selectors, Helm releases.

Pod templates are read from every workload kind (:func:`pod_templates`): ``spec.template.spec``
of Deployments, DaemonSets, StatefulSets, ReplicaSets, ReplicationControllers, Jobs and Argo
Rollouts' Rollouts (``argoproj.io``; a Rollout that points at a Deployment with
``workloadRef`` has no template of its own, and its Deployment is read instead),
``spec.jobTemplate.spec.template.spec`` of CronJobs and ``spec`` of bare Pods. Helm releases
render nothing offline; where a rule can read what matters from their ``values``, it does.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from infra_kit.policy._graph import GraphDoc
from infra_kit.policy.rules._values import as_dict, as_list, is_false, is_redacted

__all__ = [
    "HELM_RELEASE_TYPE",
    "IMAGE_ONLY_PARTS",
    "LONG_RUNNING_KINDS",
    "ROLLOUTS_GROUP",
    "PodTemplate",
    "ReleasePart",
    "helm_releases",
    "pod_containers",
    "pod_templates",
    "release_label",
    "release_parts",
    "selector_matches",
]

HELM_RELEASE_TYPE = "kubernetes:helm.sh/v3:Release"
#: Kinds whose pods run until replaced, as opposed to Jobs and CronJobs that run to completion.
LONG_RUNNING_KINDS = frozenset(
    {
        "Deployment",
        "StatefulSet",
        "DaemonSet",
        "ReplicaSet",
        "ReplicationController",
        "Pod",
        "Rollout",
    }
)
#: The API group of Argo Rollouts, whose ``Rollout`` replaces a Deployment.
ROLLOUTS_GROUP = "argoproj.io"
_TEMPLATE_PATHS: dict[str, tuple[str, ...]] = {
    "Deployment": ("spec", "template"),
    "Rollout": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "ReplicationController": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
    "Pod": (),
}
_CONTAINER_FIELDS = ("initContainers", "containers", "ephemeralContainers")


@dataclass(frozen=True)
class PodTemplate:
    """One pod template of a workload object, with where it sits in that object."""

    record: dict[str, Any]
    obj: dict[str, Any]
    path: str
    spec: dict[str, Any]
    metadata: dict[str, Any]

    @property
    def urn(self) -> str:
        return str(self.record["urn"])

    @property
    def kind(self) -> str:
        return str(self.obj.get("kind"))

    @property
    def name(self) -> str:
        return str(as_dict(self.obj.get("metadata")).get("name", ""))

    @property
    def namespace(self) -> str:
        """The object's namespace (``default`` when it names none)."""
        value = as_dict(self.obj.get("metadata")).get("namespace")
        return value if isinstance(value, str) and value else "default"

    @property
    def labels(self) -> dict[str, Any]:
        return as_dict(self.metadata.get("labels"))

    @property
    def label(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}"


def pod_templates(graph: GraphDoc) -> list[PodTemplate]:
    """Every pod template the graph sends to a cluster."""
    found = []
    for record, obj in graph.kubernetes:
        kind = str(obj.get("kind"))
        if kind == "Rollout" and not str(obj.get("apiVersion")).startswith(f"{ROLLOUTS_GROUP}/"):
            continue  # another project's kind of that name
        keys = _TEMPLATE_PATHS.get(kind)
        if keys is None or not isinstance(obj.get("metadata"), dict):
            continue  # metadata unknown until deploy (a preview): which namespace is not known
        node: Any = obj
        for key in keys:
            node = as_dict(node).get(key)
        template = as_dict(node)
        spec = as_dict(template.get("spec"))
        if not spec:
            continue
        path = ".".join((*keys, "spec"))
        found.append(PodTemplate(record, obj, path, spec, as_dict(template.get("metadata"))))
    return found


def pod_containers(
    spec: Mapping[str, Any], fields: tuple[str, ...] = _CONTAINER_FIELDS
) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(where, container)`` for each container of ``fields``; ``where`` reads
    ``containers[app]``."""
    for field in fields:
        for index, container in enumerate(as_list(spec.get(field))):
            if isinstance(container, dict):
                name = container.get("name")
                yield f"{field}[{name if isinstance(name, str) else index}]", container


def selector_matches(selector: object, labels: Mapping[str, Any]) -> bool | None:
    """Whether a LabelSelector selects pods with ``labels`` (an empty selector selects every pod);
    ``None`` when the selector cannot be read."""
    if not isinstance(selector, dict):
        return None
    match_labels = selector.get("matchLabels") or {}
    expressions = selector.get("matchExpressions") or []
    if not isinstance(match_labels, dict) or not isinstance(expressions, list):
        return None
    for key, value in match_labels.items():
        if is_redacted(value):
            return None
        if labels.get(key) != value:
            return False
    for expression in expressions:
        if not isinstance(expression, dict):
            return None
        key, operator = expression.get("key"), expression.get("operator")
        values = expression.get("values") or []
        if not isinstance(key, str) or not isinstance(values, list):
            return None
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and key in labels and labels[key] in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
        if operator not in ("In", "NotIn", "Exists", "DoesNotExist"):
            return None
    return True


def helm_releases(graph: GraphDoc) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """``(record, values)`` of every Helm release whose values can be read."""
    found = []
    for record in graph.of_type(HELM_RELEASE_TYPE):
        values = GraphDoc.inputs(record).get("values")
        if isinstance(values, dict):
            found.append((record, values))
    return found


def release_label(record: Mapping[str, Any]) -> str:
    inputs = GraphDoc.inputs(record)
    chart = inputs.get("chart") or record.get("name")
    return f"Helm release {record.get('name')} (chart {chart})"


#: Parts of a chart that name an image but run no pod of their own that the values could size,
#: keyed by chart and path: ``(chart, path)`` -> why they need no resources value.
IMAGE_ONLY_PARTS: dict[tuple[str, str], str] = {
    ("cert-manager", "values.acmesolver"): "cert-manager's controller starts HTTP-01 solver pods "
    "itself, sized by its own solver defaults; the chart has no resources value for them",
}
_REPLICA_KEYS = ("replicaCount", "replicas")


@dataclass(frozen=True)
class ReleasePart:
    """One part of a Helm release's values: the top level, or a nested mapping that sets an
    ``image`` (a chart's webhook, cainjector, controller, Job...).

    ``replicas`` is the part's ``replicaCount``/``replicas`` (``None`` when the values leave it
    to the chart); ``long_running`` is true for the top level and for a part that sets replicas:
    a Deployment, as opposed to a one-off Job."""

    path: str
    values: dict[str, Any]
    replicas: int | None
    long_running: bool


def _replicas(values: Mapping[str, Any]) -> int | None:
    for key in _REPLICA_KEYS:
        value = values.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def release_parts(record: Mapping[str, Any], values: Mapping[str, Any]) -> list[ReleasePart]:
    """The parts of ``values`` that run containers the chart lets the values configure.

    The top level counts when it sets an image, resources or replicas; a nested mapping counts
    when it sets an ``image`` mapping, unless it says ``enabled: false`` or is one of
    :data:`IMAGE_ONLY_PARTS`."""
    chart = str(GraphDoc.inputs(record).get("chart") or "")
    parts: list[ReleasePart] = []
    if any(k in values for k in ("image", "resources", *_REPLICA_KEYS)):
        parts.append(ReleasePart("values", dict(values), _replicas(values), True))

    def walk(node: Mapping[str, Any], path: str) -> None:
        for key, value in node.items():
            if not isinstance(value, dict) or key == "image":
                continue
            here = f"{path}.{key}"
            if is_false(value.get("enabled")):
                continue
            if isinstance(value.get("image"), dict) and (chart, here) not in IMAGE_ONLY_PARTS:
                replicas = _replicas(value)
                parts.append(ReleasePart(here, value, replicas, replicas is not None))
            walk(value, here)

    walk(values, "values")
    return parts


# -- SEC-4: the restricted profile ----------------------------------------------------------------
# What the Pod Security Standards "restricted" profile allows, as Kubernetes defines it
# (https://kubernetes.io/docs/concepts/security/pod-security-standards/ and the
# pod-security-admission checks of Kubernetes 1.34; read 2026-12-01).
