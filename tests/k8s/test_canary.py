"""A WebService's canary: the planner, its refusals, and what the component renders (DEP-1,
DEP-2, K8S-4).

Expected defaults are the profile's ``rollouts`` rows and the SLO's latency threshold, written
out: stage and prod run canaries of 10%, 25% and 50% with 300 s pauses, measured every 60 s over
300 s, aborting at the third failure, at a 1% error rate and a 500 ms p99.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from infra_kit.core.engine import Graph
from infra_kit.errors import ValidationError
from infra_kit.k8s import AlbIngress, Canary, Exposure, Slo, WebService, WebServiceArgs
from infra_kit.k8s._canary import CanaryPlan, analysis_spec, plan_canary, rollout_strategy
from infra_kit.k8s._slo import plan_slo
from tests.core.test_profile import profile
from tests.k8s.helpers import CERTIFICATE, IMAGE, objects, refusal, synth

INGRESS = AlbIngress(
    certificate_arn=CERTIFICATE, exposure=Exposure.INTERNAL, hosts=["orders.example.com"]
)
PROD = profile("prod")
SLO = plan_slo(Slo(), PROD)


def _plan(canary: Canary, name: str = "prod", *, has_ingress: bool = True) -> CanaryPlan | None:
    p = PROD if name == "prod" else profile(name)
    return plan_canary(canary, p, plan_slo(Slo(), p), has_ingress=has_ingress)


def _service(env: Any, p: Any, **args: Any) -> WebService:
    fields: dict[str, Any] = {"namespace": "shop", "image": IMAGE, "ingress": INGRESS}
    fields.update(args)
    return WebService("orders-api", WebServiceArgs(**fields), env, provider=p)


def _graph(environment: str, **args: Any) -> Graph:
    return synth(lambda env, p: _service(env, p, **args), environment)


# -- the planner ------------------------------------------------------------------------------
def test_the_defaults_come_from_the_profile_and_the_slo() -> None:
    assert _plan(Canary()) == CanaryPlan(
        steps=((10, 300), (25, 300), (50, 300)),
        interval_seconds=60,
        lookback_seconds=300,
        failure_limit=2,
        max_error_ratio=0.01,
        max_latency_ms=500,
        latency_stat="p99",
    )


@pytest.mark.parametrize(("name", "runs"), [("dev", False), ("preview", False), ("stage", True)])
def test_only_the_environments_whose_profile_says_so_run_canaries(name: str, runs: bool) -> None:
    assert (_plan(Canary(), name) is not None) is runs


def test_a_services_own_values_win_over_the_profile() -> None:
    plan = _plan(
        Canary(
            steps=((20, 120), (60, 600)),
            analysis_interval_seconds=30,
            failure_limit=0,
            max_error_rate_percent=0.5,
            max_latency_ms=250,
        )
    )
    assert plan is not None
    assert (plan.steps, plan.interval_seconds, plan.failure_limit) == (
        ((20, 120), (60, 600)),
        30,
        0,
    )
    assert (plan.max_error_ratio, plan.max_latency_ms) == (0.005, 250)


def test_the_latency_threshold_and_percentile_follow_the_services_slo() -> None:
    slo = plan_slo(Slo(latency_target_percent=99.9, latency_threshold_ms=300), PROD)
    plan = plan_canary(Canary(), PROD, slo, has_ingress=True)
    assert plan is not None
    assert (plan.max_latency_ms, plan.latency_stat) == (300, "p99.9")


def test_the_strategy_steps_through_each_weight_and_pause_with_background_analysis() -> None:
    plan = _plan(Canary(steps=((5, 60), (50, 120))))
    assert plan is not None
    assert rollout_strategy(plan, "web-canary") == {
        "canary": {
            "maxSurge": "25%",
            "maxUnavailable": 0,
            "analysis": {"templates": [{"templateName": "web-canary"}]},
            "steps": [
                {"setWeight": 5}, {"pause": {"duration": "60s"}},
                {"setWeight": 50}, {"pause": {"duration": "120s"}},
            ],
        }
    }  # fmt: skip


def test_each_metric_fails_the_run_one_failure_past_the_limit() -> None:
    plan = _plan(Canary(failure_limit=4, max_error_rate_percent=2.5, max_latency_ms=1200))
    assert plan is not None
    error_rate, latency = analysis_spec(plan, "app/web/1")["metrics"]
    assert (error_rate["failureLimit"], latency["failureLimit"]) == (4, 4)
    assert error_rate["successCondition"] == "all(result[0].Values, {# <= 0.025})"
    assert latency["successCondition"] == "all(result[0].Values, {# <= 1.2})"


@given(
    weights=st.lists(st.integers(1, 99), min_size=1, max_size=10, unique=True).map(sorted),
    pause=st.integers(60, 3600),
    interval=st.integers(30, 600),
    limit=st.integers(0, 10),
)
def test_a_plan_is_accepted_exactly_when_the_analysis_can_fail_it_before_promotion(
    weights: list[int], pause: int, interval: int, limit: int
) -> None:
    canary = Canary(
        steps=[(w, pause) for w in weights], analysis_interval_seconds=interval, failure_limit=limit
    )
    if pause * len(weights) >= (limit + 1) * interval:
        plan = _plan(canary)
        assert plan is not None
        assert plan.steps == tuple((w, pause) for w in weights)
        assert plan.promotion_seconds == pause * len(weights)
        assert plan.abort_seconds == (limit + 1) * interval
        strategy = rollout_strategy(plan, "t")["canary"]
        assert [s["setWeight"] for s in strategy["steps"][::2]] == weights
        assert strategy["maxUnavailable"] == 0
    else:
        with pytest.raises(ValidationError, match=r"^canary\.steps=.*fully promoted"):
            _plan(canary)


# -- refusals ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("canary", "key", "problem"),
    [
        (Canary(steps=()), "canary.steps", "not a list of"),
        (Canary(steps=((50, 300), (25, 300))), "canary.steps", "does not rise above 50"),
        (Canary(steps=((100, 300),)), "canary.steps[0] weight", "from 1 to 99"),
        (Canary(steps=((10, 30),)), "canary.steps[0] pause", "from 60 to 86400"),
        (Canary(steps=((10, 300, 1),)), "canary.steps[0]", "not a (weight, pause) pair"),
        (Canary(analysis_interval_seconds=5), "canary.analysis_interval_seconds", "30 to 600"),
        (Canary(failure_limit=-1), "canary.failure_limit", "from 0 to 10"),
        (Canary(max_error_rate_percent=0), "canary.max_error_rate_percent", "above 0"),
        (Canary(max_latency_ms=0), "canary.max_latency_ms", "from 1 to"),
    ],
)
def test_bad_values_are_refused_in_dev_too(canary: Canary, key: str, problem: str) -> None:
    with pytest.raises(ValidationError) as caught:
        _plan(canary, "dev")
    assert caught.value.key == key
    assert problem in caught.value.problem


def test_a_canary_without_a_load_balancer_is_refused_with_the_fix() -> None:
    error, created = refusal(lambda env, p: _service(env, p, ingress=None, canary=Canary()))
    assert isinstance(error, ValidationError)
    assert error.key == "canary"
    assert "has no load balancer" in error.problem
    assert error.fix == "give it an ingress=AlbIngress(...), or drop canary"
    assert created == []


def test_a_canary_that_is_not_a_canary_is_refused() -> None:
    error, created = refusal(lambda env, p: _service(env, p, canary={"steps": []}), "prod")
    assert isinstance(error, ValidationError)
    assert (error.key, error.fix) == ("canary", "pass Canary(...) or leave it unset")
    assert created == []


# -- the component ----------------------------------------------------------------------------
def test_a_stage_service_with_a_canary_runs_a_rollout_instead_of_a_deployment() -> None:
    graph = _graph("stage", canary=Canary())
    assert objects(graph, "Deployment") == []
    (rollout,) = objects(graph, "Rollout")
    (template,) = objects(graph, "AnalysisTemplate")
    assert rollout["spec"]["strategy"]["canary"]["analysis"] == {
        "templates": [{"templateName": template["metadata"]["name"]}]
    }
    assert template["metadata"]["namespace"] == rollout["metadata"]["namespace"] == "shop"
    # Without alarms the ALB is looked up for the analysis alone.
    (dimension,) = template["spec"]["metrics"][1]["provider"]["cloudWatch"]["metricDataQueries"][0][
        "metricStat"
    ]["metric"]["dimensions"]
    assert dimension["value"].startswith("app/orders-api-stage-")
    assert graph.of_type("aws:cloudwatch/metricAlarm:MetricAlarm") == []


def test_the_rollout_waits_for_its_analysis_template() -> None:
    graph = _graph("prod", canary=Canary())
    rollout = graph.named("orders-api-rollout")
    analysis = graph.named("orders-api-analysis")
    assert analysis["urn"] in rollout["dependencies"]


def test_without_a_canary_prod_keeps_the_surge_only_deployment() -> None:
    graph = _graph("prod")
    assert objects(graph, "Rollout") == objects(graph, "AnalysisTemplate") == []
    (deployment,) = objects(graph, "Deployment")
    assert deployment["spec"]["strategy"]["rollingUpdate"] == {
        "maxUnavailable": 0,
        "maxSurge": "25%",
    }
