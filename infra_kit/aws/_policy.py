"""A small IAM policy-document model that renders JSON and refuses unscoped grants (SEC-1).

Pure logic: no Pulumi resources are created here. Values may be plain strings or Pulumi
``Input[str]`` (ARNs of resources created in the same program); :meth:`PolicyDocument.to_json`
returns an ``Output[str]`` either way.

A statement is judged when it is built by the same judgements ``infra-kit check`` applies to the
synthesized graph (:mod:`infra_kit.policy.rules._iam_judgements`, over AWS's service
authorization data), so what check would refuse cannot be built:

- an action no AWS service defines (IK-SEC-1-UNKNOWN-ACTION);
- a wildcard without a written reason (IK-SEC-1-WILDCARD): a ``*`` in an action, a resource of
  ``"*"``, or a ``*`` anywhere in an ARN except the objects of one named bucket
  (``arn:aws:s3:::bucket/*``) and the streams of one named log group (``...:log-group:NAME:*``).
  A resource wildcard conditioned on a resource tag (``aws:ResourceTag/...``, or
  ``aws:RequestTag/...`` for resources being created) is scoped and needs no reason. The
  ``justification`` becomes the statement's ``Sid`` (``Justified…``), so a reviewer sees it in
  the synthesized graph and in the AWS console;
- ``Resource: "*"`` in a permission statement on an action that accepts resource ARNs, with or
  without a reason (IK-SEC-1-STAR-RESOURCE);
- a condition key that is not global and that an action of the statement does not support
  (IK-SEC-1-CONDITION-KEY).

Only values known when the statement is built are judged: an ARN that is a Pulumi ``Output`` is
judged by ``infra-kit check`` after synthesis.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import pulumi

from infra_kit.errors import ValidationError
from infra_kit.policy.rules._iam_documents import IDENTITY, RESOURCE, is_wildcard_resource
from infra_kit.policy.rules._iam_judgements import Problem, statement_problems

__all__ = [
    "JUSTIFIED_SID_PREFIX",
    "PolicyDocument",
    "Statement",
    "is_wildcard_action",
    "is_wildcard_resource",
]

JUSTIFIED_SID_PREFIX = "Justified"
_ACTION = re.compile(r"^[a-z0-9-]+:[A-Za-z0-9*]+$")
_SID = re.compile(r"^[A-Za-z0-9]+$")


def is_wildcard_action(action: str) -> bool:
    return "*" in action


def _sid_from(justification: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", justification)
    return JUSTIFIED_SID_PREFIX + "".join(w[:1].upper() + w[1:] for w in words)[:120]


@dataclass(frozen=True)
class Statement:
    """One IAM statement.

    Args:
        actions: exact ``service:Action`` names; take them from :mod:`infra_kit.aws.actions`.
        resources: ARNs the actions apply to. Omitted (empty) only for trust policies,
            which name ``principals`` instead.
        effect: ``Allow`` (default) or ``Deny``.
        conditions: ``{operator: {key: value}}``, e.g. ``{"StringEquals": {"kms:ViaService": ...}}``.
        principals: ``{"Service": [...]}``, ``{"AWS": [...]}`` or ``{"Federated": [...]}``.
        sid: an optional alphanumeric statement id. Ignored when ``justification`` is given.
        justification: required when an action or resource is a wildcard; a sentence saying why.

    Attributes:
        is_justified: whether the statement carries a ``justification``.
    """

    actions: Sequence[str]
    resources: Sequence[pulumi.Input[str]] = ()
    effect: Literal["Allow", "Deny"] = "Allow"
    conditions: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    principals: Mapping[str, Sequence[pulumi.Input[str]]] | None = None
    sid: str | None = None
    justification: str | None = None

    def __post_init__(self) -> None:
        if not self.actions:
            raise ValidationError(
                "actions",
                [],
                "a statement needs at least one action",
                "name the exact actions, e.g. actions.S3_READ",
            )
        for action in self.actions:
            if not isinstance(action, str) or not _ACTION.match(action):
                raise ValidationError(
                    "actions",
                    action,
                    "an action has the shape service:Action",
                    "write it like 's3:GetObject' (see infra_kit.aws.actions)",
                )
        if not self.resources and self.principals is None:
            raise ValidationError(
                "resources",
                [],
                "a permission statement needs the ARNs it applies to",
                "pass the resource ARNs; only trust policies name principals instead",
            )
        if self.sid is not None and not _SID.match(self.sid):
            raise ValidationError(
                "sid",
                self.sid,
                "a Sid holds letters and digits only",
                "remove spaces and punctuation",
            )
        kind = IDENTITY if self.principals is None else RESOURCE
        problems = statement_problems(self.to_dict(), kind)
        if problems:
            raise self._refusal(problems[0])

    def _refusal(self, problem: Problem) -> ValidationError:
        """The builder's refusal of what check's rule ``problem.rule_id`` would find."""
        key, value = {
            "IK-SEC-1-UNKNOWN-ACTION": ("actions", list(self.actions)),
            "IK-SEC-1-WILDCARD": ("justification", self.justification),
            "IK-SEC-1-STAR-RESOURCE": ("resources", ["*"]),
            "IK-SEC-1-CONDITION-KEY": (
                "conditions",
                sorted({k for pairs in self.conditions.values() for k in pairs}),
            ),
        }[problem.rule_id]
        return ValidationError(
            key,
            value,
            f"the statement {problem.problem}; least privilege (SEC-1) refuses this, as "
            f"infra-kit check does ({problem.rule_id})",
            problem.fix.removesuffix(".")
            + (
                "; a justification needs at least three words"
                if problem.rule_id == "IK-SEC-1-WILDCARD"
                else ""
            ),
        )

    @property
    def is_justified(self) -> bool:
        return bool(self.justification)

    def statement_id(self) -> str | None:
        return _sid_from(self.justification) if self.justification else self.sid

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"Effect": self.effect}
        sid = self.statement_id()
        if sid:
            out["Sid"] = sid
        if self.principals is not None:
            out["Principal"] = {k: list(v) for k, v in self.principals.items()}
        out["Action"] = sorted(set(self.actions))
        if self.resources:
            out["Resource"] = list(self.resources)
        if self.conditions:
            out["Condition"] = {op: dict(kv) for op, kv in self.conditions.items()}
        return out


@dataclass(frozen=True)
class PolicyDocument:
    """An IAM policy document: an ordered list of statements.

    Attributes:
        statements: the [Statement][infra_kit.aws.Statement]s, in order; at least one.
    """

    statements: Sequence[Statement]

    def __post_init__(self) -> None:
        if not self.statements:
            raise ValidationError(
                "statements", [], "a policy needs at least one statement", "add a Statement"
            )

    def __add__(self, other: PolicyDocument) -> PolicyDocument:
        return PolicyDocument([*self.statements, *other.statements])

    @classmethod
    def of(cls, statements: Iterable[Statement]) -> PolicyDocument:
        return cls(list(statements))

    def to_dict(self) -> dict[str, Any]:
        return {"Version": "2012-10-17", "Statement": [s.to_dict() for s in self.statements]}

    def to_json(self) -> pulumi.Output[str]:
        """The document as JSON; an ``Output`` because ARNs may not be known yet."""
        return pulumi.Output.json_dumps(self.to_dict())
