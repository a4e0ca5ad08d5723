"""Findings infra-kit's own components accept today because the fix is still to be made.

Each entry is a gap, said plainly, not a design choice: ``infra-kit check`` lists the findings
it accepts as "accepted" with this text, and ``docs/rules.md`` lists the entries. When a gap is
fixed, its suppression stops matching and ``IK-SEC-5-UNUSED-SUPPRESSION`` says so, so the entry
is deleted with the fix.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi

from infra_kit.policy.suppress import suppress

__all__ = ["KNOWN_GAPS", "accept_known_gap"]

#: Gap name -> (rule id, reason).
KNOWN_GAPS: dict[str, tuple[str, str]] = {
    "controller-resources": (
        "IK-K8S-1-RESOURCES",
        "Known gap, still to be fixed: the chart's values set no resources, so the controller's "
        "pods run without the requests and limits K8S-1 asks for.",
    ),
    "controller-digest": (
        "IK-SEC-4-IMAGE-DIGEST",
        "Known gap, still to be fixed: the controller's image is pinned by tag, not by digest.",
    ),
}


def accept_known_gap(
    resource: pulumi.Resource, gap: str, *, resources: Sequence[str] = ()
) -> pulumi.ComponentResource:
    """Record that ``resource`` (or the named descendants) has the known gap ``gap``."""
    rule_id, reason = KNOWN_GAPS[gap]
    return suppress(resource, rule_id, reason, resources=resources)
