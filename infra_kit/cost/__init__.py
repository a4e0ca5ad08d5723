"""The monthly cost model of a stack, read from its graph (COST-2).

``estimate(graph)`` prices every resource of a graph document at AWS list prices (one data file,
``data/prices.json``, each rate with its source and date) under the usage assumptions of the
environment profile's ``usage`` section, and names the largest cost driver with the levers that
move it. ``delta(base, new)`` is the monthly change between two estimates. Pure Python over the
graph: no Pulumi runtime, no cloud calls.
"""

from __future__ import annotations

from infra_kit.cost._estimate import PRICERS, component_label, estimate, usage_of
from infra_kit.cost._model import (
    CostDelta,
    CostEstimate,
    CostLine,
    Driver,
    Lever,
    LineChange,
    delta,
)
from infra_kit.cost._prices import DATA_FILE, PriceTable, Rate, load_prices

__all__ = [
    "DATA_FILE",
    "PRICERS",
    "CostDelta",
    "CostEstimate",
    "CostLine",
    "Driver",
    "Lever",
    "LineChange",
    "PriceTable",
    "Rate",
    "component_label",
    "delta",
    "estimate",
    "load_prices",
    "usage_of",
]
