"""Paths to values inside inputs and outputs: ``spec.containers[0].env``, ``data["a.b"]``.

A key that holds ``.``, ``[``, ``]`` or ``"`` (``app.kubernetes.io/name``, ``config.yaml``) is
written quoted, ``["app.kubernetes.io/name"]``, so every path reads back to exactly one value.
Pure logic, shared by the engine (secret paths in graph.json) and the policy pack.
"""

from __future__ import annotations

import json
import re

__all__ = ["join_path", "parse_path"]

_PLAIN = re.compile(r'^[^.\[\]"]+$')


def join_path(path: str, key: str | int) -> str:
    """``path`` extended by a list index or a mapping key."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    if _PLAIN.match(key):
        return f"{path}.{key}" if path else key
    return f"{path}[{json.dumps(key)}]"


def parse_path(path: str) -> list[str | int]:
    """The keys and indices of a path written by :func:`join_path`."""
    parts: list[str | int] = []
    i, n = 0, len(path)
    while i < n:
        if path[i] == ".":
            i += 1
        elif path.startswith('["', i):
            decoder = json.JSONDecoder()
            key, end = decoder.raw_decode(path, i + 1)
            parts.append(str(key))
            i = end + 1  # past the closing ]
        elif path[i] == "[":
            end = path.index("]", i)
            parts.append(int(path[i + 1 : end]))
            i = end + 1
        else:
            match = re.compile(r'[^.\[\]"]+').match(path, i)
            if match is None:
                raise ValueError(f"not a value path: {path!r}")
            parts.append(match.group(0))
            i = match.end()
    return parts
