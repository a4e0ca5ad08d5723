"""Kubernetes objects as the API server would receive them, read from resource records.

Pure logic over the graph contract's resource records: the offline engine uses it to write
``k8s/*.yaml``, and ``infra-kit check`` and the policy pack use it to check manifests. It never
touches the Pulumi runtime.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["kubernetes_object", "kubernetes_objects", "manifest_stem"]

# Helm releases and YAML bundles are registrations of other objects, not objects themselves.
_SKIP_PREFIXES = ("kubernetes:helm.sh/", "kubernetes:yaml")


def kubernetes_object(
    record: Mapping[str, Any], inputs: Mapping[str, Any]
) -> dict[str, Any] | None:
    """The object ``record`` sends to the API server (``inputs`` already redacted), or ``None``."""
    if not record.get("custom") or not str(record.get("type", "")).startswith("kubernetes:"):
        return None
    if str(record["type"]).startswith(_SKIP_PREFIXES):
        return None
    if "kind" not in inputs or "apiVersion" not in inputs:
        return None
    ordered: dict[str, Any] = {
        "apiVersion": inputs["apiVersion"],
        "kind": inputs["kind"],
        "metadata": inputs.get("metadata", {}),
    }
    ordered.update({k: v for k, v in sorted(inputs.items()) if k not in ordered})
    return ordered


def kubernetes_objects(
    pairs: Iterable[tuple[Mapping[str, Any], Mapping[str, Any]]],
) -> list[tuple[Mapping[str, Any], dict[str, Any]]]:
    """``(record, object)`` for every Kubernetes object among ``(record, inputs)`` pairs, sorted
    by kind, namespace and name."""
    found = []
    for record, inputs in pairs:
        obj = kubernetes_object(record, inputs)
        if obj is not None:
            found.append((record, obj))
    found.sort(key=lambda pair: _sort_key(pair[1]))
    return found


def _sort_key(obj: Mapping[str, Any]) -> tuple[str, str, str]:
    # metadata may be unknown during a preview ("[unknown]"); never fail on its shape.
    meta = obj.get("metadata")
    meta = meta if isinstance(meta, Mapping) else {}
    return (str(obj.get("kind", "")), str(meta.get("namespace", "")), str(meta.get("name", "")))


def manifest_stem(obj: Mapping[str, Any]) -> str:
    """``deployment-apps-web``: the file name (without ``.yaml``) an object is written to."""
    meta = obj.get("metadata")
    meta = meta if isinstance(meta, Mapping) else {}
    parts = (str(obj["kind"]).lower(), meta.get("namespace"), meta.get("name"))
    return "-".join(str(p) for p in parts if p)
