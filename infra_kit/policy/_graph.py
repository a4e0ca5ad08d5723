"""A read-only view of a graph document (the graph.json contract) for the rules.

Rules never see the Pulumi runtime: ``infra-kit check`` builds this view from a synthesized graph
or a graph.json file, and the policy pack builds it from the resources ``pulumi preview`` hands
it. Everything here is pure Python over plain JSON values.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from infra_kit.core._manifests import kubernetes_objects
from infra_kit.core._records import ENVIRONMENT_TYPE, SUPPRESSION_TYPE
from infra_kit.core.tags import decode_default_tags

__all__ = [
    "ENVIRONMENT_TYPE",
    "SUPPRESSION_TYPE",
    "EnvironmentFacts",
    "GraphDoc",
    "SuppressionRecord",
]


@dataclass(frozen=True)
class EnvironmentFacts:
    """What the stack's environment profile promises, as rules need it."""

    name: str
    protect_stateful: bool
    require_image_digest: bool
    kubernetes_version: str
    profile: Mapping[str, Any] = field(default_factory=dict)
    #: ``"profile"`` when read from the graph's Environment record, ``"builtin"`` when inferred
    #: from the stack name because the program registered none.
    source: str = "profile"

    @classmethod
    def from_profile(cls, profile: Mapping[str, Any], source: str = "profile") -> EnvironmentFacts:
        return cls(
            name=str(profile.get("name", "")),
            protect_stateful=bool(profile.get("protect_stateful", True)),
            require_image_digest=bool(
                (profile.get("workloads") or {}).get("require_image_digest", True)
            ),
            kubernetes_version=str((profile.get("cluster") or {}).get("kubernetes_version", "")),
            profile=profile,
            source=source,
        )


@dataclass(frozen=True)
class SuppressionRecord:
    """An accepted finding: ``rule`` on the resource ``target`` and everything below it.

    ``names``, when not empty, limits it to the target's descendants with those logical names.
    """

    urn: str
    target: str
    rule: str
    reason: str
    names: tuple[str, ...] = ()
    source: tuple[str, ...] = ()


def _as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


class GraphDoc:
    """The graph document: resources by URN, the environment's facts and the suppressions."""

    def __init__(self, doc: Mapping[str, Any]) -> None:
        if not isinstance(doc, Mapping):
            raise ValueError(f"a graph document is a JSON object, not a {type(doc).__name__}")
        resources = doc.get("resources") or []
        if not isinstance(resources, list) or not all(
            isinstance(r, dict) and isinstance(r.get("urn"), str) and isinstance(r.get("type"), str)
            for r in resources
        ):
            raise ValueError("'resources' must be a list of records, each with a urn and a type")
        self.doc = doc
        self.project: str = str(doc.get("project", ""))
        self.stack: str = str(doc.get("stack", ""))
        self.resources: list[dict[str, Any]] = list(resources)
        self.outputs: dict[str, Any] = _as_dict(doc.get("outputs"))
        self.diagnostics: list[dict[str, Any]] = list(doc.get("diagnostics") or [])
        self._by_urn = {r["urn"]: r for r in self.resources}
        self._children: dict[str, list[dict[str, Any]]] = {}
        for r in self.resources:
            if r.get("parent"):
                self._children.setdefault(r["parent"], []).append(r)

    @classmethod
    def load(cls, path: Path) -> GraphDoc:
        """Read a graph.json; ValueError (with the reason) if it is not one."""
        return cls(json.loads(path.read_text(encoding="utf-8")))

    # -- resources ------------------------------------------------------------------------------
    @property
    def stack_urn(self) -> str:
        """The root stack's URN, where findings about the whole stack are placed."""
        for record in self.resources:
            if record["type"] == "pulumi:pulumi:Stack":
                return str(record["urn"])
        return (
            f"urn:pulumi:{self.stack}::{self.project}::pulumi:pulumi:Stack::"
            f"{self.project}-{self.stack}"
        )

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.resources)

    def get(self, urn: str | None) -> dict[str, Any] | None:
        return self._by_urn.get(urn) if urn else None

    def of_type(self, *types: str) -> list[dict[str, Any]]:
        wanted = set(types)
        return [r for r in self.resources if r["type"] in wanted]

    def custom(self, prefix: str = "") -> list[dict[str, Any]]:
        """Custom resources, optionally only those whose type starts with ``prefix``."""
        return [r for r in self.resources if r.get("custom") and r["type"].startswith(prefix)]

    def children(self, urn: str) -> list[dict[str, Any]]:
        return list(self._children.get(urn, []))

    def descendants(self, urn: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        stack = list(reversed(self._children.get(urn, [])))
        while stack:
            node = stack.pop()
            out.append(node)
            stack.extend(reversed(self._children.get(node["urn"], [])))
        return out

    def ancestors(self, urn: str) -> list[str]:
        """URNs of the resource's parents, nearest first."""
        chain = []
        node = self._by_urn.get(urn)
        while node is not None and node.get("parent"):
            chain.append(node["parent"])
            node = self._by_urn.get(node["parent"])
        return chain

    @staticmethod
    def inputs(resource: Mapping[str, Any]) -> dict[str, Any]:
        return _as_dict(resource.get("inputs"))

    def provider_default_tags(self, provider_urn: str | None) -> dict[str, str]:
        provider = self.get(provider_urn)
        if provider is None:
            return {}
        return decode_default_tags(self.inputs(provider).get("defaultTags"))

    def effective_tags(self, resource: Mapping[str, Any]) -> dict[str, str]:
        """Tags AWS ends up with: the provider's default tags, overlaid by the resource's own."""
        own = _as_dict(self.inputs(resource).get("tags"))
        return {**self.provider_default_tags(resource.get("provider")), **own}

    # -- Kubernetes -----------------------------------------------------------------------------
    @cached_property
    def kubernetes(self) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """``(record, object)`` for every Kubernetes object the graph sends to a cluster."""
        pairs = kubernetes_objects((r, self.inputs(r)) for r in self.resources)
        return [(dict(record), obj) for record, obj in pairs]

    def kubernetes_of_kind(self, *kinds: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        wanted = set(kinds)
        return [(r, o) for r, o in self.kubernetes if o.get("kind") in wanted]

    # -- what the program told the rules --------------------------------------------------------
    @cached_property
    def environment(self) -> EnvironmentFacts:
        """The environment's facts from its Environment record, else the built-in profile of the
        stack's name (a hand-written program may register no Environment)."""
        for record in self.of_type(ENVIRONMENT_TYPE):
            profile = _as_dict(_as_dict(record.get("outputs")).get("profile"))
            if profile:
                return EnvironmentFacts.from_profile(profile)
        from infra_kit.core.profile import BUILTIN_PROFILES

        name = self.stack if self.stack in BUILTIN_PROFILES else "prod"
        return EnvironmentFacts.from_profile(BUILTIN_PROFILES[name], source="builtin")

    @cached_property
    def suppressions(self) -> list[SuppressionRecord]:
        found = []
        for record in self.of_type(SUPPRESSION_TYPE):
            outputs = _as_dict(record.get("outputs"))
            names = outputs.get("resources") or []
            found.append(
                SuppressionRecord(
                    urn=record["urn"],
                    target=str(record.get("parent") or ""),
                    rule=str(outputs.get("rule", "")),
                    reason=str(outputs.get("reason", "")),
                    names=tuple(str(n) for n in names) if isinstance(names, Sequence) else (),
                    source=tuple(record.get("source") or ()),
                )
            )
        return found

    def diagnostics_of(self, code: str) -> list[dict[str, Any]]:
        return [d for d in self.diagnostics if d.get("code") == code]
