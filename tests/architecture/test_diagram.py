"""The diagram of the prod platform with the example app: its model, DOT, Mermaid and SVG."""

from __future__ import annotations

import os
import re
import shutil
import xml.etree.ElementTree as ET

import pytest

from infra_kit.architecture import derive
from infra_kit.architecture.diagram import (
    Diagram,
    build_diagram,
    render_dot,
    render_mermaid,
    render_svg,
)
from infra_kit.policy import GraphDoc
from tests.conftest import REPO, graph_of

EXAMPLE = REPO / "examples" / "orders-service"

#: prod: network.az_count 3 (the offline engine's AZs of us-east-1), a NAT gateway per AZ
#: (one_per_az), one node group per AZ; the example's database and its internet-facing ALB.
ZONES = ("us-east-1a", "us-east-1b", "us-east-1c")
TIERS = ("public", "private", "isolated")
NODE_GROUPS = ("platform-nodes-0", "platform-nodes-1", "platform-nodes-2")
EXPECTED_GROUPS = (
    {f"az_{z.replace('-', '_')}" for z in ZONES}
    | {f"tier_{t}_{z.replace('-', '_')}" for t in TIERS for z in ZONES}
    | {"vpc"}
)
EXPECTED_NODES = (
    {f"subnet_{t}_{z.replace('-', '_')}" for t in TIERS for z in ZONES}
    | {f"ng_{n.replace('-', '_')}" for n in NODE_GROUPS}
    | {"eks", "db_orders_service_prod_orders_db", "internet", "waf_platform_prod_edge"}
    | {f"nat_core_nat_{i}" for i in range(3)}
)


@pytest.fixture(scope="module")
def diagram() -> Diagram:
    graphs = [
        GraphDoc(graph_of(REPO, "prod").to_contract()),
        GraphDoc(graph_of(EXAMPLE, "prod").to_contract()),
    ]
    return build_diagram(derive(graphs))


def _alb(diagram: Diagram) -> str:
    (alb,) = diagram.of_kind("load-balancer")
    return alb.id


def test_the_model_has_every_az_tier_cluster_node_group_database_and_load_balancer(
    diagram: Diagram,
) -> None:
    assert {g.id for g in diagram.all_groups()} == EXPECTED_GROUPS
    ids = {n.id for n in diagram.all_nodes()}
    assert ids >= EXPECTED_NODES
    assert [n.id for n in diagram.of_kind("node-group")] == [
        f"ng_{n.replace('-', '_')}" for n in NODE_GROUPS
    ]
    assert len(diagram.of_kind("database")) == 1
    assert _alb(diagram).startswith("alb_orders_api_prod_")


def test_each_node_group_and_nat_gateway_sits_in_its_own_az(diagram: Diagram) -> None:
    for index, zone in enumerate(ZONES):
        (az,) = [g for g in diagram.all_groups() if g.id == f"az_{zone.replace('-', '_')}"]
        inside = {n.id for n in az.all_nodes()}
        assert f"ng_platform_nodes_{index}" in inside
        assert f"nat_core_nat_{index}" in inside


def test_the_traffic_flows_from_the_internet_through_the_waf_and_alb_to_the_pods_and_database(
    diagram: Diagram,
) -> None:
    edges = {(e.source, e.target) for e in diagram.edges if e.style == "traffic"}
    alb = _alb(diagram)
    assert ("internet", "waf_platform_prod_edge") in edges
    assert ("waf_platform_prod_edge", alb) in edges
    assert ("internet", alb) not in edges  # internet-facing, so only through the web ACL
    assert (alb, "pods_apps_orders_api") in edges
    assert ("pods_apps_orders_api", "db_orders_service_prod_orders_db") in edges
    assert {("pods_apps_orders_api", f"nat_core_nat_{i}") for i in range(3)} <= edges
    assert {(f"nat_core_nat_{i}", "igw") for i in range(3)} | {("igw", "internet")} <= edges


def test_the_database_is_placed_in_the_isolated_subnets(diagram: Diagram) -> None:
    placed = {
        e.target
        for e in diagram.edges
        if e.source == "db_orders_service_prod_orders_db" and e.style == "placement"
    }
    assert placed == {f"subnet_isolated_{z.replace('-', '_')}" for z in ZONES}


