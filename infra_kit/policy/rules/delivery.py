"""DEP-2 rules: a canary that can fail rolls back by itself.

An Argo Rollouts ``Rollout`` (``argoproj.io``) with a canary strategy promotes the new version
step by step; only an analysis stops it. The rule reads the AnalysisTemplates (and
ClusterAnalysisTemplates) the canary names, in the same graph, and asks of each metric whether
a failure can abort the rollout: an explicit ``failureLimit`` of 0 or more, a success or failure
condition to judge measurements by, and not a dry run. A Rollout that stops progressing must
abort too (``progressDeadlineAbort``), or it waits, half promoted, for a person.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from infra_kit.policy._graph import GraphDoc
from infra_kit.policy._registry import Hit, Severity, rule
from infra_kit.policy.rules._values import as_dict, as_list, is_redacted
from infra_kit.policy.rules._workloads import ROLLOUTS_GROUP

__all__ = ["canary_gaps"]


def _name(obj: dict[str, Any]) -> str:
    return str(as_dict(obj.get("metadata")).get("name"))


def _namespace(obj: dict[str, Any]) -> str:
    return str(as_dict(obj.get("metadata")).get("namespace") or "default")


def _templates(graph: GraphDoc) -> dict[tuple[str, str, str], dict[str, Any]]:
    """``(kind, namespace or "", name) -> object`` of the graph's analysis templates."""
    found: dict[tuple[str, str, str], dict[str, Any]] = {}
    for _, obj in graph.kubernetes_of_kind("AnalysisTemplate", "ClusterAnalysisTemplate"):
        if not str(obj.get("apiVersion")).startswith(f"{ROLLOUTS_GROUP}/"):
            continue
        kind = str(obj.get("kind"))
        namespace = _namespace(obj) if kind == "AnalysisTemplate" else ""
        found[(kind, namespace, _name(obj))] = obj
    return found


def _metric_gaps(metric: dict[str, Any], dry_run: set[str]) -> list[str]:
    name = str(metric.get("name"))
    gaps = []
    limit = metric.get("failureLimit")
    if limit is None:
        gaps.append(f"metric {name} has no failureLimit")
    elif not is_redacted(limit) and (
        isinstance(limit, bool) or not isinstance(limit, int) or limit < 0
    ):
        gaps.append(f"metric {name} has failureLimit {limit!r}, which never fails the run")
    if not metric.get("successCondition") and not metric.get("failureCondition"):
        gaps.append(f"metric {name} has no successCondition or failureCondition to fail by")
    if name in dry_run or "*" in dry_run:
        gaps.append(f"metric {name} runs as a dry run, whose failures never abort")
    return gaps


def _dry_run(*specs: dict[str, Any]) -> set[str]:
    return {
        str(as_dict(entry).get("metricName"))
        for spec in specs
        for entry in as_list(spec.get("dryRun"))
    }


def canary_gaps(graph: GraphDoc, rollout: dict[str, Any]) -> list[str] | None:
    """Why ``rollout``'s canary cannot roll back by itself (empty: it can), or ``None`` when it
    is no readable canary."""
    spec = as_dict(rollout.get("spec"))
    canary = as_dict(spec.get("strategy")).get("canary")
    if is_redacted(canary) or not isinstance(canary, dict):
        return None
    gaps = []
    if spec.get("progressDeadlineAbort") is not True and not is_redacted(
        spec.get("progressDeadlineAbort")
    ):
        gaps.append("progressDeadlineAbort is not true, so a stalled canary is never aborted")
    analyses = [as_dict(canary.get("analysis"))] if canary.get("analysis") else []
    analyses += [
        as_dict(as_dict(step).get("analysis"))
        for step in as_list(canary.get("steps"))
        if as_dict(step).get("analysis")
    ]
    refs = [(a, as_dict(t)) for a in analyses for t in as_list(a.get("templates"))]
    if not refs:
        return [*gaps, "its canary strategy runs no analysis, so nothing judges the new version"]
    templates = _templates(graph)
    for analysis, ref in refs:
        name = ref.get("templateName")
        if is_redacted(name):
            continue
        if ref.get("clusterScope"):
            key = ("ClusterAnalysisTemplate", "", str(name))
        else:
            key = ("AnalysisTemplate", _namespace(rollout), str(name))
        template = templates.get(key)
        if template is None:
            gaps.append(f"its analysis names {key[0]} {name}, which this stack does not create")
            continue
        template_spec = as_dict(template.get("spec"))
        metrics = as_list(template_spec.get("metrics"))
        if is_redacted(template_spec.get("metrics")):
            continue
        if not metrics:
            gaps.append(f"{key[0]} {name} has no metrics")
        dry_run = _dry_run(template_spec, analysis)
        gaps += [
            f"{key[0]} {name}: {gap}" for m in metrics for gap in _metric_gaps(as_dict(m), dry_run)
        ]
    return gaps


@rule(
    id="IK-DEP-2-CANARY-ANALYSIS",
    prescription="DEP-2",
    severity=Severity.ERROR,
    title="A canary Rollout has no analysis that can abort it",
    rationale="""A canary is only safer than a rolling update if something stops a bad
    version. Without an analysis the steps promote whatever was deployed; with a metric that
    has no failure limit, no condition or runs as a dry run, a failing measurement never fails
    the run, so the rollout is never aborted; without progressDeadlineAbort a canary that
    stops progressing waits, half promoted, for a person. Any of these turns an automated
    rollback into a manual one.""",
    fix="""Give the canary an analysis (background, from the first step, or in its steps)
    naming an AnalysisTemplate in the same stack whose every metric has a failureLimit and a
    successCondition or failureCondition and is not a dry run, and set
    progressDeadlineAbort: true (WebService with canary=Canary() does all of this).""",
)
def canary_analysis(graph: GraphDoc) -> Iterator[Hit]:
    for record, obj in graph.kubernetes_of_kind("Rollout"):
        if not str(obj.get("apiVersion")).startswith(f"{ROLLOUTS_GROUP}/"):
            continue
        gaps = canary_gaps(graph, obj)
        if gaps:
            yield Hit(
                str(record["urn"]),
                f"Rollout {_namespace(obj)}/{_name(obj)} cannot roll back by itself: "
                + "; ".join(gaps),
            )
