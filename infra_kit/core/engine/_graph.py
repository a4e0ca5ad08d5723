"""The synthesized resource graph: the offline engine's output contract, and queries over it.

Contract of ``graph.json`` (stable; checks and later tools depend on it)::

    {"project": str, "stack": str,
     "resources": [{"urn", "type", "name", "parent", "custom", "inputs", "outputs",
                    "output_secret_paths", "dependencies", "provider", "protect",
                    "retain_on_delete", "additional_secret_outputs", "secret_paths",
                    "aliases", "source"}],
     "outputs": {...},
     "diagnostics": [{"code", "message", ...}]}

Resources are sorted by URN; URNs have the engine's form (a child's type is qualified by its
parent's whole chain of types). ``outputs`` of a resource is what a component passed to
``register_outputs`` (``{}`` for custom resources). ``aliases`` lists the URNs the engine would
accept as the resource's former identities. ``source`` lists the program lines that created it:
the outermost, then (if different) the innermost, as ``path:line`` relative to the project.
Every value at a path listed in ``secret_paths`` or ``output_secret_paths`` (and every secret
stack output) is written as ``"[secret]"``. Integral numbers are integers. ``diagnostics`` are
what the engine noticed about the program: ``secret-config-read-in-clear``,
``secret-in-clear`` and ``unimitated-output``.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from infra_kit.core._manifests import kubernetes_objects, manifest_stem
from infra_kit.core.engine._values import redact
from infra_kit.core.tags import decode_default_tags
from infra_kit.errors import SynthError

__all__ = ["Graph"]

# libyaml's emitter where PyYAML was built with it (its wheels are): the pure-Python one was most
# of the time spent writing a large stack's manifests. The two write the same text except for
# double-quoted scalars (libyaml escapes and folds them its own way), which only a string with a
# character outside printable ASCII gets; such a document (a ConfigMap holding a config file)
# keeps the pure-Python emitter, so manifests stay byte for byte what they were.
_YamlDumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _printable_ascii(value: Any) -> bool:
    """Whether every string in ``value`` (keys included) is printable ASCII."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if not (item.isascii() and item.isprintable()):
                return False
        elif isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return True


def manifest_text(obj: dict[str, Any]) -> str:
    """The YAML text of one Kubernetes object, as ``k8s/*.yaml`` holds it."""
    dumper = _YamlDumper if _printable_ascii(obj) else yaml.SafeDumper
    return yaml.dump(obj, Dumper=dumper, sort_keys=False, default_flow_style=False)


@dataclass
class Graph:
    """Resources a program registered, with its stack outputs. Values are in clear in memory."""

    project: str
    stack: str
    resources: list[dict[str, Any]]
    outputs: dict[str, Any]
    output_secret_paths: list[str] = field(default_factory=list)
    diagnostics: list[dict[str, Any]] = field(default_factory=list)

    # -- the contract ---------------------------------------------------------------------------
    def to_contract(self) -> dict[str, Any]:
        """The graph.json document, with every secret redacted."""
        return {
            "project": self.project,
            "stack": self.stack,
            "resources": [
                {
                    **r,
                    "inputs": redact(r["inputs"], r["secret_paths"]),
                    "outputs": redact(r.get("outputs", {}), r.get("output_secret_paths", [])),
                }
                for r in self.resources
            ],
            "outputs": redact(self.outputs, self.output_secret_paths),
            "diagnostics": self.diagnostics,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_contract(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    def kubernetes_objects(self) -> list[dict[str, Any]]:
        """Every Kubernetes object as the API server would receive it, secrets redacted."""
        pairs = ((r, redact(r["inputs"], r["secret_paths"])) for r in self.resources)
        return [obj for _record, obj in kubernetes_objects(pairs)]

    def write(self, out: Path) -> list[Path]:
        """Write ``graph.json`` and ``k8s/*.yaml`` under ``out``; return the files written.

        Nothing is half-written: the manifests are written to a temporary directory beside
        ``out`` and moved into place, then ``graph.json`` is written to a temporary file and
        renamed over the old one, so a reader sees either the previous complete graph or this
        one, never a partial file. ``graph.json`` comes last: its presence means the rest is
        this run's.
        """
        check_output_dir(out)
        out.mkdir(parents=True, exist_ok=True)
        (out / OUTPUT_MARKER).write_text(_MARKER_TEXT, encoding="utf-8")
        objects = self.kubernetes_objects()
        staging = Path(tempfile.mkdtemp(prefix=".k8s-", dir=out))
        staging.chmod(_DIR_MODE)
        written = [out / "graph.json"]
        try:
            for obj in objects:
                path = staging / f"{manifest_stem(obj)}.yaml"
                path.write_text(manifest_text(obj), encoding="utf-8")
            k8s = out / "k8s"
            if k8s.exists():
                retired = Path(tempfile.mkdtemp(prefix=".k8s-old-", dir=out))
                os.replace(k8s, retired / "k8s")
                shutil.rmtree(retired, ignore_errors=True)
            if objects:
                os.replace(staging, k8s)
                written += sorted(k8s.glob("*.yaml"), key=lambda p: p.name)
            write_atomically(out / "graph.json", self.to_json())
        except BaseException:
            # Interrupted or failed before graph.json, the mark of a finished run, was in place:
            # the manifests already moved are this run's and would look like a result.
            shutil.rmtree(out / "k8s", ignore_errors=True)
            raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
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
        return decode_default_tags(self.by_urn(provider_urn)["inputs"].get("defaultTags"))

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


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


# Temporary files and directories are private; the results get the modes the umask gives.
_FILE_MODE = 0o666 & ~_umask()
_DIR_MODE = 0o777 & ~_umask()

#: The file that marks a directory as infra-kit's output; only such a directory is cleared.
OUTPUT_MARKER = ".infra-kit-synth"
_MARKER_TEXT = "Written by infra-kit synth: graph.json and k8s/ here are replaced on every run.\n"


def check_output_dir(out: Path) -> None:
    """Refuse an output directory holding a graph.json or k8s/ that infra-kit did not write,
    so a run never deletes or replaces files it does not own."""
    if (out / OUTPUT_MARKER).is_file() or _written_before_markers(out):
        return
    foreign = [name for name in ("graph.json", "k8s") if (out / name).exists()]
    if foreign:
        raise SynthError(
            f"{out} holds {' and '.join(foreign)} that infra-kit synth did not write; "
            "choose another --out (synth replaces graph.json and k8s/ in its output directory)"
        )


def _written_before_markers(out: Path) -> bool:
    """A graph.json in the graph contract's shape: an earlier infra-kit wrote it, before it
    marked its directories."""
    try:
        doc = json.loads((out / "graph.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(doc, dict) and {"project", "stack", "resources"} <= set(doc)


def write_atomically(path: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(temporary, _FILE_MODE)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def clear_outputs(out: Path) -> None:
    """Remove a previous run's graph.json and manifests from ``out`` before a new run.

    A run that then fails leaves no graph.json behind that a later tool could take for its
    result. Only a directory infra-kit wrote (it holds the marker file) is cleared.
    """
    check_output_dir(out)
    if not ((out / OUTPUT_MARKER).is_file() or _written_before_markers(out)):
        return
    (out / "graph.json").unlink(missing_ok=True)
    if (out / "k8s").is_dir():
        shutil.rmtree(out / "k8s", ignore_errors=True)
