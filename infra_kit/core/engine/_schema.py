"""Typed placeholders for outputs the engine does not imitate, read from the provider SDK's schema.

Every resource class of pulumi_aws and pulumi_kubernetes declares its outputs as typed property
getters (``@pulumi.getter(name="url") def url(self) -> pulumi.Output[str]``). For an output the
fake cloud computes no value for, the engine fills in a value of the declared type instead of
``null``: strings become a clearly fake, deterministic marker (``offline-unimitated-<hash>``,
ARN-shaped for ARN outputs), numbers 0, booleans false, lists one placeholder element, and
nested output types a dict of placeholders. Markers are remembered, so the engine can tell which
resource and property a value that reached an input came from, and warn.
"""

from __future__ import annotations

import hashlib
import re
import typing
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from pulumi import _types

__all__ = ["MARKER", "Placeholders", "output_properties"]

MARKER = "offline-unimitated-"
_MARKER_RE = re.compile(re.escape(MARKER) + r"[0-9a-f]{10}")
_MAX_DEPTH = 4


def _unwrap_output(annotation: Any) -> Any:
    origin = typing.get_origin(annotation)
    if origin is not None and getattr(origin, "__name__", "") == "Output":
        args = typing.get_args(annotation)
        return args[0] if args else Any
    return annotation


def _strip_optional(annotation: Any) -> Any:
    if typing.get_origin(annotation) in (typing.Union, __import__("types").UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else Any
    return annotation


@cache
def output_properties(cls: type) -> tuple[tuple[str, Any, dict[str, Any]], ...]:
    """``(wire name, annotation, globals)`` of every output property ``cls`` declares.

    Annotations are read as written (forward references stay unresolved until a placeholder
    needs them): resolving every annotation of every class up front costs seconds.
    """
    found = []
    for _python, wire, prop in _types._py_properties(cls):  # pyright: ignore[reportPrivateUsage] -- the SDK's own table of getters
        fget = prop.fget
        annotation = getattr(fget, "__annotations__", {}).get("return", Any)
        found.append((wire, _unwrap_output(annotation), getattr(fget, "__globals__", {})))
    return tuple(found)


@cache
def _evaluate(text: str, module: str) -> Any:
    import sys

    namespace = getattr(sys.modules.get(module), "__dict__", {})
    try:
        return eval(text, namespace)  # a forward reference the SDK wrote, e.g. 'outputs.X'
    except Exception:
        return Any


def _resolve(annotation: Any, namespace: dict[str, Any]) -> Any:
    if isinstance(annotation, typing.ForwardRef):
        annotation = annotation.__forward_arg__
    if isinstance(annotation, str):
        return _evaluate(annotation, str(namespace.get("__name__", "")))
    return annotation


class Placeholders:
    """Creates placeholders and remembers which resource and property each marker stands for."""

    def __init__(self, partition: str, region: str, account: str) -> None:
        self.partition = partition
        self.region = region
        self.account = account
        self.origins: dict[str, tuple[str, str, str]] = {}

    def fill(self, cls: type | None, type_: str, name: str, state: dict[str, Any]) -> None:
        """Add a placeholder to ``state`` for every output of ``cls`` that ``state`` lacks."""
        if cls is None:
            return
        for wire, annotation, namespace in output_properties(cls):
            if wire in state or wire in ("id", "urn"):
                continue
            state[wire] = self._value(annotation, namespace, type_, name, wire, depth=0)

    def _marker(self, type_: str, name: str, path: str) -> str:
        digest = hashlib.sha256(f"{type_}|{name}|{path}".encode()).hexdigest()[:10]
        marker = MARKER + digest
        self.origins[marker] = (type_, name, path)
        return marker

    def _value(
        self, annotation: Any, namespace: dict[str, Any], type_: str, name: str, path: str, *,
        depth: int,
    ) -> Any:  # fmt: skip
        annotation = _strip_optional(_resolve(annotation, namespace))
        origin = typing.get_origin(annotation)
        if annotation is bool:
            return False
        if annotation in (int, float):
            return 0
        if origin is not None and issubclass_safe(origin, Mapping):
            return {}
        if origin is not None and issubclass_safe(origin, Sequence) and origin is not str:
            args = typing.get_args(annotation)
            item = args[0] if args else Any
            if depth >= _MAX_DEPTH:
                return []
            return [self._value(item, namespace, type_, name, f"{path}[0]", depth=depth + 1)]
        if isinstance(annotation, type) and _types.is_output_type(annotation):
            if depth >= _MAX_DEPTH:
                return {}
            return {
                wire: self._value(inner, inner_ns, type_, name, f"{path}.{wire}", depth=depth + 1)
                for wire, inner, inner_ns in output_properties(annotation)
            }
        marker = self._marker(type_, name, path)
        last = re.split(r"[.\[]", path)[-1]
        if last == "arn" or last.endswith("Arn"):
            service = (
                type_.split(":")[1].split("/", maxsplit=1)[0]
                if type_.count(":") == 2
                else "unknown"
            )
            return f"arn:{self.partition}:{service}:{self.region}:{self.account}:{marker}"
        return marker

    def find(self, value: Any) -> list[tuple[str, str, str]]:
        """The origins of every marker inside ``value`` (strings, lists and dicts)."""
        found: list[tuple[str, str, str]] = []
        stack = [value]
        while stack:
            item = stack.pop()
            if isinstance(item, str):
                found.extend(self.origins[m] for m in _MARKER_RE.findall(item) if m in self.origins)
            elif isinstance(item, dict):
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)
        return found


def issubclass_safe(value: Any, parent: type) -> bool:
    try:
        return isinstance(value, type) and issubclass(value, parent)
    except TypeError:
        return False
