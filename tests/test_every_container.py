"""Every container of every Kubernetes workload object in every stack's graph is bounded and
pulled as its reference requires (K8S-1, SEC-4).

The stacks are discovered (the platform, cluster-services and the example, in each environment
they have a stack file for), plus a pull request's preview of the example. Each walks the
workload objects themselves, init containers included, rather than naming them; Helm releases'
values are judged by ``IK-K8S-1-RESOURCES`` over the same graphs (tests/test_every_stack.py).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from typing import Any

import pytest

from infra_kit.core.engine import Graph, synthesize
from infra_kit.core.engine._project import find_projects
from infra_kit.policy import RULES, GraphDoc, check_graph, rules_for
from infra_kit.preview import write_stack_file
from tests.conftest import REPO, graph_of
from tests.support import copy_of_the_repository, every_stack

STACKS = [s for s in every_stack(REPO) if s[0] != "ci-identities"]
DIRECTORIES = find_projects(REPO)
#: Where each kind keeps its pod template.
TEMPLATES = {
    "Deployment": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
    "Rollout": ("spec", "template"),
    "Pod": (),
}
_DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")
_CPU = re.compile(r"^(\d+(?:\.\d+)?)(m)?$")
_MEMORY = re.compile(r"^(\d+)(Ki|Mi|Gi)$")


def _millicores(quantity: str) -> float:
    match = _CPU.match(quantity)
    assert match, quantity
    return float(match[1]) * (1 if match[2] else 1000)


def _bytes(quantity: str) -> int:
    match = _MEMORY.match(quantity)
    assert match, quantity
    return int(match[1]) * {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30}[match[2]]


def containers(graph: Graph) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(kind/name container, container)`` for every container of every workload object."""
    for item in graph.kubernetes_objects():
        path = TEMPLATES.get(item["kind"])
        if path is None:
            continue
        template: Any = item
        for key in path:
            template = template[key]
        spec = template["spec"]
        for field in ("initContainers", "containers"):
            for container in spec.get(field) or []:
                yield f"{item['kind']}/{item['metadata']['name']} {container['name']}", container


@pytest.fixture(scope="module")
def preview(tmp_path_factory: pytest.TempPathFactory) -> Graph:
    project = copy_of_the_repository(tmp_path_factory.mktemp("repo"), REPO)
    write_stack_file(project, 7)
    return synthesize(project, "pr-7")


def _graphs(project: str, stack: str, preview: Graph) -> Graph:
    return preview if project == "preview" else graph_of(DIRECTORIES[project], stack)


CASES = [*STACKS, ("preview", "pr-7")]


def test_the_stacks_walked_are_the_platform_cluster_services_and_example_in_every_env() -> None:
    projects = {p for p, _ in CASES}
    assert projects >= {"platform", "cluster-services", "orders-service", "preview"}
    assert {s for p, s in CASES if p == "cluster-services"} == {"dev", "stage", "prod"}


@pytest.mark.parametrize(("project", "stack"), CASES, ids=[f"{p}-{s}" for p, s in CASES])
def test_every_container_has_cpu_and_memory_requests_and_limits(
    project: str, stack: str, preview: Graph
) -> None:
    found = list(containers(_graphs(project, stack, preview)))
    if project != "platform":  # the platform stack is AWS only (README)
        assert found, "the stack renders workloads"
    for where, container in found:
        resources = container.get("resources") or {}
        requests, limits = resources.get("requests") or {}, resources.get("limits") or {}
        assert set(requests) >= {"cpu", "memory"}, where
        assert set(limits) >= {"cpu", "memory"}, where
        assert _millicores(limits["cpu"]) >= _millicores(requests["cpu"]), where
        assert _bytes(limits["memory"]) >= _bytes(requests["memory"]), where


@pytest.mark.parametrize(("project", "stack"), CASES, ids=[f"{p}-{s}" for p, s in CASES])
def test_a_tag_is_pulled_always_and_a_digest_if_not_present(
    project: str, stack: str, preview: Graph
) -> None:
    for where, container in containers(_graphs(project, stack, preview)):
        expected = "IfNotPresent" if _DIGEST.search(container["image"]) else "Always"
        assert container["imagePullPolicy"] == expected, where


def test_the_example_runs_by_tag_in_dev_and_by_digest_in_prod() -> None:
    """Both branches of the pull policy are exercised by the stacks above."""
    policies = {
        stack: {c["imagePullPolicy"] for _, c in containers(graph_of(DIRECTORIES[p], stack))}
        for p, stack in STACKS
        if p == "orders-service"
    }
    assert policies["dev"] == {"Always"}
    assert policies["prod"] == {"IfNotPresent"}


def test_the_resources_rule_fails_a_real_workload_that_loses_its_cpu_limit() -> None:
    document = graph_of(DIRECTORIES["cluster-services"], "dev").to_contract()
    mutated = copy.deepcopy(document)
    (gateway,) = [
        r
        for r in mutated["resources"]
        if r["type"] == "kubernetes:apps/v1:Deployment" and r["name"] == "otel-gateway"
    ]
    (container,) = gateway["inputs"]["spec"]["template"]["spec"]["containers"]
    del container["resources"]["limits"]["cpu"]
    rules_for()
    rule = [RULES["IK-K8S-1-RESOURCES"]]
    assert check_graph(GraphDoc(document), rule).failed == []
    (finding,) = check_graph(GraphDoc(mutated), rule).failed
    assert finding.urn == gateway["urn"]
    assert "containers[collector] has no limits.cpu" in finding.message
