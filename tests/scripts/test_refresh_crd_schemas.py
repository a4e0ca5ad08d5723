"""scripts/refresh_crd_schemas.py: one vendored file, one source and date per chart."""

from __future__ import annotations

import gzip
import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from tests.conftest import REPO


def _script() -> ModuleType:
    path = REPO / "scripts" / "refresh_crd_schemas.py"
    spec = importlib.util.spec_from_file_location("refresh_crd_schemas", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


refresh = _script()


def _crd(group: str, kind: str, fields: dict[str, Any]) -> dict[str, Any]:
    schema = {"type": "object", "properties": {"spec": {"type": "object", "properties": fields}}}
    return {
        "spec": {
            "group": group,
            "names": {"kind": kind},
            "versions": [
                {"name": "v1old", "served": True, "storage": False, "schema": {}},
                {"name": "v1", "served": True, "storage": True,
                 "schema": {"openAPIV3Schema": schema}},
            ],
        }
    }  # fmt: skip


@pytest.fixture
def charts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Two charts of one CRD each, in clones under ``tmp_path``; the target is in it too."""
    monkeypatch.setattr(refresh, "ROOT", tmp_path)
    monkeypatch.setattr(refresh, "TARGET", tmp_path / "crd-schemas.json.gz")
    monkeypatch.setattr(
        refresh,
        "CHARTS",
        {"one": ("one at v1", ("a.yaml",)), "two": ("two at v2", ("b.yaml",))},
    )
    dirs = {}
    for chart, group, kind, file in (
        ("one", "one.io", "A", "a.yaml"),
        ("two", "two.io", "B", "b.yaml"),
    ):
        directory = tmp_path / chart
        directory.mkdir()
        (directory / file).write_text(yaml.safe_dump(_crd(group, kind, {"x": {"type": "string"}})))
        dirs[chart] = directory
    return dirs


def _document() -> dict[str, Any]:
    return json.loads(gzip.decompress(refresh.TARGET.read_bytes()))


def test_each_chart_keeps_its_source_date_and_kinds(charts: dict[str, Path]) -> None:
    assert refresh.main([f"one={charts['one']}", f"two={charts['two']}"]) == 0
    document = _document()
    assert sorted(document["schemas"]) == ["one.io/v1/A", "two.io/v1/B"]
    assert document["sources"]["one"]["source"] == "one at v1"
    assert document["sources"]["two"]["kinds"] == ["two.io/v1/B"]


def test_refreshing_one_chart_leaves_the_others_schemas_and_dates(
    charts: dict[str, Path],
) -> None:
    assert refresh.main([f"one={charts['one']}", f"two={charts['two']}"]) == 0
    before = _document()
    (charts["two"] / "b.yaml").write_text(
        yaml.safe_dump(_crd("two.io", "B", {"y": {"type": "integer"}}))
    )
    assert refresh.main([f"one={charts['one']}"]) == 0
    assert _document() == before
    stale = refresh.TARGET.read_bytes()
    assert refresh.main([f"two={charts['two']}", "--check"]) == 1
    assert refresh.TARGET.read_bytes() == stale
    assert refresh.main([f"two={charts['two']}"]) == 0
    after = _document()
    assert after["schemas"]["one.io/v1/A"] == before["schemas"]["one.io/v1/A"]
    assert after["sources"]["one"] == before["sources"]["one"]
    assert "y" in after["schemas"]["two.io/v1/B"]["properties"]["spec"]["properties"]


def test_a_second_run_changes_nothing(charts: dict[str, Path]) -> None:
    refresh.main([f"one={charts['one']}"])
    first = refresh.TARGET.read_bytes()
    assert refresh.main([f"one={charts['one']}"]) == 0
    assert refresh.main([f"one={charts['one']}", "--check"]) == 0
    assert refresh.TARGET.read_bytes() == first


def test_an_unknown_chart_is_refused(charts: dict[str, Path]) -> None:
    with pytest.raises(SystemExit):
        refresh.main([f"three={charts['one']}"])


def test_the_vendored_file_holds_both_pinned_sources() -> None:
    document = json.loads(gzip.decompress(refresh.TARGET.read_bytes()))
    assert {chart: entry["source"] for chart, entry in document["sources"].items()} == {
        chart: source for chart, (source, _) in refresh.CHARTS.items()
    }
    assert document["sources"]["argo-rollouts"]["kinds"] == [
        "argoproj.io/v1alpha1/AnalysisTemplate",
        "argoproj.io/v1alpha1/Rollout",
    ]
