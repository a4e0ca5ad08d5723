"""Fixtures shared by every test module."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path

import pytest
from hypothesis import settings

from infra_kit.core.engine import Graph, synthesize
from infra_kit.core.engine._reference_cache import CACHE_ENV

REPO = Path(__file__).resolve().parents[1]
CLUSTER_SERVICES = REPO / "cluster-services"

#: The deploy time of every offline synthesis in the tests (2026-12-01T20:00:00Z), so a preview
#: environment's expiry, and with it its graph, is the same in every run (ENV-1).
SOURCE_DATE_EPOCH = "1796155200"

# A property's examples are judged on what they compute, never on how long one took: on a shared
# machine the per-example deadline failed examples that were only slow (CONVENTIONS 9).
settings.register_profile("infra-kit", deadline=None)
settings.load_profile("infra-kit")


@cache
def graph_of(project: Path, stack: str) -> Graph:
    """The graph of ``stack`` of the project in ``project``, synthesized once per test process."""
    return synthesize(project, stack)


def platform_graph_for(stack: str) -> Graph:
    """The platform stack's graph, synthesized once per test process."""
    return graph_of(REPO, stack)


def cluster_services_graph_for(stack: str) -> Graph:
    """The cluster-services stack's graph, synthesized once per test process."""
    return graph_of(CLUSTER_SERVICES, stack)


@pytest.fixture(scope="session", autouse=True)
def stack_references_resolved_once(
    tmp_path_factory: pytest.TempPathFactory, worker_id: str
) -> Iterator[Path]:
    """Each StackReference to a project of this repository is synthesized once per session,
    and its outputs shared by every test and test process that reads it (the example's tests,
    the command-line tests, and every xdist worker, whose temporary directories share a parent).
    A test that changes a project's files gets a fresh synthesis: they are part of the key."""
    base = tmp_path_factory.getbasetemp()
    directory = (base.parent if worker_id != "master" else base) / "stack-references"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(CACHE_ENV, str(directory))
        yield directory


@pytest.fixture(scope="session", autouse=True)
def deploy_time_fixed() -> Iterator[str]:
    """Every synthesis of the session deploys at :data:`SOURCE_DATE_EPOCH`."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
        yield SOURCE_DATE_EPOCH


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def platform_graph() -> Callable[[str], Graph]:
    """``platform_graph("prod")``: the platform stack's graph, synthesized once per session."""
    return platform_graph_for


@pytest.fixture(scope="session")
def cluster_services_graph() -> Callable[[str], Graph]:
    """``cluster_services_graph("prod")``: that stack's graph, synthesized once per session."""
    return cluster_services_graph_for
