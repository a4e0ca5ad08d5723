"""SEC-1 for Lambda functions: no permission lets anyone invoke a function or its URL.

A function URL is anonymous when two things hold: its ``authorization_type`` is ``NONE``
(IK-NET-1-PUBLIC-ENDPOINT refuses that on the URL) and the function's resource policy lets
principal ``*`` invoke it (this rule refuses that on the ``aws.lambda_.Permission``). A
permission for ``*`` on an ``AWS_IAM`` URL or on the function itself is no better without a
condition: every AWS account in the world may then sign a request and invoke it. Refusing both
halves keeps a function URL anonymous in no way a single line could slip through.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from infra_kit.policy._graph import GraphDoc
from infra_kit.policy._registry import Hit, Severity, rule
from infra_kit.policy.rules._values import is_set

__all__ = ["PERMISSION_TYPE", "open_invoke_problem"]

PERMISSION_TYPE = "aws:lambda/permission:Permission"
#: Inputs of a permission that name who may invoke, so a principal "*" is not everyone.
_RESTRICTING = ("sourceAccount", "sourceArn", "principalOrgId")


def open_invoke_problem(inputs: dict[str, Any]) -> str | None:
    """What is open about a Lambda permission's inputs, or None when it names its callers."""
    if str(inputs.get("principal", "")).strip() != "*":
        return None
    action = inputs.get("action", "lambda:InvokeFunction")
    if inputs.get("functionUrlAuthType") == "NONE":
        return (
            f"lets anyone on the internet call the function's URL ({action} for principal * "
            "with functionUrlAuthType NONE)"
        )
    if any(is_set(inputs.get(key)) for key in _RESTRICTING):
        return None
    return (
        f"lets every AWS account invoke the function ({action} for principal * with no "
        "sourceAccount, sourceArn or principalOrgId)"
    )


@rule(
    id="IK-SEC-1-OPEN-FUNCTION-INVOKE",
    prescription="SEC-1",
    severity=Severity.ERROR,
    title="A Lambda permission lets anyone invoke a function or its URL",
    rationale="""A Lambda permission for principal "*" with functionUrlAuthType NONE is what
    makes a function URL anonymous: anyone who finds the URL runs the function, and pays for it
    on our bill. Without that, principal "*" still lets every AWS account invoke the function
    unless source_account, source_arn or principal_org_id names the caller.""",
    fix="""Use authorization_type="AWS_IAM" on the function URL and give callers an identity
    policy instead (HealthEndpoint.grant_invoke does); for a service principal, name it and set
    source_account or source_arn. If an endpoint must be public, put it behind an API Gateway
    or a load balancer with a WAF (EDGE-1) rather than an anonymous function URL.""",
)
def open_function_invoke(graph: GraphDoc) -> Iterator[Hit]:
    for permission in graph.custom(PERMISSION_TYPE):
        problem = open_invoke_problem(GraphDoc.inputs(permission))
        if problem is not None:
            yield Hit(permission["urn"], problem)
