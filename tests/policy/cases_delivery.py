"""Bad and good graphs for the delivery rule (DEP-2), and Argo Rollouts' ``Rollout`` read by the
workload rules like a Deployment (SEC-4, K8S-1, K8S-3, HA-1); see tests/policy/cases.py.

:func:`canary_app` is :func:`tests.policy.cases_k8s.app` with its Deployment replaced by a
Rollout of the same pod template, rolled out by canary with a background analysis whose metrics
can fail it, and the HPA pointed at the Rollout. Each bad graph changes one thing in it.
"""

from __future__ import annotations

import copy
from typing import Any

from tests.policy.cases import Case
from tests.policy.cases_k8s import (
    LABELS,
    NAMESPACE,
    app,
    container,
    graph,
    hpa,
    pod_spec,
)
from tests.policy.graphs import k8s

ROLLOUTS_API = "argoproj.io/v1alpha1"
TEMPLATE = "web-canary"


def metric(name: str = "error-rate", **fields: Any) -> dict[str, Any]:
    """A CloudWatch metric that can fail the run; ``fields`` replace (``None``: drop) fields."""
    spec: dict[str, Any] = {
        "name": name,
        "interval": "60s",
        "failureLimit": 2,
        "successCondition": "all(result[0].Values, {# <= 0.01})",
        "provider": {
            "cloudWatch": {
                "interval": "300s",
                "metricDataQueries": [
                    {
                        "id": "rate",
                        "metricStat": {
                            "metric": {
                                "namespace": "AWS/ApplicationELB",
                                "metricName": "HTTPCode_Target_5XX_Count",
                                "dimensions": [{"name": "LoadBalancer", "value": "app/web/1"}],
                            },
                            "period": 300,
                            "stat": "Sum",
                        },
                    }
                ],
            }
        },
    }
    spec.update(fields)
    return {k: v for k, v in spec.items() if v is not None}


def analysis_template(*metrics: dict[str, Any], **spec: Any) -> dict[str, Any]:
    body = {"metrics": list(metrics or (metric(),)), **spec}
    return k8s("AnalysisTemplate", TEMPLATE, body, api_version=ROLLOUTS_API)


def rollout(
    name: str = "web",
    *,
    pod: dict[str, Any] | None = None,
    analysis: dict[str, Any] | None = None,
    abort: bool | None = True,
    replicas: int | None = None,
) -> dict[str, Any]:
    canary: dict[str, Any] = {
        "maxSurge": "25%",
        "maxUnavailable": 0,
        "steps": [{"setWeight": 10}, {"pause": {"duration": "300s"}}],
    }
    if analysis is not None:
        canary["analysis"] = analysis
    spec: dict[str, Any] = {
        "selector": {"matchLabels": dict(LABELS)},
        "template": {"metadata": {"labels": dict(LABELS)}, "spec": pod or pod_spec()},
        "progressDeadlineSeconds": 600,
        "strategy": {"canary": canary},
    }
    if abort is not None:
        spec["progressDeadlineAbort"] = abort
    if replicas is not None:
        spec["replicas"] = replicas
    return k8s("Rollout", name, spec, namespace=NAMESPACE, api_version=ROLLOUTS_API)


BACKGROUND = {"templates": [{"templateName": TEMPLATE}]}


def rollout_hpa(**fields: Any) -> dict[str, Any]:
    scaler = hpa(**fields)
    scaler["inputs"]["spec"]["scaleTargetRef"] = {
        "apiVersion": ROLLOUTS_API,
        "kind": "Rollout",
        "name": "web",
    }
    return scaler


