"""``infra-kit review``: exit codes, formats, the graphs it is given, and usage errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from infra_kit.cli import main
from tests.review import graphs as g

pytestmark = pytest.mark.usefixtures("priced")


def _write(tmp_path: Path, name: str, doc: dict[str, Any]) -> Path:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    return {
        "app": _write(tmp_path, "app", g.app()),
        "platform": _write(tmp_path, "platform", g.platform()),
        "cluster": _write(tmp_path, "cluster", g.cluster()),
        "bare": _write(tmp_path, "bare", g.without(g.app(), "aws:cloudwatch/dashboard:Dashboard")),
    }


def _args(files: dict[str, Path], app: str = "app") -> list[str]:
    return [
        "review",
        "--graph",
        str(files[app]),
        "--with-graph",
        str(files["platform"]),
        "--with-graph",
        str(files["cluster"]),
    ]


def test_a_ready_stack_exits_0_with_every_answer(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(_args(files)) == 0
    out = capsys.readouterr().out
    assert "[PASS] DOD-1 If a node dies" in out
    assert out.rstrip().endswith("review of orders/prod: ready: 16 answered, 0 failed, 1 not shown")


def test_a_missing_answer_exits_1_and_says_how_to_add_it(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(_args(files, "bare")) == 1
    out = capsys.readouterr().out
    assert "[FAIL] DOD-4" in out
    assert "! missing: no CloudWatch dashboard in orders/prod: add infra_kit.aws.Dashboard" in out


def test_an_unresolved_platform_fails_the_answers_that_need_it(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["review", "--graph", str(files["app"]), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    failed = {a["key"]: a["missing"] for a in report["answers"] if a["status"] == "fail"}
    assert {"DOD-1", "DOD-2", "RUN-4"} <= set(failed)
    assert any("pass --with-graph <platform graph>" in m for m in failed["DOD-1"])
    assert "unresolved StackReferences: organization/platform/prod" in report["notes"]


def test_json_and_markdown(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*_args(files), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["passed"] is True
    assert [a["key"] for a in report["answers"]][:5] == [f"DOD-{i}" for i in range(1, 6)]
    assert main([*_args(files), "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("### Readiness review: `orders/prod` (ready)")
    assert "| pass | DOD-2 Can the system absorb 10x traffic" in out


def test_output_is_written_to_a_file(
    files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "reports" / "review.md"
    assert main([*_args(files), "--format", "markdown", "--output", str(out)]) == 0
    assert out.read_text(encoding="utf-8").startswith("### Readiness review")
    assert "review of orders/prod: ready" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give exactly one of --stack NAME or --graph FILE"),
        (["--stack", "prod", "--graph", "GRAPH"], "give exactly one of --stack NAME or --graph"),
        (["--stack", "prod", "--with-graph", "GRAPH"], "--with-graph goes with --graph"),
        (["--graph", "GRAPH", "--format", "yaml"], "'yaml' is not one of"),
        (["--graph", "GRAPH", "--output", "."], "'--output' / '--out': File '.' is a directory"),
    ],
)
def test_usage_errors_exit_2(
    files: dict[str, Path], args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [str(files["app"]) if a == "GRAPH" else a for a in args]
    assert main(["review", *args]) == 2
    assert message in capsys.readouterr().err


def test_a_file_that_is_not_a_graph_fails_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "graph.json"
    bad.write_text("[]", encoding="utf-8")
    assert main(["review", "--graph", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("infra-kit review: error: ")
    assert "is not a graph.json document" in err
    assert "Traceback" not in err
