"""Every Helm release of every stack, hardened (K8S-1, K8S-3, HA-1, SEC-4); ExternalDNS kept to
the platform's one zone and Argo Rollouts installed with its role (SEC-1, DEP-1, DEP-2).

The releases are read from the synthesized graphs of every project and stack of the repository,
so a release added anywhere is held to the same bar the day it is added.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from infra_kit.core.engine import Graph
from infra_kit.core.engine._project import find_projects
from tests.conftest import REPO, graph_of
from tests.support import every_stack, iam_statements

Graphs = Callable[[str], Graph]
RELEASE = "kubernetes:helm.sh/v3:Release"
STACKS = every_stack(REPO)
DIRECTORIES = find_projects(REPO)
ZONE = "topology.kubernetes.io/zone"
DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")

#: Where each chart runs containers, as its values name them (``""``: the top level), and
#: whether that part is long-running (a Deployment) rather than a Job.
PARTS: dict[str, dict[str, bool]] = {
    "cluster-autoscaler": {"": True},
    "aws-load-balancer-controller": {"": True},
    "cert-manager": {"": True, "webhook": True, "cainjector": True, "startupapicheck": False},
    "external-dns": {"": True},
    "argo-rollouts": {"controller": True},
}


def releases() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for project, stack in STACKS:
        for record in graph_of(DIRECTORIES[project], stack).of_type(RELEASE):
            yield f"{project}-{stack}", stack, record["inputs"]


def part(values: dict[str, Any], path: str) -> dict[str, Any]:
    return values[path] if path else values


def images(values: Any) -> Iterator[dict[str, Any]]:
    if isinstance(values, dict):
        for key, value in values.items():
            if key == "image" and isinstance(value, dict):
                yield value
            else:
                yield from images(value)


def test_the_releases_are_the_platforms_five_controllers_in_cluster_services_only() -> None:
    found = sorted({(where.rsplit("-", 1)[0], inputs["chart"]) for where, _, inputs in releases()})
    assert found == sorted(("cluster-services", chart) for chart in PARTS)


@pytest.mark.parametrize("where", [f"{p}-{s}" for p, s in STACKS if p == "cluster-services"])
def test_every_container_of_every_release_has_requests_and_limits(where: str) -> None:
    for at, _, inputs in releases():
        if at != where:
            continue
        for path in PARTS[inputs["chart"]]:
            resources = part(inputs["values"], path)["resources"]
            for section in ("requests", "limits"):
                assert set(resources[section]) == {"cpu", "memory"}, (inputs["chart"], path)


def test_every_long_running_part_spreads_over_zones_and_has_a_budget_that_never_blocks() -> None:
    checked = 0
    for _, _, inputs in releases():
        for path, long_running in PARTS[inputs["chart"]].items():
            values = part(inputs["values"], path)
            if not long_running:
                continue
            spread = values["topologySpreadConstraints"]
            assert {(c["topologyKey"], c["whenUnsatisfiable"]) for c in spread} == {
                (ZONE, "DoNotSchedule"),
                ("kubernetes.io/hostname", "ScheduleAnyway"),
            }
            budget = values.get("podDisruptionBudget") or values.get("pdb")
            if inputs["chart"] == "external-dns":
                assert budget is None  # the chart renders none: created beside it
            else:
                assert budget["maxUnavailable"] == 1, (inputs["chart"], path)
                assert budget.get("enabled", True) is True
            checked += 1
    assert checked == 3 * 7  # seven long-running parts in each of dev, stage and prod


@pytest.mark.parametrize("stack", ["dev", "stage", "prod"])
def test_external_dns_has_its_budget_beside_the_release(
    stack: str, cluster_services_graph: Graphs
) -> None:
    budgets = [
        o
        for o in cluster_services_graph(stack).kubernetes_objects()
        if o["kind"] == "PodDisruptionBudget" and o["metadata"]["namespace"] == "kube-system"
    ]
    assert [(b["metadata"]["name"], b["spec"]) for b in budgets] == [
        (
            "external-dns",
            {
                "maxUnavailable": 1,
                "selector": {
                    "matchLabels": {
                        "app.kubernetes.io/name": "external-dns",
                        "app.kubernetes.io/instance": "external-dns",
                    }
                },
            },
        )
    ]


def test_an_image_without_a_digest_is_pulled_always_and_prod_names_each_as_a_gap() -> None:
    for _, stack, inputs in releases():
        for image in images(inputs["values"]):
            pinned = DIGEST.match(image.get("digest", "")) or "@sha256:" in image.get("tag", "")
            # Profile: workloads.require_image_digest is on in prod only.
            assert not pinned or stack == "prod"
            assert image["pullPolicy"] == ("IfNotPresent" if pinned else "Always")


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_external_dns_may_change_the_platforms_zone_only(
    stack: str, platform_graph: Graphs, cluster_services_graph: Graphs
) -> None:
    platform = platform_graph(stack).outputs
    zone_arn = f"arn:aws:route53:::hostedzone/{platform['dns_zone_id']}"
    graph = cluster_services_graph(stack)
    statements = [s for r, s in iam_statements(graph) if r["name"].endswith("-route53")]
    assert [(s["Action"], s["Resource"]) for s in statements] == [
        (["route53:ChangeResourceRecordSets"], [zone_arn]),
        (["route53:ListResourceRecordSets"], [zone_arn]),
        (["route53:ListHostedZones"], ["*"]),
    ]
    assert statements[0]["Condition"] == {
        "ForAllValues:StringEquals": {
            "route53:ChangeResourceRecordSetsRecordTypes": ["A", "AAAA", "CNAME", "TXT"]
        }
    }
    assert statements[2]["Sid"].startswith("Justified")
    (values,) = [r["inputs"]["values"] for r in graph.of_type(RELEASE) if r["name"].endswith("dns")]
    assert values["domainFilters"] == [platform["dns_zone_name"]]
    assert values["extraArgs"] == {"zone-id-filter": platform["dns_zone_id"]}
    assert values["txtOwnerId"] == platform["cluster_name"]
    assert (values["policy"], values["registry"], values["sources"]) == ("sync", "txt", ["ingress"])


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_argo_rollouts_runs_two_leader_electing_controllers_with_its_metrics_role(
    stack: str, cluster_services_graph: Graphs
) -> None:
    graph = cluster_services_graph(stack)
    (release,) = [
        r["inputs"] for r in graph.of_type(RELEASE) if r["inputs"]["chart"] == "argo-rollouts"
    ]
    assert (release["version"], release["namespace"], release["atomic"]) == (
        "2.41.0",
        "kube-system",
        True,
    )
    assert release["repositoryOpts"] == {"repo": "https://argoproj.github.io/argo-helm"}
    values = release["values"]
    assert (values["installCRDs"], values["keepCRDs"]) == (True, True)
    assert values["controller"]["replicas"] == 2  # the chart adds --leader-elect above one
    assert values["controller"]["image"]["tag"].startswith("v1.9.0")
    assert values["dashboard"] == {"enabled": False}
    (role,) = [
        r
        for r in graph.of_type("aws:iam/role:Role")
        if "argo-rollouts" in r["inputs"]["assumeRolePolicy"]
    ]
    annotation = values["serviceAccount"]["annotations"]["eks.amazonaws.com/role-arn"]
    assert annotation == role["outputs"].get("arn", annotation)
    statements = [
        s for r, s in iam_statements(graph) if r["name"].endswith("rollouts-role-cloudwatch")
    ]
    assert [(s["Action"], s["Resource"]) for s in statements] == [
        (["cloudwatch:GetMetricData"], ["*"])
    ]
    assert json.dumps(statements).count("Justified") == 1
