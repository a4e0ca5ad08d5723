"""Print the container images a synthesized graph deploys, one a line, sorted and unique.

    infra-kit synth --stack dev --json | python scripts/ci/list_images.py
    python scripts/ci/list_images.py .synth/dev/graph.json

Reads the ``image`` of every container and init container in the inputs of every resource
(Deployments, DaemonSets, StatefulSets, Jobs, CronJobs and bare Pods, at any depth of their pod
template). Images a Helm chart brings from its own defaults are not in the graph and are not
listed. Exits 2 with a message when the input is not a graph.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

_CONTAINER_LISTS = ("containers", "initContainers")


def images(value: Any) -> Iterator[str]:
    """Every container image under ``value``, in document order."""
    if isinstance(value, dict):
        for key, child in value.items():
            if key in _CONTAINER_LISTS and isinstance(child, list):
                for container in child:
                    if isinstance(container, dict) and isinstance(container.get("image"), str):
                        yield container["image"]
            yield from images(child)
    elif isinstance(value, list):
        for child in value:
            yield from images(child)


def graph_images(graph: dict[str, Any]) -> list[str]:
    return sorted({i for r in graph["resources"] for i in images(r.get("inputs", {}))})


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        text = Path(argv[0]).read_text(encoding="utf-8") if argv else sys.stdin.read()
        found = graph_images(json.loads(text))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"list_images: not a synthesized graph: {exc}", file=sys.stderr)
        return 2
    for image in found:
        print(image)
    return 0


if __name__ == "__main__":
    sys.exit(main())
