"""Rules about the checks themselves (SEC-5): a recorded exception must still mean something."""

from __future__ import annotations

from collections.abc import Iterator

from infra_kit.policy._check import UNUSED_SUPPRESSION
from infra_kit.policy._graph import GraphDoc
from infra_kit.policy._registry import Hit, Severity, rule


@rule(
    id=UNUSED_SUPPRESSION,
    prescription="SEC-5",
    severity=Severity.WARNING,
    title="A suppression accepts no finding",
    rationale="""A suppression records why a finding is accepted. One that matches nothing (its
    rule no longer fires there, it names no rule, or its reason is too short to read) hides
    nothing today but would silently accept a future finding; remove it or fix it.""",
    fix="""Remove the suppress() call, or correct its rule id, its target or its reason (at
    least three words).""",
)
def unused_suppression(graph: GraphDoc) -> Iterator[Hit]:
    # check_graph reports these itself, since only it knows which suppressions were used.
    return iter(())
