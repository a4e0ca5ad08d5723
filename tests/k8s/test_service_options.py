"""WebService and Worker options that change what is rendered: reasons, targets, limits, grants."""

from __future__ import annotations

from typing import Any

import pytest

from infra_kit.aws.grants import role_of
from infra_kit.errors import ValidationError
from infra_kit.k8s import WebService, WebServiceArgs, Worker, WorkerArgs
from tests.k8s.helpers import IMAGE, obj, objects, synth


def test_a_workload_without_aws_access_refuses_grants() -> None:
    seen: list[ValidationError] = []

    def build(env: Any, p: Any) -> None:
        worker = Worker("batch", WorkerArgs(namespace="shop", image=IMAGE), env, provider=p)
        with pytest.raises(ValidationError) as info:
            role_of(worker)
        seen.append(info.value)

    synth(build)
    assert "grantee='batch': the workload was created without AWS access" in str(seen[0])


def test_a_scale_limit_reason_is_visible_on_the_hpa_and_the_deployment() -> None:
    reason = "bounded by the partner's rate limit per client"
    graph = synth(
        lambda env, p: WebService(
            "quotes",
            WebServiceArgs(
                namespace="shop", image=IMAGE, max_replicas=5, scale_limit_reason=reason
            ),
            env,
            provider=p,
        )
    )
    hpa = obj(graph, "HorizontalPodAutoscaler", "quotes", "shop")["metadata"]["annotations"]
    assert hpa == {"infra-kit.io/scale-limit-reason": reason}
    # The Deployment's other annotations record its digest's pull policy for scanners.
    deployment = obj(graph, "Deployment", "quotes", "shop")["metadata"]["annotations"]
    assert deployment["infra-kit.io/scale-limit-reason"] == reason


def test_a_memory_target_is_opt_in_and_a_cpu_limit_overrides_the_profiles() -> None:
    graph = synth(
        lambda env, p: WebService(
            "quotes",
            WebServiceArgs(namespace="shop", image=IMAGE, memory_target_percent=80, cpu_limit="2"),
            env,
            provider=p,
        )
    )
    metrics = obj(graph, "HorizontalPodAutoscaler", "quotes", "shop")["spec"]["metrics"]
    assert metrics == [
        {
            "type": "Resource",
            "resource": {"name": name, "target": {"type": "Utilization", "averageUtilization": t}},
        }
        for name, t in (("cpu", 70), ("memory", 80))
    ]
    (container,) = obj(graph, "Deployment", "quotes", "shop")["spec"]["template"]["spec"][
        "containers"
    ]
    assert container["resources"]["limits"] == {"memory": "256Mi", "cpu": "2"}


def test_a_fixed_single_replica_gets_no_disruption_budget() -> None:
    graph = synth(
        lambda env, p: Worker(
            "cron",
            WorkerArgs(
                namespace="shop",
                image=IMAGE,
                max_replicas=1,
                scale_limit_reason="a singleton that holds the schedule lock",
            ),
            env,
            provider=p,
        )
    )
    assert objects(graph, "PodDisruptionBudget") == []
    assert obj(graph, "HorizontalPodAutoscaler", "cron", "shop")["spec"]["maxReplicas"] == 1
