"""Building small graph documents (the graph.json contract) for rule tests.

``doc(resource(...), k8s(...), stack="prod")`` gives a :class:`GraphDoc` with an Environment record
for the stack's built-in profile, so rules see the same facts a real program records.
"""

from __future__ import annotations

import json
from typing import Any

from infra_kit.core.profile import BUILTIN_PROFILES
from infra_kit.policy import GraphDoc
from infra_kit.policy._graph import ENVIRONMENT_TYPE, SUPPRESSION_TYPE

PROJECT = "p"
PROVIDER_URN = "urn:pulumi:{stack}::p::pulumi:providers:aws::aws"
REQUIRED_TAGS = {
    "environment": "prod",
    "team": "t",
    "service": "s",
    "cost-center": "cc-1",
    "managed-by": "pulumi",
    "stack": "p/prod",
    "repository": "r",
}


def urn(type_: str, name: str, *, stack: str = "prod", parent_types: tuple[str, ...] = ()) -> str:
    chain = "$".join([*parent_types, type_])
    return f"urn:pulumi:{stack}::{PROJECT}::{chain}::{name}"


def resource(
    type_: str,
    name: str,
    inputs: dict[str, Any] | None = None,
    *,
    stack: str = "prod",
    protect: bool = False,
    retain_on_delete: bool | None = None,
    parent: str | None = None,
    provider: str | None = "default",
    custom: bool = True,
    outputs: dict[str, Any] | None = None,
    urn_: str | None = None,
) -> dict[str, Any]:
    """A resource record. ``provider="default"`` points at the tagged AWS provider of ``doc``
    for ``aws:`` types; pass ``None`` for none."""
    if provider == "default":
        provider = PROVIDER_URN.format(stack=stack) if type_.startswith("aws:") else None
    return {
        "urn": urn_ or urn(type_, name, stack=stack),
        "type": type_,
        "name": name,
        "parent": parent,
        "custom": custom,
        "inputs": inputs or {},
        "outputs": outputs or {},
        "dependencies": [],
        "provider": provider,
        "protect": protect,
        "retain_on_delete": protect if retain_on_delete is None else retain_on_delete,
        "additional_secret_outputs": [],
        "secret_paths": [],
        "aliases": [],
        "source": [],
    }


def k8s(
    kind: str,
    name: str,
    spec: dict[str, Any] | None = None,
    *,
    namespace: str | None = "apps",
    api_version: str | None = None,
    metadata: dict[str, Any] | None = None,
    stack: str = "prod",
    **fields: Any,
) -> dict[str, Any]:
    """A Kubernetes object's resource record, e.g. ``k8s("Deployment", "web", spec)``."""
    versions = {
        "Deployment": "apps/v1", "DaemonSet": "apps/v1", "StatefulSet": "apps/v1",
        "ReplicaSet": "apps/v1", "Job": "batch/v1", "CronJob": "batch/v1",
        "HorizontalPodAutoscaler": "autoscaling/v2", "PodDisruptionBudget": "policy/v1",
        "NetworkPolicy": "networking.k8s.io/v1", "Ingress": "networking.k8s.io/v1",
        "StorageClass": "storage.k8s.io/v1",
    }  # fmt: skip
    version = api_version or versions.get(kind, "v1")
    group = version.split("/")[0] if "/" in version else "core"
    meta = {"name": name, **({"namespace": namespace} if namespace else {}), **(metadata or {})}
    inputs: dict[str, Any] = {"apiVersion": version, "kind": kind, "metadata": meta, **fields}
    if spec is not None:
        inputs["spec"] = spec
    type_ = f"kubernetes:{group}/{version.split('/')[-1]}:{kind}"
    return resource(type_, name, inputs, stack=stack, provider=None)


def environment(stack: str = "prod", **overrides: Any) -> dict[str, Any]:
    """The Environment record of ``stack``'s built-in profile, with top-level ``overrides``."""
    name = stack if stack in BUILTIN_PROFILES else "prod"
    profile = json.loads(json.dumps(BUILTIN_PROFILES[name]))
    profile.update(overrides)
    return resource(
        ENVIRONMENT_TYPE, "aws", stack=stack, custom=False, provider=None,
        outputs={"profile": profile},
    )  # fmt: skip


def provider(stack: str = "prod", tags: dict[str, str] | None = None) -> dict[str, Any]:
    default_tags = {**REQUIRED_TAGS, "environment": stack, "stack": f"p/{stack}", **(tags or {})}
    return resource(
        "pulumi:providers:aws", "aws", {"defaultTags": json.dumps({"tags": default_tags})},
        stack=stack, provider=None, urn_=PROVIDER_URN.format(stack=stack),
    )  # fmt: skip


def suppression(
    target: str, rule_id: str, reason: str, *, names: tuple[str, ...] = (), stack: str = "prod"
) -> dict[str, Any]:
    return resource(
        SUPPRESSION_TYPE, f"s-{rule_id.lower()}-{abs(hash(target)) % 10_000}", stack=stack,
        custom=False, provider=None, parent=target,
        outputs={"rule": rule_id, "reason": reason, "resources": list(names)},
    )  # fmt: skip


def doc(
    *resources: dict[str, Any], stack: str = "prod", with_env: bool = True, **top: Any
) -> GraphDoc:
    """A graph document holding ``resources``, the tagged provider and the Environment record."""
    base = [provider(stack)] + ([environment(stack)] if with_env else [])
    return GraphDoc(
        {"project": PROJECT, "stack": stack, "resources": base + list(resources), "outputs": {},
         "diagnostics": [], **top}
    )  # fmt: skip


def rule_ids(graph: GraphDoc, rule_id: str) -> list[str]:
    """URNs the rule ``rule_id`` fires on in ``graph``."""
    from infra_kit.policy import RULES, rules_for

    rules_for()
    return sorted(h.urn for h in RULES[rule_id].run(graph))
