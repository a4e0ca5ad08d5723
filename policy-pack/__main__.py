"""infra-kit's prescriptions as a CrossGuard policy pack: ``pulumi preview --policy-pack .``.

One stack policy per rule of :data:`infra_kit.policy.RULES`. Each converts the resources the
engine hands it into a graph document (:func:`infra_kit.policy._pack.graph_from_stack`), runs
the rules over it with :func:`infra_kit.policy.check_graph` (suppressions apply exactly as in
``infra-kit check``) and reports its rule's failed findings on their resources. The rule logic
lives in ``infra_kit.policy`` only; this file adapts it. README.md says what the pack cannot see.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

try:
    import infra_kit.policy  # noqa: F401 -- installed, or on the path already
except ImportError:
    # The pack lives in the infra-kit repository, next to the infra_kit package.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyPack,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
)

from infra_kit.policy import Report, Rule, Severity, check_graph, rules_for
from infra_kit.policy._pack import graph_from_stack, stack_identity

PACK_NAME = "infra-kit"
DOCS = "docs/rules.md"
#: Why an ``offline_only`` rule reports itself not applicable here.
OFFLINE_ONLY_REASON = (
    "this rule reads what only the offline engine observes; run `infra-kit check` to enforce it"
)

_LEVELS = {Severity.ERROR: EnforcementLevel.MANDATORY, Severity.WARNING: EnforcementLevel.ADVISORY}


def policy_name(rule: Rule) -> str:
    """The policy's name: the rule id in lower case (``ik-sec-1-wildcard``)."""
    return rule.id.lower()


def violation_message(rule: Rule, message: str) -> str:
    return f"{rule.id}: {message}\nFix: {rule.fix}\nSee {DOCS}#{rule.anchor}"


class _Checker:
    """Runs every enforceable rule once per distinct stack and keeps the last report.

    The policy SDK builds a fresh argument object for each policy, so the report is cached on
    the converted graph's content: the first policy of a preview pays for the check, the
    others read its findings.
    """

    def __init__(self, rules: list[Rule]) -> None:
        self.rules = rules
        self._lock = threading.Lock()
        self._key: str | None = None
        self._report: Report | None = None

    def report(self, args: StackValidationArgs) -> Report:
        resources = list(args.resources)
        project, stack = stack_identity(resources)
        graph = graph_from_stack(resources, project=project, stack=stack)
        key = json.dumps(graph.doc, sort_keys=True, default=str)
        with self._lock:
            if self._key != key or self._report is None:
                self._report = check_graph(graph, self.rules)
                self._key = key
            return self._report


def _validator(
    rule: Rule, checker: _Checker
) -> Callable[[StackValidationArgs, ReportViolation], None]:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        for finding in checker.report(args).failed:
            if finding.rule.id == rule.id:
                report_violation(violation_message(rule, finding.message), finding.urn)

    return validate


def _not_applicable(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    args.not_applicable(OFFLINE_ONLY_REASON)


def build_policies(rules: list[Rule] | None = None) -> list[Policy]:
    """One stack validation policy per rule; ``offline_only`` rules report not applicable."""
    selected = rules if rules is not None else rules_for()
    checker = _Checker([r for r in selected if not r.offline_only])
    policies: list[Policy] = []
    for rule in selected:
        validate: Any = _not_applicable if rule.offline_only else _validator(rule, checker)
        policies.append(
            StackValidationPolicy(
                name=policy_name(rule),
                description=rule.title,
                validate=validate,
                enforcement_level=_LEVELS[rule.severity],
                display_name=rule.id,
                remediation_steps=rule.fix,
                tags=[rule.prescription, rule.family],
            )
        )
    return policies


def main() -> None:
    PolicyPack(
        PACK_NAME,
        policies=build_policies(),
        description="infra-kit's production prescriptions, checked on the stack being deployed",
    )


if __name__ == "__main__":
    main()
