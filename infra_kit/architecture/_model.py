"""What an architecture is made of, read from one or more graph documents.

The platform's graph holds the network and the cluster; an app stack's graph holds its
databases, buckets and the Ingress from which the load balancer controller makes an ALB in the
platform's VPC. :func:`derive` reads them together into one :class:`Architecture`, from which
the document and the diagram are both written, so neither says anything the graphs do not.

Pure Python over plain JSON values: no Pulumi runtime.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from infra_kit.architecture._apps import data_stores, load_balancers, workloads
from infra_kit.architecture._facts import (
    TIERS,
    Architecture,
    Endpoint,
    NatGateway,
    NodeGroup,
    Subnet,
    _ints,
    _zones_of,
)
from infra_kit.policy._graph import GraphDoc

__all__ = ["TIERS", "Architecture", "derive", "top_level_components"]

_STACK = "pulumi:pulumi:Stack"


def top_level_components(graph: GraphDoc) -> list[dict[str, Any]]:
    """The graph's infra-kit components whose parent is the stack itself, in graph order."""
    stacks = {r["urn"] for r in graph.of_type(_STACK)}
    return [
        r
        for r in graph
        if r["type"].startswith("infra-kit:") and (r.get("parent") in stacks or not r.get("parent"))
    ]


def _subnet_ids(graphs: Sequence[GraphDoc]) -> dict[str, tuple[str, str]]:
    """Subnet id -> (tier, zone), from the Network components' outputs (ids exist only there)."""
    found: dict[str, tuple[str, str]] = {}
    for graph in graphs:
        for network in graph.of_type("infra-kit:aws:Network"):
            outputs = network.get("outputs") or {}
            zones = outputs.get("availability_zones") or []
            for tier in TIERS:
                for zone, subnet_id in zip(
                    zones, outputs.get(f"{tier}_subnet_ids") or [], strict=False
                ):
                    found[str(subnet_id)] = (tier, str(zone))
    return found


def _dependency_zones(graph: GraphDoc, record: Mapping[str, Any]) -> tuple[str, ...]:
    zones = []
    for urn in record.get("dependencies") or []:
        dep = graph.get(urn)
        if dep is not None and dep["type"] == "aws:ec2/subnet:Subnet":
            zone = GraphDoc.inputs(dep).get("availabilityZone")
            if isinstance(zone, str) and zone not in zones:
                zones.append(zone)
    return tuple(zones)


def _tier_of(subnet: Mapping[str, Any]) -> str:
    inputs = GraphDoc.inputs(subnet)
    tier = (inputs.get("tags") or {}).get("tier")
    if tier in TIERS:
        return str(tier)
    return next((t for t in TIERS if f"-{t}-" in f"-{subnet['name']}-"), "private")


def _network(graphs: Sequence[GraphDoc]) -> dict[str, Any]:
    out: dict[str, Any] = {"subnets": [], "nat_gateways": [], "endpoints": []}
    for graph in graphs:
        for vpc in graph.of_type("aws:ec2/vpc:Vpc"):
            if out.get("vpc_name") is None:
                out["vpc_name"] = vpc["name"]
                out["vpc_cidr"] = GraphDoc.inputs(vpc).get("cidrBlock")
        subnet_names: dict[str, Subnet] = {}
        for record in graph.of_type("aws:ec2/subnet:Subnet"):
            inputs = GraphDoc.inputs(record)
            subnet = Subnet(
                name=record["name"],
                tier=_tier_of(record),
                zone=str(inputs.get("availabilityZone") or ""),
                cidr=str(inputs.get("cidrBlock") or ""),
            )
            subnet_names[record["urn"]] = subnet
            out["subnets"].append(subnet)
        for record in graph.of_type("aws:ec2/natGateway:NatGateway"):
            zone = next(
                (
                    subnet_names[u].zone
                    for u in record.get("dependencies") or []
                    if u in subnet_names
                ),
                "",
            )
            out["nat_gateways"].append(NatGateway(record["name"], zone))
        for record in graph.of_type("aws:ec2/vpcEndpoint:VpcEndpoint"):
            inputs = GraphDoc.inputs(record)
            service = str(inputs.get("serviceName") or record["name"])
            short = re.sub(r"^com\.amazonaws\.[a-z0-9-]+\.", "", service)
            out["endpoints"].append(
                Endpoint(short, str(inputs.get("vpcEndpointType") or "Gateway"))
            )
    zones: list[str] = []
    for subnet in out["subnets"]:
        if subnet.zone and subnet.zone not in zones:
            zones.append(subnet.zone)
    out["zones"] = tuple(zones)
    return out


def _cluster(graphs: Sequence[GraphDoc], known: Mapping[str, tuple[str, str]]) -> dict[str, Any]:
    out: dict[str, Any] = {"node_groups": []}
    for graph in graphs:
        for record in graph.of_type("aws:eks/cluster:Cluster"):
            inputs = GraphDoc.inputs(record)
            out.setdefault("cluster_name", str(inputs.get("name") or record["name"]))
            out.setdefault("cluster_version", inputs.get("version"))
            out.setdefault(
                "cluster_public_endpoint",
                bool((inputs.get("vpcConfig") or {}).get("endpointPublicAccess", False)),
            )
        for record in graph.of_type("aws:eks/nodeGroup:NodeGroup"):
            inputs = GraphDoc.inputs(record)
            scaling = inputs.get("scalingConfig") or {}
            zones = _dependency_zones(graph, record) or _zones_of(
                inputs.get("subnetIds") or [], known
            )
            out["node_groups"].append(
                NodeGroup(
                    name=record["name"],
                    zones=zones,
                    instance_types=tuple(inputs.get("instanceTypes") or ()),
                    capacity_type=str(inputs.get("capacityType") or "ON_DEMAND"),
                    minimum=_ints(scaling.get("minSize")),
                    desired=_ints(scaling.get("desiredSize")),
                    maximum=_ints(scaling.get("maxSize")),
                    max_unavailable=(inputs.get("updateConfig") or {}).get("maxUnavailable"),
                )
            )
    return out


def derive(graphs: Sequence[GraphDoc]) -> Architecture:
    """The architecture the graphs describe together; the first graph is the document's subject
    (its environment profile is the one stated), the others run in it (app stacks)."""
    if not graphs:
        raise ValueError("derive needs at least one graph")
    known = _subnet_ids(graphs)
    network = _network(graphs)
    cluster = _cluster(graphs, known)
    data = data_stores(graphs, known)
    running = [w for g in graphs for w in workloads(g)]
    web_acls = tuple(
        str(GraphDoc.inputs(r).get("name") or r["name"])
        for g in graphs
        for r in g.of_type("aws:wafv2/webAcl:WebAcl")
    )
    return Architecture(
        graphs=tuple(graphs),
        vpc_name=network.get("vpc_name"),
        vpc_cidr=network.get("vpc_cidr"),
        zones=network["zones"],
        subnets=tuple(network["subnets"]),
        nat_gateways=tuple(network["nat_gateways"]),
        endpoints=tuple(network["endpoints"]),
        cluster_name=cluster.get("cluster_name"),
        cluster_version=cluster.get("cluster_version"),
        cluster_public_endpoint=bool(cluster.get("cluster_public_endpoint", False)),
        node_groups=tuple(cluster["node_groups"]),
        databases=tuple(data["databases"]),
        caches=tuple(data["caches"]),
        buckets=tuple(data["buckets"]),
        load_balancers=tuple(lb for g in graphs for lb in load_balancers(g)),
        workloads=tuple(running),
        web_acls=web_acls,
    )
