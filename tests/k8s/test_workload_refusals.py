"""Every invalid workload is refused with a message naming key, value and fix, before anything
is created (ENV-3)."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import pytest

from infra_kit.errors import ValidationError
from infra_kit.k8s import (
    AlbIngress,
    Collectors,
    CollectorsArgs,
    DisruptionBudget,
    Exposure,
    Probe,
    Probes,
    WebService,
    WebServiceArgs,
    Worker,
    WorkerArgs,
)
from tests.k8s.helpers import (
    CERTIFICATE,
    DIGEST,
    IMAGE,
    OIDC,
    SECRET_ARN,
    TAGGED_IMAGE,
    obj,
    refusal,
    synth,
)

BASE = WebServiceArgs(namespace="shop", image=IMAGE)
SAME = Probe(path="/health")

CASES: list[tuple[str, WebServiceArgs, str]] = [
    ("no tag", replace(BASE, image="nginx"), r"^image='nginx': the image has neither a tag"),
    ("latest", replace(BASE, image="nginx:latest"), r"^image='nginx:latest': the 'latest' tag"),
    (
        "malformed digest",
        replace(BASE, image="nginx:1.27@sha256:1234"),
        r"^image='nginx:1.27@sha256:1234': the digest is malformed",
    ),
    (
        "min above max",
        replace(BASE, min_replicas=6, max_replicas=5, scale_limit_reason="capped by licence seats"),
        r"^min_replicas=6: it is greater than max_replicas=5",
    ),
    (
        "no headroom",
        replace(BASE, max_replicas=4),
        r"^max_replicas=4: it gives less than 10x the minimum capacity",
    ),
    (
        "blocking budget",
        replace(BASE, disruption=DisruptionBudget(max_unavailable=0)),
        r"^disruption.max_unavailable=0: the budget would block node drains",
    ),
    (
        "identical probes",
        replace(BASE, probes=Probes(startup=SAME, readiness=SAME, liveness=SAME)),
        r"^probes.readiness=.*identical to the startup probe",
    ),
    ("bad config key", replace(BASE, config={"log-level": "info"}), r"^config\['log-level'\]="),
    (
        "reserved variable",
        replace(BASE, config={"OTEL_SERVICE_NAME": "other"}),
        r"^config\['OTEL_SERVICE_NAME'\]=.*infra-kit sets this variable itself",
    ),
    (
        "non-string value",
        replace(BASE, config={"WORKERS": 4}),  # type: ignore[dict-item]  # on purpose
        r"^config\['WORKERS'\]=4: configuration values are strings",
    ),
    (
        "secret without a role",
        replace(BASE, secret_arns={"DB_SECRET_ARN": SECRET_ARN}),
        r"^secret_arns=\['DB_SECRET_ARN'\]: the workload needs an IAM role",
    ),
    (
        "bad utilization",
        replace(BASE, cpu_target_percent=100),
        r"^cpu_target_percent=100: not a utilization target",
    ),
    (
        "short deadline",
        replace(BASE, progress_deadline_seconds=30),
        r"^progress_deadline_seconds=30: too short",
    ),
    ("bad namespace", replace(BASE, namespace="Shop"), r"^namespace='Shop': not a Kubernetes name"),
    (
        "caller of the wrong type",
        replace(BASE, allow_from=[("shop", "web")]),  # type: ignore[list-item]  # on purpose
        r"^allow_from=\('shop', 'web'\): not a Caller",
    ),
    (
        "destination of the wrong type",
        replace(BASE, egress_to=["10.0.0.0/16"]),  # type: ignore[list-item]  # on purpose
        r"^egress_to='10.0.0.0/16': not an Egress",
    ),
    ("bad port", replace(BASE, service_port=0), r"^service_port=0: not a TCP port"),
    (
        "ingress without http readiness",
        replace(
            BASE,
            ingress=AlbIngress(certificate_arn=CERTIFICATE, exposure=Exposure.INTERNAL),
            probes=Probes(
                startup=Probe(command=("true",), failure_threshold=30),
                readiness=Probe(command=("test", "-f", "/tmp/ready"), period_seconds=5),
                liveness=Probe(command=("true",)),
            ),
        ),
        r"^probes.readiness=.*health-checks the readiness path",
    ),
]


@pytest.mark.parametrize(("args", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_invalid_web_services_are_refused_before_anything_is_created(
    environment: str, args: WebServiceArgs, message: str
) -> None:
    error, created = refusal(
        lambda env, p: WebService("orders-api", args, env, provider=p), environment
    )
    assert isinstance(error, ValidationError)
    assert re.search(message, str(error)), str(error)
    assert "Fix: " in str(error)
    assert created == []


def test_a_tag_without_digest_is_refused_in_prod() -> None:
    error, created = refusal(
        lambda env, p: WebService("api", replace(BASE, image=TAGGED_IMAGE), env, provider=p),
        "prod",
    )
    assert str(error).startswith(f"image='{TAGGED_IMAGE}': this environment pins images by digest")
    assert created == []


def test_a_tag_without_digest_is_accepted_in_dev() -> None:
    graph = synth(
        lambda env, p: WebService("api", replace(BASE, image=TAGGED_IMAGE), env, provider=p)
    )
    assert (
        obj(graph, "Deployment", "api", "shop")["spec"]["template"]["spec"]["containers"][0][
            "image"
        ]
        == TAGGED_IMAGE
    )


def test_a_single_replica_is_refused_in_prod_but_not_in_dev() -> None:
    single = replace(BASE, min_replicas=1, max_replicas=10)
    error, created = refusal(lambda env, p: WebService("api", single, env, provider=p), "prod")
    assert str(error).startswith("min_replicas=1: this environment runs at least 3 replicas")
    assert created == []
    graph = synth(lambda env, p: WebService("api", single, env, provider=p), "dev")
    assert obj(graph, "HorizontalPodAutoscaler", "api", "shop")["spec"]["minReplicas"] == 1


def test_a_name_too_long_for_derived_names_is_refused() -> None:
    name = "a" + "b" * 35
    error, created = refusal(
        lambda env, p: Worker(name, WorkerArgs(namespace="shop", image=IMAGE), env, provider=p)
    )
    assert str(error).startswith(f"name='{name}': longer than 35 characters")
    assert created == []


def test_a_name_shared_by_config_and_secrets_is_refused() -> None:
    args = WorkerArgs(
        namespace="shop",
        image=IMAGE,
        config={"DB_SECRET_ARN": "x"},
        secret_arns={"DB_SECRET_ARN": SECRET_ARN},
    )
    error, created = refusal(lambda env, p: Worker("jobs", args, env, provider=p, oidc=OIDC))
    assert str(error).startswith("secret_arns['DB_SECRET_ARN']='DB_SECRET_ARN': the same name")
    assert created == []


def test_a_name_shared_by_secrets_and_resource_refs_is_refused() -> None:
    args = WorkerArgs(
        namespace="shop",
        image=IMAGE,
        secret_arns={"DB_SECRET_ARN": SECRET_ARN},
        resource_refs={"DB_SECRET_ARN": "orders-bucket"},
    )
    error, created = refusal(lambda env, p: Worker("jobs", args, env, provider=p, oidc=OIDC))
    assert str(error).startswith(
        "resource_refs['DB_SECRET_ARN']='DB_SECRET_ARN': the same name is also in secret_arns"
    )
    assert created == []


def test_a_resource_ref_needs_a_valid_variable_name() -> None:
    args = WorkerArgs(namespace="shop", image=IMAGE, resource_refs={"bucket-name": "b"})
    error, created = refusal(lambda env, p: Worker("jobs", args, env, provider=p, oidc=OIDC))
    assert str(error).startswith("resource_refs['bucket-name']='bucket-name': not an environment")
    assert created == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            CollectorsArgs(
                cluster_name="main", image="otel/opentelemetry-collector-contrib:0.155.0"
            ),
            "this environment pins images by digest",
        ),
        (
            CollectorsArgs(cluster_name="main", gateway_max_replicas=5),
            r"^max_replicas=5: it gives less than 10x",
        ),
        (
            CollectorsArgs(cluster_name="main", metrics_namespace="AWS/Custom"),
            r"^metrics_namespace='AWS/Custom'",
        ),
        (
            CollectorsArgs(
                cluster_name="main", image=f"otel/opentelemetry-collector-contrib@{DIGEST}:x"
            ),
            r"^image='otel/opentelemetry-collector-contrib@sha256:[0-9a-f]{64}:x': the digest "
            "is malformed",
        ),
    ],
)
def test_invalid_collectors_are_refused_before_anything_is_created(
    args: CollectorsArgs, message: str
) -> None:
    def build(env: Any, p: Any) -> None:
        Collectors("otel", args, env, provider=p, oidc=OIDC)

    error, created = refusal(build, "prod")
    assert re.search(message, str(error)), str(error)
    assert created == []
