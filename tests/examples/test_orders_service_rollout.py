"""The orders-service example rolls out by canary in prod and by a rolling update in dev, from
one program: the profile's ``rollouts`` section decides (DEP-1, DEP-2, K8S-4).

Expected values are the prod profile's rows (infra_kit/core/profile/rollouts.py) and the SLO's
(``slo.latency_threshold_ms`` 500 at ``slo.latency_target_percent`` 99), written out here.
"""

from __future__ import annotations

from pathlib import Path

from infra_kit.core.engine import Graph
from infra_kit.k8s import restricted_violations
from tests.conftest import graph_of

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "orders-service"


def _objects(graph: Graph, kind: str) -> list[dict]:
    return [o for o in graph.kubernetes_objects() if o["kind"] == kind]


def test_prod_rolls_orders_api_out_by_canary_steps_and_no_deployment() -> None:
    graph = graph_of(EXAMPLE, "prod")
    assert [d["metadata"]["name"] for d in _objects(graph, "Deployment")] == []
    (rollout,) = _objects(graph, "Rollout")
    assert rollout["apiVersion"] == "argoproj.io/v1alpha1"
    assert rollout["metadata"]["name"] == "orders-api"
    # pulumi up waits for available pods (the switch from the Deployment), at most one progress
    # deadline; the pipeline's verify step waits for the canary's steps.
    annotations = rollout["metadata"]["annotations"]
    assert annotations["pulumi.com/waitFor"] == "condition=Available"
    assert annotations["pulumi.com/timeoutSeconds"] == "600"
    spec = rollout["spec"]
    assert "replicas" not in spec
    assert spec["progressDeadlineSeconds"] == 600
    assert spec["progressDeadlineAbort"] is True
    assert spec["strategy"] == {
        "canary": {
            "maxSurge": "25%",
            "maxUnavailable": 0,
            "analysis": {"templates": [{"templateName": "orders-api-canary"}]},
            "steps": [
                {"setWeight": 10}, {"pause": {"duration": "300s"}},
                {"setWeight": 25}, {"pause": {"duration": "300s"}},
                {"setWeight": 50}, {"pause": {"duration": "300s"}},
            ],
        }
    }  # fmt: skip
    pod = spec["template"]["spec"]
    assert restricted_violations(pod) == []
    assert pod["serviceAccountName"] == "orders-api"
    assert pod["automountServiceAccountToken"] is False
    zones = pod["topologySpreadConstraints"][0]
    assert zones["topologyKey"] == "topology.kubernetes.io/zone"
    assert zones["whenUnsatisfiable"] == "DoNotSchedule"
    assert zones["matchLabelKeys"] == ["rollouts-pod-template-hash"]
    (hpa,) = _objects(graph, "HorizontalPodAutoscaler")
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "name": "orders-api",
    }
    (pdb,) = _objects(graph, "PodDisruptionBudget")
    assert pdb["spec"]["selector"] == spec["selector"]
    (service,) = _objects(graph, "Service")
    assert service["spec"]["selector"] == spec["selector"]["matchLabels"]


def test_prods_analysis_reads_the_services_alb_against_the_thresholds() -> None:
    graph = graph_of(EXAMPLE, "prod")
    (template,) = _objects(graph, "AnalysisTemplate")
    assert template["metadata"]["name"] == "orders-api-canary"
    (ingress,) = _objects(graph, "Ingress")
    alb = ingress["metadata"]["annotations"]["alb.ingress.kubernetes.io/load-balancer-name"]
    error_rate, latency = template["spec"]["metrics"]
    for metric in (error_rate, latency):
        assert metric["interval"] == "60s"
        assert metric["failureLimit"] == 2
        assert metric["provider"]["cloudWatch"]["interval"] == "300s"
        for query in metric["provider"]["cloudWatch"]["metricDataQueries"]:
            if "metricStat" in query:
                assert query["metricStat"]["period"] == 300
                (dimension,) = query["metricStat"]["metric"]["dimensions"]
                assert dimension["name"] == "LoadBalancer"
                assert dimension["value"].startswith(f"app/{alb}/")
    assert error_rate["name"] == "error-rate"
    assert error_rate["successCondition"] == "all(result[0].Values, {# <= 0.01})"
    queries = {q["id"]: q for q in error_rate["provider"]["cloudWatch"]["metricDataQueries"]}
    assert queries["rate"]["expression"] == "(FILL(target5xx, 0) + FILL(elb5xx, 0)) / requests"
    assert "returnData" not in queries["rate"]
    assert {
        i: (q["metricStat"]["metric"]["metricName"], q["metricStat"]["stat"], q["returnData"])
        for i, q in queries.items()
        if i != "rate"
    } == {
        "target5xx": ("HTTPCode_Target_5XX_Count", "Sum", False),
        "elb5xx": ("HTTPCode_ELB_5XX_Count", "Sum", False),
        "requests": ("RequestCount", "Sum", False),
    }
    assert latency["name"] == "latency"
    assert latency["successCondition"] == "all(result[0].Values, {# <= 0.5})"
    (query,) = latency["provider"]["cloudWatch"]["metricDataQueries"]
    assert query["metricStat"]["metric"]["metricName"] == "TargetResponseTime"
    assert query["metricStat"]["stat"] == "p99"
    assert query["metricStat"]["metric"]["namespace"] == "AWS/ApplicationELB"


def test_dev_keeps_a_surge_only_rolling_deployment_and_no_rollout() -> None:
    graph = graph_of(EXAMPLE, "dev")
    assert _objects(graph, "Rollout") == []
    assert _objects(graph, "AnalysisTemplate") == []
    (deployment,) = _objects(graph, "Deployment")
    assert deployment["metadata"]["name"] == "orders-api"
    assert deployment["spec"]["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxUnavailable": 0, "maxSurge": "25%"},
    }
    assert deployment["spec"]["progressDeadlineSeconds"] == 600
