"""scripts/ci: the stack matrix the pipeline runs over, and the images the security scan reads."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import REPO


def _script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / "ci" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


list_stacks = _script("list_stacks")
list_images = _script("list_images")

#: The projects the deploy matrix holds: the platform, its cluster services and every example.
EVERY_PROJECT = {"platform", "cluster-services", "order-events-worker", "orders-service"}


def _stacks(entries: list[dict[str, str]]) -> list[str]:
    return [f"{e['project']}/{e['stack']}" for e in entries]


def test_every_stack_file_of_every_project_is_in_the_matrix() -> None:
    assert _stacks(list_stacks.matrix(REPO)["include"]) == [
        "platform/dev",
        "platform/prod",
        "platform/stage",
        "cluster-services/dev",
        "cluster-services/prod",
        "cluster-services/stage",
        "order-events-worker/dev",
        "order-events-worker/prod",
        "orders-service/dev",
        "orders-service/prod",
        "orders-service/stage",
    ]


def test_each_stack_that_reads_a_platform_tunnels_through_that_platform() -> None:
    tunnels = {
        f"{e['project']}/{e['stack']}": e["tunnel_platform_stack"]
        for e in list_stacks.matrix(REPO)["include"]
    }
    # The platform creates only AWS resources: it needs no tunnel (ADR 0017).
    assert {k: v for k, v in tunnels.items() if k.startswith("platform/")} == {
        "platform/dev": "", "platform/prod": "", "platform/stage": "",
    }  # fmt: skip
    for name, platform in tunnels.items():
        if not name.startswith("platform/"):
            assert platform == f"organization/platform/{name.split('/')[1]}", name


@pytest.mark.parametrize(
    ("changed", "projects"),
    [
        (["examples/orders-service/__main__.py"], {"orders-service"}),
        (["examples/order-events-worker/Pulumi.prod.yaml"], {"order-events-worker"}),
        (["cluster-services/__main__.py"], {"cluster-services"}),
        (["infra_kit/aws/network.py"], EVERY_PROJECT),
        (["uv.lock"], EVERY_PROJECT),
        (["stacks/Pulumi.prod.yaml"], EVERY_PROJECT),
        ([], set()),
        (["", "  "], set()),
    ],
)
def test_a_change_selects_the_projects_it_can_alter(changed: list[str], projects: set[str]) -> None:
    entries = list_stacks.matrix(REPO, changed)["include"]
    assert {e["project"] for e in entries} == projects


def test_a_stack_filter_keeps_only_the_named_stacks() -> None:
    assert _stacks(list_stacks.matrix(REPO, None, ["prod"])["include"]) == [
        "platform/prod",
        "cluster-services/prod",
        "order-events-worker/prod",
        "orders-service/prod",
    ]


def test_an_unreadable_pulumi_yaml_exits_2_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "Pulumi.yaml").write_text("runtime: python\n")
    assert list_stacks.main(["--root", str(tmp_path)]) == 2
    assert "cannot read a Pulumi.yaml" in capsys.readouterr().err


def test_images_come_from_containers_and_init_containers_at_any_depth(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pod = {"containers": [{"image": "a:1"}], "initContainers": [{"image": "b@sha256:00"}]}
    graph = {
        "resources": [
            {"inputs": {"spec": {"template": {"spec": pod}}}},
            {"inputs": {"spec": {"jobTemplate": {"spec": {"template": {"spec": pod}}}}}},
            {"inputs": {"values": {"image": {"tag": "v1"}}}},
            {"outputs": {}},
        ]
    }
    path = tmp_path / "graph.json"
    path.write_text(json.dumps(graph))
    assert list_images.main([str(path)]) == 0
    assert capsys.readouterr().out.splitlines() == ["a:1", "b@sha256:00"]


def test_input_that_is_not_a_graph_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "graph.json"
    path.write_text("[]")
    assert list_images.main([str(path)]) == 2
    assert "not a synthesized graph" in capsys.readouterr().err
