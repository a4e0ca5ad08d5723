"""Bad and good graphs for the engine-diagnostic, secret-material, credential and suppression
rules (see tests/policy/cases.py)."""

from __future__ import annotations

from infra_kit.policy import GraphDoc
from tests.policy.cases import Case
from tests.policy.graphs import doc, k8s, resource, suppression, urn

STACK_URN = "urn:pulumi:prod::p::pulumi:pulumi:Stack::p-prod"
STACK = resource("pulumi:pulumi:Stack", "p-prod", custom=False, provider=None, urn_=STACK_URN)
QUEUE = resource("aws:sqs/queue:Queue", "jobs", protect=True)
CLEAR_READ = {
    "code": "secret-config-read-in-clear",
    "key": "p:apiToken",
    "source": "__main__.py:7",
    "message": "config 'p:apiToken' is a secure: value but __main__.py:7 reads it with a plain "
    "getter",
}
IN_CLEAR = {
    "code": "secret-in-clear",
    "key": "p:apiToken",
    "urn": urn("kubernetes:core/v1:ConfigMap", "settings"),
    "path": "data.TOKEN",
    "message": "the secure: config value 'p:apiToken' reaches the ConfigMap in clear",
}


def _unused_bad() -> GraphDoc:
    # Accepts a finding the rule does not make on this resource (the queue is protected).
    return doc(
        QUEUE,
        suppression(QUEUE["urn"], "IK-DR-1-UNPROTECTED", "accepted while data is migrated"),
    )


def _unused_good() -> GraphDoc:
    open_queue = resource("aws:sqs/queue:Queue", "jobs")
    return doc(
        open_queue,
        suppression(open_queue["urn"], "IK-DR-1-UNPROTECTED", "scratch queue, data is disposable"),
    )


def _short_reason() -> GraphDoc:
    open_queue = resource("aws:sqs/queue:Queue", "jobs")
    return doc(open_queue, suppression(open_queue["urn"], "IK-DR-1-UNPROTECTED", "ok"))


def _unused_offending(graph: GraphDoc) -> tuple[str, ...]:
    return tuple(s.urn for s in graph.suppressions)


def _secret(data_in_clear: bool) -> dict:
    value = "c2VjcmV0" if data_in_clear else "[secret]"
    return k8s("Secret", "creds", data={"password": value})


CASES: list[Case] = [
    Case(
        "IK-SEC-5-UNUSED-SUPPRESSION",
        bad=_unused_bad,
        offending=_unused_offending(_unused_bad()),
        good=_unused_good,
        label="accepts-nothing",
    ),
    Case(
        "IK-SEC-5-UNUSED-SUPPRESSION",
        bad=_short_reason,
        offending=_unused_offending(_short_reason()),
        good=_unused_good,
        label="reason-too-short",
    ),
    Case(
        "IK-SEC-2-SECRET-CONFIG-IN-CLEAR",
        bad=lambda: doc(STACK, diagnostics=[CLEAR_READ]),
        offending=(STACK_URN,),
        good=lambda: doc(STACK),
        label="plain-read",
    ),
    Case(
        "IK-SEC-2-SECRET-CONFIG-IN-CLEAR",
        bad=lambda: doc(STACK, diagnostics=[IN_CLEAR]),
        offending=(IN_CLEAR["urn"],),
        good=lambda: doc(STACK, diagnostics=[{"code": "unimitated-output", "message": "x"}]),
        label="reaches-an-input",
    ),
    Case(
        "IK-SEC-2-CLEAR-TEXT-SECRET",
        bad=lambda: doc(_secret(True)),
        offending=(_secret(True)["urn"],),
        good=lambda: doc(_secret(False)),
        label="kubernetes-secret",
    ),
    Case(
        "IK-SEC-2-CLEAR-TEXT-SECRET",
        bad=lambda: doc(
            resource("aws:rds/instance:Instance", "db", {"password": "hunter22"}, protect=True)
        ),
        offending=(urn("aws:rds/instance:Instance", "db"),),
        good=lambda: doc(
            resource("aws:rds/instance:Instance", "db", {"password": "[secret]"}, protect=True)
        ),
        label="database-password",
    ),
    Case(
        "IK-SEC-1-LONG-LIVED-KEY",
        bad=lambda: doc(resource("aws:iam/accessKey:AccessKey", "ci-key", {"user": "ci"})),
        offending=(urn("aws:iam/accessKey:AccessKey", "ci-key"),),
        good=lambda: doc(resource("aws:iam/role:Role", "ci", {"assumeRolePolicy": "{}"})),
    ),
]
