"""Running the rules over a graph, applying suppressions, and the report that results."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from infra_kit.core.profile._base import MIN_REASON_WORDS
from infra_kit.policy._graph import GraphDoc, SuppressionRecord
from infra_kit.policy._registry import RULES, Hit, Rule, Severity, rules_for

__all__ = [
    "MIN_REASON_WORDS",
    "UNUSED_SUPPRESSION",
    "Finding",
    "Report",
    "check_graph",
]

#: The id under which a suppression that accepts nothing is reported.
UNUSED_SUPPRESSION = "IK-SEC-5-UNUSED-SUPPRESSION"


@dataclass(frozen=True)
class Finding:
    """A rule firing on one resource; ``suppression`` is set when the finding was accepted."""

    rule: Rule
    urn: str
    message: str
    suppression: SuppressionRecord | None = None

    @property
    def accepted(self) -> bool:
        return self.suppression is not None

    @property
    def status(self) -> str:
        return "accepted" if self.accepted else "failed"


@dataclass
class Report:
    """Every finding of one check run, accepted or not, with the rules that ran."""

    project: str
    stack: str
    rules: list[Rule]
    findings: list[Finding]
    seconds: float = 0.0
    resources: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[Finding]:
        return [f for f in self.findings if not f.accepted]

    @property
    def accepted(self) -> list[Finding]:
        return [f for f in self.findings if f.accepted]

    def counts(self) -> dict[str, int]:
        """Failed findings by severity, plus the number accepted."""
        counts = Counter(f.rule.severity.value for f in self.failed)
        return {
            "error": counts.get("error", 0),
            "warning": counts.get("warning", 0),
            "accepted": len(self.accepted),
        }

    def exit_code(self, fail_on: Severity = Severity.ERROR) -> int:
        levels = {Severity.ERROR} if fail_on is Severity.ERROR else set(Severity)
        return 1 if any(f.rule.severity in levels for f in self.failed) else 0

    def summary(self) -> str:
        c = self.counts()
        return (
            f"check: {c['error']} error(s), {c['warning']} warning(s), {c['accepted']} accepted "
            f"({len(self.rules)} rules over {self.resources} resources)"
        )


def _covers(graph: GraphDoc, suppression: SuppressionRecord, urn: str) -> bool:
    if urn != suppression.target and suppression.target not in graph.ancestors(urn):
        return False
    if not suppression.names:
        return True
    resource = graph.get(urn)
    return resource is not None and resource.get("name") in suppression.names


# prescription: SEC-5 -- the prescriptions checked before anything is deployed.
def check_graph(graph: GraphDoc, rules: Iterable[Rule] | None = None) -> Report:
    """Run ``rules`` (default: every registered rule) over ``graph`` and apply its suppressions.

    A suppression accepts the findings of its rule on its target and the target's descendants.
    A suppression that accepts nothing is itself reported (``IK-SEC-5-UNUSED-SUPPRESSION``).
    """
    started = time.perf_counter()
    selected = list(rules) if rules is not None else rules_for()
    suppressions = graph.suppressions
    used: set[str] = set()
    named: dict[str, set[str]] = {}  # suppression -> the names it accepted findings on
    findings: list[Finding] = []
    for rule in selected:
        if rule.id == UNUSED_SUPPRESSION:
            continue
        try:
            hits = rule.run(graph)
        except Exception as exc:  # a rule that cannot judge a graph fails it, visibly
            hits = [
                Hit(
                    graph.stack_urn,
                    f"{rule.id} could not be evaluated on this graph ({type(exc).__name__}: "
                    f"{exc}); the graph is judged failed rather than passed",
                )
            ]
        for hit in hits:
            matches = [
                s
                for s in suppressions
                if s.rule == rule.id
                and len(s.reason.split()) >= MIN_REASON_WORDS
                and _covers(graph, s, hit.urn)
            ]
            for s in matches:
                used.add(s.urn)
                resource = graph.get(hit.urn)
                if resource is not None:
                    named.setdefault(s.urn, set()).add(str(resource.get("name")))
            findings.append(Finding(rule, hit.urn, hit.message, matches[0] if matches else None))
    unused_rule = RULES.get(UNUSED_SUPPRESSION)
    if unused_rule is not None and unused_rule in selected:
        ran = {r.id for r in selected}
        for s in suppressions:
            unmatched = sorted(set(s.names) - named.get(s.urn, set()))
            if s.urn in used and unmatched and s.rule in ran:
                findings.append(
                    Finding(
                        unused_rule,
                        s.urn,
                        f"suppression names {', '.join(unmatched)}, where {s.rule} finds "
                        "nothing to accept",
                    )
                )
            if s.urn in used:
                continue
            if s.rule not in RULES:
                why = f"names {s.rule!r}, which is no rule"
            elif len(s.reason.split()) < MIN_REASON_WORDS:
                why = f"its reason {s.reason!r} is shorter than {MIN_REASON_WORDS} words"
            elif s.rule not in ran:
                continue  # its rule did not run, so it cannot be judged
            else:
                why = f"{s.rule} finds nothing on {s.target} to accept"
            findings.append(Finding(unused_rule, s.urn, f"suppression {why}"))
    findings.sort(key=lambda f: (f.rule.id, f.urn, f.message))
    return Report(
        project=graph.project,
        stack=graph.stack,
        rules=selected,
        findings=findings,
        seconds=time.perf_counter() - started,
        resources=len(graph.resources),
    )
