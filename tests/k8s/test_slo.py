"""A WebService's SLO: multi-window burn-rate alerts on its ALB (OBS-3), from the profile (ENV-2)."""

from __future__ import annotations

import json
import re
from typing import Any

import pulumi
import pytest
from hypothesis import given
from hypothesis import strategies as st

from infra_kit.aws.alarms import AlarmTopics
from infra_kit.core.engine import Graph
from infra_kit.core.profile import BUILTIN_PROFILES
from infra_kit.errors import ConfigError, ValidationError
from infra_kit.k8s import (
    AlbIngress,
    Exposure,
    Slo,
    WebService,
    WebServiceArgs,
    WorkloadAlarms,
    _slo_alerts,
)
from infra_kit.k8s._slo import LOAD_BALANCER_NAME_ANNOTATION, load_balancer_name
from infra_kit.testing import run_offline
from tests.k8s.helpers import CERTIFICATE, IMAGE, obj, refusal, synth

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
COMPOSITE = "aws:cloudwatch/compositeAlarm:CompositeAlarm"
TOPICS = AlarmTopics(
    warning="arn:aws:sns:us-east-1:123456789012:alerts",
    critical="arn:aws:sns:us-east-1:123456789012:alerts-critical",
)
ENVIRONMENTS = ("dev", "prod")


def _service(env: Any, p: Any, *, slo: Slo | None = None, topics: AlarmTopics | None = TOPICS,
             ingress: AlbIngress | None = None) -> WebService:  # fmt: skip
    return WebService(
        "orders-api",
        WebServiceArgs(
            namespace="shop",
            image=IMAGE,
            ingress=ingress
            or AlbIngress(
                certificate_arn=CERTIFICATE,
                exposure=Exposure.INTERNAL,
                hosts=["orders.example.com"],
            ),
            slo=slo,
        ),
        env,
        provider=p,
        alarms=None if topics is None else WorkloadAlarms(topics, "platform-prod"),
    )


def _graph(environment: str, **kwargs: Any) -> Graph:
    return synth(lambda env, p: _service(env, p, **kwargs), environment)


def _alerts(environment: str) -> list[dict[str, Any]]:
    return BUILTIN_PROFILES[environment]["slo"]["burn_rate_alerts"]


def _span(minutes: int) -> str:
    return f"{minutes // 60}h" if minutes % 60 == 0 else f"{minutes}m"


def _key(objective: str, alert: dict[str, Any]) -> str:
    return (
        f"orders-api-{objective}-burn-{_span(alert['long_window_minutes'])}"
        f"-{_span(alert['short_window_minutes'])}"
    )


@pytest.fixture(scope="module", params=ENVIRONMENTS)
def environment(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="module")
def graphs() -> dict[str, Graph]:
    return {e: _graph(e) for e in ENVIRONMENTS}


def test_each_profile_alert_gets_a_threshold_of_burn_rate_times_the_error_budget(
    graphs: dict[str, Graph], environment: str
) -> None:
    graph = graphs[environment]
    slo = BUILTIN_PROFILES[environment]["slo"]
    targets = {
        "availability": slo["availability_target_percent"],
        "latency": slo["latency_target_percent"],
    }
    for alert in _alerts(environment):
        for objective, target in targets.items():
            expected = alert["burn_rate"] * (1 - target / 100)
            for window in ("long", "short"):
                inputs = graph.named(f"{_key(objective, alert)}-{window}", ALARM)["inputs"]
                assert inputs["threshold"] == pytest.approx(expected, rel=1e-9)
                assert inputs["comparisonOperator"] == "GreaterThanThreshold"
    # Six alerts (three per objective), two windows each; besides them only the four CPU and
    # memory alarms of the pods.
    assert len(graph.of_type(COMPOSITE)) == 2 * len(_alerts(environment))
    burn = [r for r in graph.of_type(ALARM) if "-burn-" in r["name"]]
    assert len(burn) == 4 * len(_alerts(environment))
    others = {r["name"] for r in graph.of_type(ALARM)} - {r["name"] for r in burn}
    assert others == {
        f"orders-api-{signal}-{severity}"
        for signal in ("cpu", "memory")
        for severity in ("warning", "critical")
    }


def test_both_windows_are_alarms_of_their_length_that_notify_nobody(
    graphs: dict[str, Graph], environment: str
) -> None:
    graph = graphs[environment]
    for alert in _alerts(environment):
        for objective in ("availability", "latency"):
            for window, minutes in (
                ("long", alert["long_window_minutes"]),
                ("short", alert["short_window_minutes"]),
            ):
                inputs = graph.named(f"{_key(objective, alert)}-{window}", ALARM)["inputs"]
                periods = {q["metric"]["period"] for q in inputs["metricQueries"] if "metric" in q}
                assert periods == {minutes * 60}
                assert minutes * 60 <= 86400  # CloudWatch's longest period for one evaluation
                assert inputs["evaluationPeriods"] == 1
                assert inputs["treatMissingData"] == "notBreaching"
                assert not inputs.get("alarmActions")
                assert not inputs.get("okActions")


