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
from infra_kit.core.profile import BUILTIN_PROFILES

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

    The stack is named after the environment, so a ``prod`` run sees the prod profile. Where the
    profile protects state (stage, prod) and ``overrides`` pin no AZs, the region's first AZs
    are pinned, as such a stack file must.
    """
    given = dict(overrides or {})
    profile_overrides: dict[str, Any] = {"name": environment, **given}
    profile_overrides["tags"] = {**TEST_TAGS, **dict(given.get("tags") or {})}
    network = dict(given.get("network") or {})
    builtin = BUILTIN_PROFILES.get(environment, BUILTIN_PROFILES["dev"])
    protects = given.get("protect_stateful", builtin["protect_stateful"])
    if protects and "availability_zones" not in network:
        # Pin the region's first AZs, as a stack file that protects state must.
        count = int(network.get("az_count", builtin["network"]["az_count"]))
        network["availability_zones"] = [f"{region}{letter}" for letter in "abcdef"[:count]]
        profile_overrides["network"] = network

    def program() -> None:
        build(Environment.load())

    config = {f"{project}:{CONFIG_KEY}": json.dumps(profile_overrides), "aws:region": region}
    engine = OfflineEngine.for_function(
        program, project=project, stack=environment, config=config, directory=directory
    )
    return engine.run()
