"""Fixtures shared by every test module."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest

from infra_kit.core.engine import Graph, synthesize

REPO = Path(__file__).resolve().parents[1]


@cache
def graph_of(project: Path, stack: str) -> Graph:
    """The graph of ``stack`` of the project in ``project``, synthesized once per test process."""
    return synthesize(project, stack)


def platform_graph_for(stack: str) -> Graph:
    """The platform stack's graph, synthesized once per test process."""
    return graph_of(REPO, stack)


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def platform_graph() -> Callable[[str], Graph]:
    """``platform_graph("prod")``: the platform stack's graph, synthesized once per session."""
    return platform_graph_for
