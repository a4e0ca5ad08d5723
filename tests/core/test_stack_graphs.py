"""The graphs review commands read: a synthesized stack, a graph file, and referenced stacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra_kit.core.stack_graphs import load_stack_graphs, reference_names
from infra_kit.errors import SynthError
from infra_kit.policy._graph import GraphDoc

REPO = Path(__file__).resolve().parents[2]


def _graph(*references: str) -> GraphDoc:
    stack = "urn:pulumi:prod::app::pulumi:pulumi:Stack::app-prod"
    resources = [{"urn": stack, "type": "pulumi:pulumi:Stack", "custom": False}]
    for name in references:
        resources.append(
            {
                "urn": f"urn:pulumi:prod::app::pulumi:pulumi:StackReference::{name}",
                "type": "pulumi:pulumi:StackReference",
                "custom": True,
                "parent": stack,
                "inputs": {"name": name},
            }
        )
    return GraphDoc({"project": "app", "stack": "prod", "resources": resources})


def test_reference_names_are_listed_once_in_graph_order() -> None:
    graph = _graph("org/platform/prod", "org/shared/prod", "org/platform/prod")
    assert reference_names(graph) == ["org/platform/prod", "org/shared/prod"]


def test_a_graph_file_is_read_without_resolving_its_references(tmp_path: Path) -> None:
    path = tmp_path / "graph.json"
    path.write_text(json.dumps(_graph("org/platform/prod").doc), encoding="utf-8")
    graphs = load_stack_graphs(project_dir=tmp_path, graph_file=path)
    assert graphs.graph.project == "app"
    assert graphs.references == {}


def test_a_file_that_is_not_a_graph_names_itself(tmp_path: Path) -> None:
    path = tmp_path / "graph.json"
    path.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(SynthError, match=r"graph\.json is not a graph\.json document"):
        load_stack_graphs(project_dir=tmp_path, graph_file=path)


def test_exactly_one_source_is_required(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="exactly one"):
        load_stack_graphs(project_dir=tmp_path)
    with pytest.raises(ValueError, match="exactly one"):
        load_stack_graphs(project_dir=tmp_path, stack="dev", graph_file=tmp_path / "g.json")


def test_an_app_stack_brings_the_platform_graph_it_references() -> None:
    graphs = load_stack_graphs(project_dir=REPO / "examples" / "orders-service", stack="dev")
    assert list(graphs.references) == ["organization/platform/dev"]
    platform = graphs.references["organization/platform/dev"]
    assert (platform.project, platform.stack) == ("platform", "dev")
    assert platform.of_type("aws:eks/nodeGroup:NodeGroup")
    assert [g.project for g in graphs.all()] == ["orders-service", "platform"]


def _write(path: Path, graph: GraphDoc) -> Path:
    path.write_text(json.dumps(graph.doc), encoding="utf-8")
    return path


def test_a_graph_files_references_come_from_the_graphs_given_with_it(tmp_path: Path) -> None:
    app = _write(tmp_path / "app.json", _graph("org/platform/prod", "org/shared/prod"))
    platform = GraphDoc({"project": "platform", "stack": "prod", "resources": []})
    other = GraphDoc({"project": "platform", "stack": "dev", "resources": []})
    graphs = load_stack_graphs(
        project_dir=tmp_path,
        graph_file=app,
        reference_files=[_write(tmp_path / "p.json", platform), _write(tmp_path / "d.json", other)],
    )
    assert list(graphs.references) == ["org/platform/prod"]
    assert graphs.references["org/platform/prod"].stack == "prod"
    assert graphs.missing == ("org/shared/prod",)
