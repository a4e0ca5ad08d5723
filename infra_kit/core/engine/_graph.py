"""The synthesized resource graph: the offline engine's output contract, and queries over it.

Contract of ``graph.json`` (stable; checks and later tools depend on it)::

    {"project": str, "stack": str,
     "resources": [{"urn", "type", "name", "parent", "custom", "inputs", "dependencies",
                    "provider", "protect", "retain_on_delete", "additional_secret_outputs",
                    "secret_paths"}],
     "outputs": {...}}

Resources are sorted by URN. Every value at a path listed in ``secret_paths`` (and every secret
stack output) is written as ``"[secret]"``. Integral numbers are integers.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from infra_kit.core.engine._values import redact

__all__ = ["Graph"]

_K8S_SKIP_PREFIXES = ("kubernetes:helm.sh/", "kubernetes:yaml")


@dataclass
class Graph:
    """Resources a program registered, with its stack outputs. Values are in clear in memory."""

    project: str
    stack: str
    resources: list[dict[str, Any]]
    outputs: dict[str, Any]
    output_secret_paths: list[str] = field(default_factory=list)

    # -- the contract ---------------------------------------------------------------------------
    def to_contract(self) -> dict[str, Any]:
        """The graph.json document, with every secret redacted."""
        return {
            "project": self.project,
            "stack": self.stack,
            "resources": [
                {**r, "inputs": redact(r["inputs"], r["secret_paths"])} for r in self.resources
            ],
            "outputs": redact(self.outputs, self.output_secret_paths),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_contract(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    def kubernetes_objects(self) -> list[dict[str, Any]]:
        """Every Kubernetes object as the API server would receive it, secrets redacted."""
        objects = []
        for r in self.resources:
            if not r["custom"] or not r["type"].startswith("kubernetes:"):
                continue
            if r["type"].startswith(_K8S_SKIP_PREFIXES):
                continue
            inputs = redact(r["inputs"], r["secret_paths"])
            if "kind" not in inputs or "apiVersion" not in inputs:
                continue
            ordered = {
                "apiVersion": inputs["apiVersion"],
                "kind": inputs["kind"],
                "metadata": inputs.get("metadata", {}),
            }
            ordered.update({k: v for k, v in sorted(inputs.items()) if k not in ordered})
            objects.append(ordered)
        objects.sort(
            key=lambda o: (
                o["kind"],
                o["metadata"].get("namespace", ""),
                o["metadata"].get("name", ""),
            )
        )
        return objects

    def write(self, out: Path) -> list[Path]:
        """Write ``graph.json`` and ``k8s/*.yaml`` under ``out``; return the files written."""
        out.mkdir(parents=True, exist_ok=True)
        written = [out / "graph.json"]
        written[0].write_text(self.to_json(), encoding="utf-8")
        k8s = out / "k8s"
        if k8s.exists():
            for old in k8s.glob("*.yaml"):
                old.unlink()
        objects = self.kubernetes_objects()
        if objects:
            k8s.mkdir(exist_ok=True)
        for obj in objects:
            meta = obj["metadata"]
            stem = "-".join(
                p for p in (obj["kind"].lower(), meta.get("namespace"), meta.get("name")) if p
            )
            path = k8s / f"{stem}.yaml"
            path.write_text(
                yaml.safe_dump(obj, sort_keys=False, default_flow_style=False), encoding="utf-8"
            )
            written.append(path)
        return written

    # -- queries --------------------------------------------------------------------------------
    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.resources)

    def of_type(self, *types: str) -> list[dict[str, Any]]:
        return [r for r in self.resources if r["type"] in types]

    def by_urn(self, urn: str) -> dict[str, Any]:
        for r in self.resources:
            if r["urn"] == urn:
                return r
        raise KeyError(urn)

    def named(self, name: str, type_: str | None = None) -> dict[str, Any]:
        """The one resource with logical ``name`` (and ``type_``); KeyError if none or several."""
        found = [
            r for r in self.resources if r["name"] == name and (type_ is None or r["type"] == type_)
        ]
        if len(found) != 1:
            raise KeyError(f"{len(found)} resources named {name!r} of type {type_!r}")
        return found[0]

    def children(self, urn: str) -> list[dict[str, Any]]:
        return [r for r in self.resources if r["parent"] == urn]

    def descendants(self, urn: str) -> list[dict[str, Any]]:
        out = []
        for child in self.children(urn):
            out.append(child)
            out.extend(self.descendants(child["urn"]))
        return out

    def provider_default_tags(self, provider_urn: str | None) -> dict[str, str]:
        """The ``default_tags`` a provider applies, decoded from its JSON-encoded input."""
        if provider_urn is None:
            return {}
        raw = self.by_urn(provider_urn)["inputs"].get("defaultTags")
        if not raw:
            return {}
        data = json.loads(raw) if isinstance(raw, str) else raw
        return dict(data.get("tags") or {})

    def effective_tags(self, resource: dict[str, Any]) -> dict[str, str]:
        """Tags AWS ends up with: the provider's default tags, overlaid by the resource's own."""
        own = resource["inputs"].get("tags") or {}
        return {**self.provider_default_tags(resource["provider"]), **own}

    def summary(self) -> str:
        """A readable resource tree by component, and counts by type."""
        lines = [f"{self.project}/{self.stack}: {len(self.resources)} resources"]
        roots = [r for r in self.resources if r["parent"] is None]

        def walk(node: dict[str, Any], depth: int) -> None:
            kids = self.children(node["urn"])
            components = [k for k in kids if not k["custom"]]
            customs = [k for k in kids if k["custom"]]
            label = node["type"] if node["custom"] else f"{node['type']} {node['name']}"
            suffix = f"  ({len(customs)} resources)" if customs else ""
            lines.append(f"{'  ' * depth}{label}{suffix}")
            for child in sorted(components, key=lambda k: k["urn"]):
                walk(child, depth + 1)

        for root in roots:
            walk(root, 1)
        counts = Counter(r["type"] for r in self.resources if r["custom"])
        lines.append("resources by type:")
        width = max((len(t) for t in counts), default=0)
        for typ, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            lines.append(f"  {typ:<{width}}  {n}")
        return "\n".join(lines)
