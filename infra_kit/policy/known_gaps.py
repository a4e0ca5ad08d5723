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
    "controller-digest": (
        "IK-SEC-4-IMAGE-DIGEST",
        "Known gap, still to be fixed: no digest of this controller image could be read from a "
        "source that maps it to its tag, so it is pinned by tag and pulled Always.",
    ),
}


def accept_known_gap(
    resource: pulumi.Resource,
    gap: str,
    *,
    resources: Sequence[str] = (),
    detail: str = "",
) -> pulumi.ComponentResource:
    """Record that ``resource`` (or the named descendants) has the known gap ``gap``;
    ``detail`` names what exactly has it (which images, say) and is appended to the reason."""
    rule_id, reason = KNOWN_GAPS[gap]
    text = f"{reason} {detail}" if detail else reason
    return suppress(resource, rule_id, text, resources=resources)
