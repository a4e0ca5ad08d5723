"""Checks of a synthesized graph against the prescriptions, run offline on ``graph.json``.

They need no Pulumi CLI and no policy-pack runtime: tests, CI and ``infra-kit`` all run them
on the same graph the offline engine produces.
"""

from infra_kit.policy.graph_checks import (
    STATEFUL_TYPES,
    accepts_tags,
    iam_statements,
    missing_required_tags,
    unjustified_wildcards,
    unprotected_stateful,
)

__all__ = [
    "STATEFUL_TYPES",
    "accepts_tags",
    "iam_statements",
    "missing_required_tags",
    "unjustified_wildcards",
    "unprotected_stateful",
]
