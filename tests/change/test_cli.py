"""``infra-kit diff`` on the command line: its inputs, exit codes, and git refs."""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

import pytest

from infra_kit.cli import main
from tests.change.graphs import database, graph
from tests.conftest import REPO


def _write(path: Path, *records: dict[str, object]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(graph(*records).doc), encoding="utf-8")
    return path


@pytest.fixture
def sides(tmp_path: Path) -> tuple[Path, Path]:
    base = _write(tmp_path / "base" / "graph.json", database())
    new = _write(tmp_path / "new.json", database(identifier="orders-service-prod-orders"))
    return base, new


def test_a_graph_and_a_synth_directory_compare(
    sides: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    base, new = sides
    assert main(["diff", str(base.parent), str(new)]) == 0
    out = capsys.readouterr().out
    assert "+- replace  aws:rds/instance:Instance  orders-db  [STATEFUL: RDS and Aurora]" in out
    assert "identifier: " in out
    assert "(forces replacement)" in out


def test_fail_on_stateful_writes_the_report_then_exits_1(
    sides: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base, new = sides
    report = tmp_path / "out" / "diff.txt"
    assert main(["diff", str(base), str(new), "--fail-on-stateful", "--output", str(report)]) == 1
    assert "DATA LOSS" in report.read_text(encoding="utf-8")
    assert "DELETE OR REPLACE A STATEFUL RESOURCE" in capsys.readouterr().err
    # Without data loss the flag changes nothing.
    assert main(["diff", str(base), str(base), "--fail-on-stateful"]) == 0


@pytest.mark.parametrize("which", ["BASE", "NEW"])
def test_an_argument_that_is_neither_graph_nor_directory_nor_ref_is_a_usage_error(
    which: str, sides: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base, _ = sides
    bad = str(tmp_path / "no-such-thing")
    args = [bad, str(base)] if which == "BASE" else [str(base), bad]
    assert main(["diff", *args, "--project-dir", str(REPO)]) == 2
    err = capsys.readouterr().err
    assert f"Invalid value for {which}: '{bad}' is neither a graph.json" in err


def test_a_directory_without_a_graph_is_an_error(
    tmp_path: Path, sides: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "empty").mkdir()
    assert main(["diff", str(tmp_path / "empty"), str(sides[1])]) == 1
    assert "is a directory without a graph.json" in capsys.readouterr().err


def test_a_git_ref_needs_a_stack(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", "HEAD", "--project-dir", str(REPO)]) == 2
    assert "Invalid value for BASE: 'HEAD' is a git ref" in capsys.readouterr().err


def _leftovers(where: Path) -> list[Path]:
    return sorted(where.glob("infra-kit-diff-*"))


def test_two_refs_are_synthesized_from_their_own_trees_and_cleaned_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    head = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    code = main(["diff", "HEAD", head, "--stack", "dev", "--project-dir", str(REPO), "--quiet"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "infra-kit diff: HEAD -> " in out
    assert "(platform/dev -> platform/dev)" in out
    assert out.rstrip().endswith("unchanged")
    assert out.rstrip().splitlines()[-1].startswith("no changes; ")
    assert _leftovers(tmp_path) == []


def test_ctrl_c_while_a_ref_is_synthesized_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from infra_kit.change import _sources

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    real_run = subprocess.run

    def interrupted(command: list[str], **kwargs: object) -> object:
        if "synth" in command:
            assert len(_leftovers(tmp_path)) == 1  # the export exists while it runs
            raise KeyboardInterrupt
        return real_run(command, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(_sources.subprocess, "run", interrupted)
    code = main(["diff", "HEAD", "--stack", "dev", "--project-dir", str(REPO), "--quiet"])
    assert code == 130
    assert "interrupted" in capsys.readouterr().err
    assert _leftovers(tmp_path) == []


def test_the_markdown_comment_carries_the_cost_delta_of_the_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = _write(tmp_path / "base.json", database(allocatedStorage=100))
    new = _write(tmp_path / "new.json", database(allocatedStorage=200))
    assert main(["diff", str(base), str(new), "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("<!-- infra-kit diff -->\n### Change preview: `orders-service/prod`")
    assert "`allocatedStorage: 100 -> 200`" in out
    assert "Monthly cost change of `orders-service/prod`" in out
    assert main(["diff", str(base), str(new), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["summary"]["update"] == 1
    # Twice the storage costs more: the delta is there, and positive.
    assert doc["cost_delta_monthly_usd"] > 0


def test_a_ref_without_the_stack_is_an_empty_base(
    tmp_path: Path, sides: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "README.md").write_text("no project yet\n")
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "base"], check=True)
    _, new = sides
    args = ["diff", "HEAD", str(new), "--stack", "prod", "--project-dir", str(repo), "--quiet"]
    assert main([*args, "--fail-on-stateful"]) == 0
    out = capsys.readouterr().out
    assert " + create   aws:rds/instance:Instance  orders-db" in out
    assert "note: BASE is" not in out
