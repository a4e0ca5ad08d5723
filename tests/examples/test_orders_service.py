"""The orders-service example: what an app team copies, synthesized offline in dev and prod."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from infra_kit.core.engine import Graph, synthesize
from infra_kit.errors import SynthError, ValidationError
from infra_kit.k8s import restricted_violations
from tests.conftest import graph_of
from tests.support import (
    missing_required_tags,
    unjustified_wildcards,
    unprotected_stateful,
    validate_manifests,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "orders-service"
STACKS = ("dev", "prod")


def _graph(stack: str) -> Graph:
    return graph_of(EXAMPLE, stack)


@pytest.fixture(scope="module")
def example() -> Callable[[str], Graph]:
    return _graph


def _objects(graph: Graph, kind: str) -> list[dict]:
    return [o for o in graph.kubernetes_objects() if o["kind"] == kind]


#: What runs the service's pods: a Deployment in dev, a canary Rollout in prod (the profile's
#: rollouts.enable_canary).
WORKLOAD = {"dev": ("apps/v1", "Deployment"), "prod": ("argoproj.io/v1alpha1", "Rollout")}


def _workload(graph: Graph, stack: str) -> dict:
    (workload,) = _objects(graph, WORKLOAD[stack][1])
    return workload


@pytest.mark.parametrize("stack", STACKS)
def test_the_example_synthesizes_a_complete_workload(
    stack: str, example: Callable[[str], Graph]
) -> None:
    graph = example(stack)
    components = {r["type"] for r in graph if not r["custom"]}
    assert {
        "infra-kit:aws:Key",
        "infra-kit:aws:Database",
        "infra-kit:aws:Bucket",
        "infra-kit:aws:Secret",
        "infra-kit:k8s:WebService",
    } <= components
    kinds = {o["kind"] for o in graph.kubernetes_objects()}
    rollout = {"dev": {"Deployment"}, "prod": {"Rollout", "AnalysisTemplate"}}[stack]
    assert kinds == {
        "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget",
        "NetworkPolicy", "ServiceAccount", "ConfigMap", "Ingress", *rollout,
    }  # fmt: skip


@pytest.mark.parametrize("stack", STACKS)
def test_the_examples_manifests_validate_strictly(
    stack: str, example: Callable[[str], Graph]
) -> None:
    assert validate_manifests(example(stack)) == []


@pytest.mark.parametrize("stack", STACKS)
def test_the_example_passes_the_graph_checks(stack: str, example: Callable[[str], Graph]) -> None:
    graph = example(stack)
    assert missing_required_tags(graph) == []
    assert unjustified_wildcards(graph) == []


def test_prod_protects_the_examples_state(example: Callable[[str], Graph]) -> None:
    assert unprotected_stateful(example("prod")) == []
    (db,) = example("prod").of_type("aws:rds/instance:Instance")
    assert db["protect"] is True
    assert db["inputs"]["multiAz"] is True


@pytest.mark.parametrize("stack", STACKS)
def test_the_service_meets_the_restricted_profile_and_scales(
    stack: str, example: Callable[[str], Graph]
) -> None:
    graph = example(stack)
    deployment = _workload(graph, stack)
    assert restricted_violations(deployment["spec"]["template"]["spec"]) == []
    assert "replicas" not in deployment["spec"]
    (hpa,) = _objects(graph, "HorizontalPodAutoscaler")
    api_version, kind = WORKLOAD[stack]
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": api_version, "kind": kind, "name": deployment["metadata"]["name"],
    }  # fmt: skip
    bounds = {"dev": (1, 10), "prod": (3, 30)}[stack]
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == bounds
    (pdb,) = _objects(graph, "PodDisruptionBudget")
    assert pdb["spec"]["maxUnavailable"] == 1
    assert pdb["spec"]["selector"] == deployment["spec"]["selector"]


def test_prod_runs_the_image_pinned_by_digest(example: Callable[[str], Graph]) -> None:
    deployment = _workload(example("prod"), "prod")
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert "@sha256:" in container["image"]


@pytest.mark.parametrize("stack", STACKS)
def test_the_service_gets_resource_references_and_telemetry_not_secret_values(
    stack: str, example: Callable[[str], Graph]
) -> None:
    graph = example(stack)
    deployment = _workload(graph, stack)
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["SESSION_KEY_SECRET_ARN"].startswith("arn:aws:secretsmanager:us-east-1:")
    assert env["DB_HOST"].endswith(".rds.amazonaws.com")
    assert "OTEL_EXPORTER_OTLP_ENDPOINT" in env
    assert f"deployment.environment={stack}" in env["OTEL_RESOURCE_ATTRIBUTES"]
    assert _objects(graph, "Secret") == []


@pytest.mark.parametrize("stack", STACKS)
def test_the_services_role_gets_exactly_the_granted_access(
    stack: str, example: Callable[[str], Graph]
) -> None:
    graph = example(stack)
    role_name = graph.outputs["api_role_arn"].rsplit("/", 1)[1]
    grants = [
        p
        for p in graph.of_type("aws:iam/rolePolicy:RolePolicy")
        if p["inputs"]["role"] == role_name
    ]
    statements = sorted(
        (
            tuple(s["Action"]),
            tuple(s["Resource"]),
            json.dumps(s.get("Condition", {}), sort_keys=True),
        )
        for g in grants
        for s in json.loads(g["inputs"]["policy"])["Statement"]
    )
    bucket = f"arn:aws:s3:::{graph.outputs['documents_bucket']}"
    secret = graph.outputs["session_key_secret_arn"]
    key_arn = next(s[1][0] for s in statements if s[0] == ("kms:Decrypt",))
    assert key_arn.startswith("arn:aws:kms:us-east-1:123456789012:key/")
    via = lambda service: json.dumps(  # noqa: E731
        {"StringEquals": {"kms:ViaService": f"{service}.us-east-1.amazonaws.com"}}, sort_keys=True
    )
    (connect,) = [s for s in statements if s[0] == ("rds-db:connect",)]
    assert connect[1][0].startswith("arn:aws:rds-db:us-east-1:123456789012:dbuser:db-")
    assert connect[1][0].endswith("/orders_app")
    assert statements == sorted([
        (("kms:Decrypt",), (key_arn,), via("s3")),
        (("kms:Decrypt",), (key_arn,), via("secretsmanager")),
        (("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"), (key_arn,), via("s3")),
        (("rds-db:connect",), connect[1], "{}"),
        (("s3:AbortMultipartUpload", "s3:ListMultipartUploadParts", "s3:PutObject"), (f"{bucket}/*",), "{}"),
        (("s3:GetObject", "s3:GetObjectVersion"), (f"{bucket}/*",), "{}"),
        (("s3:ListBucket",), (bucket,), "{}"),
        (("secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"), (secret,), "{}"),
    ])  # fmt: skip


def test_the_platforms_kubeconfig_stays_secret_through_the_stack_reference(
    example: Callable[[str], Graph],
) -> None:
    graph = example("dev")
    (provider,) = graph.of_type("pulumi:providers:kubernetes")
    assert provider["secret_paths"] == ["kubeconfig"]
    assert "get-token" not in graph.to_json()


def test_prod_refuses_an_image_without_a_digest(tmp_path: Path) -> None:
    project = tmp_path / "orders-service"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("__pycache__", ".synth"))
    shutil.copytree(
        EXAMPLE.parents[1] / "stacks",
        tmp_path / "stacks",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    shutil.copy(EXAMPLE.parents[1] / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    shutil.copytree(
        EXAMPLE.parents[1] / "identities",
        tmp_path / "identities",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    (tmp_path / "pyproject.toml").write_text("")
    stack_file = project / "Pulumi.prod.yaml"
    data = yaml.safe_load(stack_file.read_text())
    data["config"]["orders-service:image"] = "ghcr.io/example/orders-api:1.4.2"
    stack_file.write_text(yaml.safe_dump(data))
    with pytest.raises((ValidationError, SynthError), match="digest"):
        synthesize(project, "prod")
