"""The order-events-worker example as an app team's repository holds it: the worker alone, with
no platform project anywhere above it, so its StackReference is answered by the platform
stand-in (infra_kit.testing)."""

from __future__ import annotations

import shutil
from pathlib import Path

from infra_kit.testing import run_project
from tests.conftest import graph_of
from tests.examples.test_order_events_worker import EXAMPLE, STACKS


def test_alone_in_an_app_repository_it_runs_against_the_platform_stand_in(tmp_path: Path) -> None:
    """Copied outside the repository and run with run_project in dev and in prod."""
    alone = tmp_path / "order-events-worker"
    shutil.copytree(EXAMPLE, alone, ignore=shutil.ignore_patterns("__pycache__", ".synth"))
    (alone / "pyproject.toml").write_text(
        '[project]\nname = "order-events-worker"\nversion = "1"\n'
    )
    for stack in STACKS:
        run = run_project(alone, stack)
        assert run.stand_ins == (f"organization/platform/{stack}",)
        assert [f"{f.rule.id} {f.urn}: {f.message}" for f in run.failed] == []
        # The same resources as against the repository's real platform stack.
        assert sorted(r["urn"] for r in run.graph) == sorted(
            r["urn"] for r in graph_of(EXAMPLE, stack)
        )
        (subnets,) = run.graph.of_type("aws:elasticache/subnetGroup:SubnetGroup")
        assert len(subnets["inputs"]["subnetIds"]) == {"dev": 2, "prod": 3}[stack]
