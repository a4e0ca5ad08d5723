"""The model and the files on small hand-written graph documents."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from infra_kit.architecture import GraphvizMissingError, derive, write_documents
from infra_kit.architecture.diagram import build_diagram
from infra_kit.core.profile import BUILTIN_PROFILES
from infra_kit.policy import GraphDoc

STACK = "urn:pulumi:dev::small::pulumi:pulumi:Stack::small-dev"
NETWORK = "urn:pulumi:dev::small::infra-kit:aws:Network::core"
ZONES = ("eu-west-1a", "eu-west-1b")


def _resource(
    kind: str, name: str, parent: str, inputs: dict[str, Any] | None = None, **extra: Any
) -> dict[str, Any]:
    return {
        "urn": f"urn:pulumi:dev::small::{kind}::{name}",
        "type": kind,
        "name": name,
        "parent": parent,
        "custom": not kind.startswith("infra-kit:"),
        "inputs": inputs or {},
        "outputs": {},
        **extra,
    }


def small_graph(*, ingress: dict[str, Any] | None = None) -> GraphDoc:
    """dev's shape: two AZs, one NAT gateway in the first, one node group per AZ."""
    resources = [
        {
            "urn": STACK,
            "type": "pulumi:pulumi:Stack",
            "name": "small-dev",
            "inputs": {},
            "outputs": {},
        },
        {
            **_resource("infra-kit:core:Environment", "aws", STACK),
            "outputs": {"profile": BUILTIN_PROFILES["dev"]},
        },
        _resource("infra-kit:aws:Network", "core", STACK),
        _resource("aws:ec2/vpc:Vpc", "core-vpc", NETWORK, {"cidrBlock": "10.0.0.0/16"}),
    ]
    subnets: dict[tuple[str, int], str] = {}
    cidrs = {"public": 128, "private": 0, "isolated": 192}
    for tier in ("public", "private", "isolated"):
        for i, zone in enumerate(ZONES):
            record = _resource(
                "aws:ec2/subnet:Subnet",
                f"core-{tier}-{i}",
                NETWORK,
                {
                    "availabilityZone": zone,
                    "cidrBlock": f"10.0.{cidrs[tier] + 16 * i}.0/20",
                    "tags": {"tier": tier},
                },
            )
            subnets[(tier, i)] = record["urn"]
            resources.append(record)
    resources.append(
        _resource(
            "aws:ec2/natGateway:NatGateway",
            "core-nat-0",
            NETWORK,
            dependencies=[subnets[("public", 0)]],
        )
    )
    for i in range(2):
        resources.append(
            _resource(
                "aws:eks/nodeGroup:NodeGroup",
                f"nodes-{i}",
                NETWORK,
                {
                    "capacityType": "SPOT",
                    "instanceTypes": ["t3.large"],
                    "scalingConfig": {"minSize": 1, "desiredSize": 1, "maxSize": 10},
                },
                dependencies=[subnets[("private", i)]],
            )
        )
    if ingress is not None:
        resources.append(
            _resource("kubernetes:networking.k8s.io/v1:Ingress", "web", STACK, ingress)
        )
    return GraphDoc({"project": "small", "stack": "dev", "resources": resources})


def _ingress(scheme: str, acl: str | None) -> dict[str, Any]:
    notes = {
        "alb.ingress.kubernetes.io/scheme": scheme,
        "alb.ingress.kubernetes.io/load-balancer-name": "web-lb",
    }
    if acl:
        notes["alb.ingress.kubernetes.io/wafv2-acl-arn"] = (
            f"arn:aws:wafv2:eu-west-1:1:regional/webacl/{acl}/abc"
        )
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": "web", "namespace": "apps", "annotations": notes},
        "spec": {"ingressClassName": "alb", "rules": [{"host": "web.example.com"}]},
    }


def test_a_single_nat_gateway_sits_in_the_first_az_and_every_pod_egresses_through_it() -> None:
    diagram = build_diagram(derive([small_graph()]))
    assert [n.id for n in diagram.of_kind("nat")] == ["nat_core_nat_0"]
    (first,) = [g for g in diagram.all_groups() if g.id == "az_eu_west_1a"]
    assert "nat_core_nat_0" in {n.id for n in first.all_nodes()}
    # Without workloads the node groups are what egresses.
    edges = {(e.source, e.target) for e in diagram.edges}
    assert {("ng_nodes_0", "nat_core_nat_0"), ("ng_nodes_1", "nat_core_nat_0")} <= edges


def test_an_internet_facing_alb_without_a_web_acl_is_reached_from_the_internet_directly() -> None:
    diagram = build_diagram(derive([small_graph(ingress=_ingress("internet-facing", None))]))
    edges = {(e.source, e.target) for e in diagram.edges}
    assert ("internet", "alb_web_lb") in edges
    assert diagram.of_kind("waf") == []


def test_an_internal_alb_sits_in_the_private_subnets_and_takes_no_internet_traffic() -> None:
    diagram = build_diagram(derive([small_graph(ingress=_ingress("internal", None))]))
    placed = {e.target for e in diagram.edges if e.source == "alb_web_lb"}
    assert placed == {"subnet_private_eu_west_1a", "subnet_private_eu_west_1b"}


def test_an_ingress_of_another_class_makes_no_alb() -> None:
    ingress = _ingress("internet-facing", None)
    ingress["spec"]["ingressClassName"] = "nginx"
    assert derive([small_graph(ingress=ingress)]).load_balancers == ()


def test_without_dot_nothing_is_written_and_the_error_names_both_fixes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("infra_kit.architecture.diagram.shutil.which", lambda _name: None)
    with pytest.raises(GraphvizMissingError, match=r"install Graphviz.*--no-svg"):
        write_documents([small_graph()], tmp_path / "out", docs=None)
    assert not (tmp_path / "out").exists()


def test_no_svg_writes_the_document_and_the_dot_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("infra_kit.architecture.diagram.shutil.which", lambda _name: None)
    written = write_documents([small_graph()], tmp_path, docs=None, svg=False)
    assert sorted(p.name for p in written) == ["architecture.dot", "architecture.md"]
    text = (tmp_path / "architecture.md").read_text()
    assert "architecture.svg" not in text
    assert "```mermaid" in text
    assert "| `network.nat_strategy` | single | single | single | one_per_az | single |" in text


def test_a_run_interrupted_before_the_document_leaves_no_document_of_an_earlier_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from infra_kit.core.engine import _graph

    monkeypatch.setattr("infra_kit.architecture.diagram.shutil.which", lambda _name: None)
    write_documents([small_graph()], tmp_path, docs=None, svg=False)
    (tmp_path / "architecture.svg").write_text("<svg/>")  # a diagram from an earlier run
    real = _graph.write_atomically

    def interrupted(path: Path, text: str) -> None:
        if path.name == "architecture.md":
            raise KeyboardInterrupt
        real(path, text)

    monkeypatch.setattr(_graph, "write_atomically", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_documents([small_graph()], tmp_path, docs=None, svg=False)
    assert not (tmp_path / "architecture.md").exists()
    assert not (tmp_path / "architecture.svg").exists()
