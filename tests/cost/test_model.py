"""How an estimate groups its lines, names its largest driver, renders, and compares."""

from __future__ import annotations

import json

import pytest

from infra_kit.cost import delta, estimate
from infra_kit.cost._render import compare_json, compare_markdown, compare_table
from tests.cost.graphs import graph, resource

NAT = "aws:ec2/natGateway:NatGateway"


def _stack(stack: str = "prod", **usage: float):
    network = resource("infra-kit:aws:Network", "core", stack=stack)
    key = resource("infra-kit:aws:Key", "platform", stack=stack)
    return graph(
        network,
        key,
        resource(NAT, "nat-0", stack=stack, parent=network["urn"]),
        resource("aws:kms/key:Key", "platform", stack=stack, parent=key["urn"]),
        resource("aws:route53/zone:Zone", "public", stack=stack),
        stack=stack,
        **usage,
    )


def test_lines_are_grouped_by_their_nearest_component_largest_first() -> None:
    est = estimate(_stack(nat_processed_gb=0))
    # $0.045 x 730; $1 a key; a zone outside any component is the stack's
    assert est.by_component() == [
        ("core (Network)", 32.85),
        ("platform (Key)", 1.0),
        ("stack", 0.5),
    ]
    assert est.by_driver() == [
        ("NAT gateways", 32.85),
        ("Keys and secrets", 1.0),
        ("Edge (WAF, DNS)", 0.5),
    ]


def test_the_largest_driver_has_its_share_of_the_total() -> None:
    driver = estimate(_stack(nat_processed_gb=0)).largest_driver
    assert (driver.label, driver.monthly_usd) == ("NAT gateways", 32.85)
    assert driver.share == pytest.approx(32.85 / 34.35)


def test_an_empty_graph_costs_nothing_and_names_no_driver() -> None:
    est = estimate(graph())
    assert est.total_monthly_usd == 0
    assert est.largest_driver.label == "nothing priced"
    assert est.largest_driver.share == 0


def test_the_markdown_block_gives_the_total_the_driver_and_each_component() -> None:
    text = estimate(_stack(nat_processed_gb=0)).render_markdown()
    assert text.startswith("### Monthly cost of `shop/prod`: $34.35\n")
    assert "**Largest cost driver:** NAT gateways, $32.85/month (96% of the total)." in text
    assert "| core (Network) | $32.85 |" in text
    assert "data transfer between AZs" in text


def test_the_json_report_carries_lines_levers_and_the_usage_it_assumed() -> None:
    report = json.loads(json.dumps(estimate(_stack(nat_processed_gb=7)).to_json()))
    assert report["total_monthly_usd"] == pytest.approx(32.85 + 7 * 0.045 + 1.5, abs=0.01)
    assert report["largest_driver"]["label"] == "NAT gateways"
    assert report["usage"]["nat_processed_gb"] == 7
    assert {line["type"] for line in report["lines"]} == {
        NAT,
        "aws:kms/key:Key",
        "aws:route53/zone:Zone",
    }


def test_a_delta_matches_resources_across_stacks_of_one_project() -> None:
    base = estimate(_stack("dev", nat_processed_gb=0))
    new = estimate(_stack("prod", nat_processed_gb=100))
    change = delta(base, new)
    # only the NAT gateway's processing differs: 100 GB x $0.045
    assert change.total_delta_usd == pytest.approx(4.50)
    assert [(c.name, c.change, c.delta_usd) for c in change.changes] == [("nat-0", "changed", 4.50)]
    assert "| changed | `nat-0` | ec2/natGateway | $32.85 | $37.35 | +$4.50 |" in (
        change.render_markdown()
    )


def test_a_resource_priced_on_one_side_only_is_left_out_of_the_delta_not_counted_removed() -> None:
    db = "aws:rds/instance:Instance"

    def stack(instance_class: str):
        return graph(
            resource(NAT, "nat-0"),
            resource(db, "orders", {"instanceClass": instance_class}),
            nat_processed_gb=0,
        )

    base, new = estimate(stack("db.t4g.micro")), estimate(stack("db.x99.huge"))
    change = delta(base, new)
    assert change.changes == ()
    assert change.total_delta_usd == 0
    assert [why for _, why in change.unpriced] == [f"{db} (db.x99.huge not in the price table)"]
    assert "Not priced (1), so the delta leaves them out" in change.render_markdown()
    assert "NOT PRICED (1)" in change.render_table()
    assert change.to_json()["unpriced"][0]["urn"].endswith("::orders")


def test_a_delta_with_nothing_changed_says_so() -> None:
    est = estimate(_stack())
    change = delta(est, est)
    assert (change.total_delta_usd, change.changes) == (0, ())
    assert "No resource changes its monthly cost." in change.render_markdown()


def test_environments_compare_side_by_side_with_their_share_of_the_last() -> None:
    dev, prod = estimate(_stack("dev", nat_processed_gb=0)), estimate(_stack("prod"))
    table = compare_table([dev, prod])
    assert "share of prod" in table
    report = compare_json([dev, prod])
    assert [e["environment"] for e in report["environments"]] == ["dev", "prod"]
    # prod: $32.85 + 1000 GB x $0.045 + $1.50
    assert report["environments"][1]["total_monthly_usd"] == pytest.approx(79.35)
    assert report["environments"][0]["ratio_to_last"] == pytest.approx(round(34.35 / 79.35, 4))
    assert "| TOTAL | $34.35 | $79.35 |" in compare_markdown([dev, prod])