def mermaid_problems(text: str) -> list[str]:
    """Structural checks of a Mermaid flowchart: one header, balanced subgraphs, unique ids,
    every edge between declared ids."""
    lines = text.strip().splitlines()
    problems = [] if lines[0] == "flowchart LR" else [f"header {lines[0]!r}"]
    declared: list[str] = []
    depth = 0
    edges: list[tuple[str, str]] = []
    for line in lines[1:]:
        stripped = line.strip()
        if m := re.fullmatch(r'subgraph ([A-Za-z0-9_]+)\[".*"\]', stripped):
            declared.append(m.group(1))
            depth += 1
        elif stripped == "end":
            depth -= 1
        elif m := re.fullmatch(
            r'([A-Za-z0-9_]+) (-->|-\.-)(\|"[^"|]*"\|)? ([A-Za-z0-9_]+)', stripped
        ):
            edges.append((m.group(1), m.group(4)))
        elif m := re.fullmatch(
            r'([A-Za-z0-9_]+)(\(\(|\[\(|\[\[|\[/|\{\{|\[|\()"[^"]*"(\)\)|\)\]|\]\]|/\]|\}\}|\]|\))',
            stripped,
        ):
            declared.append(m.group(1))
        else:
            problems.append(f"unparsed line {stripped!r}")
        if depth < 0:
            problems.append("end without subgraph")
    if depth != 0:
        problems.append("unclosed subgraph")
    problems += [
        f"id {i} declared twice" for i in sorted({i for i in declared if declared.count(i) > 1})
    ]
    problems += [
        f"edge {a} -> {b} to an undeclared id"
        for a, b in edges
        if a not in declared or b not in declared
    ]
    return problems


def test_the_mermaid_is_structurally_valid_and_has_every_node(diagram: Diagram) -> None:
    text = render_mermaid(diagram)
    assert mermaid_problems(text) == []
    for ident in EXPECTED_NODES | EXPECTED_GROUPS:
        assert re.search(rf"^\s*(subgraph )?{ident}[\[\(\{{]", text, re.M), ident


def test_the_mermaid_check_catches_an_undeclared_edge_end_and_a_duplicate_id() -> None:
    bad = 'flowchart LR\n  a["A"]\n  a["again"]\n  a --> b\n'
    assert mermaid_problems(bad) == ["id a declared twice", "edge a -> b to an undeclared id"]


def test_the_dot_declares_every_node_and_cluster_and_every_edge_end(diagram: Diagram) -> None:
    text = render_dot(diagram)
    nodes = set(re.findall(r'^\s*"([^"]+)" \[label=', text, re.M))
    clusters = set(re.findall(r'^\s*subgraph "cluster_([^"]+)" \{', text, re.M))
    assert nodes >= EXPECTED_NODES
    assert clusters == EXPECTED_GROUPS
    ends = re.findall(r'^\s*"([^"]+)" -> "([^"]+)"', text, re.M)
    assert ends
    assert [e for e in ends if e[0] not in nodes or e[1] not in nodes] == []


def _svg_or_skip(dot: str) -> str:
    if shutil.which("dot") is None:
        if os.environ.get("INFRA_KIT_REQUIRE_GRAPHVIZ") == "1":
            pytest.fail("INFRA_KIT_REQUIRE_GRAPHVIZ=1 but Graphviz's dot is not on PATH")
        pytest.skip("Graphviz's dot is not installed (apt-get install graphviz)")
    return render_svg(dot)


def test_the_svg_graphviz_draws_has_every_node_and_cluster(diagram: Diagram) -> None:
    svg = _svg_or_skip(render_dot(diagram))
    root = ET.fromstring(svg)
    ns = {"svg": "http://www.w3.org/2000/svg"}
    titles: dict[str, set[str]] = {"node": set(), "cluster": set(), "edge": set()}
    for group in root.iter("{http://www.w3.org/2000/svg}g"):
        kind = group.get("class")
        title = group.find("svg:title", ns)
        if kind in titles and title is not None and title.text:
            titles[kind].add(title.text)
    assert EXPECTED_NODES | {_alb(diagram), "pods_apps_orders_api"} <= titles["node"]
    assert {f"cluster_{g}" for g in EXPECTED_GROUPS} == titles["cluster"]
    assert "pods_apps_orders_api->db_orders_service_prod_orders_db" in titles["edge"]


def test_each_az_lays_its_tiers_out_public_to_isolated_in_dot_only(diagram: Diagram) -> None:
    order = {(e.source, e.target) for e in diagram.edges if e.style == "order"}
    expected = set()
    for zone in ZONES:
        z = zone.replace("-", "_")
        expected |= {
            (f"subnet_public_{z}", f"subnet_private_{z}"),
            (f"subnet_private_{z}", f"subnet_isolated_{z}"),
        }
    assert order == expected
    dot = render_dot(diagram)
    assert '"subnet_public_us_east_1a" -> "subnet_private_us_east_1a" [style=invis];' in dot
    assert "subnet_public_us_east_1a --> subnet_private_us_east_1a" not in render_mermaid(diagram)
