"""ENV-3: the stack's configuration says what it means, and weakens nothing in silence.

Both rules read the Environment record that
:meth:`~infra_kit.core.environment.Environment.load` registers: the validated profile (with the
reasons for any weakened protection) and the config keys the stack sets beside those its program
declares. ``Environment.load`` already refuses both problems before anything is
registered; these rules hold the same line for graphs made any other way (a program that builds
its Environment by hand, an edited graph, the policy pack at ``pulumi preview``).
"""

from __future__ import annotations

from collections.abc import Iterator

from infra_kit.core._config_keys import unknown_config_keys
from infra_kit.core.profile import BUILTIN_PROFILES
from infra_kit.core.profile._protections import MIN_REASON_WORDS, weakenings
from infra_kit.policy._graph import ENVIRONMENT_TYPE, GraphDoc
from infra_kit.policy._registry import Hit, Severity, rule
from infra_kit.policy.rules._values import as_dict


@rule(
    id="IK-ENV-3-UNKNOWN-CONFIG-KEY",
    prescription="ENV-3",
    severity=Severity.ERROR,
    title="The stack sets a config key of the project that nothing reads",
    rationale="""A misspelt key (`platform:enviroment`, `orders:imge`) is ignored in silence: the
    program reads the right name, finds nothing and falls back to a default, so the stack
    deploys something other than what its file says. Only `<project>:environment` and the keys
    the program declares in Pulumi.yaml under `config:` belong in the project's namespace.""",
    fix="""Correct the key's spelling or remove it; if the program reads it, declare it in
    Pulumi.yaml under `config:` with its type and description.""",
)
def unknown_config_key(graph: GraphDoc) -> Iterator[Hit]:
    for record in graph.of_type(ENVIRONMENT_TYPE):
        keys = as_dict(as_dict(record.get("outputs")).get("config_keys"))
        declared = keys.get("declared")
        if not isinstance(declared, list):
            continue  # no Pulumi.yaml was found: nothing to judge against
        for key in unknown_config_keys(keys.get("set") or [], graph.project, declared):
            yield Hit(
                record["urn"],
                f"{key} is set in the stack file but neither infra-kit nor the program declares it",
            )


@rule(
    id="IK-ENV-3-WEAKENED-PROTECTION",
    prescription="ENV-3",
    severity=Severity.ERROR,
    title="A protection of the environment is weakened without a written reason",
    rationale="""Each built-in environment profile is a reviewed baseline: pinned images,
    interface endpoints, log retention, recovery windows. One line of a stack file can lower
    any of them; without a reason next to it, a reviewer cannot tell a decision from a slip.""",
    fix="""Remove the override, or write why under `weakened:` in the stack file's environment,
    e.g. `weakened: {workloads.require_image_digest: "<why, in at least three words>"}`.""",
)
def weakened_protection(graph: GraphDoc) -> Iterator[Hit]:
    for record in graph.of_type(ENVIRONMENT_TYPE):
        profile = as_dict(as_dict(record.get("outputs")).get("profile"))
        builtin = BUILTIN_PROFILES.get(str(profile.get("name")))
        if not profile or builtin is None:
            continue
        reasons = as_dict(profile.get("weakened"))
        for found in weakenings(profile, builtin):
            key = found.protection.key
            if len(str(reasons.get(key, "")).split()) >= MIN_REASON_WORDS:
                continue
            yield Hit(
                record["urn"],
                f"{key}={found.value} is weaker than the {profile['name']} default "
                f"({found.default}) and no reason is written: {found.protection.loses}",
            )
