"""What the engine learns while the program constructs resources: where, and under which URN.

A stack transformation (the SDK's public hook that sees every resource as it is constructed, in
the program's own call stack) records each resource's URN in the engine's form and the program
lines that created it. That is how the engine refuses a duplicate URN with both locations, tells
a stalled run which resources are still waiting for their inputs, and places findings on the
user's line.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import FrameType
from typing import Any

import pulumi

from infra_kit.errors import SynthError

__all__ = ["ConstructionTracker", "Site", "is_user_file", "relative", "user_frames"]

_ROOT_TYPE = "pulumi:pulumi:Stack"
_PACKAGE_DIR = str(Path(__file__).resolve().parents[2])  # .../infra_kit
# The engine, the command line and the test harness call the program; they are not the program.
_NOT_PROGRAM = tuple(str(Path(_PACKAGE_DIR, part)) for part in ("core/engine", "cli", "testing.py"))
_MARKERS = ("site-packages", "dist-packages", "<frozen", "<string>")
_INTERPRETER = tuple(
    {str(Path(p).resolve()) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
)


@dataclass(frozen=True)
class Site:
    """A program location: a path (relative to a root where possible) and a line."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


def is_user_file(filename: str) -> bool:
    """Whether a frame in ``filename`` is the program's own code (or infra-kit's components)."""
    if filename.startswith(_NOT_PROGRAM):
        return False
    if filename.startswith(_PACKAGE_DIR):
        return True  # infra-kit's own components, wherever the package is installed
    if any(marker in filename for marker in _MARKERS):
        return False
    return not filename.startswith(_INTERPRETER)


_ENGINE_DIR = str(Path(__file__).resolve().parent)


def user_frames(frame: FrameType | None) -> list[tuple[str, int]]:
    """``(filename, line)`` of the program's own frames on ``frame``'s stack, outermost first.

    The walk stops at the engine's frame that called the program: whoever called the engine
    (a test, the command line) is not part of the program.
    """
    found = []
    started = False
    while frame is not None:
        name = frame.f_code.co_filename
        if name.startswith(_ENGINE_DIR):
            if started:
                break
        elif is_user_file(name):
            found.append((name, frame.f_lineno))
            started = True
        frame = frame.f_back
    return list(reversed(found))


def relative(filename: str, roots: Sequence[Path]) -> str:
    """``filename`` relative to the first of ``roots`` that holds it (else infra_kit/…, or the
    bare name)."""
    return _relative(filename, tuple(roots))


@lru_cache(maxsize=4096)
def _relative(filename: str, roots: tuple[Path, ...]) -> str:
    # Every resource records the program lines that created it, mostly in the same few files;
    # resolving a path touches the file system, so each file is resolved once.
    path = Path(filename)
    resolved = path.resolve()
    for root in roots:
        try:
            return resolved.relative_to(root).as_posix()
        except ValueError:
            continue
    if filename.startswith(_PACKAGE_DIR):
        return "infra_kit/" + Path(filename).resolve().relative_to(_PACKAGE_DIR).as_posix()
    return path.name


@dataclass
class Constructed:
    urn: str
    type: str
    name: str
    sites: tuple[Site, ...]


class ConstructionTracker:
    """Records every resource the program constructs. Install with :meth:`install`."""

    def __init__(self, *, project: str, stack: str, roots: Sequence[Path]) -> None:
        self.project = project
        self.stack = stack
        self.roots = tuple(roots)
        self.by_urn: dict[str, Constructed] = {}
        self._qualified: dict[int, tuple[Any, str]] = {}
        self._lock = threading.Lock()
        self._classes: dict[str, type] = {}
        self.count = 0

    def pending(self, registered: set[str] | dict[str, object]) -> list[Constructed]:
        """Resources constructed but not in ``registered`` (a consistent snapshot)."""
        with self._lock:
            return [c for urn, c in self.by_urn.items() if urn not in registered]

    def class_of(self, type_: str) -> type | None:
        """The SDK class that registered resources of ``type_`` (for its output schema)."""
        return self._classes.get(type_)

    def install(self) -> None:
        pulumi.runtime.register_stack_transformation(self._observe)

    def qualified_type(self, resource: Any) -> str:
        entry = self._qualified.get(id(resource))
        if entry is not None and entry[0] is resource:
            return entry[1]
        return str(getattr(resource, "_type", ""))

    def urn_for(self, parent: Any, type_: str, name: str) -> str:
        qualified = type_
        if parent is not None and getattr(parent, "_type", _ROOT_TYPE) != _ROOT_TYPE:
            qualified = f"{self.qualified_type(parent)}${type_}"
        return f"urn:pulumi:{self.stack}::{self.project}::{qualified}::{name}"

    def _observe(self, args: pulumi.ResourceTransformationArgs) -> None:
        opts = args.opts
        if opts is not None and getattr(opts, "urn", None):
            return None  # a lookup of an existing resource, not a registration
        parent = opts.parent if opts is not None else None
        urn = self.urn_for(parent, args.type_, args.name)
        qualified = urn.split("::")[2]
        frames = user_frames(sys._getframe(1))
        sites = tuple(Site(relative(f, self.roots), line) for f, line in frames)
        with self._lock:
            self.count += 1
            self._qualified[id(args.resource)] = (args.resource, qualified)
            self._classes.setdefault(args.type_, type(args.resource))
            earlier = self.by_urn.get(urn)
            if earlier is None:
                self.by_urn[urn] = Constructed(urn, args.type_, args.name, sites)
                return None
        raise SynthError(
            f"duplicate URN {urn}: a {args.type_} named {args.name!r} is created twice "
            f"(first at {where_created(earlier.sites)}, again at {where_created(sites)}). The Pulumi engine "
            "refuses two resources with one URN; give one of them another name"
        )

    def sources(self, urn: str) -> list[str]:
        """The program lines that created ``urn``: the outermost and, if different, the innermost."""
        found = self.by_urn.get(urn)
        if found is None or not found.sites:
            return []
        first, last = found.sites[0], found.sites[-1]
        return [str(first)] if first == last else [str(first), str(last)]


def where_created(sites: tuple[Site, ...]) -> str:
    """The program line that created a resource and, if different, the library line inside it."""
    if not sites:
        return "an unknown line"
    return str(sites[-1]) if len(sites) == 1 else f"{sites[0]} via {sites[-1]}"
