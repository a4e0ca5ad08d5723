"""What the readiness review reads from a graph's AWS side: node groups and their AZs, subnets
and NAT gateways per AZ, databases, dashboards and log groups, and EC2 instance sizes.

Pure Python over graph documents; nothing here judges.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from infra_kit.policy._graph import GraphDoc
from infra_kit.policy.rules._values import as_dict, as_int, as_list

__all__ = [
    "NodeGroup",
    "dashboards",
    "database_instances",
    "instance_size",
    "log_groups",
    "nat_gateways",
    "node_groups",
    "subnets_by_tier",
]


@dataclass(frozen=True)
class NodeGroup:
    name: str
    urn: str
    zone: str
    minimum: int
    desired: int
    maximum: int
    instance_types: tuple[str, ...]
    capacity_type: str
    autoscaler_tagged: bool = False
    subnets: tuple[str, ...] = field(default_factory=tuple)


@cache
def _instance_sizes() -> dict[str, dict[str, float]]:
    data = resources.files("infra_kit.review").joinpath("data/ec2-instance-sizes.json")
    return dict(json.loads(data.read_text(encoding="utf-8"))["sizes"])


def instance_size(instance_type: str) -> tuple[float, float] | None:
    """(vCPUs, memory GiB) of an EC2 instance type, from the dated data file; None if unknown."""
    size = _instance_sizes().get(instance_type)
    return (size["vcpu"], size["memory_gib"]) if size else None


def _subnet_zones(graph: GraphDoc) -> dict[str, str]:
    return {
        r["urn"]: str(GraphDoc.inputs(r).get("availabilityZone") or "")
        for r in graph.of_type("aws:ec2/subnet:Subnet")
    }


def node_groups(graph: GraphDoc) -> list[NodeGroup]:
    """EKS managed node groups, each with the AZ of its subnets (read through the subnets it
    depends on) and its scaling bounds."""
    zones = _subnet_zones(graph)
    found = []
    for record in graph.of_type("aws:eks/nodeGroup:NodeGroup"):
        inputs = GraphDoc.inputs(record)
        scaling = as_dict(inputs.get("scalingConfig"))
        subnet_zones = sorted({zones[d] for d in as_list(record.get("dependencies")) if d in zones})
        tags = as_dict(inputs.get("tags"))
        found.append(
            NodeGroup(
                name=str(record["name"]),
                urn=str(record["urn"]),
                zone=",".join(subnet_zones) or "unknown",
                minimum=as_int(scaling.get("minSize")) or 0,
                desired=as_int(scaling.get("desiredSize")) or 0,
                maximum=as_int(scaling.get("maxSize")) or 0,
                instance_types=tuple(str(t) for t in as_list(inputs.get("instanceTypes"))),
                capacity_type=str(inputs.get("capacityType") or "ON_DEMAND"),
                autoscaler_tagged=tags.get("k8s.io/cluster-autoscaler/enabled") == "true",
                subnets=tuple(subnet_zones),
            )
        )
    return found


def subnets_by_tier(graph: GraphDoc) -> dict[str, list[str]]:
    """AZs of the subnets of each tier (the ``tier`` tag), sorted."""
    tiers: dict[str, list[str]] = {}
    for record in graph.of_type("aws:ec2/subnet:Subnet"):
        inputs = GraphDoc.inputs(record)
        tier = str(as_dict(inputs.get("tags")).get("tier") or "untiered")
        tiers.setdefault(tier, []).append(str(inputs.get("availabilityZone") or "unknown"))
    return {tier: sorted(zones) for tier, zones in sorted(tiers.items())}


def nat_gateways(graph: GraphDoc) -> list[tuple[str, str]]:
    """(name, AZ) of each NAT gateway, its AZ read through the subnet it depends on."""
    zones = _subnet_zones(graph)
    return [
        (
            str(r["name"]),
            next((zones[d] for d in as_list(r.get("dependencies")) if d in zones), "unknown"),
        )
        for r in graph.of_type("aws:ec2/natGateway:NatGateway")
    ]


def database_instances(graph: GraphDoc) -> list[dict[str, Any]]:
    return graph.of_type("aws:rds/instance:Instance", "aws:rds/cluster:Cluster")


def dashboards(graph: GraphDoc) -> list[str]:
    return [
        str(GraphDoc.inputs(r).get("dashboardName") or r["name"])
        for r in graph.of_type("aws:cloudwatch/dashboard:Dashboard")
    ]


def log_groups(graph: GraphDoc) -> list[str]:
    return [
        str(GraphDoc.inputs(r).get("name") or r["name"])
        for r in graph.of_type("aws:cloudwatch/logGroup:LogGroup")
    ]
