"""The price table: AWS list prices read from ``data/prices.json``, each with its source and date.

Nothing else in infra-kit holds a price. An entry that is not a published list price (spot, an
AMI's default volume size) carries an ``assumption`` saying what it stands for.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["DATA_FILE", "PriceTable", "Rate", "load_prices"]

DATA_FILE = Path(__file__).with_name("data") / "prices.json"


@dataclass(frozen=True)
class Rate:
    """One billed dimension: ``usd`` per ``per``, read from ``source`` on ``retrieved``."""

    key: str
    usd: float
    per: str
    source: str
    retrieved: str
    assumption: str | None = None
    #: A quantity the entry states besides its price (e.g. a default size, a free allowance).
    quantity: float | None = None


class PriceTable:
    """The rates of one region, looked up by key (``"vpc.nat_gateway_hour"``), instance type,
    database class or cache node type. A missing price is a :class:`KeyError`, never a guess."""

    def __init__(self, doc: Mapping[str, Any]) -> None:
        self.doc = doc
        self.region: str = str(doc.get("region", ""))
        self.retrieved: str = str(doc.get("retrieved", ""))
        self._rates = {
            key: Rate(
                key=key,
                usd=float(entry["usd"]),
                per=str(entry["per"]),
                source=str(entry["source"]),
                retrieved=str(entry["retrieved"]),
                assumption=entry.get("assumption"),
                quantity=entry.get("quantity", entry.get("free_quantity")),
            )
            for key, entry in (doc.get("rates") or {}).items()
        }
        self._ec2: Mapping[str, Mapping[str, float]] = (doc.get("ec2_instances") or {}).get(
            "types"
        ) or {}
        self._rds: Mapping[str, Mapping[str, float]] = (doc.get("rds_instances") or {}).get(
            "types"
        ) or {}
        self._cache: Mapping[str, Mapping[str, float]] = (doc.get("elasticache_nodes") or {}).get(
            "types"
        ) or {}
        options = doc.get("ec2_purchase_options") or {}
        #: What a spot or savings-plan instance-hour costs as a share of on-demand (assumptions).
        self.purchase_fractions: dict[str, float] = {
            name: float(entry["fraction_of_on_demand"]) for name, entry in options.items()
        }
        self.free: Mapping[str, str] = doc.get("free") or {}

    def rate(self, key: str) -> Rate:
        return self._rates[key]

    def usd(self, key: str) -> float:
        return self._rates[key].usd

    def rates(self) -> list[Rate]:
        return list(self._rates.values())

    def has_instance(self, instance_type: str) -> bool:
        return instance_type in self._ec2

    def instance_hour(self, instance_type: str, purchase: str = "on_demand") -> float:
        """An EC2 instance-hour: ``on_demand``, or a purchase option of the table (``spot``,
        ``savings_plan_1y``) as its stated share of the on-demand rate."""
        on_demand = self._ec2[instance_type]["on_demand"]
        if purchase == "on_demand":
            return on_demand
        return on_demand * self.purchase_fractions[purchase]

    def has_database(self, instance_class: str) -> bool:
        return instance_class in self._rds

    def database_hour(self, instance_class: str, *, multi_az: bool) -> float:
        return self._rds[instance_class]["multi_az" if multi_az else "single_az"]

    def has_cache_node(self, node_type: str) -> bool:
        return node_type in self._cache

    def cache_node_hour(self, node_type: str) -> float:
        """An on-demand ElastiCache for Valkey node-hour of ``node_type``."""
        return self._cache[node_type]["on_demand"]

    def free_reason(self, resource_type: str) -> str | None:
        """Why ``resource_type`` costs nothing, or None if the table does not say it is free."""
        if resource_type in self.free:
            return self.free[resource_type]
        for pattern, reason in self.free.items():
            if pattern.endswith("*") and resource_type.startswith(pattern[:-1]):
                return reason
        return None


@cache
def load_prices(path: Path = DATA_FILE) -> PriceTable:
    """The price table in ``path`` (by default the packaged us-east-1 table)."""
    return PriceTable(json.loads(path.read_text(encoding="utf-8")))
