"""The built-in environments side by side, and the choices among them that trade resilience or
speed for cost.

Values come from :data:`infra_kit.core.profile.BUILTIN_PROFILES` (the rows of the profile
tables) and from the documented stack's own profile; only the consequence of each choice, what
is lost with the cheaper value, is written here, because no table states it.

Pure Python: no Pulumi runtime.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from infra_kit.core.profile import BUILTIN_PROFILES
from infra_kit.core.profile._base import ENVIRONMENTS

__all__ = ["TRADE_OFFS", "TradeOff", "differing_settings", "flatten", "lookup", "trade_off_rows"]


def flatten(profile: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"network": {"az_count": 3}}`` -> ``{"network.az_count": 3}``; lists stay values."""
    out: dict[str, Any] = {}
    for key, value in profile.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping) and value and key != "tenants":
            out.update(flatten(value, dotted + "."))
        else:
            out[dotted] = value
    return out


def lookup(profile: Mapping[str, Any], dotted: str) -> Any:
    node: Any = profile
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def show(value: Any) -> str:
    """A profile value as a table cell."""
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        if value and all(isinstance(v, Mapping) for v in value):
            return f"{len(value)} entries"
        return ", ".join(str(v) for v in value) or "none"
    return str(value)


def differing_settings(stack_profile: Mapping[str, Any]) -> list[tuple[str, list[str], str]]:
    """Every setting whose built-in value is not the same in all environments:
    ``(key, [dev, preview, stage, prod], this stack's value)``, in profile order."""
    flat = {name: flatten(BUILTIN_PROFILES[name]) for name in ENVIRONMENTS}
    own = flatten(stack_profile)
    keys: list[str] = []
    for name in ENVIRONMENTS:
        keys += [k for k in flat[name] if k not in keys]
    rows = []
    for key in keys:
        if key == "name":
            continue
        values = [flat[name].get(key) for name in ENVIRONMENTS]
        if all(v == values[0] for v in values):
            continue
        rows.append((key, [show(v) for v in values], show(own.get(key))))
    return rows


@dataclass(frozen=True)
class TradeOff:
    """A setting whose cheaper (or faster) value gives something up.

    ``cheaper`` tells whether a value is the cheaper choice; ``gains`` what that value saves,
    ``loses`` what it gives up.
    """

    key: str
    cheaper: Callable[[Any], bool]
    gains: str
    loses: str


# The consequences below are what each cheaper value gives up; the values themselves, and which
# environments choose them, are read from the profiles.
TRADE_OFFS: tuple[TradeOff, ...] = (
    TradeOff(
        "network.nat_strategy",
        lambda v: v == "single",
        "one NAT gateway's hourly and per-GB charges instead of one per AZ",
        "egress of every private subnet depends on one AZ: losing it cuts the others off the "
        "internet too, and cross-AZ traffic to the gateway is billed (HA-1)",
    ),
    TradeOff(
        "network.az_count",
        lambda v: isinstance(v, int) and v < 3,
        "fewer subnets, node groups and NAT gateways",
        "an AZ outage takes half the capacity, and a Multi-AZ database has one fallback AZ",
    ),
    TradeOff(
        "network.enable_interface_endpoints",
        lambda v: v is False,
        "the hourly charge of every interface endpoint in every AZ",
        "AWS API calls (ECR pulls, STS, logs) cross the NAT gateway, billed per GB, and stop "
        "when it is down (NET-4)",
    ),
    TradeOff(
        "cluster.capacity_type",
        lambda v: v == "SPOT",
        "spot prices, typically well below on-demand",
        "nodes can be reclaimed at two minutes' notice; pods are rescheduled, and capacity may "
        "be short while the pool is constrained",
    ),
    TradeOff(
        "cluster.nodes_desired_per_az",
        lambda v: isinstance(v, int) and v < 2,
        "one node per AZ at rest",
        "a node failure leaves its AZ without capacity until the autoscaler replaces it",
    ),
    TradeOff(
        "workloads.min_replicas",
        lambda v: isinstance(v, int) and v < 2,
        "one pod per service at rest",
        "a pod crash or a node drain is an outage of the service until a new pod is ready",
    ),
    TradeOff(
        "database.multi_az",
        lambda v: v is False,
        "half the database instance and storage charge",
        "an instance or AZ failure means restoring from backup within the RTO instead of a "
        "failover in a minute or two",
    ),
    TradeOff(
        "database.backup_retention_days",
        lambda v: isinstance(v, int) and v < 7,
        "less backup storage",
        "point-in-time recovery reaches back only that many days",
    ),
    TradeOff(
        "database.enable_performance_insights",
        lambda v: v is False,
        "the Performance Insights charge",
        "no per-query load history when diagnosing a slow database",
    ),
    TradeOff(
        "rollouts.enable_canary",
        lambda v: v is False,
        "faster deploys: a rolling update instead of about 15 minutes of canary steps",
        "a faulty version reaches every pod before anything judges it; rollback is the "
        "pipeline's verify step (DEP-1, DEP-2)",
    ),
    TradeOff(
        "buckets.enable_access_logging",
        lambda v: v is False,
        "the access-log bucket's storage and requests",
        "no record of who read or wrote which object",
    ),
    TradeOff(
        "backup.interval_hours",
        lambda v: isinstance(v, int) and v > 4,
        "fewer recovery points to store",
        "buckets and volumes can lose up to that many hours of data (the RPO)",
    ),
    TradeOff(
        "backup.enable_vault_lock",
        lambda v: v is False,
        "recovery points can be cleaned up freely",
        "anyone with enough access, or a compromised account, can delete the backups",
    ),
    TradeOff(
        "logs.retention_days",
        lambda v: isinstance(v, int) and v < 30,
        "less log storage",
        "an incident older than the retention cannot be investigated from logs",
    ),
)


def trade_off_rows(stack_profile: Mapping[str, Any]) -> list[tuple[TradeOff, list[str], str, str]]:
    """``(trade-off, [dev, preview, stage, prod] values, environments choosing the cheaper
    value, this stack's value)`` for each trade-off some built-in environment makes."""
    rows = []
    for trade in TRADE_OFFS:
        values = [lookup(BUILTIN_PROFILES[name], trade.key) for name in ENVIRONMENTS]
        cheaper = [name for name, v in zip(ENVIRONMENTS, values, strict=True) if trade.cheaper(v)]
        own = lookup(stack_profile, trade.key)
        if not cheaper and not trade.cheaper(own):
            continue
        rows.append((trade, [show(v) for v in values], ", ".join(cheaper), show(own)))
    return rows
