"""Fixtures of the readiness review's tests."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from infra_kit.review import _cost as cost_answer


@dataclass(frozen=True)
class Lever:
    description: str
    monthly_delta_usd: float


@dataclass(frozen=True)
class Driver:
    label: str
    monthly_usd: float
    share: float
    levers: tuple[Lever, ...]


@dataclass(frozen=True)
class Estimate:
    """The cost model's contract (infra_kit.cost.CostEstimate), as far as the review reads it."""

    total_monthly_usd: float
    largest_driver: Driver | None
    levers: tuple[Lever, ...] = ()


NODES = Driver("node groups", 420.0, 0.6, (Lever("spot for nodes-0", -150.0),))


@pytest.fixture
def priced(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cost model answered with fixed numbers, for tests that judge the review itself."""
    monkeypatch.setattr(cost_answer, "_estimate", lambda graph: Estimate(700.0, NODES))
