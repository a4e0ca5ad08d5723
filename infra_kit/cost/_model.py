"""What a cost estimate is made of: lines, drivers, levers, and the estimate and delta themselves.

Pure data with its arithmetic; :mod:`._estimate` fills it from a graph and :mod:`._render` turns
it into text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["CostDelta", "CostEstimate", "CostLine", "Driver", "Lever", "LineChange"]


@dataclass(frozen=True)
class CostLine:
    """One resource's monthly cost on one billed dimension, with the formula that gave it.

    ``driver`` names what the cost is for ("EKS node groups", "NAT gateways"); drivers group lines
    across components so that the largest one and its levers can be named.
    """

    urn: str
    type: str
    name: str
    component: str
    monthly_usd: float
    basis: str
    driver: str


@dataclass(frozen=True)
class Lever:
    """A change that moves the monthly cost: ``monthly_delta_usd`` is negative when it saves.

    ``description`` says what changes and what it gives up ("spot for node group X (capacity can
    be reclaimed with two minutes' notice)").
    """

    description: str
    monthly_delta_usd: float
    driver: str = ""


@dataclass(frozen=True)
class Driver:
    """A cost driver: its label, its monthly cost, its share of the total and its levers."""

    label: str
    monthly_usd: float
    share: float
    levers: tuple[Lever, ...] = ()


def _sum(values: Any) -> float:
    return round(sum(values), 2)


@dataclass(frozen=True)
class CostEstimate:
    """The monthly cost model of one stack's graph (COST-2)."""

    project: str
    stack: str
    environment: str
    lines: tuple[CostLine, ...]
    levers: tuple[Lever, ...] = ()
    #: ``(urn, type)`` of every resource whose type the price table neither prices nor lists as
    #: free: the estimate is incomplete while this is not empty.
    unpriced: tuple[tuple[str, str], ...] = ()
    #: The usage assumptions the estimate used (the profile's ``usage`` section).
    usage: Mapping[str, Any] = field(default_factory=dict)
    region: str = "us-east-1"
    prices_retrieved: str = ""

    @property
    def total_monthly_usd(self) -> float:
        return _sum(line.monthly_usd for line in self.lines)

    def by_component(self) -> list[tuple[str, float]]:
        """``(component label, monthly USD)``, largest first (ties by label)."""
        return _grouped(self.lines, "component")

    def by_driver(self) -> list[tuple[str, float]]:
        """``(driver label, monthly USD)``, largest first (ties by label)."""
        return _grouped(self.lines, "driver")

    def by_resource(self) -> list[tuple[CostLine, float]]:
        """Each resource's first line and the resource's monthly total, largest first."""
        totals: dict[str, float] = {}
        first: dict[str, CostLine] = {}
        for line in self.lines:
            totals[line.urn] = totals.get(line.urn, 0.0) + line.monthly_usd
            first.setdefault(line.urn, line)
        ranked = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
        return [(first[urn], round(total, 2)) for urn, total in ranked]

    @property
    def drivers(self) -> list[Driver]:
        total = self.total_monthly_usd
        return [
            Driver(
                label=label,
                monthly_usd=usd,
                share=(usd / total) if total else 0.0,
                levers=tuple(
                    sorted(
                        (lever for lever in self.levers if lever.driver == label),
                        key=lambda lever: lever.monthly_delta_usd,
                    )
                ),
            )
            for label, usd in self.by_driver()
        ]

    @property
    def largest_driver(self) -> Driver:
        """The single largest cost driver and its levers (an empty driver for an empty graph)."""
        drivers = self.drivers
        return drivers[0] if drivers else Driver(label="nothing priced", monthly_usd=0.0, share=0)

    def render_markdown(self) -> str:
        from infra_kit.cost._render import estimate_markdown

        return estimate_markdown(self)

    def render_table(self, *, verbose: bool = False) -> str:
        from infra_kit.cost._render import estimate_table

        return estimate_table(self, verbose=verbose)

    def to_json(self) -> dict[str, Any]:
        from infra_kit.cost._render import estimate_json

        return estimate_json(self)


def _grouped(lines: tuple[CostLine, ...], attribute: str) -> list[tuple[str, float]]:
    totals: dict[str, float] = {}
    for line in lines:
        key = getattr(line, attribute)
        totals[key] = totals.get(key, 0.0) + line.monthly_usd
    return sorted(((k, round(v, 2)) for k, v in totals.items()), key=lambda kv: (-kv[1], kv[0]))


@dataclass(frozen=True)
class LineChange:
    """A resource whose monthly cost differs between two estimates (``change``: added, removed,
    changed)."""

    urn: str
    type: str
    name: str
    component: str
    change: str
    base_usd: float
    new_usd: float

    @property
    def delta_usd(self) -> float:
        return round(self.new_usd - self.base_usd, 2)


@dataclass(frozen=True)
class CostDelta:
    """How a change moves the monthly cost: base and new estimates and the resources that
    differ, largest change first."""

    base: CostEstimate
    new: CostEstimate
    changes: tuple[LineChange, ...]
    #: ``(urn, why)`` of each resource the price table could not price on either side: its
    #: change is unknown, so the delta leaves it out rather than count it as added or removed.
    unpriced: tuple[tuple[str, str], ...] = ()

    @property
    def total_delta_usd(self) -> float:
        """The change of the monthly total, over the resources priced on both sides."""
        if not self.unpriced:
            return round(self.new.total_monthly_usd - self.base.total_monthly_usd, 2)
        return round(sum(c.delta_usd for c in self.changes), 2)

    @property
    def relative_change(self) -> float | None:
        """The change as a fraction of the base total, None when the base costs nothing."""
        base = self.base.total_monthly_usd
        return self.total_delta_usd / base if base else None

    def render_markdown(self) -> str:
        from infra_kit.cost._render import delta_markdown

        return delta_markdown(self)

    def render_table(self) -> str:
        from infra_kit.cost._render import delta_table

        return delta_table(self)

    def to_json(self) -> dict[str, Any]:
        from infra_kit.cost._render import delta_json

        return delta_json(self)


def _stackless(urn: str) -> str:
    """A URN without its stack, so that a resource is matched across two stacks' graphs."""
    head, sep, rest = urn.partition("::")
    return rest if sep and head.startswith("urn:pulumi:") else urn


def delta(base: CostEstimate, new: CostEstimate) -> CostDelta:
    """The monthly cost delta from ``base`` to ``new``, resource by resource (matched by URN
    without the stack name, so that two stacks of one project compare too)."""

    def per_resource(est: CostEstimate) -> dict[str, tuple[CostLine, float]]:
        return {_stackless(line.urn): (line, total) for line, total in est.by_resource()}

    before, after = per_resource(base), per_resource(new)
    unknown = {_stackless(urn): (urn, why) for urn, why in (*base.unpriced, *new.unpriced)}
    changes: list[LineChange] = []
    for key in sorted((before.keys() | after.keys()) - unknown.keys()):
        old, new_ = before.get(key), after.get(key)
        line = (new_ or old)[0]  # pyright: ignore[reportOptionalSubscript] -- one is set
        base_usd = old[1] if old else 0.0
        new_usd = new_[1] if new_ else 0.0
        if old and new_ and abs(new_usd - base_usd) < 0.005:
            continue
        kind = "added" if old is None else "removed" if new_ is None else "changed"
        changes.append(
            LineChange(line.urn, line.type, line.name, line.component, kind, base_usd, new_usd)
        )
    changes.sort(key=lambda c: (-abs(c.delta_usd), c.urn))
    return CostDelta(
        base=base, new=new, changes=tuple(changes), unpriced=tuple(sorted(unknown.values()))
    )
