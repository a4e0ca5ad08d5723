"""One bad and one good graph per rule, shared by the rule tests and the policy pack's tests.

Each area's module (``cases_iam``, ``cases_aws``, ``cases_k8s``, ``cases_engine``) lists a
:class:`Case` per rule: the bad graph must make the rule name exactly ``offending``, the good
graph must leave it quiet. :func:`all_cases` gathers them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from infra_kit.policy import GraphDoc


@dataclass(frozen=True)
class Case:
    rule_id: str
    bad: Callable[[], GraphDoc]
    offending: tuple[str, ...]
    good: Callable[[], GraphDoc]
    #: What the case shows, for test ids.
    label: str = ""


def all_cases() -> list[Case]:
    from tests.policy import (
        cases_alarms,
        cases_aws,
        cases_backups,
        cases_bounded,
        cases_delivery,
        cases_edge,
        cases_engine,
        cases_env,
        cases_iam,
        cases_k8s,
        cases_obs,
        cases_releases,
        cases_telemetry,
    )

    return [
        *cases_iam.CASES,
        *cases_aws.CASES,
        *cases_k8s.CASES,
        *cases_engine.CASES,
        *cases_env.CASES,
        *cases_alarms.CASES,
        *cases_telemetry.CASES,
        *cases_obs.CASES,
        *cases_backups.CASES,
        *cases_edge.CASES,
        *cases_releases.CASES,
        *cases_delivery.CASES,
        *cases_bounded.CASES,
    ]
