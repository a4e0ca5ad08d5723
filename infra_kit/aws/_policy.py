"""A small IAM policy-document model that renders JSON and refuses unscoped grants (SEC-1).

Pure logic: no Pulumi resources are created here. Values may be plain strings or Pulumi
``Input[str]`` (ARNs of resources created in the same program); :meth:`PolicyDocument.to_json`
returns an ``Output[str]`` either way.

Wildcards. A ``*`` anywhere in an action, a resource of ``"*"``, or an ARN whose service,
region or account field is ``*`` is a wildcard. ``arn:aws:s3:::bucket/*`` (every object of one
bucket) is scoped, not a wildcard. A statement with a wildcard is refused unless it carries a
written ``justification``; the justification becomes the statement's ``Sid``
(``Justified…``), so a reviewer sees it in the synthesized graph and in the AWS console.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import pulumi

from infra_kit.errors import ValidationError

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
_MIN_JUSTIFICATION_WORDS = 3


def is_wildcard_action(action: str) -> bool:
    return "*" in action


def is_wildcard_resource(resource: str) -> bool:
    if resource == "*":
        return True
    parts = resource.split(":", 5)
    if len(parts) == 6 and parts[0] == "arn":
        return any("*" in p for p in parts[1:5])
    return False


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
        wild = [a for a in self.actions if is_wildcard_action(a)] + [
            r for r in self.resources if isinstance(r, str) and is_wildcard_resource(r)
        ]
        if wild and self.effect == "Allow":
            text = (self.justification or "").strip()
            if len(text.split()) < _MIN_JUSTIFICATION_WORDS:
                raise ValidationError(
                    "justification",
                    self.justification,
                    f"{', '.join(map(str, wild))} is a wildcard, which least privilege (SEC-1) "
                    "allows only with a written reason",
                    "name exact actions and resource ARNs, or pass justification='why no "
                    "narrower grant works' (at least three words)",
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
    """An IAM policy document: an ordered list of statements."""

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
