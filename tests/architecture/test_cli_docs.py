"""``infra-kit docs`` on graph files: what it writes, and what it refuses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra_kit.cli import main
from tests.conftest import REPO, graph_of

EXAMPLE = REPO / "examples" / "orders-service"


@pytest.fixture(scope="module")
def graph_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("graphs")
    files = {}
    for name, project in (("platform", REPO), ("orders", EXAMPLE)):
        path = base / f"{name}-prod.json"
        path.write_text(json.dumps(graph_of(project, "prod").to_contract()))
        files[name] = path
    return files


def test_docs_writes_the_document_the_dot_and_the_svg(
    graph_files: dict[str, Path], tmp_path: Path
) -> None:
    code = main(
        ["docs", "--graph", str(graph_files["platform"]), "--with-graph", str(graph_files["orders"]),
         "--out", str(tmp_path), "--quiet", "--project-dir", str(REPO)]
    )  # fmt: skip
    assert code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "architecture.dot", "architecture.md", "architecture.svg"
    ]  # fmt: skip
    text = (tmp_path / "architecture.md").read_text()
    assert "# Architecture of platform/prod" in text
    assert "RDS postgres 16" in text
    assert "orders-service-prod-orders-db" in text


def test_docs_needs_exactly_one_of_stack_and_graph(tmp_path: Path) -> None:
    assert main(["docs", "--out", str(tmp_path)]) == 2
    assert list(tmp_path.iterdir()) == []


def test_app_is_refused_with_a_graph_file(graph_files: dict[str, Path], tmp_path: Path) -> None:
    args = ["docs", "--graph", str(graph_files["platform"]), "--app", str(EXAMPLE)]
    assert main([*args, "--out", str(tmp_path / "out")]) == 2
    assert not (tmp_path / "out").exists()


def test_an_out_that_is_a_file_is_a_usage_error(
    graph_files: dict[str, Path], tmp_path: Path
) -> None:
    target = tmp_path / "file"
    target.write_text("")
    assert main(["docs", "--graph", str(graph_files["platform"]), "--out", str(target)]) == 2


def test_without_dot_the_command_fails_and_writes_nothing(
    graph_files: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    out = tmp_path / "out"
    assert main(["docs", "--graph", str(graph_files["platform"]), "--out", str(out)]) == 1
    assert not out.exists()
    error = capsys.readouterr().err
    assert "infra-kit docs: error: Graphviz's dot is not on PATH" in error
    assert "--no-svg" in error
    assert "Traceback" not in error
    assert (
        main(["docs", "--graph", str(graph_files["platform"]), "--out", str(out), "--no-svg", "-q"])
        == 0
    )
    assert sorted(p.name for p in out.iterdir()) == ["architecture.dot", "architecture.md"]


def test_an_app_graph_without_its_platform_says_how_to_show_the_network(
    graph_files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["docs", "--graph", str(graph_files["orders"]), "--out", str(tmp_path), "--no-svg"])
        == 0
    )
    error = capsys.readouterr().err
    assert "organization/platform/prod not given; pass its graph.json with --with-graph" in error
    assert "# Architecture of orders-service/prod" in (tmp_path / "architecture.md").read_text()
