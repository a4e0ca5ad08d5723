"""Small hand-written graph documents for the cost model's tests."""

from __future__ import annotations

from typing import Any

from infra_kit.core.profile import BUILTIN_PROFILES
from infra_kit.policy._graph import ENVIRONMENT_TYPE, GraphDoc

PROJECT = "shop"


def urn(stack: str, kind: str, name: str, parent_type: str = "") -> str:
    qualified = f"{parent_type}${kind}" if parent_type else kind
    return f"urn:pulumi:{stack}::{PROJECT}::{qualified}::{name}"


def resource(
    kind: str,
    name: str,
    inputs: dict[str, Any] | None = None,
    *,
    stack: str = "prod",
    parent: str | None = None,
    dependencies: tuple[str, ...] = (),
) -> dict[str, Any]:
    return {
        "urn": urn(stack, kind, name),
        "type": kind,
        "name": name,
        "custom": not kind.startswith("infra-kit:"),
        "inputs": inputs or {},
        "outputs": {},
        "parent": parent,
        "dependencies": list(dependencies),
    }


def environment(stack: str = "prod", **usage: Any) -> dict[str, Any]:
    """The Environment record of ``stack`` with the built-in profile, ``usage`` overridden."""
    profile = {**BUILTIN_PROFILES[stack]}
    profile["usage"] = {**profile["usage"], **usage}
    return {
        "urn": urn(stack, ENVIRONMENT_TYPE, "environment"),
        "type": ENVIRONMENT_TYPE,
        "name": "environment",
        "custom": False,
        "inputs": {},
        "outputs": {"profile": profile},
    }


def graph(*resources: dict[str, Any], stack: str = "prod", **usage: Any) -> GraphDoc:
    return GraphDoc(
        {
            "project": PROJECT,
            "stack": stack,
            "resources": [environment(stack, **usage), *resources],
        }
    )
