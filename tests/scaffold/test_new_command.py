"""`infra-kit new service`: refusals are one line and exit 2, and a failed run leaves nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra_kit import scaffold
from infra_kit.cli import main

COMMIT = "0123456789abcdef0123456789abcdef01234567"


def _new(*args: str) -> int:
    return main(["new", "service", *args, "--infra-kit-ref", COMMIT])


def _one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert "Traceback" not in captured.err
    return lines[0]


def test_the_project_goes_to_dot_name_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert _new("orders", "--kind", "web") == 0
    assert (tmp_path / "orders" / "Pulumi.yaml").read_text().startswith("name: orders\n")
    assert "created orders/ (20 files)" in capsys.readouterr().out
    assert [p.name for p in tmp_path.iterdir()] == ["orders"]


def test_options_reach_the_stack_files_and_the_workflows(tmp_path: Path) -> None:
    target = tmp_path / "svc"
    code = _new(
        "billing", "--kind", "worker", "--dir", str(target), "--team", "payments",
        "--cost-center", "cc-2002", "--infra-kit-repository", "https://github.com/acme/infra-kit",
    )  # fmt: skip
    assert code == 0
    stack = (target / "Pulumi.prod.yaml").read_text()
    assert 'team: "payments"' in stack
    assert 'cost_center: "cc-2002"' in stack
    main_yml = (target / ".github" / "workflows" / "main.yml").read_text()
    assert f"uses: acme/infra-kit/.github/workflows/_deploy.yml@{COMMIT}" in main_yml
    pyproject = (target / "pyproject.toml").read_text()
    # The library at the very commit the pipeline runs, so the two cannot drift apart.
    assert (
        f'infra-kit = {{ git = "https://github.com/acme/infra-kit", rev = "{COMMIT}" }}'
        in pyproject
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["Orders", "--kind", "web"], "NAME='Orders': a service name is a lowercase DNS label"),
        (["x" * 34, "--kind", "web"], "shorten it to 33 characters or fewer"),
        (["ok", "--kind", "web", "--team", "a team"], "--team='a team'"),
        (["ok", "--kind", "web", "--infra-kit-repository", "x"], "--infra-kit-repository='x'"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_written(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    expected: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    assert _new(*args) == 2
    line = _one_error_line(capsys)
    assert line.startswith("infra-kit new service: error: ")
    assert expected in line
    assert "Fix: " in line
    assert list(tmp_path.iterdir()) == []


def test_a_ref_that_is_not_a_commit_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["new", "service", "ok", "--kind", "web", "--dir", str(tmp_path / "ok"),
                 "--infra-kit-ref", "main"])  # fmt: skip
    assert code == 2
    assert "--infra-kit-ref='main': " in _one_error_line(capsys)
    assert list(tmp_path.iterdir()) == []


def test_a_directory_with_files_is_never_touched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "mine"
    target.mkdir()
    (target / "notes.txt").write_text("keep me")
    assert _new("orders", "--kind", "web", "--dir", str(target)) == 2
    assert "--dir=" in _one_error_line(capsys)
    assert [p.name for p in target.iterdir()] == ["notes.txt"]
    assert (target / "notes.txt").read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]


def test_an_empty_directory_is_filled(tmp_path: Path) -> None:
    target = tmp_path / "empty"
    target.mkdir()
    assert _new("orders", "--kind", "worker", "--dir", str(target)) == 0
    assert (target / "__main__.py").is_file()


@pytest.mark.parametrize("fault", [OSError("disk full"), KeyboardInterrupt()])
def test_a_run_that_fails_halfway_leaves_nothing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    fault: BaseException,
) -> None:
    real_write = scaffold._write

    def write_half_then_fail(root: Path, files: dict[str, str]) -> None:
        real_write(root, dict(list(files.items())[:5]))
        raise fault

    monkeypatch.setattr(scaffold, "_write", write_half_then_fail)
    code = _new("orders", "--kind", "web", "--dir", str(tmp_path / "orders"))
    assert code == (130 if isinstance(fault, KeyboardInterrupt) else 1)
    err = capsys.readouterr().err
    assert ("nothing was created" in err) if code == 130 else ("disk full" in err)
    assert list(tmp_path.iterdir()) == []
