"""The facts an architecture is made of: subnets, NAT gateways, node groups, data stores, load
balancers and workloads, each a frozen record read from the graphs. Pure Python."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from infra_kit.policy._graph import GraphDoc

__all__ = [
    "TIERS",
    "Architecture",
    "Cache",
    "Database",
    "Endpoint",
    "LoadBalancer",
    "NatGateway",
    "NodeGroup",
    "Subnet",
    "Workload",
]

#: The subnet tiers of NET-1, from the edge inwards.
TIERS: tuple[str, ...] = ("public", "private", "isolated")


@dataclass(frozen=True)
class Subnet:
    name: str
    tier: str
    zone: str
    cidr: str


@dataclass(frozen=True)
class NatGateway:
    name: str
    zone: str


@dataclass(frozen=True)
class Endpoint:
    service: str
    kind: str  # Gateway or Interface


@dataclass(frozen=True)
class NodeGroup:
    name: str
    zones: tuple[str, ...]
    instance_types: tuple[str, ...]
    capacity_type: str
    minimum: int
    desired: int
    maximum: int
    max_unavailable: int | None


@dataclass(frozen=True)
class Database:
    name: str
    identifier: str
    engine: str
    engine_version: str
    instance_class: str
    multi_az: bool
    zones: tuple[str, ...]
    storage_gb: int
    max_storage_gb: int
    backup_retention_days: int
    deletion_protection: bool
    encrypted: bool
    stack: str
    resource_id: str = ""
    #: Workloads granted a database login (``rds-db:connect``), as ``namespace/name``.
    clients: tuple[str, ...] = ()


@dataclass(frozen=True)
class Cache:
    name: str
    engine: str
    node_type: str
    multi_az: bool
    stack: str


@dataclass(frozen=True)
class Workload:
    namespace: str
    name: str
    kind: str
    replicas: int | None
    stack: str
    strategy: Mapping[str, Any] = field(default_factory=dict)
    progress_deadline_seconds: int | None = None

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True)
class LoadBalancer:
    """An ALB the load balancer controller makes for an Ingress (or one the graph declares)."""

    name: str
    scheme: str
    ingress: str
    hosts: tuple[str, ...]
    web_acl: str | None
    ssl_policy: str | None
    backends: tuple[str, ...]
    stack: str


@dataclass(frozen=True)
class Architecture:
    """Everything the document and the diagram show, from the graphs given."""

    graphs: tuple[GraphDoc, ...]
    vpc_name: str | None = None
    vpc_cidr: str | None = None
    zones: tuple[str, ...] = ()
    subnets: tuple[Subnet, ...] = ()
    nat_gateways: tuple[NatGateway, ...] = ()
    endpoints: tuple[Endpoint, ...] = ()
    cluster_name: str | None = None
    cluster_version: str | None = None
    cluster_public_endpoint: bool = False
    node_groups: tuple[NodeGroup, ...] = ()
    databases: tuple[Database, ...] = ()
    caches: tuple[Cache, ...] = ()
    buckets: tuple[str, ...] = ()
    load_balancers: tuple[LoadBalancer, ...] = ()
    workloads: tuple[Workload, ...] = ()
    web_acls: tuple[str, ...] = ()

    @property
    def primary(self) -> GraphDoc:
        return self.graphs[0]

    @property
    def profile(self) -> Mapping[str, Any]:
        return self.primary.environment.profile

    def subnet(self, tier: str, zone: str) -> Subnet | None:
        return next((s for s in self.subnets if s.tier == tier and s.zone == zone), None)


def _ints(value: Any, default: int = 0) -> int:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else default


def _zones_of(ids: Iterable[Any], known: Mapping[str, tuple[str, str]]) -> tuple[str, ...]:
    zones: list[str] = []
    for subnet_id in ids:
        zone = known.get(str(subnet_id), ("", ""))[1]
        if zone and zone not in zones:
            zones.append(zone)
    return tuple(zones)
