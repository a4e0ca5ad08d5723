"""The prescriptions as rules: a registry, the check runner, reports and suppressions.

``check_graph(GraphDoc(doc))`` runs every rule of :data:`RULES` over a graph document and
applies its suppressions; ``suppress(resource, rule_id, reason)`` records an accepted finding
next to the resource. This package imports no provider SDK, so the CrossGuard policy pack can
use it in its own environment.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from infra_kit.policy._check import Finding, Report, check_graph
from infra_kit.policy._graph import EnvironmentFacts, GraphDoc, SuppressionRecord
from infra_kit.policy._registry import RULES, Hit, Rule, Severity, rule, rules_for

if TYPE_CHECKING:
    from infra_kit.policy.suppress import suppress

__all__ = [
    "RULES",
    "EnvironmentFacts",
    "Finding",
    "GraphDoc",
    "Hit",
    "Report",
    "Rule",
    "Severity",
    "SuppressionRecord",
    "check_graph",
    "rule",
    "rules_for",
    "suppress",
]


def __getattr__(name: str) -> Any:
    if name == "suppress":
        from infra_kit.policy.suppress import suppress

        return suppress
    raise AttributeError(name)
