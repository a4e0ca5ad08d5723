"""What the engine does to stay fast keeps its results: kept StackReferences, libyaml manifests,
and no garbage collection during a run (timings themselves are in benchmarks/, not here)."""

from __future__ import annotations

import gc
from collections.abc import Callable
from pathlib import Path

import pulumi
import pytest
import yaml

from infra_kit.core.engine import Graph, OfflineEngine
from infra_kit.core.engine._graph import manifest_text
from infra_kit.core.engine._reference_cache import CACHE_ENV
from tests.core.test_engine import make_project

APP = "import pulumi\npulumi.export('x', pulumi.StackReference('org/base/dev').get_output('x'))\n"


def _resolve(app: Path) -> tuple[object, list[str]]:
    said: list[str] = []
    graph = OfflineEngine.for_project(app, "dev", progress=said.append).run()
    return graph.outputs["x"], said


def test_a_kept_stack_reference_is_read_back_until_the_referenced_project_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "kept"))
    (tmp_path / "pyproject.toml").write_text("")
    base = make_project(tmp_path, "base", "import pulumi\npulumi.export('x', 1)\n", {})
    app = make_project(tmp_path, "app", APP, {"aws:region": "us-east-1"})

    first, said_first = _resolve(app)
    again, said_again = _resolve(app)
    (base / "__main__.py").write_text("import pulumi\npulumi.export('x', 2)\n")
    changed, said_changed = _resolve(app)

    assert (first, again, changed) == (1, 1, 2)
    assert "resolving StackReference org/base/dev (synthesizing base/dev)" in said_first
    assert not any("synthesizing" in line for line in said_again)
    assert any("outputs kept in" in line for line in said_again)
    assert "resolving StackReference org/base/dev (synthesizing base/dev)" in said_changed


def test_without_the_cache_every_run_synthesizes_its_stack_references(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(CACHE_ENV, raising=False)
    (tmp_path / "pyproject.toml").write_text("")
    make_project(tmp_path, "base", "import pulumi\npulumi.export('x', 1)\n", {})
    app = make_project(tmp_path, "app", APP, {"aws:region": "us-east-1"})
    _resolve(app)
    _value, said = _resolve(app)
    assert "resolving StackReference org/base/dev (synthesizing base/dev)" in said


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_manifests_are_the_text_the_pure_python_emitter_writes(
    stack: str, cluster_services_graph: Callable[[str], Graph]
) -> None:
    objects = cluster_services_graph(stack).kubernetes_objects()
    config_files = [v for o in objects for v in (o.get("data") or {}).values() if "\n" in v]
    assert config_files  # a ConfigMap holding a config file: the double-quoted case
    for obj in objects:
        assert manifest_text(obj) == _pure_python(obj)


@pytest.mark.parametrize(
    "value",
    [
        " ".join(["word"] * 40),
        "x: " + "y " * 50,
        "it's " * 30,
        "# " * 60,
        "caf\u00e9 " * 30,
        "\t tab " * 20,
        "line\n" * 30,
        "trailing " * 15 + " ",
        "",
        "~",
        "yes",
        "123",
    ],
)
def test_any_string_gets_the_text_the_pure_python_emitter_writes(value: str) -> None:
    obj = {"kind": "ConfigMap", "data": {"value": value, value or "empty": [value]}}
    assert manifest_text(obj) == _pure_python(obj)


def _pure_python(obj: dict[str, object]) -> str:
    return yaml.safe_dump(obj, sort_keys=False, default_flow_style=False)


def test_a_run_pauses_garbage_collection_and_restores_the_callers_setting() -> None:
    seen: list[bool] = []

    def program() -> None:
        seen.append(gc.isenabled())
        pulumi.export("x", 1)

    assert gc.isenabled()
    OfflineEngine.for_function(program).run()
    assert seen == [False]
    assert gc.isenabled()
    gc.disable()
    try:
        OfflineEngine.for_function(program).run()
        assert not gc.isenabled()
    finally:
        gc.enable()
