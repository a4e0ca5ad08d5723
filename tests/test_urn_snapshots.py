"""Logical names and URNs of the platform and the example, pinned against accidental replacement.

A changed URN makes Pulumi replace the resource: for a database or a key that means data loss.
When a change of name is intended, add a ``pulumi.Alias`` for the old name, then regenerate the
snapshot: ``python3 -m uv run --locked python tests/test_urn_snapshots.py``.
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

import pytest

from infra_kit.core.engine import synthesize

REPO = Path(__file__).resolve().parents[1]
SNAPSHOTS = REPO / "tests" / "snapshots"
CASES = {
    "platform-prod": (REPO, "prod"),
    "orders-service-prod": (REPO / "examples" / "orders-service", "prod"),
}


@cache
def _urns(project: Path, stack: str) -> str:
    if project == REPO:
        from tests.conftest import platform_graph_for

        graph = platform_graph_for(stack)  # shared with the platform tests
    else:
        graph = synthesize(project, stack)
    return "".join(f"{r['urn']}\n" for r in graph.resources)


@pytest.mark.parametrize("case", sorted(CASES))
def test_no_resource_changes_its_urn(case: str) -> None:
    project, stack = CASES[case]
    pinned = (SNAPSHOTS / f"{case}.urns").read_text().splitlines()
    current = _urns(project, stack).splitlines()
    removed = sorted(set(pinned) - set(current))
    assert removed == [], (
        "these URNs disappeared, so `pulumi up` would delete or replace them; add an alias "
        "or regenerate the snapshot if that is intended"
    )
    assert sorted(set(current) - set(pinned)) == [], "new resources: regenerate the snapshot"


if __name__ == "__main__":
    for name, (project, stack) in CASES.items():
        (SNAPSHOTS / f"{name}.urns").write_text(_urns(project, stack))
        print(f"wrote {SNAPSHOTS / f'{name}.urns'}", file=sys.stderr)
