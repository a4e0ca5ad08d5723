"""Bad and good graphs for the ENV-3 rules on the Environment record (see tests/policy/cases.py)."""

from __future__ import annotations

from typing import Any

from infra_kit.core.profile import BUILTIN_PROFILES
from infra_kit.policy import GraphDoc
from infra_kit.policy._graph import ENVIRONMENT_TYPE
from tests.policy.cases import Case
from tests.policy.graphs import doc, environment, urn

ENV_URN = urn(ENVIRONMENT_TYPE, "aws")


def _with_config_keys(set_: list[str], declared: list[str] | None) -> GraphDoc:
    record = environment()
    keys: dict[str, Any] = {"set": set_}
    if declared is not None:
        keys["declared"] = declared
    record["outputs"]["config_keys"] = keys
    return doc(record, with_env=False)


def _prod_profile(**sections: dict[str, Any]) -> dict[str, Any]:
    profile: dict[str, Any] = {k: dict(v) if isinstance(v, dict) else v
                               for k, v in BUILTIN_PROFILES["prod"].items()}  # fmt: skip
    for section, values in sections.items():
        if section == "weakened":
            profile["weakened"] = values
        else:
            profile[section] = {**profile[section], **values}
    return profile


def _with_profile(profile: dict[str, Any]) -> GraphDoc:
    record = environment()
    record["outputs"]["profile"] = profile
    return doc(record, with_env=False)


_REASON = "the vendor publishes these images by tag only"

CASES: list[Case] = [
    Case(
        "IK-ENV-3-UNKNOWN-CONFIG-KEY",
        bad=lambda: _with_config_keys(["p:definitelyNotAKey", "p:environment"], []),
        offending=(ENV_URN,),
        good=lambda: _with_config_keys(["p:environment", "p:image", "aws:region"], ["image"]),
        label="undeclared-top-level-key",
    ),
    Case(
        "IK-ENV-3-WEAKENED-PROTECTION",
        bad=lambda: _with_profile(_prod_profile(workloads={"require_image_digest": False})),
        offending=(ENV_URN,),
        good=lambda: _with_profile(
            _prod_profile(
                workloads={"require_image_digest": False},
                weakened={"workloads.require_image_digest": _REASON},
            )
        ),
        label="digest-off-without-reason",
    ),
    Case(
        "IK-ENV-3-WEAKENED-PROTECTION",
        bad=lambda: _with_profile(_prod_profile(logs={"retention_days": 1})),
        offending=(ENV_URN,),
        good=lambda: _with_profile(_prod_profile(logs={"retention_days": 365})),
        label="log-retention-lowered",
    ),
]
