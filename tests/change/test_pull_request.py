"""The pull request posts the change preview, then fails on unacknowledged data loss."""

from __future__ import annotations

import importlib.util
import json
import subprocess
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from tests.conftest import REPO


def _script() -> ModuleType:
    path = REPO / "scripts" / "ci" / "change_preview.py"
    spec = importlib.util.spec_from_file_location("change_preview", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


change_preview = _script()


def _job() -> dict[str, Any]:
    workflow = yaml.safe_load((REPO / ".github/workflows/pull-request.yml").read_text("utf-8"))
    return workflow["jobs"]["change-preview"]


def test_the_job_may_write_pull_requests_and_nothing_else() -> None:
    assert _job()["permissions"] == {"contents": "read", "pull-requests": "write"}


def test_no_run_step_interpolates_an_expression() -> None:
    for step in _job()["steps"]:
        assert "${{" not in step.get("run", ""), step.get("name")


def test_the_comment_is_posted_before_the_job_fails() -> None:
    names = [step.get("name", "") for step in _job()["steps"]]
    diff = names.index("infra-kit diff of every affected stack")
    post = names.index("post or update the comment")
    gate = names.index("fail when data would be lost and nobody acknowledged it")
    assert diff < post < gate
    steps = _job()["steps"]
    assert "scripts/ci/change_preview.py" in steps[diff]["run"]
    assert "data-loss-acknowledged" in steps[gate]["run"]
    assert change_preview.LABEL == "data-loss-acknowledged"


@pytest.mark.parametrize(
    ("codes", "data_loss", "failed"),
    [((0, 0), "false", "false"), ((0, 1), "true", "false"), ((2, 0), "false", "true")],
)
def test_the_script_joins_every_stack_and_reports_the_outcome(
    codes: tuple[int, int],
    data_loss: str,
    failed: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    matrix = tmp_path / "affected.json"
    entries = [
        {"project_dir": ".", "project": "platform", "stack": "prod"},
        {"project_dir": "examples/orders-service", "project": "orders-service", "stack": "prod"},
    ]
    matrix.write_text(json.dumps({"include": entries}))
    calls: list[list[str]] = []

    def fake_run(command: list[str], **_: object) -> subprocess.CompletedProcess[str]:
        calls.append(command)
        code = codes[len(calls) - 1]
        if code in (0, 1):
            out = Path(command[command.index("--output") + 1])
            out.write_text(f"{change_preview.MARKER}\n### Change preview: stack {len(calls)}\n")
        return subprocess.CompletedProcess(command, code, "", "synth failed: boom")

    monkeypatch.setattr(change_preview.subprocess, "run", fake_run)
    github_output = tmp_path / "github-output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(github_output))
    comment = tmp_path / "comment.md"
    assert (
        change_preview.main(["--base", "abc123", "--matrix", str(matrix), "--out", str(comment)])
        == 0
    )
    assert [c[c.index("diff") + 1 :][:5] for c in calls] == [
        ["abc123", "--stack", "prod", "--project-dir", "."],
        ["abc123", "--stack", "prod", "--project-dir", "examples/orders-service"],
    ]
    assert all("--fail-on-stateful" in c for c in calls)
    text = comment.read_text()
    assert text.startswith(change_preview.MARKER + "\n")
    assert text.count(change_preview.MARKER) == 1
    assert ("**This change loses data.**" in text) == (data_loss == "true")
    assert ("synth failed: boom" in text) == (failed == "true")
    assert github_output.read_text() == f"data_loss={data_loss}\nfailed={failed}\n"
