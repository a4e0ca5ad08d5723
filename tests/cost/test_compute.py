"""What compute costs: node groups, instances of a launch template, the EKS control plane.

Expected numbers are written from the rates in infra_kit/cost/data/prices.json (us-east-1, read
2026-12-02): m6i.large $0.096/h and t3.large $0.0832/h on demand, spot at 35% and an EC2 Instance
Savings Plan at 63% of on-demand (the table's stated assumptions), gp3 $0.08/GB-month, EKS
$0.10/cluster-hour, 730 hours a month.
"""

from __future__ import annotations

import pytest

from infra_kit.cost import estimate
from tests.cost.graphs import graph, resource

NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
GROUP = "aws:autoscaling/group:Group"


def _template(size: int | None = None, instance_type: str | None = None) -> dict[str, object]:
    ebs: dict[str, object] = {"volumeType": "gp3", "encrypted": "true"}
    if size is not None:
        ebs["volumeSize"] = size
    inputs: dict[str, object] = {"blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": ebs}]}
    if instance_type:
        inputs["instanceType"] = instance_type
    return resource(TEMPLATE, "nodes", inputs)


def _node_group(capacity: str, desired: int, minimum: int, template: dict[str, object]) -> dict:
    return resource(
        NODE_GROUP,
        "nodes-0",
        {
            "capacityType": capacity,
            "instanceTypes": ["m6i.large", "m5.large"],
            "scalingConfig": {"desiredSize": desired, "minSize": minimum, "maxSize": 20},
        },
        dependencies=(str(template["urn"]),),
    )


def test_an_on_demand_node_group_costs_its_desired_nodes_and_their_volumes() -> None:
    template = _template(size=50)
    est = estimate(graph(template, _node_group("ON_DEMAND", 2, 1, template)))
    # 2 x $0.096 x 730 = $140.16; 2 x 50 GB x $0.08 = $8.00
    assert [line.monthly_usd for line in est.lines] == [pytest.approx(140.16), pytest.approx(8.0)]
    assert est.lines[0].basis == "2 x m6i.large on-demand x $0.0960/h x 730 h"
    assert est.total_monthly_usd == pytest.approx(148.16)
    assert est.largest_driver.label == "EKS node groups"


def test_an_on_demand_node_group_offers_spot_a_savings_plan_and_fewer_nodes() -> None:
    template = _template(size=50)
    est = estimate(graph(template, _node_group("ON_DEMAND", 2, 1, template)))
    levers = {lever.description.split(" (")[0]: lever.monthly_delta_usd for lever in est.levers}
    assert levers == {
        # 2 x $0.096 x 730 x (0.35 - 1)
        "spot for node group nodes-0": pytest.approx(-91.10, abs=0.01),
        # 2 x $0.096 x 730 x (0.63 - 1)
        "savings plan 1y for node group nodes-0": pytest.approx(-51.86, abs=0.01),
        # one node and its volume fewer: $0.096 x 730 + 50 x $0.08
        "node group nodes-0 at its minimum of 1 instead of 2 desired nodes": pytest.approx(-74.08),
    }
    assert [lever.driver for lever in est.largest_driver.levers] == ["EKS node groups"] * 3


def test_a_spot_node_group_is_billed_at_the_spot_assumption_and_offers_no_spot_lever() -> None:
    template = _template(size=50)
    est = estimate(graph(template, _node_group("SPOT", 1, 1, template)))
    # 1 x $0.096 x 0.35 x 730 = $24.528, and the volume $4.00
    assert est.total_monthly_usd == pytest.approx(24.53 + 4.0, abs=0.01)
    assert "spot" in est.lines[0].basis
    assert est.levers == ()


def test_a_launch_template_without_a_volume_size_gets_the_amis_8_gib() -> None:
    template = _template(instance_type="t3.large")
    group = resource(
        GROUP, "tunnel", {"desiredCapacity": 1, "minSize": 1}, dependencies=(template["urn"],)
    )
    est = estimate(graph(template, group))
    # $0.0832 x 730 = $60.736; 8 GB x $0.08 = $0.64
    assert [line.monthly_usd for line in est.lines] == [pytest.approx(60.736), pytest.approx(0.64)]
    assert est.lines[1].basis == "1 x 8 GB gp3 x $0.08/GB-month"


def test_the_control_plane_costs_its_hours_and_names_extended_support_when_chosen() -> None:
    cluster = resource(
        "aws:eks/cluster:Cluster", "eks", {"upgradePolicy": {"supportType": "STANDARD"}}
    )
    est = estimate(graph(cluster))
    assert est.total_monthly_usd == pytest.approx(73.0)
    extended = resource(
        "aws:eks/cluster:Cluster", "eks", {"upgradePolicy": {"supportType": "EXTENDED"}}
    )
    line = estimate(graph(extended)).lines[0]
    assert line.monthly_usd == pytest.approx(73.0)
    assert "$0.60/h once its version leaves standard support" in line.basis


def test_an_instance_type_missing_from_the_table_is_unpriced_not_guessed() -> None:
    template = _template(size=20)
    group = resource(
        NODE_GROUP,
        "gpu",
        {"instanceTypes": ["p5.48xlarge"], "scalingConfig": {"desiredSize": 1, "minSize": 1}},
        dependencies=(template["urn"],),
    )
    est = estimate(graph(template, group))
    assert est.lines == ()
    assert est.unpriced == (
        (group["urn"], "aws:eks/nodeGroup:NodeGroup (p5.48xlarge not in the price table)"),
    )


def test_hours_per_month_come_from_the_usage_assumptions() -> None:
    cluster = resource("aws:eks/cluster:Cluster", "eks")
    assert estimate(graph(cluster, hours_per_month=100)).total_monthly_usd == pytest.approx(10.0)
    assert estimate(graph(cluster), usage={"hours_per_month": 200}).total_monthly_usd == (
        pytest.approx(20.0)
    )
