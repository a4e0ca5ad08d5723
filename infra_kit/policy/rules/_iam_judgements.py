"""What the SEC-1 statement rules find wrong with ONE statement, as plain judgements.

The rules in :mod:`infra_kit.policy.rules.iam` apply these to every statement of a graph; the
statement builder (``infra_kit.aws._policy.Statement``) applies the same ones when a statement
is built, through :func:`statement_problems`, so a statement ``infra-kit check`` would refuse
cannot be built in the first place. Each judgement returns the problem (a phrase that follows
the statement's label) and the fix, or None.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from infra_kit.policy._iam import Action, iam_data
from infra_kit.policy.rules._iam_documents import (
    IDENTITY,
    Stmt,
    is_star_resource,
    is_wild,
    is_wildcard_resource,
)

__all__ = [
    "Problem",
    "condition_key_problem",
    "listed",
    "star_resource_problem",
    "statement_problems",
    "tag_scoped",
    "unknown_action_problem",
    "wildcard_problem",
]

_TAG_KEY = re.compile(r"^[a-z0-9-]+:ResourceTag/.+$", re.IGNORECASE)
_MAX_LISTED = 6
_MAX_SCOPABLE = 30


@dataclass(frozen=True)
class Problem:
    """One rule's objection to one statement: ``problem`` follows the statement's label."""

    rule_id: str
    problem: str
    fix: str

    @property
    def message(self) -> str:
        return f"{self.problem}. {self.fix}"


def listed(values: list[str], limit: int = _MAX_LISTED) -> str:
    shown = ", ".join(values[:limit])
    more = len(values) - limit
    return f"{shown} and {more} more" if more > 0 else shown


def tag_scoped(stmt: Stmt, *, creation: bool = False) -> bool:
    """Whether a condition limits the statement to resources carrying a tag (or, with
    ``creation``, to resources created with one: ``aws:RequestTag/...``)."""
    for operator, key, _ in stmt.conditions():
        op = operator.split(":")[-1].lower()
        if op.endswith("ifexists") or op == "null":
            continue
        if _TAG_KEY.match(key) or (creation and key.lower().startswith("aws:requesttag/")):
            return True
    return False


def _known_actions(stmt: Stmt) -> dict[str, list[Action]] | None:
    """The actions each of the statement's patterns matches, or None when one is ``*`` or
    unknown."""
    data = iam_data()
    found: dict[str, list[Action]] = {}
    for pattern in stmt.actions:
        if pattern.strip() == "*":
            return None
        matched = data.matching(pattern)
        if not matched:
            return None
        found[pattern] = matched
    return found


def wildcard_problem(stmt: Stmt) -> Problem | None:
    if not stmt.allows or stmt.justified:
        return None
    actions = [a for a in stmt.actions if is_wild(a)]
    resources = [r for r in stmt.resources if is_wildcard_resource(r)]
    if resources and tag_scoped(stmt, creation=True):
        resources = []
    negated = [k for k in ("NotAction", "NotResource") if k in stmt.raw]
    if not (actions or resources or negated):
        return None
    parts = []
    if actions:
        parts.append(f"wildcard action(s) {listed(actions)}")
    if resources:
        parts.append(f"wildcard resource(s) {listed(resources)}")
    if negated:
        parts.append(f"{' and '.join(negated)} (allows everything not listed)")
    return Problem(
        "IK-SEC-1-WILDCARD",
        f"allows {'; '.join(parts)} without a written reason",
        "Name exact actions and ARNs, or give the statement a reason with "
        "Statement(justification=...) (its Sid then starts with 'Justified').",
    )


def unknown_action_problem(stmt: Stmt) -> Problem | None:
    if not stmt.allows:
        return None
    data = iam_data()
    unknown = [a for a in stmt.actions if a.strip() != "*" and not data.exists(a)]
    if not unknown:
        return None
    described = []
    for action in unknown:
        prefix, sep, _ = action.partition(":")
        what = action if sep and data.has_service(prefix) else f"{action} (unknown service)"
        guess = data.closest(action)
        described.append(f"{what}{f', did you mean {guess[0]}?' if guess else ''}")
    return Problem(
        "IK-SEC-1-UNKNOWN-ACTION",
        f"names action(s) no AWS service defines: {'; '.join(described)} IAM ignores them, so "
        f"the grant does nothing (checked against {data.source}, {data.generated})",
        "Correct the action, or if AWS published it after that date add it to "
        "infra_kit/policy/data/iam-additions.json with its documentation link.",
    )


def star_resource_problem(stmt: Stmt) -> Problem | None:
    if stmt.kind != IDENTITY or not stmt.allows:
        return None
    if not any(is_star_resource(r) for r in stmt.resources) or tag_scoped(stmt):
        return None
    scopable = sorted(
        {
            f"{a.qualified} ({', '.join(sorted({r.name for r in a.resource_types if r.name}))})"
            for pattern in stmt.actions
            for a in iam_data().matching(pattern)
            if a.accepts_resource_arn
        }
    )
    if not scopable:
        return None
    return Problem(
        "IK-SEC-1-STAR-RESOURCE",
        f'grants Resource "*" to action(s) that accept resource ARNs: '
        f"{listed(scopable, _MAX_SCOPABLE)}",
        "Name those resources' ARNs in a separate statement, or condition it on "
        'aws:ResourceTag/<key>; keep "*" only for actions that accept no ARN.',
    )


def _web_identity_key(key: str, actions: list[Action]) -> bool:
    """``<provider host/path>:<claim>`` keys (``oidc.eks...amazonaws.com/id/X:sub``) of an OIDC
    provider, which AWS supports on ``sts:AssumeRoleWithWebIdentity``."""
    provider, sep, claim = key.rpartition(":")
    if not sep or not claim or ("." not in provider and "/" not in provider):
        return False
    return any(a.qualified.lower() == "sts:assumerolewithwebidentity" for a in actions)


def condition_key_problem(stmt: Stmt) -> Problem | None:
    """Keys that are not global and that an action of the statement does not support (for a
    pattern such as ``s3:Get*``, that none of the actions it matches supports)."""
    if not stmt.allows:
        return None
    keys = sorted({key for _, key, _ in stmt.conditions()})
    if not keys:
        return None
    by_pattern = _known_actions(stmt)
    if not by_pattern:
        return None
    actions = [a for matched in by_pattern.values() for a in matched]
    data = iam_data()
    lacking: dict[str, list[str]] = {}
    for key in keys:
        if data.is_global_key(key) or _web_identity_key(key, actions):
            continue
        without = sorted(
            pattern
            for pattern, matched in by_pattern.items()
            if not any(data.supports_key(a, key) for a in matched)
        )
        if without:
            lacking[key] = without
    if not lacking:
        return None
    names = listed(sorted(by_pattern))
    nowhere = [k for k, without in lacking.items() if len(without) == len(by_pattern)]
    partly = {k: w for k, w in lacking.items() if len(w) < len(by_pattern)}
    parts = []
    if nowhere:
        parts.append(
            f"conditions on {', '.join(nowhere)}, which none of its actions ({names}) supports "
            "and which is not a global key"
        )
    parts.extend(
        f"conditions on {key}, which {listed(without)} do(es) not support"
        for key, without in partly.items()
    )
    return Problem(
        "IK-SEC-1-CONDITION-KEY",
        f"{'; '.join(parts)}, so the condition does not restrict as written (a request without "
        "the key never matches a plain operator, and always matches an ...IfExists one)",
        "Use a key these actions support, fix its spelling, or move the actions that lack it "
        "to a statement of their own.",
    )


_JUDGEMENTS = (
    unknown_action_problem,
    wildcard_problem,
    star_resource_problem,
    condition_key_problem,
)


def statement_problems(raw: dict[str, Any], kind: str) -> list[Problem]:
    """Every objection the SEC-1 statement rules have to one statement of a ``kind`` document
    (``identity``, ``trust`` or ``resource``). Values that are not plain strings (ARNs not yet
    known) are not judged."""
    stmt = Stmt(urn="", kind=kind, where="statement", index=0, raw=raw)
    return [p for judge in _JUDGEMENTS if (p := judge(stmt)) is not None]