def test_each_alert_fires_only_when_both_windows_do_and_tells_its_severitys_topic(
    graphs: dict[str, Graph], environment: str
) -> None:
    graph = graphs[environment]
    for alert in _alerts(environment):
        for objective in ("availability", "latency"):
            key = _key(objective, alert)
            inputs = graph.named(key, COMPOSITE)["inputs"]
            long_name = graph.named(f"{key}-long", ALARM)["inputs"]["name"]
            short_name = graph.named(f"{key}-short", ALARM)["inputs"]["name"]
            assert inputs["alarmRule"] == f'ALARM("{long_name}") AND ALARM("{short_name}")'
            topic = TOPICS.critical if alert["severity"] == "critical" else TOPICS.warning
            assert inputs["alarmActions"] == inputs["okActions"] == [topic]
            assert inputs["alarmName"] == f"{environment}-test-{environment}-{key}"


def test_the_signals_are_the_5xx_ratio_and_the_share_slower_than_the_threshold(
    graphs: dict[str, Graph],
) -> None:
    graph = graphs["prod"]
    ingress = obj(graph, "Ingress", "orders-api", "shop")
    lb_name = ingress["metadata"]["annotations"][LOAD_BALANCER_NAME_ANNOTATION]
    availability = {
        q["id"]: q for q in graph.named("orders-api-availability-burn-1h-5m-long", ALARM)[
            "inputs"]["metricQueries"]
    }  # fmt: skip
    assert availability["result"]["expression"] == (
        "(FILL(target5xx, 0) + FILL(elb5xx, 0)) / requests"
    )
    assert {k: (q["metric"]["metricName"], q["metric"]["stat"]) for k, q in availability.items()
            if "metric" in q} == {
        "target5xx": ("HTTPCode_Target_5XX_Count", "Sum"),
        "elb5xx": ("HTTPCode_ELB_5XX_Count", "Sum"),
        "requests": ("RequestCount", "Sum"),
    }  # fmt: skip
    latency = {
        q["id"]: q for q in graph.named("orders-api-latency-burn-1h-5m-long", ALARM)[
            "inputs"]["metricQueries"]
    }  # fmt: skip
    assert latency["result"]["expression"] == "1 - fast / 100"
    assert latency["fast"]["metric"]["metricName"] == "TargetResponseTime"
    assert latency["fast"]["metric"]["stat"] == "PR(:0.5)"  # 500 ms, in seconds
    # Every query reads the ALB the Ingress names, found by that name once it exists.
    for queries in (availability, latency):
        for q in queries.values():
            if "metric" in q:
                dimension = q["metric"]["dimensions"]["LoadBalancer"]
                assert re.fullmatch(rf"app/{lb_name}/[0-9a-f]{{16}}", dimension)


def test_dev_and_prod_differ_only_in_the_profiles_availability_target(
    graphs: dict[str, Graph],
) -> None:
    """ENV-2: the same alarms in both; only the thresholds the profile's targets give differ."""

    def shape(graph: Graph) -> dict[str, Any]:
        out = {}
        for record in [*graph.of_type(ALARM), *graph.of_type(COMPOSITE)]:
            inputs = json.loads(json.dumps(record["inputs"]))
            for key in ("name", "alarmName", "alarmRule", "alarmDescription", "threshold"):
                inputs.pop(key, None)
            text = re.sub(r"app/[a-z0-9-]+/[0-9a-f]{16}", "LB", json.dumps(inputs, sort_keys=True))
            out[record["name"]] = text
        return out

    assert shape(graphs["dev"]) == shape(graphs["prod"])
    dev = graphs["dev"].named("orders-api-availability-burn-1h-5m-long", ALARM)["inputs"]
    prod = graphs["prod"].named("orders-api-availability-burn-1h-5m-long", ALARM)["inputs"]
    assert (dev["threshold"], prod["threshold"]) == pytest.approx((14.4 * 0.01, 14.4 * 0.001))


def test_a_service_may_declare_its_own_objectives() -> None:
    graph = _graph("prod", slo=Slo(availability_target_percent=99.5, latency_threshold_ms=250))
    availability = graph.named("orders-api-availability-burn-6h-30m-short", ALARM)["inputs"]
    assert availability["threshold"] == pytest.approx(6 * 0.005)
    latency = graph.named("orders-api-latency-burn-6h-30m-short", ALARM)["inputs"]
    (fast,) = [q for q in latency["metricQueries"] if q["id"] == "fast"]
    assert fast["metric"]["stat"] == "PR(:0.25)"


def test_without_alarm_topics_no_alarm_is_created() -> None:
    graph = _graph("prod", topics=None)
    assert graph.of_type(ALARM) == graph.of_type(COMPOSITE) == []


