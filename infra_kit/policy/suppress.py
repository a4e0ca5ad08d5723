"""Accepting a finding on one resource, with a reason, next to the resource (the cdk-nag model).

``suppress(bucket, "IK-SEC-3-CMK", reason="...")`` registers a small component under ``bucket``
whose outputs carry the rule id and the reason. The offline engine records it in the graph, and
``pulumi preview`` hands it to the policy pack, so both accept the same findings; ``infra-kit
check`` lists each accepted finding with its reason.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi

from infra_kit.errors import ValidationError
from infra_kit.policy._check import MIN_REASON_WORDS
from infra_kit.policy._graph import SUPPRESSION_TYPE
from infra_kit.policy._registry import RULES, rules_for

__all__ = ["suppress"]


def suppress(
    resource: pulumi.Resource,
    rule_id: str,
    reason: str,
    *,
    resources: Sequence[str] = (),
) -> pulumi.ComponentResource:
    """Accept ``rule_id``'s findings on ``resource`` and everything below it, for ``reason``.

    Args:
        resource: the resource or component the finding is on.
        rule_id: the rule's id, e.g. ``"IK-SEC-1-STAR-RESOURCE"`` (docs/rules.md lists them).
        reason: why the finding is accepted, in at least three words. It stays in the graph and
            in ``check`` output, so write it for the reviewer. A known gap says so plainly.
        resources: logical names of ``resource``'s descendants to limit the suppression to;
            empty (the default) accepts the finding on the whole subtree.
    """
    rules_for()  # load the registry
    if rule_id not in RULES:
        raise ValidationError(
            "rule_id",
            rule_id,
            "no rule has this id",
            "copy the id from the finding or from docs/rules.md",
        )
    text = " ".join(str(reason).split())
    if len(text.split()) < MIN_REASON_WORDS:
        raise ValidationError(
            "reason",
            reason,
            f"a suppression needs a reason of at least {MIN_REASON_WORDS} words",
            "say why this finding is acceptable here, or that it is a known gap to fix",
        )
    name = f"{resource._name}-{rule_id.lower()}"  # pyright: ignore[reportAttributeAccessIssue] -- set by pulumi.Resource
    # A second suppression of the same rule on the same resource has the same URN, and the
    # engine refuses it naming both lines: give one suppression per rule and resource.
    marker = pulumi.ComponentResource(
        SUPPRESSION_TYPE, name, None, pulumi.ResourceOptions(parent=resource)
    )
    marker.register_outputs({"rule": rule_id, "reason": text, "resources": sorted(resources)})
    return marker
