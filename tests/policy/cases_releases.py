"""Bad and good graphs for the rules over Helm releases' values (HA-1, K8S-3, SEC-4, K8S-1); see
tests/policy/cases.py.

:func:`controller` builds the values of a chart with a controller at the top level and a
webhook part, hardened as the platform's are: sized, zone-spread, with budgets, pinned by
digest. Each bad graph changes one thing in it.
"""

from __future__ import annotations

import copy
from typing import Any

from infra_kit.policy import GraphDoc
from tests.policy.cases import Case
from tests.policy.graphs import doc, k8s, resource

HELM_RELEASE = "kubernetes:helm.sh/v3:Release"
DIGEST = "sha256:" + "cd" * 32
SIZES = {
    "requests": {"cpu": "50m", "memory": "64Mi"},
    "limits": {"cpu": "200m", "memory": "128Mi"},
}


def spread(component: str) -> list[dict[str, Any]]:
    selector = {"matchLabels": {"app.kubernetes.io/instance": "ctl", "component": component}}
    return [
        {
            "maxSkew": 1,
            "topologyKey": "topology.kubernetes.io/zone",
            "whenUnsatisfiable": "DoNotSchedule",
            "labelSelector": selector,
        }
    ]


def part(component: str) -> dict[str, Any]:
    return {
        "replicaCount": 2,
        "image": {"tag": "v1.0.0", "digest": DIGEST},
        "resources": copy.deepcopy(SIZES),
        "topologySpreadConstraints": spread(component),
        "podDisruptionBudget": {"enabled": True, "maxUnavailable": 1},
    }


def controller(**change: Any) -> dict[str, Any]:
    """Values that pass every release rule; ``change`` replaces (``None``: drops) top-level keys,
    ``webhook__<key>`` the webhook part's."""
    values = {**part("controller"), "webhook": part("webhook"), "crds": {"enabled": True}}
    for name, value in change.items():
        webhook = name.startswith("webhook__")
        target, key = (values["webhook"], name[9:]) if webhook else (values, name)
        if value is None:
            target.pop(key, None)
        else:
            target[key] = value
    return values


def release(values: dict[str, Any], name: str = "ctl") -> dict[str, Any]:
    inputs = {
        "name": name,
        "chart": name,
        "namespace": "kube-system",
        "values": values,
        "version": "1.0.0",
    }
    return resource(HELM_RELEASE, name, inputs, provider=None)


def graph(*resources: dict[str, Any]) -> GraphDoc:
    return doc(*resources)


def budget(release_name: str, **spec: Any) -> dict[str, Any]:
    selector = {"matchLabels": {"app.kubernetes.io/instance": release_name}}
    return k8s(
        "PodDisruptionBudget", f"{release_name}-pdb", {"selector": selector, **spec},
        namespace="kube-system",
    )  # fmt: skip


UNSPREAD_WEBHOOK = release(controller(webhook__topologySpreadConstraints=None))
PREFERRED_ONLY = release(
    controller(
        topologySpreadConstraints=[
            {**spread("controller")[0], "whenUnsatisfiable": "ScheduleAnyway"}
        ]
    )
)
NO_BUDGET = release(controller(podDisruptionBudget=None))
BLOCKING_BUDGET = release(
    controller(webhook__podDisruptionBudget={"enabled": True, "minAvailable": 2})
)
#: One replica left to the chart (it has no replicas value), like ExternalDNS's.
SINGLE = {"image": {"tag": "v0.1.0", "digest": DIGEST}, "resources": copy.deepcopy(SIZES),
          "topologySpreadConstraints": spread("controller")}  # fmt: skip
SINGLE_WITHOUT_BUDGET = release(SINGLE, "single")
TAG_ONLY = release(controller(image={"tag": "v1.0.0", "pullPolicy": "IfNotPresent"}))
UNSIZED_WEBHOOK = release(controller(webhook__resources=None))

CASES: list[Case] = [
    Case(
        "IK-HA-1-RELEASE-SPREAD",
        bad=lambda: graph(UNSPREAD_WEBHOOK),
        offending=(UNSPREAD_WEBHOOK["urn"],),
        good=lambda: graph(release(controller())),
        label="webhook-without-spread",
    ),
    Case(
        "IK-HA-1-RELEASE-SPREAD",
        bad=lambda: graph(PREFERRED_ONLY),
        offending=(PREFERRED_ONLY["urn"],),
        good=lambda: graph(release(controller())),
        label="zone-spread-only-preferred",
    ),
    Case(
        "IK-K8S-3-RELEASE-PDB",
        bad=lambda: graph(NO_BUDGET),
        offending=(NO_BUDGET["urn"],),
        good=lambda: graph(release(controller())),
        label="replicated-controller-without-budget",
    ),
    Case(
        "IK-K8S-3-RELEASE-PDB",
        bad=lambda: graph(BLOCKING_BUDGET),
        offending=(BLOCKING_BUDGET["urn"],),
        good=lambda: graph(
            release(controller(webhook__podDisruptionBudget={"enabled": True, "minAvailable": 1}))
        ),
        label="budget-blocks-drains",
    ),
    Case(
        "IK-K8S-3-RELEASE-PDB",
        bad=lambda: graph(SINGLE_WITHOUT_BUDGET),
        offending=(SINGLE_WITHOUT_BUDGET["urn"],),
        good=lambda: graph(SINGLE_WITHOUT_BUDGET, budget("single", maxUnavailable=1)),
        label="budget-created-beside-the-release",
    ),
    Case(
        "IK-SEC-4-RELEASE-PULL-POLICY",
        bad=lambda: graph(TAG_ONLY),
        offending=(TAG_ONLY["urn"],),
        good=lambda: graph(release(controller(image={"tag": "v1.0.0", "pullPolicy": "Always"}))),
        label="tag-only-if-not-present",
    ),
    Case(
        "IK-K8S-1-RESOURCES",
        bad=lambda: graph(UNSIZED_WEBHOOK),
        offending=(UNSIZED_WEBHOOK["urn"],),
        good=lambda: graph(release(controller())),
        label="helm-part-without-resources",
    ),
]
