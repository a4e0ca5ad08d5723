"""The infra-kit command: exit codes, messages and what it writes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from infra_kit.cli import main


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "infra_kit.cli", *args],
        cwd=cwd, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip


def test_synth_writes_the_graph_and_prints_a_summary(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["synth", "--stack", "dev", "--project-dir", str(repo), "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0
    doc = json.loads((tmp_path / "graph.json").read_text())
    assert (doc["project"], doc["stack"]) == ("platform", "dev")
    assert "platform/dev:" in out
    assert "resources by type:" in out
    assert f"wrote {tmp_path / 'graph.json'}" in out


def test_json_prints_the_graph_and_writes_nothing(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from infra_kit.core.engine import Graph

    def no_writing(self: Graph, out: Path) -> list[Path]:
        raise AssertionError(f"--json wrote to {out}")

    monkeypatch.setattr(Graph, "write", no_writing)
    code = main(["synth", "--stack", "prod", "--project-dir", str(repo), "--json"])
    assert code == 0
    assert json.loads(capsys.readouterr().out)["stack"] == "prod"


def test_json_with_an_out_is_a_usage_error(repo: Path, tmp_path: Path) -> None:
    assert main(["synth", "--stack", "dev", "--json", "--out", str(tmp_path / "x")]) == 2
    assert not (tmp_path / "x").exists()


def test_bad_config_exits_1_with_the_key_and_no_traceback(repo: Path, tmp_path: Path) -> None:
    project = tmp_path / "p"
    shutil.copytree(
        repo / "stacks", project / "stacks", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(repo / "Pulumi.yaml", project)
    stack_file = project / "stacks" / "Pulumi.prod.yaml"
    data = yaml.safe_load(stack_file.read_text())
    data["config"]["platform:environment"]["network"] = {"az_count": 2}
    stack_file.write_text(yaml.safe_dump(data))
    result = run_cli("synth", "--stack", "prod", "--out", str(tmp_path / "out"), cwd=project)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "infra-kit synth: error: invalid configuration in Pulumi.prod.yaml" in result.stderr
    assert "network.az_count=2: prod needs at least 3 AZs" in result.stderr
    assert not (tmp_path / "out").exists()


def test_an_unknown_stack_exits_1_and_lists_the_stacks(repo: Path) -> None:
    result = run_cli("synth", "--stack", "qa", cwd=repo)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "stack 'qa' has no stack file" in result.stderr
    assert "dev, prod, stage" in result.stderr


def test_a_directory_without_a_project_exits_1(tmp_path: Path) -> None:
    result = run_cli("synth", "--stack", "dev", cwd=tmp_path)
    assert result.returncode == 1
    assert "no Pulumi.yaml" in result.stderr


def test_a_missing_stack_argument_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli("synth", cwd=tmp_path)
    assert result.returncode == 2
    assert "--stack" in result.stderr


@pytest.mark.parametrize("command", ["synth", "check"])
def test_every_command_shows_an_example_in_its_help(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([command, "--help"]) == 0
    help_text = capsys.readouterr().out
    assert "Examples:" in help_text
    assert f"  infra-kit {command} --stack" in help_text
