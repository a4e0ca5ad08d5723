"""Which input changes replace a resource instead of updating it: facts read from the providers.

The facts live in ``data/replace-on-change.json`` with the upstream file and commit each was read
from (pulumi-aws replaces where the Terraform AWS provider's schema says ForceNew;
pulumi-kubernetes keeps its own table). A type the file does not list is never predicted to be
replaced: the change preview then says an update, and ``pulumi preview`` has the last word.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import Any

from infra_kit.core._paths import parse_path

__all__ = ["DATA_FILE", "forced_replacement", "replace_paths"]

DATA_FILE = "replace-on-change.json"


@cache
def _facts() -> dict[str, Any]:
    text = (
        resources.files("infra_kit.change").joinpath("data").joinpath(DATA_FILE).read_text("utf-8")
    )
    return json.loads(text)


def replace_paths(resource_type: str) -> tuple[str, ...]:
    """The input paths whose change replaces a resource of ``resource_type`` (may be empty)."""
    facts = _facts()
    if resource_type.startswith("kubernetes:"):
        kube = facts["kubernetes"]
        kind = resource_type.removeprefix("kubernetes:")
        return (*kube["every_kind"], *kube["kinds"].get(kind, ()))
    entry = facts["aws"].get(resource_type)
    return tuple(entry["replace_on_change"]) if entry else ()


def _covers(key: str, path: str) -> bool:
    """Whether the change at ``path`` is at or below the listed ``key`` (or contains it)."""
    listed = [p for p in parse_path(key)]
    changed = [p for p in parse_path(path) if not isinstance(p, int)]
    shorter = min(len(listed), len(changed))
    return shorter > 0 and listed[:shorter] == changed[:shorter]


def forced_replacement(resource_type: str, changed: Iterable[str]) -> list[str]:
    """The changed input paths that force ``resource_type`` to be replaced, in the given order."""
    keys = replace_paths(resource_type)
    if not keys:
        return []
    return [path for path in changed if any(_covers(key, path) for key in keys)]
