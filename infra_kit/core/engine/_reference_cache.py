"""Resolved StackReferences kept across runs, for a process tree that synthesizes the same
stacks many times (a test session, a CI job that synthesizes every stack).

Opt-in: ``$INFRA_KIT_STACK_REFERENCE_CACHE`` names a directory. A stack's outputs are stored
there under a key made of the project's directory, its name, the stack, and the content of every
file that decides the outputs: ``Pulumi.yaml``, the stack's config file and the program's Python
files. Changing any of them makes a new key. infra-kit's own code is not part of the key: use
one directory for a session in which the library does not change, and never across sessions.
Only a successful resolution is stored, written atomically, so processes may share a directory.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from infra_kit.core.engine._graph import write_atomically
from infra_kit.core.engine._project import load_project
from infra_kit.errors import SynthError

__all__ = ["CACHE_ENV", "cached_outputs", "store_outputs"]

CACHE_ENV = "INFRA_KIT_STACK_REFERENCE_CACHE"
_SKIPPED_DIRS = {"__pycache__", ".synth", ".venv", "node_modules"}

Outputs = tuple[dict[str, Any], list[str]]


def _program_files(program_dir: Path) -> list[Path]:
    found = []
    for folder, dirs, files in os.walk(program_dir):
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_DIRS and not d.startswith("."))
        found += [Path(folder, f) for f in sorted(files) if f.endswith(".py")]
    return found


def cache_file(project_dir: Path, stack: str) -> Path | None:
    """Where the outputs of ``stack`` of the project in ``project_dir`` are kept, or ``None``
    when no cache is configured (or the project can't be read: the run will say why)."""
    directory = os.environ.get(CACHE_ENV)
    if not directory:
        return None
    try:
        project = load_project(project_dir)
        digest = hashlib.sha256(f"{project.directory}\0{project.name}\0{stack}\0".encode())
        files = [project.directory / "Pulumi.yaml", project.stack_file(stack)]
        for path in [*files, *_program_files(project.program_dir)]:
            digest.update(f"{path}\0".encode())
            digest.update(path.read_bytes())
            digest.update(b"\0")
    except (OSError, SynthError):
        return None
    return Path(directory) / f"{project.name}-{stack}-{digest.hexdigest()[:24]}.json"


def cached_outputs(path: Path | None) -> Outputs | None:
    """The outputs stored at ``path``, or ``None`` if there are none (or they are unreadable)."""
    if path is None:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data["outputs"], data["secret_output_names"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def store_outputs(path: Path | None, outputs: Outputs) -> None:
    """Keep ``outputs`` at ``path``; a cache that can't be written is skipped, never an error."""
    if path is None:
        return
    document = {"outputs": outputs[0], "secret_output_names": outputs[1]}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, json.dumps(document))
    except OSError:
        return
