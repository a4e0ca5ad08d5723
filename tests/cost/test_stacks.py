"""The cost model over the real stacks: every resource priced, dev cheaper than prod (COST-3),
and the largest driver named with its levers (COST-2). Each stack is synthesized once."""

from __future__ import annotations

import pytest

from infra_kit.cost import CostEstimate, estimate
from infra_kit.policy._graph import GraphDoc
from tests.conftest import REPO, graph_of

EXAMPLE = REPO / "examples" / "orders-service"
WORKER_EXAMPLE = REPO / "examples" / "order-events-worker"
PROJECTS = {"platform": REPO, "orders-service": EXAMPLE, "order-events-worker": WORKER_EXAMPLE}


@pytest.fixture(scope="module")
def estimates() -> dict[tuple[str, str], CostEstimate]:
    return {
        (name, stack): estimate(GraphDoc(graph_of(directory, stack).to_contract()))
        for name, directory in PROJECTS.items()
        for stack in ("dev", "prod")
    }


def test_no_resource_type_of_the_stacks_is_unpriced(
    estimates: dict[tuple[str, str], CostEstimate],
) -> None:
    assert {key: est.unpriced for key, est in estimates.items() if est.unpriced} == {}


@pytest.mark.parametrize("project", sorted(PROJECTS))
def test_dev_costs_less_than_prod(
    estimates: dict[tuple[str, str], CostEstimate], project: str
) -> None:
    dev, prod = estimates[project, "dev"], estimates[project, "prod"]
    assert 0 < dev.total_monthly_usd < prod.total_monthly_usd / 2


def test_the_platforms_largest_prod_driver_is_its_nodes_with_spot_and_a_savings_plan(
    estimates: dict[tuple[str, str], CostEstimate],
) -> None:
    driver = estimates["platform", "prod"].largest_driver
    assert driver.label == "EKS node groups"
    kinds = {lever.description.split(" for node group")[0] for lever in driver.levers}
    assert {"spot", "savings plan 1y"} <= kinds
    assert all(lever.monthly_delta_usd < 0 for lever in driver.levers)


def test_the_examples_largest_prod_driver_is_its_multi_az_database(
    estimates: dict[tuple[str, str], CostEstimate],
) -> None:
    driver = estimates["orders-service", "prod"].largest_driver
    assert driver.label == "Databases"
    assert [lever.description.split(" (")[0] for lever in driver.levers] == [
        "single-AZ database orders-db"
    ]


def test_the_worker_examples_largest_prod_driver_is_its_multi_az_cache(
    estimates: dict[tuple[str, str], CostEstimate],
) -> None:
    driver = estimates["order-events-worker", "prod"].largest_driver
    assert driver.label == "Caches"
    (lever,) = driver.levers
    # two replicas fewer: 2 x cache.r7g.large x $0.1752/h x 730 h (prices.json)
    assert lever.monthly_delta_usd == pytest.approx(-255.79)
    assert lever.description.startswith("one node instead of 3 for cache order-state (loses")


def test_the_worker_examples_dead_letter_queue_is_listed_at_nothing(
    estimates: dict[tuple[str, str], CostEstimate],
) -> None:
    queues = {
        line.name: line.monthly_usd
        for line in estimates["order-events-worker", "prod"].lines
        if line.type == "aws:sqs/queue:Queue"
    }
    # prod's usage.sqs_requests_millions_per_queue (20) x $0.40/million standard
    assert queues == {"order-events": pytest.approx(8.00), "order-events-dead-letters": 0.0}


def test_prods_interface_endpoints_cost_their_hours_in_every_az(
    estimates: dict[tuple[str, str], CostEstimate],
) -> None:
    prod = estimates["platform", "prod"]
    hours = [
        line.monthly_usd
        for line in prod.lines
        if line.driver == "Interface endpoints" and "AZ x" in line.basis
    ]
    # eleven endpoints, 3 AZ x $0.01 x 730 h each (infra_kit/cost/data/prices.json)
    assert hours == [pytest.approx(21.90)] * 11


def test_prods_nat_gateways_offer_one_nat_instead_of_one_per_az(
    estimates: dict[tuple[str, str], CostEstimate],
) -> None:
    (lever,) = [lv for lv in estimates["platform", "prod"].levers if lv.driver == "NAT gateways"]
    # two gateways and their addresses fewer: 2 x ($0.045 + $0.005) x 730
    assert lever.monthly_delta_usd == pytest.approx(-73.00)
    assert "loses AZ-independent egress" in lever.description
