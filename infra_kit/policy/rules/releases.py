"""Rules over what the platform installs with Helm: each long-running part of a release spreads
over zones (HA-1) and has a PodDisruptionBudget that never blocks a drain (K8S-3), and an image
referenced by tag only is pulled ``Always`` (SEC-4).

A Helm release renders nothing offline, so these rules read its ``values`` as the chart takes
them: a part is the top level or a nested mapping that sets an ``image``
(:func:`~infra_kit.policy.rules._workloads.release_parts`); requests and limits are
IK-K8S-1-RESOURCES's, digests IK-SEC-4-IMAGE-DIGEST's.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from infra_kit.policy._graph import GraphDoc
from infra_kit.policy._registry import Hit, Severity, rule
from infra_kit.policy.rules._values import (
    DIGEST_SUFFIX,
    DIGEST_VALUE,
    as_dict,
    as_list,
    is_false,
    is_redacted,
    is_true,
)
from infra_kit.policy.rules._workloads import helm_releases, release_label, release_parts
from infra_kit.policy.rules.availability import blocks_drain

_ZONE = "topology.kubernetes.io/zone"
_BUDGET_KEYS = ("podDisruptionBudget", "pdb")
_INSTANCE = "app.kubernetes.io/instance"


def _zone_spread(part: Mapping[str, Any]) -> bool | None:
    """Whether a part requires its pods in different zones (``None``: unreadable)."""
    constraints = part.get("topologySpreadConstraints")
    if is_redacted(constraints):
        return None
    for entry in as_list(constraints):
        constraint = as_dict(entry)
        if constraint.get("topologyKey") == _ZONE and (
            constraint.get("whenUnsatisfiable", "DoNotSchedule") == "DoNotSchedule"
        ):
            return True
    return False


@rule(
    id="IK-HA-1-RELEASE-SPREAD",
    prescription="HA-1",
    severity=Severity.ERROR,
    title="A long-running part of a prod Helm release is not required to spread across zones",
    rationale="""A controller's replicas protect it from a node or zone failure only if they
    run in different zones. A chart's default leaves placement to the scheduler, which may put
    every replica of the autoscaler or the load balancer controller in one zone, and that
    zone's outage stops the platform from scaling or routing.""",
    fix="""Set the part's topologySpreadConstraints value (e.g. topologySpreadConstraints,
    webhook.topologySpreadConstraints, controller.topologySpreadConstraints) to a constraint on
    topology.kubernetes.io/zone with whenUnsatisfiable: DoNotSchedule and a labelSelector
    matching the pods the chart labels.""",
)
def release_spread(graph: GraphDoc) -> Iterator[Hit]:
    if graph.environment.name != "prod":
        return
    for record, values in helm_releases(graph):
        loose = [
            part.path
            for part in release_parts(record, values)
            if part.long_running and _zone_spread(part.values) is False
        ]
        if loose:
            yield Hit(
                str(record["urn"]),
                f"{release_label(record)}: {', '.join(loose)} set no DoNotSchedule "
                f"topologySpreadConstraint on {_ZONE}",
            )


def _budget(part: Mapping[str, Any]) -> dict[str, Any] | None:
    """The part's PodDisruptionBudget values, if it turns one on."""
    for key in _BUDGET_KEYS:
        budget = part.get(key)
        if not isinstance(budget, dict) or is_false(budget.get("enabled")):
            continue
        if is_true(budget.get("enabled")) or {"maxUnavailable", "minAvailable"} & set(budget):
            return budget
    return None


def _graph_budgets(graph: GraphDoc, namespace: object, release: object) -> list[dict[str, Any]]:
    """PodDisruptionBudgets of the graph that select the pods of Helm release ``release``."""
    found = []
    for _, obj in graph.kubernetes_of_kind("PodDisruptionBudget"):
        metadata, spec = as_dict(obj.get("metadata")), as_dict(obj.get("spec"))
        labels = as_dict(as_dict(spec.get("selector")).get("matchLabels"))
        if metadata.get("namespace") == namespace and labels.get(_INSTANCE) == release:
            found.append(spec)
    return found


@rule(
    id="IK-K8S-3-RELEASE-PDB",
    prescription="K8S-3",
    severity=Severity.ERROR,
    title="A long-running part of a Helm release has no PodDisruptionBudget, or one that "
    "blocks node drains",
    rationale="""A node drain or cluster upgrade may evict every replica of a controller at
    once unless a budget holds it back; a budget that allows no eviction stalls the drain.
    Charts leave their budgets off by default.""",
    fix="""Turn the part's budget on in the values with maxUnavailable: 1 (e.g.
    podDisruptionBudget.enabled and maxUnavailable, controller.pdb), or, for a chart that
    renders none, create a PodDisruptionBudget beside the release in its namespace selecting
    app.kubernetes.io/instance: <release>.""",
)
def release_budget(graph: GraphDoc) -> Iterator[Hit]:
    for record, values in helm_releases(graph):
        inputs = GraphDoc.inputs(record)
        outside = _graph_budgets(graph, inputs.get("namespace"), inputs.get("name"))
        gaps = []
        for part in release_parts(record, values):
            if not part.long_running or (part.replicas is not None and part.replicas <= 1):
                continue
            budget = _budget(part.values)
            if budget is None and part.path == "values" and outside:
                budget = outside[0]
            if budget is None:
                gaps.append(f"{part.path} turns no PodDisruptionBudget on")
                continue
            why = blocks_drain(budget, part.replicas or 1)
            if why:
                gaps.append(f"{part.path}'s PodDisruptionBudget blocks node drains: {why}")
        if gaps:
            yield Hit(str(record["urn"]), f"{release_label(record)}: {'; '.join(gaps)}")


def _tag_only_images(values: Any, path: str = "values") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(values, dict):
        for key, value in values.items():
            here = f"{path}.{key}"
            if key == "image" and isinstance(value, dict):
                digest, tag = value.get("digest"), value.get("tag")
                if is_redacted(digest) or is_redacted(tag):
                    continue
                pinned = (isinstance(digest, str) and DIGEST_VALUE.match(digest)) or (
                    isinstance(tag, str) and DIGEST_SUFFIX.search(tag)
                )
                if tag is not None and not pinned:
                    yield here, value
            else:
                yield from _tag_only_images(value, here)
    elif isinstance(values, list):
        for index, item in enumerate(values):
            yield from _tag_only_images(item, f"{path}[{index}]")


@rule(
    id="IK-SEC-4-RELEASE-PULL-POLICY",
    prescription="SEC-4",
    severity=Severity.ERROR,
    title="A Helm release references an image by tag only and does not pull it Always",
    rationale="""A tag can be pushed again with different content. With IfNotPresent, each
    node keeps whichever copy it pulled first, so replicas of one controller may run different
    code and a re-pushed fix never arrives. Pulling Always makes every start fetch what the tag
    names now; a digest makes the question moot.""",
    fix="""Pin the image by digest (the chart's image.digest, or '<tag>@sha256:<digest>' as its
    tag), or set its pullPolicy to Always.""",
)
def release_pull_policy(graph: GraphDoc) -> Iterator[Hit]:
    for record, values in helm_releases(graph):
        loose = [
            f"{where} (tag {image.get('tag')!r}, pullPolicy {image.get('pullPolicy')!r})"
            for where, image in _tag_only_images(values)
            if image.get("pullPolicy") != "Always" and not is_redacted(image.get("pullPolicy"))
        ]
        if loose:
            yield Hit(
                str(record["urn"]),
                f"{release_label(record)} pulls tag-only images without Always: "
                + "; ".join(loose),
            )
