"""Which config keys of the project's namespace a stack may set (ENV-3).

A misspelt key (``platform:enviroment``, ``orders:imge``) is otherwise ignored in silence: the
program reads the right name, finds nothing, and falls back to a default. Only infra-kit's own
``<project>:environment`` and the keys the program declares in ``Pulumi.yaml`` under ``config:``
(Pulumi's project-level config, which also carries their types and defaults) are accepted.

This module never touches the Pulumi runtime.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "INFRA_KIT_KEYS",
    "declared_config_keys",
    "find_project_file",
    "read_declared_config_keys",
    "unknown_config_keys",
]

#: Keys of the project's namespace that infra-kit itself reads.
INFRA_KIT_KEYS = frozenset({"environment"})


def find_project_file(*starts: str | Path | None) -> Path | None:
    """The first ``Pulumi.yaml`` in or above each of ``starts``, in order."""
    for start in starts:
        if not start:
            continue
        here = Path(start).resolve()
        for folder in (here, *here.parents):
            candidate = folder / "Pulumi.yaml"
            if candidate.is_file():
                return candidate
    return None


def declared_config_keys(manifest: Mapping[str, Any], project: str) -> frozenset[str]:
    """The keys of ``project``'s namespace that ``Pulumi.yaml`` (as a mapping) declares."""
    declared = manifest.get("config") or {}
    if not isinstance(declared, Mapping):
        return frozenset()
    keys = set()
    for key in declared:
        namespace, _, name = str(key).rpartition(":")
        if namespace in ("", project):
            keys.add(name)
    return frozenset(keys)


def read_declared_config_keys(path: Path, project: str) -> frozenset[str] | None:
    """:func:`declared_config_keys` of the file at ``path``; ``None`` when it cannot be read."""
    try:
        manifest = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    return declared_config_keys(manifest, project) if isinstance(manifest, Mapping) else None


def unknown_config_keys(
    config_keys: Iterable[str], project: str, declared: Iterable[str]
) -> list[str]:
    """The keys of ``project``'s namespace in ``config_keys`` that nothing declares, as
    ``project:key``; keys of other namespaces (``aws:``, ``kubernetes:``) are not ours to judge."""
    accepted = INFRA_KIT_KEYS | set(declared)
    prefix = f"{project}:"
    return sorted(
        key for key in config_keys if key.startswith(prefix) and key[len(prefix) :] not in accepted
    )
