"""``infra-kit preview init``: a pull request's stack file from the project's template (ENV-1)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from infra_kit.cli import main
from infra_kit.errors import ConfigError, ValidationError
from infra_kit.preview import TEMPLATE_FILE, render_stack_file, write_stack_file
from tests.conftest import REPO

EXAMPLE = REPO / "examples" / "orders-service"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    target = tmp_path / "orders-service"
    shutil.copytree(EXAMPLE, target, ignore=shutil.ignore_patterns("__pycache__", ".synth"))
    return target


def test_the_stack_file_is_the_template_with_the_number_and_a_generated_header(
    project: Path,
) -> None:
    path = write_stack_file(project, 123)
    assert path == project / "Pulumi.pr-123.yaml"
    text = path.read_text()
    assert text.startswith("# The preview environment of pull request #123")
    assert "{number}" not in text
    config = yaml.safe_load(text)["config"]
    assert config["orders-service:platform_stack"] == "organization/platform/dev"
    assert config["orders-service:host"] == "pr-123.orders.dev.infra-kit.example.com"
    assert config["orders-service:environment"]["tags"]["feature"] == "orders-service-pr-123"
    assert "service" not in config["orders-service:environment"]["tags"]


def test_writing_the_same_file_again_changes_nothing_but_other_content_is_kept(
    project: Path,
) -> None:
    path = write_stack_file(project, 7)
    assert write_stack_file(project, 7) == path
    path.write_text(path.read_text() + "# a hand-made change\n")
    with pytest.raises(ConfigError, match="exists with other content. Fix: remove it, or pass"):
        write_stack_file(project, 7)
    assert path.read_text().endswith("# a hand-made change\n")
    write_stack_file(project, 7, force=True)
    assert not path.read_text().endswith("# a hand-made change\n")


@pytest.mark.parametrize("number", [0, -1, True, 1.0, "12"])
def test_a_number_that_is_not_a_positive_integer_is_refused(project: Path, number: object) -> None:
    with pytest.raises(ValidationError, match="not a pull request number"):
        write_stack_file(project, number)  # type: ignore[arg-type]  # the refusal under test
    assert not list(project.glob("Pulumi.pr-*.yaml"))


def test_a_template_without_the_number_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"no \{number\} in the template"):
        render_stack_file("config:\n  p:host: orders.dev.example.com\n", 1)


def test_a_project_without_a_template_is_refused_with_the_fix(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: p\nruntime: python\n")
    with pytest.raises(ConfigError, match=f"add {TEMPLATE_FILE} beside Pulumi.yaml"):
        write_stack_file(tmp_path, 1)


def test_the_command_writes_the_file_and_prints_its_path(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["preview", "init", "--number", "42", "--project-dir", str(project)]) == 0
    assert capsys.readouterr().out.strip() == str(project / "Pulumi.pr-42.yaml")


@pytest.mark.parametrize("number", ["0", "-3", "abc", "1.5", "0x1", ""])
def test_the_command_refuses_a_bad_number_as_a_usage_error(
    project: Path, number: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["preview", "init", "--number", number, "--project-dir", str(project)])
    assert code == 2
    assert "is not a pull request number; give a positive integer" in capsys.readouterr().err
    assert not list(project.glob("Pulumi.pr-*.yaml"))


def test_the_command_reports_a_missing_template_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: p\nruntime: python\n")
    assert main(["preview", "init", "--number", "1", "--project-dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "infra-kit preview init: error:" in err
    assert "Traceback" not in err