def canary_app(**replace: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The passing namespace with a canary Rollout; ``replace`` swaps (``None``: drops) one of
    rollout, analysis, hpa, pdb or the parts of :func:`app`."""
    parts: dict[str, dict[str, Any] | None] = {
        "rollout": rollout(analysis=copy.deepcopy(BACKGROUND)),
        "analysis": analysis_template(),
        "hpa": rollout_hpa(),
    }
    parts.update(replace)
    own = {k: parts.pop(k) for k in ("rollout", "analysis")}
    return [*app(deployment=None, **parts), *(p for p in own.values() if p is not None)]


# -- the bad parts -----------------------------------------------------------------------------
UNANALYSED = rollout()
STALLS = rollout(analysis=copy.deepcopy(BACKGROUND), abort=None)
NO_LIMIT = analysis_template(metric(failureLimit=None))
DRY_RUN = analysis_template(metric(), dryRun=[{"metricName": "error-rate"}])
ROLLOUT_OF_ELSEWHERE = rollout(analysis={"templates": [{"templateName": "shared"}]})
ROLLOUT_TAGGED = rollout(
    analysis=copy.deepcopy(BACKGROUND),
    pod=pod_spec(containers=[container(image="registry.example/app:1.0")]),
)
ROLLOUT_FIXED = rollout(analysis=copy.deepcopy(BACKGROUND), replicas=3)
ROLLOUT_NO_SPREAD = rollout(
    analysis=copy.deepcopy(BACKGROUND), pod=pod_spec(topologySpreadConstraints=None)
)
ROLLOUT_NO_CPU_LIMIT = rollout(
    analysis=copy.deepcopy(BACKGROUND),
    pod=pod_spec(
        containers=[container(resources={"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {}})]
    ),
)

CASES: list[Case] = [
    Case(
        "IK-DEP-2-CANARY-ANALYSIS",
        bad=lambda: graph(*canary_app(rollout=UNANALYSED)),
        offending=(UNANALYSED["urn"],),
        good=lambda: graph(*canary_app()),
        label="no-analysis",
    ),
    Case(
        "IK-DEP-2-CANARY-ANALYSIS",
        bad=lambda: graph(*canary_app(analysis=NO_LIMIT)),
        offending=(UNANALYSED["urn"],),  # the Rollout named web
        good=lambda: graph(*canary_app()),
        label="metric-without-failure-limit",
    ),
    Case(
        "IK-DEP-2-CANARY-ANALYSIS",
        bad=lambda: graph(*canary_app(analysis=DRY_RUN)),
        offending=(UNANALYSED["urn"],),  # the Rollout named web
        good=lambda: graph(*canary_app()),
        label="dry-run-never-aborts",
    ),
    Case(
        "IK-DEP-2-CANARY-ANALYSIS",
        bad=lambda: graph(*canary_app(rollout=STALLS)),
        offending=(STALLS["urn"],),
        good=lambda: graph(*canary_app()),
        label="stalled-canary-never-aborts",
    ),
    Case(
        "IK-DEP-2-CANARY-ANALYSIS",
        bad=lambda: graph(*canary_app(rollout=ROLLOUT_OF_ELSEWHERE)),
        offending=(ROLLOUT_OF_ELSEWHERE["urn"],),
        good=lambda: graph(*canary_app()),
        label="template-not-in-the-stack",
    ),
    Case(
        "IK-SEC-4-IMAGE-DIGEST",
        bad=lambda: graph(*canary_app(rollout=ROLLOUT_TAGGED)),
        offending=(ROLLOUT_TAGGED["urn"],),
        good=lambda: graph(*canary_app()),
        label="rollout-tag-only-in-prod",
    ),
    Case(
        "IK-K8S-1-RESOURCES",
        bad=lambda: graph(*canary_app(rollout=ROLLOUT_NO_CPU_LIMIT)),
        offending=(ROLLOUT_NO_CPU_LIMIT["urn"],),
        good=lambda: graph(*canary_app()),
        label="rollout-without-cpu-limit",
    ),
    Case(
        "IK-K8S-3-PDB",
        bad=lambda: graph(*canary_app(rollout=ROLLOUT_FIXED, hpa=None, pdb=None)),
        offending=(ROLLOUT_FIXED["urn"],),
        good=lambda: graph(*canary_app(rollout=ROLLOUT_FIXED, hpa=None)),
        label="rollout",
    ),
    Case(
        "IK-K8S-3-HPA",
        bad=lambda: graph(*canary_app(rollout=ROLLOUT_FIXED, hpa=None)),
        offending=(ROLLOUT_FIXED["urn"],),
        good=lambda: graph(*canary_app()),
        label="rollout",
    ),
    Case(
        "IK-SCALE-1-HPA-OWNS-REPLICAS",
        bad=lambda: graph(*canary_app(rollout=ROLLOUT_FIXED)),
        offending=(ROLLOUT_FIXED["urn"],),
        good=lambda: graph(*canary_app()),
        label="rollout",
    ),
    Case(
        "IK-HA-1-ZONE-SPREAD",
        bad=lambda: graph(*canary_app(rollout=ROLLOUT_NO_SPREAD)),
        offending=(ROLLOUT_NO_SPREAD["urn"],),
        good=lambda: graph(*canary_app()),
        label="rollout",
    ),
]
