"""The rollouts runbook quotes the profile's canary values and the rollback time computed from
them; these tests fail when a profile row changes and the runbook does not."""

from __future__ import annotations

import re

import pytest

from infra_kit.core.profile import BUILTIN_PROFILES
from infra_kit.k8s import WebServiceArgs
from tests.conftest import REPO

RUNBOOK = (REPO / "docs" / "runbooks" / "rollouts.md").read_text(encoding="utf-8")
PROD = BUILTIN_PROFILES["prod"]
ROLLOUTS = PROD["rollouts"]


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_the_runbook_speaks_of_stage_and_prod_which_run_the_same_canary() -> None:
    assert BUILTIN_PROFILES["stage"]["rollouts"] == ROLLOUTS
    assert ROLLOUTS["enable_canary"] is True
    assert BUILTIN_PROFILES["dev"]["rollouts"]["enable_canary"] is False
    assert BUILTIN_PROFILES["preview"]["rollouts"]["enable_canary"] is False


@pytest.mark.parametrize("index", range(len(ROLLOUTS["steps"])))
def test_each_step_is_in_the_table(index: int) -> None:
    step = ROLLOUTS["steps"][index]
    pause = step["pause_seconds"]
    row = f"| {index + 1} | {step['weight_percent']}% | {pause} s ({pause // 60} min) |"
    assert row in RUNBOOK


def test_the_analysis_and_the_rollback_time_are_the_profiles() -> None:
    text = _flat(RUNBOOK)
    interval = ROLLOUTS["analysis_interval_seconds"]
    limit = ROLLOUTS["failure_limit"]
    promotion = sum(s["pause_seconds"] for s in ROLLOUTS["steps"])
    assert f"every **{interval} s**" in text
    assert f"the last **{ROLLOUTS['analysis_lookback_seconds']} s**" in text
    assert f"at most **{ROLLOUTS['max_error_rate_percent']:g}%**" in text
    assert f"**p{PROD['slo']['latency_target_percent']:g}**" in text
    assert f"**{PROD['slo']['latency_threshold_ms'] / 1000:g} s**" in text
    assert f"tolerates **{limit}** failed measurements" in text
    assert f"**{limit + 1} x {interval} s = {(limit + 1) * interval} s**" in text
    assert f"after **{promotion // 60} minutes** of pauses" in text
    deadline = WebServiceArgs.__dataclass_fields__["progress_deadline_seconds"].default
    assert f"the progress deadline, **{deadline} s**" in text
