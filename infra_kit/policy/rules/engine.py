"""Rules on what only the offline engine sees while the program runs (SEC-2).

``infra-kit synth`` records these as graph diagnostics: a ``secure:`` config value read with a
plain getter, and a secret config value that reached an input or output in clear. The policy
pack cannot see how config was read, so these rules are offline only.
"""

from __future__ import annotations

from collections.abc import Iterator

from infra_kit.policy._graph import GraphDoc
from infra_kit.policy._registry import Hit, Severity, rule


@rule(
    id="IK-SEC-2-SECRET-CONFIG-IN-CLEAR",
    prescription="SEC-2",
    severity=Severity.ERROR,
    title="A secure config value is read or used in clear",
    rationale="""A secure: value in a stack file is encrypted at rest, but config.get() or
    config.require() hands the program the plain string, and Pulumi then stores it in clear in
    state wherever it lands (a ConfigMap, an environment variable, a stack output). Only
    get_secret() and require_secret() keep it marked secret all the way through.""",
    fix="""Read the key with config.get_secret(...) or config.require_secret(...) (or the
    _object/_int variants); better still, keep the secret in Secrets Manager and pass its ARN.""",
    offline_only=True,
)
def secret_config_in_clear(graph: GraphDoc) -> Iterator[Hit]:
    stack = graph.stack_urn
    for d in graph.diagnostics_of("secret-config-read-in-clear"):
        yield Hit(stack, str(d.get("message", f"config {d.get('key')!r} read in clear")))
    for d in graph.diagnostics_of("secret-in-clear"):
        urn = str(d.get("urn") or stack)
        yield Hit(urn if urn.startswith("urn:") else stack, str(d.get("message", "")))
