"""What each AWS resource type costs a month: one pricer per billed type, over graph records.

A pricer reads the record's inputs (instance type, count, size), takes rates from the price table
and volumes from the usage assumptions, and returns :class:`Item` lines, each with its formula
written out. Levers are attached where a setting of the resource moves its cost.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from infra_kit.cost._model import Lever
from infra_kit.cost._prices import PriceTable
from infra_kit.policy._graph import GraphDoc

__all__ = ["Context", "Item", "Pricer"]

# Drivers: what a line's cost is for, across components.
NODES = "EKS node groups"
CONTROL_PLANE = "EKS control plane"
NAT = "NAT gateways"
ENDPOINTS = "Interface endpoints"
PUBLIC_IPS = "Public IPv4 addresses"
DATABASES = "Databases"
INSTANCES = "Other EC2 instances"
LOAD_BALANCERS = "Load balancers"
LOGS = "Logs"
MONITORING = "Alarms and dashboards"
STORAGE = "Storage and backups"
EDGE = "Edge (WAF, DNS)"
KEYS = "Keys and secrets"
FUNCTIONS = "Functions and notifications"
QUEUES = "Queues"
CACHES = "Caches"


@dataclass(frozen=True)
class Item:
    monthly_usd: float
    basis: str
    driver: str


@dataclass
class Context:
    """What pricers share: the graph, the rates, the usage assumptions and counts over the graph
    (traffic totals are split among the resources that carry them)."""

    graph: GraphDoc
    prices: PriceTable
    usage: Mapping[str, Any]
    levers: list[Lever] = field(default_factory=list)

    @property
    def hours(self) -> float:
        return float(self.usage["hours_per_month"])

    def u(self, key: str) -> float:
        return float(self.usage[key])

    def count(self, resource_type: str, predicate: Callable[[dict[str, Any]], bool] = bool) -> int:
        return sum(1 for r in self.graph.of_type(resource_type) if predicate(r))

    def dependency(self, record: Mapping[str, Any], resource_type: str) -> dict[str, Any] | None:
        for urn in record.get("dependencies") or []:
            found = self.graph.get(urn)
            if found is not None and found["type"] == resource_type:
                return found
        return None


def _usd(value: float) -> str:
    return f"${value:,.2f}"


def _n(value: float) -> str:
    return f"{value:g}"


Pricer = Callable[[dict[str, Any], Context], list[Item]]


# -- compute ---------------------------------------------------------------------------------------
def _root_volume(template: Mapping[str, Any] | None, prices: PriceTable) -> tuple[float, str]:
    """The root volume's size (GiB) and type of instances launched from ``template``."""
    default = prices.rate("ec2.ami_root_volume_gb").quantity or 0
    if template is None:
        return float(default), "gp3"
    for mapping in GraphDoc.inputs(template).get("blockDeviceMappings") or []:
        ebs = mapping.get("ebs") or {}
        return float(ebs.get("volumeSize") or default), str(ebs.get("volumeType") or "gp3")
    return float(default), "gp3"


def _volume_item(count: float, size: float, kind: str, ctx: Context, driver: str) -> Item:
    rate = ctx.prices.usd(f"ebs.{kind}_gb_month")
    return Item(
        count * size * rate,
        f"{_n(count)} x {_n(size)} GB {kind} x {_usd(rate)}/GB-month",
        driver,
    )


def node_group(record: dict[str, Any], ctx: Context) -> list[Item]:
    inputs = GraphDoc.inputs(record)
    instance = str((inputs.get("instanceTypes") or ["t3.medium"])[0])
    scaling = inputs.get("scalingConfig") or {}
    count = float(scaling.get("desiredSize", scaling.get("minSize", 0)))
    spot = inputs.get("capacityType") == "SPOT"
    purchase = "spot" if spot else "on_demand"
    hour = ctx.prices.instance_hour(instance, purchase)
    label = "spot" if spot else "on-demand"
    items = [
        Item(
            count * hour * ctx.hours,
            f"{_n(count)} x {instance} {label} x ${hour:.4f}/h x {_n(ctx.hours)} h",
            NODES,
        )
    ]
    template = ctx.dependency(record, "aws:ec2/launchTemplate:LaunchTemplate")
    size, kind = _root_volume(template, ctx.prices)
    if not template and inputs.get("diskSize"):
        size = float(inputs["diskSize"])
    items.append(_volume_item(count, size, kind, ctx, NODES))
    name = record["name"]
    if not spot and count:
        on_demand = count * hour * ctx.hours
        spot_cost = count * ctx.prices.instance_hour(instance, "spot") * ctx.hours
        ctx.levers.append(
            Lever(
                f"spot for node group {name} (capacity can be reclaimed at two minutes' "
                "notice; spot rate is an assumption)",
                round(spot_cost - on_demand, 2),
                NODES,
            )
        )
        plan = count * ctx.prices.instance_hour(instance, "savings_plan_1y") * ctx.hours
        ctx.levers.append(
            Lever(
                f"savings plan 1y for node group {name} (commits to {_n(count)} x {instance} "
                "for a year)",
                round(plan - on_demand, 2),
                NODES,
            )
        )
    minimum = float(scaling.get("minSize", 0))
    if count > minimum:
        ctx.levers.append(
            Lever(
                f"node group {name} at its minimum of {_n(minimum)} instead of {_n(count)} "
                "desired nodes (less headroom before the autoscaler adds nodes)",
                round(
                    -(count - minimum)
                    * (hour * ctx.hours + size * ctx.prices.usd(f"ebs.{kind}_gb_month")),
                    2,
                ),
                NODES,
            )
        )
    return items


def autoscaling_group(record: dict[str, Any], ctx: Context) -> list[Item]:
    inputs = GraphDoc.inputs(record)
    count = float(inputs.get("desiredCapacity", inputs.get("minSize", 0)))
    template = ctx.dependency(record, "aws:ec2/launchTemplate:LaunchTemplate")
    instance = str(GraphDoc.inputs(template).get("instanceType")) if template else "t3.micro"
    hour = ctx.prices.instance_hour(instance)
    size, kind = _root_volume(template, ctx.prices)
    return [
        Item(
            count * hour * ctx.hours,
            f"{_n(count)} x {instance} on-demand x ${hour:.4f}/h x {_n(ctx.hours)} h",
            INSTANCES,
        ),
        _volume_item(count, size, kind, ctx, INSTANCES),
    ]


def eks_cluster(record: dict[str, Any], ctx: Context) -> list[Item]:
    support = (GraphDoc.inputs(record).get("upgradePolicy") or {}).get("supportType")
    rate = ctx.prices.usd("eks.cluster_hour")
    note = ""
    if support == "EXTENDED":
        extended = ctx.prices.usd("eks.cluster_extended_hour")
        note = f"; {_usd(extended)}/h once its version leaves standard support"
    return [
        Item(
            rate * ctx.hours,
            f"1 cluster x {_usd(rate)}/h x {_n(ctx.hours)} h{note}",
            CONTROL_PLANE,
        )
    ]
