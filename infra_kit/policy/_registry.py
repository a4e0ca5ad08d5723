"""The rule registry: every check infra-kit enforces, each tied to the prescription it encodes.

A rule is a function over a :class:`GraphDoc` that yields :class:`Hit` s, registered with
:func:`rule`. ``infra-kit check``, the CrossGuard policy pack, the generated rule catalogue
(docs/rules.md) and the tests all read :data:`RULES`; no rule is written twice.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from infra_kit.policy._graph import GraphDoc

__all__ = ["RULES", "Hit", "Rule", "Severity", "rule", "rules_for"]


class Severity(StrEnum):
    """How bad a finding is. ``error`` fails ``infra-kit check``; ``warning`` fails only with
    ``--fail-on warning``."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Hit:
    """One place a rule fires: the resource's URN and what is wrong there, in a sentence."""

    urn: str
    message: str


Check = Callable[[GraphDoc], Iterable[Hit]]


@dataclass(frozen=True)
class Rule:
    """A registered rule.

    ``id`` is stable (``IK-<prescription>-<NAME>``) and is what suppressions name.
    ``offline_only`` rules read what only the offline engine observes (how config was read, which
    outputs it had to imitate); the policy pack lists them but cannot enforce them.
    """

    id: str
    prescription: str
    severity: Severity
    title: str
    rationale: str
    fix: str
    check: Check
    offline_only: bool = False

    @property
    def family(self) -> str:
        """The prescription family, e.g. ``SEC`` for ``SEC-1``."""
        return self.prescription.split("-")[0]

    @property
    def anchor(self) -> str:
        """The rule's anchor in docs/rules.md."""
        return self.id.lower()

    def run(self, graph: GraphDoc) -> list[Hit]:
        return list(self.check(graph))


#: Every rule, by id, in registration order.
RULES: dict[str, Rule] = {}

_ID = re.compile(r"^IK-(?P<prescription>[A-Z0-9]+-\d)-[A-Z0-9]+(-[A-Z0-9]+)*$")


def rule(
    *,
    id: str,
    prescription: str,
    severity: Severity,
    title: str,
    rationale: str,
    fix: str,
    offline_only: bool = False,
) -> Callable[[Check], Check]:
    """Register the decorated function as a rule. The id must name its prescription."""
    match = _ID.match(id)
    if match is None or match["prescription"] != prescription:
        raise ValueError(f"rule id {id!r} must read IK-{prescription}-<NAME> (upper case)")
    if id in RULES:
        raise ValueError(f"rule id {id!r} is registered twice")
    if title.endswith(".") or "\n" in title:
        raise ValueError(f"rule {id}: the title is one line without a final period")

    def register(check: Check) -> Check:
        RULES[id] = Rule(
            id=id,
            prescription=prescription,
            severity=severity,
            title=title,
            rationale=" ".join(rationale.split()),
            fix=" ".join(fix.split()),
            check=check,
            offline_only=offline_only,
        )
        return check

    return register


def rules_for(ids: Iterable[str] | None = None) -> list[Rule]:
    """The registered rules (all of them, or those named), loading every rule module first."""
    import infra_kit.policy.rules  # noqa: F401 -- registers every rule

    if ids is None:
        return list(RULES.values())
    wanted = list(ids)
    unknown = [i for i in wanted if i not in RULES]
    if unknown:
        raise KeyError(", ".join(unknown))
    return [RULES[i] for i in wanted]
