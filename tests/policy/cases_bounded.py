"""Bad and good graphs for bounded containers, pull policies, distinct probes and readiness gates
(K8S-1, K8S-4, SEC-4); see tests/policy/cases.py.

Each bad graph changes one thing in the passing namespace of :mod:`tests.policy.cases_k8s`.
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
    deployment,
    graph,
    namespace,
    pod_spec,
)
from tests.policy.graphs import k8s

TAGGED_IMAGE = "registry.example/app:1.0"
GATE = {"elbv2.k8s.aws/pod-readiness-gate-inject": "enabled"}


def _with_containers(*containers: dict[str, Any], init: dict[str, Any] | None = None) -> dict:
    fields: dict[str, Any] = {"containers": list(containers)}
    if init is not None:
        fields["initContainers"] = [init]
    return deployment(pod=pod_spec(**fields))


# -- pull policy -------------------------------------------------------------------------------
TAG_IF_NOT_PRESENT = _with_containers(container(image=TAGGED_IMAGE, imagePullPolicy="IfNotPresent"))
TAG_ALWAYS = _with_containers(container(image=TAGGED_IMAGE, imagePullPolicy="Always"))
#: The field left out: Kubernetes uses IfNotPresent for a tag other than ``latest``.
TAG_UNSET_INIT = _with_containers(
    container(imagePullPolicy="IfNotPresent"), init=container("migrate", image=TAGGED_IMAGE)
)
TAG_ALWAYS_INIT = _with_containers(
    container(imagePullPolicy="IfNotPresent"),
    init=container("migrate", image=TAGGED_IMAGE, imagePullPolicy="Always"),
)

# -- probes: liveness and readiness the same check, one spelling its defaults out -------------
_READINESS = {"httpGet": {"path": "/readyz", "port": 8080}, "periodSeconds": 5}
SAME_LIVENESS = _with_containers(
    container(
        readinessProbe=copy.deepcopy(_READINESS),
        livenessProbe={**copy.deepcopy(_READINESS), "failureThreshold": 3, "timeoutSeconds": 1},
    )
)

# -- requests and limits: an init container without a CPU limit ------------------------------
_NO_CPU_LIMIT = {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"memory": "64Mi"}}
INIT_WITHOUT_CPU_LIMIT = _with_containers(
    container(), init=container("migrate", resources=_NO_CPU_LIMIT)
)


# -- readiness gates ---------------------------------------------------------------------------
def alb_ingress(target_type: str = "ip", ns: str = NAMESPACE, name: str = "web") -> dict[str, Any]:
    """An ALB Ingress; ``name`` is its logical name too, which is unique in a stack."""
    spec = {
        "ingressClassName": "alb",
        "rules": [
            {
                "http": {
                    "paths": [
                        {
                            "path": "/",
                            "pathType": "Prefix",
                            "backend": {"service": {"name": "web", "port": {"name": "http"}}},
                        }
                    ]
                }
            }
        ],
    }
    annotations = {
        "alb.ingress.kubernetes.io/target-type": target_type,
        "alb.ingress.kubernetes.io/scheme": "internal",
    }
    return k8s("Ingress", name, spec, namespace=ns, metadata={"annotations": annotations})


def gated_namespace(name: str = NAMESPACE) -> dict[str, Any]:
    record = namespace(name)
    record["inputs"]["metadata"]["labels"] = {**LABELS, **GATE}
    return record


UNGATED = namespace()

CASES: list[Case] = [
    Case(
        "IK-SEC-4-PULL-POLICY",
        bad=lambda: graph(*app(deployment=TAG_IF_NOT_PRESENT), stack="dev"),
        offending=(TAG_IF_NOT_PRESENT["urn"],),
        good=lambda: graph(*app(deployment=TAG_ALWAYS), stack="dev"),
        label="tag-if-not-present",
    ),
    Case(
        "IK-SEC-4-PULL-POLICY",
        bad=lambda: graph(*app(deployment=TAG_UNSET_INIT), stack="dev"),
        offending=(TAG_UNSET_INIT["urn"],),
        # The app container keeps IfNotPresent: its image is pinned by digest.
        good=lambda: graph(*app(deployment=TAG_ALWAYS_INIT), stack="dev"),
        label="init-container-tag-unset",
    ),
    Case(
        "IK-K8S-1-PROBES",
        bad=lambda: graph(*app(deployment=SAME_LIVENESS)),
        offending=(SAME_LIVENESS["urn"],),
        good=lambda: graph(*app()),
        label="liveness-equals-readiness",
    ),
    Case(
        "IK-K8S-1-RESOURCES",
        bad=lambda: graph(*app(deployment=INIT_WITHOUT_CPU_LIMIT)),
        offending=(INIT_WITHOUT_CPU_LIMIT["urn"],),
        good=lambda: graph(*app()),
        label="init-container-without-cpu-limit",
    ),
    Case(
        "IK-K8S-4-READINESS-GATES",
        bad=lambda: graph(*app(namespace=UNGATED), alb_ingress()),
        offending=(UNGATED["urn"],),
        good=lambda: graph(*app(namespace=gated_namespace()), alb_ingress()),
        label="ip-targets-without-the-label",
    ),
    Case(
        "IK-K8S-4-READINESS-GATES",
        bad=lambda: graph(
            *app(namespace=UNGATED), alb_ingress(), alb_ingress("ip", "batch", "batch-web")
        ),
        offending=(UNGATED["urn"],),
        # Instance targets are nodes, which readiness gates do not cover.
        good=lambda: graph(*app(namespace=UNGATED), alb_ingress("instance")),
        label="instance-targets-need-no-label",
    ),
]