@pytest.mark.parametrize(
    ("slo", "key"),
    [
        (Slo(availability_target_percent=100), "slo.availability_target_percent"),
        (Slo(latency_target_percent=100.5), "slo.latency_target_percent"),
        (Slo(availability_target_percent=0), "slo.availability_target_percent"),
        # 14.4 x 10% of the requests: more than all of them, so it could never fire.
        (Slo(availability_target_percent=90), "slo.availability_target_percent"),
        (Slo(latency_threshold_ms=0), "slo.latency_threshold_ms"),
        (Slo(window_days=365), "slo.window_days"),
    ],
)
def test_a_bad_slo_is_refused_naming_the_key_before_anything_exists(slo: Slo, key: str) -> None:
    error, created = refusal(lambda env, p: _service(env, p, slo=slo), "prod")
    assert isinstance(error, ValidationError)
    assert error.key == key
    assert [r for r in created if r["type"].startswith("aws:cloudwatch")] == []


def test_an_slo_without_a_load_balancer_is_refused() -> None:
    def build(env: Any, p: Any) -> None:
        WebService(
            "orders-api",
            WebServiceArgs(namespace="shop", image=IMAGE, slo=Slo()),
            env,
            provider=p,
            alarms=WorkloadAlarms(TOPICS, "platform-prod"),
        )

    error, _ = refusal(build, "dev")
    assert isinstance(error, ValidationError)
    assert error.key == "slo"


def test_a_short_window_not_below_the_long_one_is_refused_naming_the_key() -> None:
    bad = {"burn_rate": 14.4, "long_window_minutes": 60, "short_window_minutes": 60,
           "severity": "critical"}  # fmt: skip
    with pytest.raises(ConfigError) as caught:
        run_offline(
            lambda env: None, environment="dev", overrides={"slo": {"burn_rate_alerts": [bad]}}
        )
    assert "slo.burn_rate_alerts" in str(caught.value)
    assert "short_window_minutes=60 must be below long_window_minutes=60" in str(caught.value)


def test_the_load_balancer_is_looked_up_by_name_only_once_the_ingress_exists(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[str, pulumi.InvokeOutputOptions]] = []
    real = _slo_alerts.aws.lb.get_load_balancer_output

    def spy(*, name: str, opts: pulumi.InvokeOutputOptions) -> Any:
        calls.append((name, opts))
        return real(name=name, opts=opts)

    monkeypatch.setattr(_slo_alerts.aws.lb, "get_load_balancer_output", spy)
    services: list[WebService] = []
    synth(lambda env, p: services.append(_service(env, p)), "prod")
    ((name, opts),) = calls
    (service,) = services
    assert name == service.load_balancer_name
    assert opts.depends_on == [service.ingress]


def test_the_load_balancer_name_is_unique_per_stack_and_shared_by_a_group() -> None:
    base = {"environment": "prod", "project": "orders", "namespace": "apps", "service": "api"}
    one = load_balancer_name(stack="prod", group=None, **base)
    assert one == load_balancer_name(stack="prod", group=None, **base)
    assert one != load_balancer_name(stack="pr-12", group=None, **base)
    grouped = {**base, "group": "public"}
    assert load_balancer_name(stack="a", **grouped) == load_balancer_name(
        **{**grouped, "stack": "b", "service": "other", "project": "x"}
    )


@given(
    st.fixed_dictionaries(
        {
            "environment": st.sampled_from(["dev", "stage", "prod", "preview", "internal"]),
            "project": st.from_regex(r"[a-z][a-z0-9-]{0,40}", fullmatch=True),
            "stack": st.from_regex(r"[a-z0-9-]{1,30}", fullmatch=True),
            "namespace": st.from_regex(r"[a-z][a-z0-9-]{0,62}", fullmatch=True),
            "service": st.from_regex(r"[a-z][a-z0-9-]{0,34}[a-z0-9]", fullmatch=True),
            "group": st.none() | st.from_regex(r"[a-z0-9][a-z0-9.-]{0,61}[a-z0-9]", fullmatch=True),
        }
    )
)
def test_every_load_balancer_name_is_one_aws_accepts(where: dict[str, Any]) -> None:
    name = load_balancer_name(**where)
    # At most 32 alphanumerics and hyphens, not starting or ending with one, nor with internal-.
    assert re.fullmatch(r"[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?", name)
    assert not name.startswith("internal-")


def test_check_refuses_a_prod_service_behind_an_alb_without_burn_rate_alerts() -> None:
    from tests.support import failing

    without = _graph("prod", topics=None)
    assert [f.split(": ", 1)[1] for f in failing(without, "IK-OBS-3-SLO-ALERTS")] == [
        "no composite burn-rate alarm watches the ALB 'orders-api-prod-427ad1c1' of this Ingress"
    ]
    assert failing(_graph("prod"), "IK-OBS-3-SLO-ALERTS") == []
    # Dev promises users nothing: the rule holds stage and prod only.
    assert failing(_graph("dev", topics=None), "IK-OBS-3-SLO-ALERTS") == []
