"""Running components offline in tests: ``run_offline(lambda env: ..., environment="prod")``.

App teams use it to unit-test their own programs the way infra-kit tests its components.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from infra_kit.core.engine import Graph, OfflineEngine
from infra_kit.core.environment import CONFIG_KEY, Environment

__all__ = ["TEST_TAGS", "run_offline"]

#: Tag values used when a test does not give its own.
TEST_TAGS: dict[str, str] = {
    "team": "platform",
    "service": "test",
    "cost_center": "cc-0000",
    "repository": "infra-kit",
}


def run_offline(
    build: Callable[[Environment], Any],
    *,
    environment: str = "dev",
    overrides: Mapping[str, Any] | None = None,
    project: str = "test",
    region: str = "us-east-1",
    directory: Path | None = None,
) -> Graph:
    """Load ``environment``'s profile (plus ``overrides``), call ``build(env)`` offline, return the graph.

    The stack is named after the environment, so a ``prod`` run sees the prod profile.
    """
    profile_overrides = {"name": environment, "tags": dict(TEST_TAGS), **dict(overrides or {})}
    if "tags" in (overrides or {}):
        profile_overrides["tags"] = {**TEST_TAGS, **dict(overrides["tags"])}  # type: ignore[index]

    def program() -> None:
        build(Environment.load())

    config = {f"{project}:{CONFIG_KEY}": json.dumps(profile_overrides), "aws:region": region}
    engine = OfflineEngine.for_function(
        program, project=project, stack=environment, config=config, directory=directory
    )
    return engine.run()
