"""A web service's canary as Argo Rollouts objects: its AnalysisTemplate and its Rollout (DEP-1,
DEP-2, K8S-4).

Called by :class:`~infra_kit.k8s.WebService` where :func:`~infra_kit.k8s._canary.plan_canary`
returned a plan. The Rollout replaces the Deployment: same pod template, labels and selector
(so the Service, the PodDisruptionBudget and the NetworkPolicy select its pods unchanged), no
``replicas`` (the HPA scales the Rollout), canary steps with background analysis, and
``progressDeadlineAbort`` so that a rollout that stops progressing rolls back.

``pulumi up`` waits for the Rollout's ``Available`` condition (``pulumi.com/waitFor``), at most one
progress deadline: true once as many pods are available as the Rollout wants, counting the
stable version's. So the first deploy of a Rollout, and the one-time switch of a service from a
Deployment, wait for a new pod before Pulumi deletes the old Deployment (the Rollout starts
with one pod until the HPA raises it: the runbook asks for that switch at a quiet hour), while
an update returns as soon as the controller takes it: the canary's steps then run for minutes,
and the deploy pipeline's verify step waits for them (phase ``Healthy``) and fails at once on an
abort.

Both kinds are the custom resources of the Argo Rollouts controller, which the cluster-services
stack installs with its CRDs: that stack must be deployed to the cluster first, or the
Kubernetes API refuses both objects (``no matches for kind "Rollout"``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from infra_kit.core.component import Component
from infra_kit.k8s._canary import ROLLOUTS_API, CanaryPlan, analysis_spec, rollout_strategy

__all__ = ["WAIT_FOR_AVAILABLE", "analysis_template_name", "canary_rollout"]

#: Pulumi's await on a Rollout: enough pods available, whichever version serves them.
WAIT_FOR_AVAILABLE = {"pulumi.com/waitFor": "condition=Available"}


def analysis_template_name(service: str) -> str:
    """The AnalysisTemplate of ``service``'s canary."""
    return f"{service}-canary"


def canary_rollout(
    owner: Component,
    plan: CanaryPlan,
    *,
    opts: Callable[..., pulumi.ResourceOptions],
    load_balancer: pulumi.Input[str],
    meta: Callable[..., k8s.meta.v1.ObjectMetaArgs],
    selector: Mapping[str, str],
    annotations: Mapping[str, pulumi.Input[str]],
    template: k8s.core.v1.PodTemplateSpecArgs,
    progress_deadline_seconds: int,
) -> k8s.apiextensions.CustomResource:
    """``AnalysisTemplate`` ``<name>-analysis`` and ``Rollout`` ``<name>-rollout``; returns the
    Rollout, which waits for the template: the controller marks a Rollout whose template does
    not exist as invalid."""
    name = owner.component_name
    template_name = analysis_template_name(name)
    analysis = k8s.apiextensions.CustomResource(
        owner.child("analysis"),
        api_version=ROLLOUTS_API,
        kind="AnalysisTemplate",
        metadata=meta(template_name),
        spec=analysis_spec(plan, load_balancer),
        opts=opts(),
    )
    spec: dict[str, Any] = {
        # No replicas: the HPA owns them.
        "selector": {"matchLabels": dict(selector)},
        "template": template,
        "revisionHistoryLimit": 5,
        # prescription: K8S-4 -- a rollout that stops progressing aborts, back to stable.
        "progressDeadlineSeconds": progress_deadline_seconds,
        "progressDeadlineAbort": True,
        "strategy": rollout_strategy(plan, template_name),
    }
    return k8s.apiextensions.CustomResource(
        owner.child("rollout"),
        api_version=ROLLOUTS_API,
        kind="Rollout",
        metadata=meta(
            annotations={
                **annotations,
                **WAIT_FOR_AVAILABLE,
                "pulumi.com/timeoutSeconds": str(progress_deadline_seconds),
            }
        ),
        spec=spec,
        opts=opts(analysis),
    )
