"""The arithmetic of the cost model on small graphs.

Expected numbers are written from the published rates in infra_kit/cost/data/prices.json
(us-east-1, read 2026-12-02), never read back from the model.
"""

from __future__ import annotations

import pytest

from infra_kit.cost import CostEstimate, delta, estimate
from tests.cost.graphs import graph, resource

NAT = "aws:ec2/natGateway:NatGateway"
EIP = "aws:ec2/eip:Eip"


def test_a_nat_gateway_costs_its_hours_and_the_gigabytes_it_processes() -> None:
    # $0.045/h x 730 h + 100 GB x $0.045/GB
    est = estimate(graph(resource(NAT, "nat-0"), nat_processed_gb=100))
    assert est.total_monthly_usd == pytest.approx(32.85 + 4.50)
    assert est.unpriced == ()


def test_three_nat_gateways_offer_the_single_nat_lever_with_their_addresses() -> None:
    eips = [resource(EIP, f"eip-{i}") for i in range(3)]
    nats = [resource(NAT, f"nat-{i}", dependencies=(eips[i]["urn"],)) for i in range(3)]
    est = estimate(graph(*eips, *nats, nat_processed_gb=0))
    # 3 x ($0.045 + $0.005)/h x 730 h
    assert est.total_monthly_usd == pytest.approx(109.50)
    assert est.largest_driver.label == "NAT gateways"
    assert est.largest_driver.share == pytest.approx(1.0)
    (lever,) = est.largest_driver.levers
    assert lever.description.startswith("one NAT gateway instead of one per AZ (3)")
    # two gateways and their addresses fewer: 2 x $0.05/h x 730 h
    assert lever.monthly_delta_usd == pytest.approx(-73.00)


def test_a_type_neither_priced_nor_free_is_reported_unpriced() -> None:
    est = estimate(graph(resource("aws:dynamodb/table:Table", "orders")))
    assert est.unpriced == (
        ("urn:pulumi:prod::shop::aws:dynamodb/table:Table::orders", "aws:dynamodb/table:Table"),
    )
    assert est.total_monthly_usd == 0


def test_the_delta_of_a_change_is_the_new_total_less_the_base() -> None:
    base = estimate(graph(resource(NAT, "nat-0"), nat_processed_gb=0))
    new = estimate(graph(resource(NAT, "nat-0"), resource(NAT, "nat-1"), nat_processed_gb=0))
    change = delta(base, new)
    assert isinstance(new, CostEstimate)
    assert change.total_delta_usd == pytest.approx(32.85)
    assert [(c.name, c.change) for c in change.changes] == [("nat-1", "added")]
    assert "+$32.85" in change.render_markdown()
