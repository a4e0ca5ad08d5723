"""SEC-2 rules on resources: secret material never sits in clear in the graph (and so in state)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from infra_kit.policy._graph import GraphDoc
from infra_kit.policy._registry import Hit, Severity, rule

_REDACTED = ("[secret]", "[unknown]")

#: Inputs that hold secret material, per type: Pulumi must have them marked secret.
_SECRET_INPUTS: dict[str, tuple[str, ...]] = {
    "aws:secretsmanager/secretVersion:SecretVersion": ("secretString", "secretBinary"),
    "aws:rds/instance:Instance": ("password",),
    "aws:rds/cluster:Cluster": ("masterPassword",),
    "aws:docdb/cluster:Cluster": ("masterPassword",),
    "aws:redshift/cluster:Cluster": ("masterPassword",),
    "aws:elasticache/replicationGroup:ReplicationGroup": ("authToken",),
    "aws:elasticache/user:User": ("passwords",),
    "aws:mq/broker:Broker": ("users",),
    "aws:iam/userLoginProfile:UserLoginProfile": ("password",),
}


def _clear_values(value: Any) -> bool:
    """Whether ``value`` holds anything that is neither empty nor redacted."""
    if value is None or value in _REDACTED or value in ("", [], {}):
        return False
    if isinstance(value, Mapping):
        return any(_clear_values(v) for v in value.values())
    if isinstance(value, list):
        return any(_clear_values(v) for v in value)
    return True


@rule(
    id="IK-SEC-2-CLEAR-TEXT-SECRET",
    prescription="SEC-2",
    severity=Severity.ERROR,
    title="Secret material is in clear in the graph, and so in state",
    rationale="""Pulumi encrypts in state only values it knows are secret. A password, a
    secret string or a Kubernetes Secret's data passed as a plain value is written to state
    in clear, readable by anyone who can read the state bucket or a stack export.""",
    fix="""Keep secrets in Secrets Manager and hand workloads the secret's ARN (WebService
    secret_arns); where a value must pass through Pulumi, wrap it with pulumi.Output.secret()
    or read it with config.require_secret(). RDS master passwords: use the Database
    component, which lets RDS manage the password in Secrets Manager.""",
)
def clear_text_secret(graph: GraphDoc) -> Iterator[Hit]:
    for record in graph.resources:
        inputs = graph.inputs(record)
        keys = _SECRET_INPUTS.get(record["type"], ())
        clear = [k for k in keys if _clear_values(inputs.get(k))]
        if clear:
            yield Hit(record["urn"], f"{', '.join(clear)} in clear (not marked secret)")
    for record, obj in graph.kubernetes_of_kind("Secret"):
        clear = [k for k in ("data", "stringData") if _clear_values(obj.get(k))]
        if clear:
            yield Hit(
                record["urn"],
                f"Kubernetes Secret with {' and '.join(clear)} in clear: the values are in state "
                "unencrypted and readable by anyone who can list Secrets in the namespace",
            )
